/**
 * The demo app `npm run demo` starts (over the built dist/), at the HTTP level:
 * Japanese pages by default, forms refused without their CSRF token or from
 * another origin, user input escaped, the demo key generated once and reused,
 * seeded accounts printed once, and no password in the audit log.
 * (The journey in a real browser is browser.test.ts.)
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyRing, verifyAuditLog } from '../../src/index.js';

interface Seeded {
  username: string;
  password: string;
  roles: string[];
}
interface Demo {
  app: { listen(port: number, host: string, cb: () => void): Server };
  seeded: Seeded[];
  banner: string;
  close(): Promise<void>;
}
interface DemoModule {
  createDemoApp(o: { now: () => number; dataDir: string }): Promise<Demo>;
}

// @ts-expect-error the demo is plain JavaScript
const demoModule = (await import('../../examples/demo/app.mjs')) as DemoModule;

let dataDir = '';
let demo: Demo;
let server: Server;
let base = '';

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'kanmon-demo-'));
  demo = await demoModule.createDemoApp({ now: () => Date.now(), dataDir });
  await new Promise<void>((resolve) => {
    server = demo.app.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await demo.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** A browser's cookies and the CSRF token of its forms. */
async function browserSession(lang = 'ja') {
  const res = await fetch(`${base}/login?lang=${lang}`, { redirect: 'manual' });
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const html = await res.text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
  return { cookie, csrf, html };
}

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

