/**
 * The demo in a real browser (Debian's Chromium driven by playwright-core): the
 * whole journey a newcomer makes after `npm run demo` — first login, forced
 * password change refused then accepted, TOTP enrolment from the QR code's
 * secret, logout, login again with MFA (and the replay guard), lockout after
 * N wrong passwords (SEC-24), an administrator's unlock — with a screenshot of
 * every step under test-output/screenshots/ (a CI artifact) and the pages
 * checked to be Japanese.
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

describe.skipIf(!executablePath)('demo app in Chromium: the whole journey, in Japanese', { timeout: 90_000 }, () => {
  let offsetMs = 0;
  const now = () => Date.now() + offsetMs;
  let dataDir = '';
  let server: Server;
  let base = '';
  let close: () => Promise<void>;
  let seeded: Seeded[] = [];
  let browser: Browser;
  let userContext: BrowserContext;
  let user: Page;
  let adminContext: BrowserContext;
  let admin: Page;
  let step = 0;
  let totpSecret = '';
  let recoveryCodes: string[] = [];
  let lastCodeAt = 0;
  const newPassword = 'Hx7$Rk9!mQv2w';
  const adminNewPassword = 'Vb4#Tn8&Lp3zQ';
  const resetPassword = 'Qm6%Wz3^Kd8rT';
  /** What the demo printed on the console as its "mail". */
  const printed: string[] = [];
  let resetContext: BrowserContext | undefined;

  const shot = async (page: Page, name: string) => {
    step += 1;
    await page.screenshot({ path: join(shots, `${String(step).padStart(2, '0')}-${name}.png`), fullPage: true });
  };
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

  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    for (const old of readdirSync(shots)) if (old.endsWith('.png')) rmSync(join(shots, old));
    dataDir = mkdtempSync(join(tmpdir(), 'kanmon-demo-browser-'));
    // @ts-expect-error the demo is plain JavaScript
    const demo = (await import('../../examples/demo/app.mjs')) as DemoModule;
    const created = await demo.createDemoApp({ now, dataDir, printMail: (line) => printed.push(line) });
    seeded = created.seeded;
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
    userContext = await browser.newContext({ locale: 'ja-JP', timezoneId: 'Asia/Tokyo', viewport: { width: 1000, height: 800 } });
    user = await userContext.newPage();
  });

  afterAll(async () => {
    await adminContext?.close();
    await resetContext?.close();
    await browser?.close();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    await close?.();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const account = (name: string) => {
    const found = seeded.find((s) => s.username === name);
    if (!found) throw new Error(`no seeded ${name}`);
    return found;
  };

  it('opens on the Japanese login page', async () => {
    await user.goto(`${base}/`);
    expect(new URL(user.url()).pathname).toBe('/login');
    await expectJapanese(user);
    expect(await h1(user)).toBe('ログイン');
    await shot(user, 'login');
  });

  it('first login with the issued password demands a change (FNB-3.1.1)', async () => {
    await login(user, 'tanaka', account('tanaka').password);
    expect(new URL(user.url()).pathname).toBe('/password');
    await expectJapanese(user);
    expect(await h1(user)).toBe('パスワードの変更');
    expect(await user.locator('#change-reason').innerText()).toContain('初回ログイン');
    expect(await user.locator('#rules li').count()).toBeGreaterThan(3);
    await shot(user, 'forced-change');
  });

  it('shows live policy hints while typing, then refuses a weak password (SEC-23)', async () => {
    await user.fill('#current-password', account('tanaka').password);
    await user.locator('#new-password').pressSequentially('tanaka24', { delay: 10 });
    await expect.poll(() => user.locator('#live-issues li').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    expect(await user.locator('#live-issues').innerText()).toMatch(/文字/);
    await shot(user, 'live-hints');
    await user.fill('#confirm-password', 'tanaka24');
    await submit(user, 'form.box button[type=submit]');
    expect(new URL(user.url()).pathname).toBe('/password');
    const refused = await user.locator('#refused').innerText();
    expect(refused).toContain('このパスワードは使えません');
    expect(refused).toContain('10文字以上');
    await shot(user, 'change-refused');
  });

  it('accepts a strong password and, MFA being required, goes to TOTP enrolment with a QR code', async () => {
    await user.fill('#current-password', account('tanaka').password);
    await user.fill('#new-password', newPassword);
    await user.fill('#confirm-password', newPassword);
    await submit(user, 'form.box button[type=submit]');
    expect(new URL(user.url()).pathname).toBe('/mfa/enroll');
    await expectJapanese(user);
    expect(await h1(user)).toContain('二要素認証');
    expect(await user.locator('#qr svg').count()).toBe(1);
    totpSecret = (await user.locator('#totp-secret').innerText()).trim();
    expect(totpSecret).toMatch(/^[A-Z2-7]{32}$/);
    await shot(user, 'totp-enrolment');
  });

  it('confirms enrolment with a code computed from the secret and shows recovery codes once', async () => {
    await user.fill('#code', freshCode(totpSecret));
    await submit(user, 'form.box button[type=submit]');
    expect(await h1(user)).toBe('リカバリーコード');
    recoveryCodes = await user.locator('#recovery-codes li').allInnerTexts();
    expect(recoveryCodes.length).toBe(10);
    await shot(user, 'recovery-codes');
    await submit(user, '#continue');
    expect(new URL(user.url()).pathname).toBe('/');
    expect(await h1(user)).toContain('tanaka さん');
    expect(await user.locator('#session').innerText()).toContain('otp');
    await shot(user, 'home-after-enrolment');
  });

  it('logs out', async () => {
    await submit(user, 'header button[type=submit]');
    expect(new URL(user.url()).pathname).toBe('/login');
    expect(await user.locator('.notice').innerText()).toContain('ログアウトしました');
    await user.goto(`${base}/`);
    expect(new URL(user.url()).pathname).toBe('/login');
    await shot(user, 'logged-out');
  });

  it('logs in again with the new password and a TOTP code; a used code is refused (RFC 6238 §5.2)', async () => {
    await login(user, 'tanaka', newPassword);
    expect(new URL(user.url()).pathname).toBe('/mfa');
    await expectJapanese(user);
    expect(await h1(user)).toBe('確認コードの入力');
    await user.fill('#code', totp(totpSecret, lastCodeAt)); // the enrolment's code, again
    await submit(user, 'form.box button[type=submit]');
    expect(await user.locator('[role=alert]').innerText()).toContain('使用済み');
    await shot(user, 'mfa-replay-refused');
    await user.fill('#code', freshCode(totpSecret));
    await submit(user, 'form.box button[type=submit]');
    expect(new URL(user.url()).pathname).toBe('/');
    expect(await h1(user)).toContain('tanaka さん');
    await shot(user, 'home-after-mfa');
    await submit(user, 'header button[type=submit]');
  });

  it('locks the account after N wrong passwords, and then refuses even the right one (SEC-24)', async () => {
    let attempts = 0;
    while (attempts < 10) {
      attempts += 1;
      await login(user, 'tanaka', `Wrong#Pass${attempts}x`);
      if ((await user.locator('#locked').count()) > 0) break;
      expect(await user.locator('[role=alert]').innerText()).toContain('ユーザー名またはパスワードが正しくありません');
    }
    expect(attempts).toBeGreaterThanOrEqual(5);
    expect(attempts).toBeLessThanOrEqual(6);
    await expectJapanese(user);
    expect(await h1(user)).toBe('アカウントがロックされています');
    expect(await user.locator('#locked').innerText()).toContain('5回続けて');
    await shot(user, 'locked');
    await login(user, 'tanaka', newPassword);
    expect(await user.locator('#locked').count()).toBe(1);
  });

  it('an administrator (first login, change, TOTP) sees the lock, the audit chain and the events in JST, and unlocks', async () => {
    adminContext = await browser.newContext({ locale: 'ja-JP', timezoneId: 'Asia/Tokyo', viewport: { width: 1100, height: 900 } });
    admin = await adminContext.newPage();
    {
      await login(admin, 'admin', account('admin').password);
      expect(new URL(admin.url()).pathname).toBe('/password');
      await admin.fill('#current-password', account('admin').password);
      await admin.fill('#new-password', adminNewPassword);
      await admin.fill('#confirm-password', adminNewPassword);
      await submit(admin, 'form.box button[type=submit]');
      expect(new URL(admin.url()).pathname).toBe('/mfa/enroll');
      const secret = (await admin.locator('#totp-secret').innerText()).trim();
      await admin.fill('#code', freshCode(secret));
      await submit(admin, 'form.box button[type=submit]');
      await submit(admin, '#continue');

      await admin.goto(`${base}/admin`);
      await expectJapanese(admin);
      expect(await h1(admin)).toBe('管理者ページ');
      const row = admin.locator('#accounts tr[data-user="tanaka"]');
      expect(await row.locator('.status').innerText()).toContain('ロック中');
      expect(await admin.locator('#audit-status').innerText()).toMatch(/^正常: \d+ 件/);
      const events = await admin.locator('#events').innerText();
      expect(events).toContain('auth.lockout.locked');
      // Times are Japan time: the newest event's hour is the JST hour now (or the hour before,
      // when an hour began during the journey: the event is a few seconds older than this line).
      const jstHour = (t: number) => new Intl.DateTimeFormat('ja-JP', { timeZone: 'Asia/Tokyo', hour: '2-digit', hour12: false }).format(new Date(t)).replace(/\D/g, '').padStart(2, '0');
      const hours = [...new Set([jstHour(now() - 5 * 60_000), jstHour(now())])].join('|');
      expect(await admin.locator('#events tbody tr:first-child td:first-child').innerText()).toMatch(new RegExp(`\\s(?:${hours}):`));
      await shot(admin, 'admin-locked');

      await Promise.all([admin.waitForNavigation(), row.locator('form[action="/admin/unlock"] button').click()]);
      expect(await admin.locator('.notice').innerText()).toContain('ロックを解除しました');
      expect(await admin.locator('#accounts tr[data-user="tanaka"] .status').innerText()).not.toContain('ロック中');
      expect(await admin.locator('#events').innerText()).toContain('admin.account.unlock');
      await shot(admin, 'admin-unlocked');
    }
  });

  it('after the unlock the user signs in again (with a recovery code), but a staff session cannot open the admin page', async () => {
    await login(user, 'tanaka', newPassword);
    expect(new URL(user.url()).pathname).toBe('/mfa');
    await user.fill('#code', recoveryCodes[0]!);
    await submit(user, 'form.box button[type=submit]');
    expect(new URL(user.url()).pathname).toBe('/');
    await shot(user, 'home-after-unlock');
    const res = await user.goto(`${base}/admin`);
    expect(res?.status()).toBe(403);
    await expectJapanese(user);
    expect(await user.locator('main').innerText()).toContain('権限がありません');
  });

  it("an administrator's password reset shows a one-time password once, ends the user's session, and forces a change", async () => {
    const row = admin.locator('#accounts tr[data-user="tanaka"]');
    await Promise.all([admin.waitForNavigation(), row.locator('form[action="/admin/reset"] button').click()]);
    const oneTime = (await admin.locator('#one-time .secret').innerText()).trim();
    expect(oneTime.length).toBeGreaterThanOrEqual(10);
    expect(await admin.locator('#events').innerText()).toContain('admin.password.reset');
    await shot(admin, 'admin-reset');
    await admin.reload();
    expect(await admin.locator('#one-time').count()).toBe(0);

    await user.goto(`${base}/`);
    expect(new URL(user.url()).pathname).toBe('/login');
    expect(await user.locator('.notice').innerText()).toContain('もう一度ログインしてください');
    await login(user, 'tanaka', oneTime);
    expect(new URL(user.url()).pathname).toBe('/password');
    expect(await user.locator('#change-reason').innerText()).toContain('管理者がパスワードを再発行しました');
    await shot(user, 'forced-change-after-reset');
  });

  it('switches to English', async () => {
    await submit(user, '#lang-switch');
    expect(await user.getAttribute('html', 'lang')).toBe('en');
    expect(await h1(user)).toBe('Change password');
    await shot(user, 'english');
  });

  // Issue 16: 「パスワードを忘れた場合」 and the administrator's "reset second factor".
  it('「パスワードを忘れた場合」: the same answer for a known and an unknown name; the "mail" is printed and shown on the demo mailbox; the reset of an account with TOTP stops at the TOTP prompt and completes with a code (ASVS 5.0 V6.4.3)', async () => {
    resetContext = await browser.newContext({ locale: 'ja-JP', timezoneId: 'Asia/Tokyo', viewport: { width: 1000, height: 800 } });
    const page = await resetContext.newPage();
    const ask = async (username: string) => {
      await page.goto(`${base}/login`);
      await submit(page, '#forgot-link');
      expect(new URL(page.url()).pathname).toBe('/password/forgot');
      await expectJapanese(page);
      expect(await h1(page)).toBe('パスワードを忘れた場合');
      await page.fill('#username', username);
      await submit(page, 'form.box button[type=submit]');
      return page.locator('#reset-sent').innerText();
    };
    const unknown = await ask('nobody');
    const known = await ask('tanaka');
    expect(known).toBe(unknown);
    expect(known).toContain('再設定用のリンクを送りました');
    // One mail, to tanaka only, printed on the console with its link.
    expect(printed).toHaveLength(1);
    expect(printed[0]).toMatch(/^\[デモ用メール \/ demo mail\] to tanaka: \/password\/reset\?token=/);
    await shot(page, 'reset-requested');

    await submit(page, '#mailbox-link');
    expect(await page.locator('#mailbox tbody tr').count()).toBe(1);
    expect(await page.locator('#mailbox tbody tr td:first-child').innerText()).toBe('tanaka');
    await shot(page, 'demo-mailbox');
    await submit(page, '#mailbox a.reset-link');
    // The token left the address bar for the browser's server-side state.
    expect(new URL(page.url()).pathname + new URL(page.url()).search).toBe('/password/reset');
    await page.fill('#new-password', resetPassword);
    await page.fill('#confirm-password', resetPassword);
    await submit(page, 'form.box button[type=submit]');

    // The account has TOTP: the reset stops at the code prompt.
    expect(new URL(page.url()).pathname).toBe('/password/reset/mfa');
    expect(await page.locator('#reset-mfa-lead').innerText()).toContain('二要素認証');
    await shot(page, 'reset-totp-prompt');
    // Without the code the password is not changed yet.
    await login(page, 'tanaka', resetPassword);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.goto(`${base}/password/reset/mfa`);
    await page.fill('#code', freshCode(totpSecret));
    await submit(page, 'form.box button[type=submit]');
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(await page.locator('.notice').innerText()).toContain('パスワードを再設定しました');

    await login(page, 'tanaka', resetPassword);
    expect(new URL(page.url()).pathname).toBe('/mfa');
    await page.fill('#code', freshCode(totpSecret));
    await submit(page, 'form.box button[type=submit]');
    expect(new URL(page.url()).pathname).toBe('/');
    // The link works once.
    await page.goto(`${base}/demo/mailbox`);
    await submit(page, '#mailbox a.reset-link');
    await page.fill('#new-password', 'Zr5&Yc2*Np7sU');
    await page.fill('#confirm-password', 'Zr5&Yc2*Np7sU');
    await submit(page, 'form.box button[type=submit]');
    expect(await page.locator('main').innerText()).toContain('再設定用のリンクが無効か');
  });

  it("the administrator's 「二要素認証を解除」 refuses their own factor, removes tanaka's, ends tanaka's session, and tanaka's next login goes to TOTP enrolment", async () => {
    await admin.goto(`${base}/admin?lang=ja`);
    await Promise.all([admin.waitForNavigation(), admin.locator('#accounts tr[data-user="admin"] form[action="/admin/mfa-reset"] button').click()]);
    expect(await admin.locator('.notice').innerText()).toContain('自分自身の二要素認証は解除できません');
    expect(await admin.locator('#accounts tr[data-user="admin"] .status').innerText()).toContain('TOTP 登録済み');

    await Promise.all([admin.waitForNavigation(), admin.locator('#accounts tr[data-user="tanaka"] form[action="/admin/mfa-reset"] button').click()]);
    expect(await admin.locator('.notice').innerText()).toContain('tanaka の二要素認証を解除しました');
    expect(await admin.locator('#accounts tr[data-user="tanaka"] .status').innerText()).toContain('TOTP 未登録');
    expect(await admin.locator('#events').innerText()).toContain('admin.mfa.reset');
    await shot(admin, 'admin-mfa-reset');

    const page = resetContext!.pages()[0]!;
    await page.goto(`${base}/`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await login(page, 'tanaka', resetPassword);
    expect(new URL(page.url()).pathname).toBe('/mfa/enroll');
    expect((await page.locator('#totp-secret').innerText()).trim()).not.toBe(totpSecret);
    await shot(page, 'enrol-after-mfa-reset');
  });
});
