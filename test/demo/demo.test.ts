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
import { type Demo, type DemoModule, totp } from './support/demo.js';

// @ts-expect-error the demo is plain JavaScript
const demoModule = (await import('../../examples/demo/app.mjs')) as DemoModule;

let dataDir = '';
let demo: Demo;
let server: Server;
let base = '';
/** The demo's clock runs this far ahead of real time (the step-up tests move it). */
let offsetMs = 0;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'kanmon-demo-'));
  demo = await demoModule.createDemoApp({ now: () => Date.now() + offsetMs, dataDir });
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

/** A browser over fetch: a cookie jar and the CSRF token of the last page with a form. */
function client(userAgent: string) {
  const jar = new Map<string, string>();
  let csrf = '';
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const take = (res: Response) => {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (value === '' || /Max-Age=0/i.test(c)) jar.delete(name);
      else jar.set(name, value);
    }
  };
  const read = async (res: Response) => {
    take(res);
    const html = await res.text();
    csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? csrf;
    return { status: res.status, location: res.headers.get('location'), html };
  };
  return {
    jar,
    get: async (path: string) => read(await fetch(`${base}${path}`, { redirect: 'manual', headers: { cookie: cookie(), 'user-agent': userAgent } })),
    post: async (path: string, fields: Record<string, string> = {}) =>
      read(
        await fetch(`${base}${path}`, {
          method: 'POST',
          redirect: 'manual',
          headers: { cookie: cookie(), 'user-agent': userAgent, 'content-type': 'application/x-www-form-urlencoded', referer: `${base}/admin` },
          body: form({ _csrf: csrf, ...fields }),
        }),
      ),
  };
}

describe('issue 17 in the demo: ログイン中の端末, step-up before the admin pages', () => {
  let lastCodeAt = 0;
  const freshCode = (secret: string) => {
    while (Math.floor((Date.now() + offsetMs) / 30_000) <= Math.floor(lastCodeAt / 30_000)) offsetMs += 30_000;
    lastCodeAt = Date.now() + offsetMs;
    return totp(secret, lastCodeAt);
  };
  /** First login over HTTP: the issued password, the forced change, TOTP enrolment. */
  const onboard = async (username: string, password: string, userAgent: string) => {
    const browser = client(userAgent);
    const issued = demo.seeded.find((s) => s.username === username)!.password;
    await browser.get('/login');
    expect((await browser.post('/login', { username, password: issued })).location).toBe('/password');
    await browser.get('/password');
    expect((await browser.post('/password', { current: issued, password, confirm: password })).location).toBe('/mfa/enroll');
    const secret = /id="totp-secret">([A-Z2-7]+)</.exec((await browser.get('/mfa/enroll')).html)?.[1] ?? '';
    expect((await browser.post('/mfa/enroll', { code: freshCode(secret) })).status).toBe(200);
    expect((await browser.get('/')).status).toBe(200);
    return { browser, secret };
  };
  let tanaka: Awaited<ReturnType<typeof onboard>>;
  let admin: Awaited<ReturnType<typeof onboard>>;
  const adminPassword = 'Vb4#Tn8&Lp3zQ';

  beforeAll(async () => {
    tanaka = await onboard('tanaka', 'Hx7$Rk9!mQv2w', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36');
    admin = await onboard('admin', adminPassword, 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0');
  });

  it('sends a browser without a session to the login page from /sessions, /reauth and /admin/inventory, and acts on no POST', async () => {
    const anonymous = client('test');
    for (const path of ['/sessions', '/reauth', '/admin/inventory']) {
      const res = await anonymous.get(path);
      expect([path, res.status, res.location]).toEqual([path, 303, '/login']);
    }
    await anonymous.get('/login');
    for (const path of ['/sessions/revoke-others', '/sessions/revoke', '/reauth']) {
      const res = await anonymous.post(path, { id: 'x', password: 'x' });
      expect([path, res.status, res.location]).toEqual([path, 303, '/login']);
    }
  });

  it('refuses the session forms without the CSRF token', async () => {
    const res = await fetch(`${base}/sessions/revoke-others`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: [...tanaka.browser.jar].map(([k, v]) => `${k}=${v}`).join('; '), 'content-type': 'application/x-www-form-urlencoded' },
      body: form({}),
    });
    expect(res.status).toBe(403);
  });

  it("lists only the user's own sessions with the device label, and another account's session id is not found (the session stays alive)", async () => {
    const mine = await tanaka.browser.get('/sessions');
    expect(mine.status).toBe(200);
    expect(mine.html).toContain('Chrome on Windows');
    expect(mine.html).not.toContain('Firefox on Linux');
    const theirs = await admin.browser.get('/sessions');
    const adminSessionId = /data-session="([^"]+)"/.exec(theirs.html)?.[1] ?? '';
    expect(adminSessionId).not.toBe('');
    expect(mine.html).not.toContain(adminSessionId);

    const tried = await tanaka.browser.post('/sessions/revoke', { id: adminSessionId });
    expect([tried.status, tried.location]).toEqual([303, '/sessions']);
    expect((await tanaka.browser.get('/sessions')).html).toContain('セッションは見つかりません');
    expect((await admin.browser.get('/')).status).toBe(200);
  });

  it('SEC-13: a session older than reauthMaxAgeSeconds is sent from the admin page and its actions to the password prompt; nothing runs until the password is proved again', async () => {
    const maxAge = demo.kanmon.policy.session.reauthMaxAgeSeconds;
    expect((await admin.browser.get('/admin')).status).toBe(200);
    offsetMs += (maxAge + 31) * 1000;
    const page = await admin.browser.get('/admin');
    expect([page.status, page.location]).toEqual([303, '/reauth']);
    const oldCookie = admin.browser.jar.get('kanmon-demo');

    const reset = await admin.browser.post('/admin/reset', { id: 'anything' });
    expect([reset.status, reset.location]).toEqual([303, '/reauth']);
    const prompt = await admin.browser.get('/reauth');
    expect(prompt.html).toContain('パスワードの再入力');

    const wrong = await admin.browser.post('/reauth', { password: 'Wrong#Pass1x' });
    expect(wrong.status).toBe(401);
    expect(wrong.html).toContain('現在のパスワードが正しくありません');
    const right = await admin.browser.post('/reauth', { password: adminPassword });
    expect([right.status, right.location]).toEqual([303, '/admin']);
    expect(admin.browser.jar.get('kanmon-demo')).not.toBe(oldCookie);
    const after = await admin.browser.get('/admin');
    expect(after.status).toBe(200);
    expect(after.html).toContain('auth.reauth.success');
    expect(after.html).not.toContain('admin.password.reset');

    // With the recent session the inventory (RM-27) opens: every account, its roles and second factor.
    const inventory = await admin.browser.get('/admin/inventory');
    expect(inventory.status).toBe(200);
    expect(inventory.html).toMatch(/<tr data-user="tanaka"><td>tanaka<\/td><td>staff<\/td>/);
    expect(inventory.html).toMatch(/<tr data-user="admin"><td>admin<\/td><td>admin<\/td><td class="privileged">あり</);
    expect(inventory.html).toContain('TOTP（リカバリーコード残り 10 個）');

    // The replaced session is refused.
    const stale = await fetch(`${base}/admin`, { redirect: 'manual', headers: { cookie: `kanmon-demo=${oldCookie}` } });
    expect([stale.status, stale.headers.get('location')]).toEqual([303, '/login']);
  });
});
