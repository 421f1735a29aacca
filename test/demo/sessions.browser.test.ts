/**
 * Issue 17 in the demo, in a real browser (Debian's Chromium driven by playwright-core): two browser
 * contexts are two devices of one user. The 「ログイン中の端末」 page lists both with their device labels;
 * revoking the other one (singly, then "all other devices") sends it to the login page at its next request;
 * the home page shows the previous logon; the admin page asks for the password again once the session is
 * older than policy.session.reauthMaxAgeSeconds (SEC-13, on the demo's injected clock), then works.
 * Screenshots under test-output/screenshots/ (prefixed `s`), pages checked to be Japanese.
 *
 * Skipped loudly without /usr/bin/chromium, unless KANMON_REQUIRE_SERVICES=1.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireService } from '../support/services.js';
import { type DemoModule, type Seeded, expectJapanese, h1, submit, totp } from './support/demo.js';

const executablePath = requireService('chromium');
const shots = join(process.cwd(), 'test-output', 'screenshots');

// The server sees only these strings: two "devices" told apart by their User-Agent.
const windowsChrome = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const macSafari = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';

describe.skipIf(!executablePath)('demo app in Chromium: ログイン中の端末, the previous logon, step-up before the admin page (issue 17)', { timeout: 120_000 }, () => {
  let offsetMs = 0;
  const now = () => Date.now() + offsetMs;
  let dataDir = '';
  let server: Server;
  let base = '';
  let close: () => Promise<void>;
  let seeded: Seeded[] = [];
  let reauthMaxAgeSeconds = 0;
  let dormantDays = 0;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let pc: Page; // tanaka on "Chrome on Windows"
  let mac: Page; // tanaka on "Safari on macOS"
  let admin: Page;
  let step = 0;
  let tanakaSecret = '';
  let adminSecret = '';
  let lastCodeAt = 0;
  let firstLoginAt = 0;
  const tanakaPassword = 'Hx7$Rk9!mQv2w';
  const adminPassword = 'Vb4#Tn8&Lp3zQ';

  const shot = async (page: Page, name: string) => {
    step += 1;
    await page.screenshot({ path: join(shots, `s${String(step).padStart(2, '0')}-${name}.png`), fullPage: true });
  };
  const path = (page: Page) => new URL(page.url()).pathname;
  /** A code from a TOTP step later than any used before (the replay guard refuses a step twice). */
  const freshCode = (secret: string) => {
    while (Math.floor(now() / 30_000) <= Math.floor(lastCodeAt / 30_000)) offsetMs += 30_000;
    lastCodeAt = now();
    return totp(secret, lastCodeAt);
  };
  const login = async (page: Page, username: string, password: string) => {
    await page.goto(`${base}/login`);
    await page.fill('#username', username);
    await page.fill('#password', password);
    await submit(page, 'form.box button[type=submit]');
  };
  const account = (name: string) => {
    const found = seeded.find((s) => s.username === name);
    if (!found) throw new Error(`no seeded ${name}`);
    return found;
  };
  /** First login: change the issued password, enrol TOTP, continue to the home page. Returns the TOTP secret. */
  const onboard = async (page: Page, username: string, password: string) => {
    await login(page, username, account(username).password);
    expect(path(page)).toBe('/password');
    await page.fill('#current-password', account(username).password);
    await page.fill('#new-password', password);
    await page.fill('#confirm-password', password);
    await submit(page, 'form.box button[type=submit]');
    expect(path(page)).toBe('/mfa/enroll');
    const secret = (await page.locator('#totp-secret').innerText()).trim();
    await page.fill('#code', freshCode(secret));
    await submit(page, 'form.box button[type=submit]');
    await submit(page, '#continue');
    expect(path(page)).toBe('/');
    return secret;
  };
  const loginWithCode = async (page: Page, username: string, password: string, secret: string) => {
    await login(page, username, password);
    expect(path(page)).toBe('/mfa');
    await page.fill('#code', freshCode(secret));
    await submit(page, 'form.box button[type=submit]');
    expect(path(page)).toBe('/');
  };
  const device = async (userAgent: string) => {
    const context = await browser.newContext({ locale: 'ja-JP', timezoneId: 'Asia/Tokyo', viewport: { width: 1100, height: 800 }, userAgent });
    contexts.push(context);
    return context.newPage();
  };
  const jst = (ms: number) =>
    new Intl.DateTimeFormat('ja-JP', { timeZone: 'Asia/Tokyo', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false }).format(new Date(ms));

  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    for (const old of readdirSync(shots)) if (/^s\d+-.*\.png$/.test(old)) rmSync(join(shots, old));
    dataDir = mkdtempSync(join(tmpdir(), 'kanmon-demo-sessions-'));
    // @ts-expect-error the demo is plain JavaScript
    const demo = (await import('../../examples/demo/app.mjs')) as DemoModule;
    const created = await demo.createDemoApp({ now, dataDir, printMail: () => {} });
    seeded = created.seeded;
    reauthMaxAgeSeconds = created.kanmon.policy.session.reauthMaxAgeSeconds;
    dormantDays = created.kanmon.policy.accounts.dormantDays;
    close = () => created.close();
    await new Promise<void>((resolve) => {
      server = created.app.listen(0, '127.0.0.1', resolve);
    });
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    browser = await chromium.launch({
      executablePath: executablePath!,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    await close?.();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('two devices of one user: both listed on 「ログイン中の端末」 with their device labels, this one marked', async () => {
    pc = await device(windowsChrome);
    tanakaSecret = await onboard(pc, 'tanaka', tanakaPassword);
    firstLoginAt = now();
    expect(await pc.locator('#previous-login').innerText()).toContain('初めてのログイン');
    offsetMs += 5 * 60_000; // the second device signs in five minutes later
    mac = await device(macSafari);
    await loginWithCode(mac, 'tanaka', tanakaPassword, tanakaSecret);

    // The second device's home page shows the previous logon: the first device's, five minutes earlier.
    // (the login was recorded a moment before firstLoginAt was taken: either minute, should one have begun between)
    const line = await mac.locator('#previous-login').innerText();
    expect([jst(firstLoginAt - 5000), jst(firstLoginAt)].some((t) => line.includes(`前回のログイン: ${t}`))).toBe(true);
    expect(await mac.locator('#previous-login').innerText()).toContain('127.0.0.1');
    await shot(mac, 'previous-login');

    await pc.goto(`${base}/`);
    await submit(pc, 'header a[href="/sessions"]');
    expect(path(pc)).toBe('/sessions');
    await expectJapanese(pc);
    expect(await h1(pc)).toBe('ログイン中の端末');
    const rows = pc.locator('#sessions tbody tr');
    expect(await rows.count()).toBe(2);
    const devices = await pc.locator('#sessions tbody td.device').allInnerTexts();
    expect(devices.map((d) => d.replace(/（.*）/, '').trim()).sort()).toEqual(['Chrome on Windows', 'Safari on macOS']);
    expect(await pc.locator('#sessions tr.current td.device').innerText()).toContain('Chrome on Windows');
    expect(await pc.locator('#sessions tr.current td.device').innerText()).toContain('この端末');
    expect(await pc.locator('#sessions tr.current form').count()).toBe(0);
    expect(await pc.locator('#sessions').innerText()).toContain('127.0.0.1');
    await shot(pc, 'sessions-two-devices');
  });

  it('revoking the other device from the first: it is sent to the login page at its next request; this one still works', async () => {
    const other = pc.locator('#sessions tbody tr:not(.current)');
    expect(await other.locator('td.device').innerText()).toContain('Safari on macOS');
    await Promise.all([pc.waitForNavigation(), other.locator('form[action="/sessions/revoke"] button').click()]);
    expect(await pc.locator('.notice').innerText()).toContain('ログアウトさせました');
    expect(await pc.locator('#sessions tbody tr').count()).toBe(1);
    await shot(pc, 'sessions-revoked-one');

    await mac.goto(`${base}/`);
    expect(path(mac)).toBe('/login');
    expect(await mac.locator('.notice').innerText()).toContain('もう一度ログインしてください');
    await shot(mac, 'revoked-device-at-login');

    await pc.goto(`${base}/`);
    expect(path(pc)).toBe('/');
  });

  it('「他の端末をすべてログアウト」 ends every session but this one', async () => {
    await loginWithCode(mac, 'tanaka', tanakaPassword, tanakaSecret);
    await pc.goto(`${base}/sessions`);
    expect(await pc.locator('#sessions tbody tr').count()).toBe(2);
    await submit(pc, '#revoke-others button');
    expect(await pc.locator('.notice').innerText()).toContain('他の端末 1 台をログアウトさせました');
    expect(await pc.locator('#sessions tbody tr').count()).toBe(1);
    expect(await pc.locator('#revoke-others').count()).toBe(0);
    await shot(pc, 'sessions-revoked-others');
    await mac.goto(`${base}/sessions`);
    expect(path(mac)).toBe('/login');
  });

  it('an administrator with a fresh login opens the admin page; once the session is older than reauthMaxAgeSeconds the admin page asks for the password again (SEC-13), refuses a wrong one, then works', async () => {
    admin = await device(windowsChrome);
    adminSecret = await onboard(admin, 'admin', adminPassword);
    await admin.goto(`${base}/admin`);
    expect(path(admin)).toBe('/admin');
    expect(await h1(admin)).toBe('管理者ページ');

    // The session's authTime is about now (freshCode may have moved the clock a step): go past the limit.
    offsetMs += (reauthMaxAgeSeconds + 31) * 1000;
    await admin.goto(`${base}/admin`);
    expect(path(admin)).toBe('/reauth');
    await expectJapanese(admin);
    expect(await h1(admin)).toBe('パスワードの再入力');
    expect(await admin.locator('#step-up-lead').innerText()).toContain(`${reauthMaxAgeSeconds / 60} 分以内`);
    await shot(admin, 'step-up-prompt');

    await admin.fill('#password', 'Wrong#Pass1x');
    await submit(admin, 'form.box button[type=submit]');
    expect(path(admin)).toBe('/reauth');
    expect(await admin.locator('#step-up-error').innerText()).toContain('現在のパスワードが正しくありません');
    await shot(admin, 'step-up-refused');

    await admin.fill('#password', adminPassword);
    await submit(admin, 'form.box button[type=submit]');
    expect(path(admin)).toBe('/admin');
    expect(await admin.locator('.notice').innerText()).toContain('本人確認ができました');
    const events = await admin.locator('#events').innerText();
    expect(events).toContain('auth.reauth.success');
    expect(events).toContain('auth.reauth.failure');
    await shot(admin, 'admin-after-step-up');
  });

  it('an admin action posted from a stale session does not run: the prompt comes first, then back to the admin page', async () => {
    offsetMs += (reauthMaxAgeSeconds + 1) * 1000;
    // The page was loaded before; the form post is what meets the guard.
    await Promise.all([admin.waitForNavigation(), admin.locator('#accounts tr[data-user="tanaka"] form[action="/admin/reset"] button').click()]);
    expect(path(admin)).toBe('/reauth');
    await admin.fill('#password', adminPassword);
    await submit(admin, 'form.box button[type=submit]');
    expect(path(admin)).toBe('/admin');
    expect(await admin.locator('#one-time').count()).toBe(0); // the reset was not run
    expect(await admin.locator('#events').innerText()).not.toContain('admin.password.reset');
    // tanaka's session on the PC is untouched by the refused reset
    await pc.goto(`${base}/`);
    expect(path(pc)).toBe('/');
  });

  it('the previous-logon line counts the failed attempts since the last login', async () => {
    await login(mac, 'tanaka', 'Wrong#Pass1x');
    await login(mac, 'tanaka', 'Wrong#Pass2x');
    await loginWithCode(mac, 'tanaka', tanakaPassword, tanakaSecret);
    const line = await mac.locator('#previous-login').innerText();
    expect(line).toContain('前回のログイン');
    expect(line).toContain('ログインの失敗が 2 回');
    await shot(mac, 'previous-login-failures');
  });

  it('the inventory page (RM-27) lists every account with its roles, MFA status and dormant flag; after dormantDays without a login tanaka is dormant and can be disabled (SEC-12)', async () => {
    await admin.goto(`${base}/admin`);
    await submit(admin, '#inventory-link');
    expect(path(admin)).toBe('/admin/inventory');
    await expectJapanese(admin);
    expect(await h1(admin)).toBe('アカウント棚卸し');
    const row = (name: string) => admin.locator(`#inventory tr[data-user="${name}"]`);
    expect(await admin.locator('#inventory tbody tr').count()).toBe(2);
    expect(await row('admin').locator('td').nth(1).innerText()).toBe('admin');
    expect(await row('admin').locator('.privileged').innerText()).toBe('あり');
    expect(await row('tanaka').locator('.privileged').innerText()).toBe('—');
    expect(await row('tanaka').locator('.mfa').innerText()).toContain('TOTP（リカバリーコード残り 10 個）');
    expect(await row('tanaka').locator('.dormant').innerText()).toBe('—');
    expect(await admin.locator('#disable-dormant').count()).toBe(0);
    await shot(admin, 'inventory');

    // dormantDays (funabashi: 90) pass with no login by tanaka; the admin signs in again (every session is over by then).
    offsetMs += (dormantDays + 1) * 24 * 60 * 60_000;
    await loginWithCode(admin, 'admin', adminPassword, adminSecret);
    await admin.goto(`${base}/admin/inventory`);
    expect(path(admin)).toBe('/admin/inventory');
    expect(await row('tanaka').locator('.dormant').innerText()).toMatch(/^休眠（9\d 日）$/);
    expect(await row('admin').locator('.dormant').innerText()).toBe('—');
    await shot(admin, 'inventory-dormant');
    await submit(admin, '#disable-dormant button');
    expect(await admin.locator('.notice').innerText()).toContain('休眠アカウント 1 件を無効化しました');
    expect(await row('tanaka').locator('.status').innerText()).toBe('無効');
    await shot(admin, 'inventory-disabled');
  });
});