describe('demo app over HTTP', () => {
  it('opens on the login page, in Japanese by default, with no external asset', async () => {
    const res = await fetch(`${base}/`, { redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/login');
    const { html } = await browserSession();
    expect(html).toContain('<html lang="ja">');
    expect(html).toContain('<h1>ログイン</h1>');
    expect(html).not.toMatch(/(?:src|href)="(?:https?:)?\/\//);
  });

  it('answers in English on request', async () => {
    const { html } = await browserSession('en');
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('<h1>Sign in</h1>');
  });

  it('sends a nonce-based Content-Security-Policy and forbids framing', async () => {
    const res = await fetch(`${base}/login`);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(await res.text()).toContain(`nonce="${nonce}"`);
  });

  it('prints each seeded account once, with a random first password', () => {
    expect(demo.seeded.map((s) => s.username).sort()).toEqual(['admin', 'tanaka']);
    for (const s of demo.seeded) {
      expect(s.password.length).toBeGreaterThanOrEqual(10);
      expect(demo.banner.split(s.password).length - 1).toBe(1);
    }
    expect(demo.banner).toMatch(/DEMO KEY/);
  });
});

describe('CSRF: every form needs the browser\'s token', () => {
  it('refuses a login POST without the token', async () => {
    const { cookie } = await browserSession();
    const tanaka = demo.seeded.find((s) => s.username === 'tanaka')!;
    const res = await fetch(`${base}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: form({ username: 'tanaka', password: tanaka.password }),
    });
    expect(res.status).toBe(403);
  });

  it("refuses another browser's token", async () => {
    const a = await browserSession();
    const b = await browserSession();
    const res = await fetch(`${base}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: a.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: form({ _csrf: b.csrf, username: 'tanaka', password: 'x' }),
    });
    expect(res.status).toBe(403);
  });

  it('refuses a POST from another origin even with a valid token', async () => {
    const { cookie, csrf } = await browserSession();
    const res = await fetch(`${base}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
      body: form({ _csrf: csrf, username: 'tanaka', password: 'x' }),
    });
    expect(res.status).toBe(403);
  });

  it('sets its cookies HttpOnly and SameSite=Strict', async () => {
    const res = await fetch(`${base}/login`);
    const flow = res.headers.getSetCookie().find((c) => c.includes('flow='));
    expect(flow).toMatch(/HttpOnly/);
    expect(flow).toMatch(/SameSite=Strict/);
  });
});

describe('login page', () => {
  it('gives one answer for an unknown user and a wrong password, and escapes what was typed', async () => {
    const answers: string[] = [];
    for (const username of ['<script>alert(1)</script>', 'tanaka']) {
      const { cookie, csrf } = await browserSession();
      const res = await fetch(`${base}/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: form({ _csrf: csrf, username, password: 'Wrong#Password1' }),
      });
      expect(res.status).toBe(401);
      const html = await res.text();
      expect(html).toContain('ユーザー名またはパスワードが正しくありません');
      expect(html).not.toContain('<script>alert(1)</script>');
      answers.push(html.replace(/nonce="[^"]+"/g, '').replace(/value="[^"]*"/g, ''));
    }
    expect(answers[0]).toBe(answers[1]);
  });

  it('sends the issued password to the forced change page, and the live check refuses a weak one with every reason', async () => {
    const { cookie, csrf } = await browserSession();
    const admin = demo.seeded.find((s) => s.username === 'admin')!;
    const res = await fetch(`${base}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: form({ _csrf: csrf, username: 'admin', password: admin.password }),
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/password');
    const page = await (await fetch(`${base}/password`, { headers: { cookie } })).text();
    expect(page).toContain('初回ログイン');
    expect(page).toContain('10文字以上で入力してください');

    const check = await fetch(`${base}/api/check-password`, {
      method: 'POST',
      headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' },
      body: JSON.stringify({ password: 'admin1985', lang: 'en' }),
    });
    expect(check.status).toBe(422);
    const body = (await check.json()) as { ok: boolean; issues: { code: string; message: string }[] };
    expect(body.ok).toBe(false);
    expect(body.issues.map((i) => i.code)).toEqual(expect.arrayContaining(['too_short', 'missing_class', 'contains_context']));
    expect(JSON.stringify(body)).not.toContain('admin1985');
  });
});

describe('admin pages need a session with the admin role and a second factor', () => {
  it('sends a browser without a session to the login page, and does not act on its POST', async () => {
    const page = await fetch(`${base}/admin`, { redirect: 'manual' });
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/login');
    const { cookie, csrf } = await browserSession();
    const post = await fetch(`${base}/admin/reset`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: form({ _csrf: csrf, id: 'anything' }),
    });
    expect(post.status).toBe(303);
    expect(post.headers.get('location')).toBe('/login');
  });

  it('refuses a forged session cookie', async () => {
    const { cookie } = await browserSession();
    const forged = `${cookie}; kanmon-demo=eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiIsInJvbGVzIjpbImFkbWluIl0sImFtciI6WyJvdHAiXX0.`;
    const res = await fetch(`${base}/admin`, { redirect: 'manual', headers: { cookie: forged } });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/login');
  });
});

describe('demo key and audit log', () => {
  it('writes the demo key once, readable by its owner only; a restart reuses it and the audit chain still verifies', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kanmon-demo-restart-'));
    try {
      const first = await demoModule.createDemoApp({ now: () => Date.now(), dataDir: dir });
      await first.close();
      expect(first.banner).toMatch(/generated the DEMO KEY/);
      const path = join(dir, 'demo-keyring.json');
      expect(statSync(path).mode & 0o077).toBe(0);
      const before = readFileSync(path, 'utf8');
      const second = await demoModule.createDemoApp({ now: () => Date.now(), dataDir: dir });
      await second.close();
      expect(readFileSync(path, 'utf8')).toBe(before);
      expect(second.banner).not.toMatch(/generated the DEMO KEY/);
      const file = JSON.parse(before) as { current: string; keys: { id: string; secret: string }[] };
      const result = await verifyAuditLog(join(dir, 'audit'), createKeyRing({ keys: file.keys, current: file.current }));
      expect(result.ok).toBe(true);
      expect(result.count).toBeGreaterThanOrEqual(4); // two seeded accounts per start
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('records logins in the audit log without any password', () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (entry.isDirectory()) walk(join(dir, entry.name));
        else files.push(readFileSync(join(dir, entry.name), 'utf8'));
      }
    };
    walk(join(dataDir, 'audit'));
    const all = files.join('\n');
    expect(all).toContain('auth.login.failure');
    for (const s of demo.seeded) expect(all).not.toContain(s.password);
    expect(all).not.toContain('Wrong#Password1');
  });

  it('serves the compliance report of the policy in force', async () => {
    const html = await (await fetch(`${base}/compliance?lang=ja`)).text();
    expect(html).toContain('SEC-23');
  });
});
