/**
 * Issue 18: passkeys in the demo, in a real browser (Debian's Chromium driven by playwright-core) with a virtual
 * authenticator through the Chrome DevTools Protocol (WebAuthn.addVirtualAuthenticator: CTAP2, internal transport,
 * resident key, user verification). W3C WebAuthn L3 §7.1 / §7.2 end to end: the page runs @simplewebauthn/browser
 * (served from node_modules), kanmon verifies with @simplewebauthn/server.
 *
 * The journey: a first login (forced change, TOTP enrolment), a passkey registered from the fresh session, a
 * passwordless sign-in (amr hwk + user + mfa), a replay of that very assertion refused (challenge_reused), and a
 * login with the password and the passkey as its second factor. A screenshot of every step under
 * test-output/screenshots/passkeys/. The demo is served at http://localhost:PORT (an RP ID must be a domain).
 *
 * Skipped loudly without /usr/bin/chromium, unless KANMON_REQUIRE_SERVICES=1.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireService } from '../support/services.js';
import { type DemoModule, type Seeded, totp } from './support/demo.js';

const executablePath = requireService('chromium');
const shots = join(process.cwd(), 'test-output', 'screenshots', 'passkeys');

/** A free TCP port on the loopback (the demo's origin must name its port before the app is built). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

describe.skipIf(!executablePath)('demo app in Chromium: passkeys with a virtual authenticator (issue 18)', { timeout: 90_000 }, () => {
  const now = () => Date.now();
  let dataDir = '';
  let server: Server;
  let base = '';
  let close: () => Promise<void>;
  let seeded: Seeded[] = [];
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let step = 0;
  let authenticatorId = '';
  let cdp: Awaited<ReturnType<BrowserContext['newCDPSession']>>;
  let passwordlessBody = '';
  const newPassword = 'Hx7$Rk9!mQv2w';

  const shot = async (name: string) => {
    step += 1;
    await page.screenshot({ path: join(shots, `${String(step).padStart(2, '0')}-${name}.png`), fullPage: true });
  };
  const submit = async (selector: string) => {
    await Promise.all([page.waitForNavigation(), page.click(selector)]);
  };
  const h1 = () => page.locator('h1').innerText();
  const path = () => new URL(page.url()).pathname;
  const login = async (username: string, password: string) => {
    await page.goto(`${base}/login`);
    await page.fill('#username', username);
    await page.fill('#password', password);
    await submit('form.box button[type=submit]');
  };
  const logout = async () => {
    await submit('header button[type=submit]');
    expect(path()).toBe('/login');
  };
  const seededTanaka = () => {
    const found = seeded.find((s) => s.username === 'tanaka');
    if (!found) throw new Error('no seeded tanaka');
    return found;
  };

  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    for (const old of readdirSync(shots)) if (old.endsWith('.png')) rmSync(join(shots, old));
    dataDir = mkdtempSync(join(tmpdir(), 'kanmon-demo-passkeys-'));
    const port = await freePort();
    base = `http://localhost:${port}`;
    // @ts-expect-error the demo is plain JavaScript
    const demo = (await import('../../examples/demo/app.mjs')) as DemoModule;
    const created = await demo.createDemoApp({ now, dataDir, origin: base, printMail: () => undefined });
    seeded = created.seeded;
    close = () => created.close();
    await new Promise<void>((resolve) => {
      server = created.app.listen(port, '127.0.0.1', resolve);
    });
    browser = await chromium.launch({
      executablePath: executablePath!,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--host-resolver-rules=MAP localhost 127.0.0.1'],
    });
    context = await browser.newContext({ locale: 'ja-JP', timezoneId: 'Asia/Tokyo', viewport: { width: 1000, height: 800 } });
    page = await context.newPage();
    cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const added = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });
    authenticatorId = added.authenticatorId;
    page.on('request', (request) => {
      if (request.url().endsWith('/passkey/login/finish')) passwordlessBody = request.postData() ?? '';
    });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    await close?.();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('a first login (forced change, TOTP enrolment) gives a fresh session', async () => {
    await login('tanaka', seededTanaka().password);
    expect(path()).toBe('/password');
    await page.fill('#current-password', seededTanaka().password);
    await page.fill('#new-password', newPassword);
    await page.fill('#confirm-password', newPassword);
    await submit('form.box button[type=submit]');
    expect(path()).toBe('/mfa/enroll');
    const secret = (await page.locator('#totp-secret').innerText()).trim();
    await page.fill('#code', totp(secret, now()));
    await submit('form.box button[type=submit]');
    await submit('#continue');
    expect(path()).toBe('/');
    expect(await h1()).toContain('tanaka');
  });

  it('registers a passkey with the virtual authenticator (a resident key, user verified)', async () => {
    await page.goto(`${base}/passkeys`);
    expect(await page.getAttribute('html', 'lang')).toBe('ja');
    expect(await h1()).toBe('パスキー');
    expect(await page.locator('#no-passkeys').count()).toBe(1);
    await shot('passkeys-empty');
    await page.fill('#label', '庁舎PC');
    await Promise.all([page.waitForURL(`${base}/passkeys`, { waitUntil: 'load' }), page.click('#go')]);
    await page.locator('#passkeys').waitFor();
    expect(await page.locator('#passkeys tbody tr').count()).toBe(1);
    expect(await page.locator('#passkeys').innerText()).toContain('庁舎PC');
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(credentials[0]?.isResidentCredential).toBe(true);
    await shot('passkey-registered');
    await logout();
  });

  it('signs in without a password: the passkey alone (amr hwk, user, mfa)', async () => {
    await page.goto(`${base}/login`);
    await submit('#passkey-login-link');
    expect(await h1()).toBe('パスキーでサインイン');
    await shot('passwordless-page');
    await Promise.all([page.waitForURL(`${base}/`, { waitUntil: 'load' }), page.click('#go')]);
    expect(await h1()).toContain('tanaka');
    const amr = await page.locator('#session').innerText();
    expect(amr).toContain('hwk');
    expect(amr).toContain('user');
    expect(amr).toContain('mfa');
    expect(amr).not.toContain('pwd');
    await shot('passwordless-signed-in');
    expect(passwordlessBody).toContain('"response"');
  });

  it('refuses a replay of that very assertion (challenge_reused): no second session', async () => {
    await page.goto(`${base}/passkey/login`);
    // The replay runs in the page (same origin, its CSRF token), as a script on the page would send it.
    const replay: unknown = await page.evaluate(`(async (body) => {
      const csrf = document.querySelector('meta[name=csrf]').content;
      const r = await fetch('/passkey/login/finish', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body });
      const answer = { status: r.status, body: await r.json() };
      const out = document.getElementById('result');
      out.textContent = '再送された署名は拒否されました: ' + answer.status + ' ' + (answer.body.error || '');
      out.hidden = false;
      return answer;
    })(${JSON.stringify(passwordlessBody)})`);
    expect(replay).toEqual({ status: 401, body: { ok: false, error: 'challenge_reused' } });
    await shot('replay-refused');
    await page.goto(`${base}/`);
    await logout();
  });

  it('signs in with the password, then the passkey as the second factor (amr pwd, hwk, mfa)', async () => {
    await login('tanaka', newPassword);
    expect(path()).toBe('/mfa');
    await shot('mfa-offers-passkey');
    await submit('#passkey-mfa-link');
    expect(await h1()).toBe('パスキーで確認');
    await Promise.all([page.waitForURL(`${base}/`, { waitUntil: 'load' }), page.click('#go')]);
    expect(await h1()).toContain('tanaka');
    const amr = await page.locator('#session').innerText();
    for (const method of ['pwd', 'hwk', 'mfa']) expect(amr).toContain(method);
    await shot('second-factor-signed-in');
  });
});
