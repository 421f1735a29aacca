/**
 * Issue 21 point 5: `adminView.*`, the HTML-free view models of the administrator's screens, built from kanmon's
 * real answers (inventory of a real Kanmon, verifyAuditLog over a real chain, admin results), in ja and en.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { adminView, createAuditLog, createKeyRing, memoryAuditSink, verifyAuditLog } from '../../src/index.js';
import { PASSWORD, TENANT, testKanmon } from '../adapters/kit.js';

const mfa = { status: 'totp', recoveryCodesLeft: 3 } as const;
const none = { status: 'none', recoveryCodesLeft: null } as const;

describe('adminView.accounts: rows, statuses and the actions that apply', () => {
  const facts = [
    { accountId: 'u-1', username: 'sato', roles: ['staff'], locked: true, disabled: false, mfa: none, mustChangePassword: true },
    { accountId: 'u-2', username: 'kanri', roles: ['admin'], locked: false, disabled: false, mfa },
    { accountId: 'u-3', username: 'taishoku', roles: ['staff'], locked: true, disabled: true, mfa },
  ];

  it('unlock only for a locked account, second-factor reset only when one is enrolled; disabled outranks locked (ja)', () => {
    const view = adminView.accounts(facts, { lang: 'ja' });
    expect(view.title).toBe('アカウント');
    expect(view.columns.map((c) => c.label)).toEqual(['ユーザー名', '権限', '状態', '']);
    const [sato, kanri, taishoku] = view.rows;
    expect(sato).toMatchObject({ accountId: 'u-1', status: { code: 'locked', label: 'ロック中', alert: true }, mustChange: '要パスワード変更', secondFactor: { enrolled: false, label: 'TOTP 未登録' } });
    expect(sato?.actions.map((a) => [a.kind, a.label, a.accountId])).toEqual([
      ['unlock', 'ロック解除', 'u-1'],
      ['reset_password', 'パスワード再発行', 'u-1'],
    ]);
    expect(kanri).toMatchObject({ status: { code: 'active', label: '利用可', alert: false }, mustChange: null, secondFactor: { enrolled: true, label: 'TOTP 登録済み' } });
    expect(kanri?.actions.map((a) => a.kind)).toEqual(['reset_password', 'reset_mfa']);
    expect(taishoku?.status).toEqual({ code: 'disabled', label: '無効', alert: true });
  });

  it('en labels; the caller\'s arrays are copied, not shared', () => {
    const view = adminView.accounts(facts, { lang: 'en' });
    expect(view.rows[0]?.status.label).toBe('Locked');
    expect(view.rows[0]?.actions[0]?.label).toBe('Unlock');
    expect(view.rows[1]?.roles).toEqual(['admin']);
    expect(view.rows[1]?.roles).not.toBe(facts[1]?.roles);
  });
});

describe('adminView.inventory: from a real kanmon.inventory() (RM-27, SEC-12)', () => {
  it('one row per account with privilege, second factor, last sign-in in the zone, status and dormancy; the dormant sweep offered only when there is one', async () => {
    const { kanmon, clock } = await testKanmon({ access: { requireTls: false } });
    const login = await kanmon.login({ tenant: TENANT, username: 'yamada', password: PASSWORD, clientIp: '127.0.0.1', tls: true });
    expect(login.status).toBe('authenticated');
    const today = await kanmon.inventory({ tenant: TENANT });
    if (!today.ok) throw new Error('inventory unavailable');
    const view = adminView.inventory(today, { lang: 'ja' });
    expect(view.title).toBe('アカウント棚卸し');
    expect(view.rows).toHaveLength(today.accounts.length);
    const yamada = view.rows.find((r) => r.username === 'yamada');
    const kanri = view.rows.find((r) => r.username === 'kanri');
    expect(yamada?.lastLogin).toMatchObject({ at: clock.now(), ip: '127.0.0.1' });
    // The login was 10:00 JST (the kit's clock): written in the inventory's zone, whatever TZ this process has.
    expect(yamada?.lastLogin?.text).toMatch(/ 10:00:\d\d$/);
    expect(kanri).toMatchObject({ privileged: 'あり', secondFactor: { enrolled: false, label: 'なし', alert: true }, lastLogin: null });
    expect(view.neverLabel).toBe('ログインなし');
    expect(view.rows.find((r) => r.username === 'taishoku')?.status).toEqual({ code: 'disabled', label: '無効', alert: true });
    expect(view.lead).toContain(view.generatedAt.text);
    const fresh = today.accounts.filter((a) => a.dormant && !a.disabled).length;
    expect(view.dormantCount).toBe(fresh);

    // dormantDays later, with no sign-in: every enabled account is dormant and the sweep is offered.
    clock.set(clock.now() + ((kanmon.policy.accounts.dormantDays ?? 90) + 1) * 86_400_000);
    const later = await kanmon.inventory({ tenant: TENANT });
    if (!later.ok) throw new Error('inventory unavailable');
    const en = adminView.inventory(later, { lang: 'en' });
    const enabled = later.accounts.filter((a) => !a.disabled).length;
    expect(en.dormantCount).toBe(enabled);
    expect(en.disableDormant).toMatchObject({ kind: 'disable_dormant', label: 'Disable dormant accounts', accountId: null });
    expect(en.disableDormant?.lead).toContain(`${enabled} dormant account(s)`);
    expect(en.rows.find((r) => r.username === 'yamada')?.dormant?.label).toMatch(/^dormant \(9\d days\)$/);
  });
});

describe('adminView.auditVerification: from a real verifyAuditLog (EXT-6, SEC-18)', () => {
  it('intact: the count verified; tampered: where and why, never an exception', async () => {
    const keyRing = createKeyRing({ keys: [{ id: 'k1', secret: randomBytes(32) }], current: 'k1' });
    const sink = memoryAuditSink();
    const log = createAuditLog({ sink, keyRing, stream: 'web-1', now: () => 0 });
    await log.append({ type: 'auth.login.success', actor: 'a' });
    await log.append({ type: 'auth.login.success', actor: 'b' });
    const intact = adminView.auditVerification(await verifyAuditLog(sink, keyRing), { lang: 'ja' });
    expect(intact).toEqual({ title: '監査ログ（改ざん検知）', ok: true, count: 2, message: '正常: 2 件のイベントを HMAC チェーンで検証しました（EXT-6, SEC-18）。', firstBad: null, shredded: [] });

    const lines = sink.streams.get('web-1')!.lines;
    lines[0] = lines[0]!.replace('"a"', '"z"');
    const tampered = adminView.auditVerification(await verifyAuditLog(sink, keyRing), { lang: 'en' });
    expect(tampered.ok).toBe(false);
    expect(tampered.firstBad?.reason).toBe('bad_mac');
    expect(tampered.firstBad?.where).toMatch(/web-1/);
    expect(tampered.message).toMatch(/^Tampering or loss detected: .*web-1.* bad_mac$/);
  });

  it('RM-18 / SEC-34: a crypto-shredded tenant is listed with ERR_KEY_DESTROYED, the log still intact (ja, en)', async () => {
    const keyRing = createKeyRing({
      keys: [
        { id: 'shared-1', secret: randomBytes(32) },
        { id: 'city-a-1', secret: randomBytes(32), tenant: 'city-a' },
        { id: 'city-b-1', secret: randomBytes(32), tenant: 'city-b' },
      ],
      current: 'shared-1',
    });
    const sink = memoryAuditSink();
    const log = createAuditLog({ sink, keyRing, stream: 'auth', now: () => 0 });
    for (const tenant of ['city-a', 'city-b', 'city-a']) await log.append({ type: 'auth.login.success', tenant, actor: `${tenant}-u1` });
    keyRing.destroy('city-a-1');
    const result = await verifyAuditLog(sink, keyRing);
    const ja = adminView.auditVerification(result, { lang: 'ja' });
    expect(ja.ok).toBe(true);
    expect(ja.shredded.map(({ tenant, code }) => ({ tenant, code }))).toEqual([{ tenant: 'city-a', code: 'ERR_KEY_DESTROYED' }]);
    expect(ja.shredded[0]?.message).toMatch(/^暗号消去済み: テナント city-a の 2 件（auth#\d+–\d+）/);
    const en = adminView.auditVerification(result, { lang: 'en' });
    expect(en.shredded[0]?.message).toMatch(/^Crypto-shredded: 2 record\(s\) of tenant city-a/);
  });
});

describe('adminView.outcome: the notice after an administrative call', () => {
  it('success names the account; reauth_required asks for step-up; each refusal has its words (ja, en); a temporary password never enters the notice', async () => {
    const { kanmon } = await testKanmon({ access: { requireTls: false } });
    const { session } = await kanmon.sessions.issue({ tenant: TENANT, subject: 'u-kanri', amr: ['pwd', 'otp', 'mfa'], roles: ['admin'] });
    const actor = { tenant: TENANT, actor: 'u-kanri', actorSession: session };
    const reset = await kanmon.adminResetPassword({ ...actor, accountId: 'u-yamada' });
    if (!reset.ok) throw new Error(reset.reason);
    const notice = adminView.outcome('reset_password', reset, { lang: 'ja', username: 'yamada' });
    expect(notice).toEqual({ tone: 'success', code: 'ok', message: 'yamada のパスワードを再発行しました。次回ログイン時に変更が必要です。' });
    expect(JSON.stringify(notice)).not.toContain(reset.temporaryPassword);

    const missing = await kanmon.adminUnlock({ ...actor, accountId: 'u-nobody' });
    expect(adminView.outcome('unlock', missing, { lang: 'en' })).toEqual({ tone: 'error', code: 'not_found', message: 'That account was not found.' });
    expect(adminView.outcome('unlock', { ok: false, reason: 'reauth_required' }, { lang: 'ja' })).toMatchObject({ tone: 'reauth', code: 'reauth_required' });
    expect(adminView.outcome('reset_mfa', { ok: false, reason: 'unavailable' }, { lang: 'en' })).toMatchObject({ tone: 'error', code: 'unavailable' });
    const unlocked = await kanmon.adminUnlock({ ...actor, accountId: 'u-lock1' });
    expect(adminView.outcome('unlock', unlocked, { lang: 'en', username: 'lock1' }).message).toBe('lock1 is unlocked.');
    expect(adminView.outcome('disable_dormant', { ok: true, disabled: ['u-1', 'u-2'] }, { lang: 'ja' }).message).toBe('休眠アカウント 2 件を無効化しました。');
  });
});
