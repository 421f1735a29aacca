/**
 * IPC-4 (初期設定のまま使用せず), ASVS 5.0 V6.4: an issued password (createAccount's first password, an
 * administrator's reset) stops working `policy.password.issuedValidityHours` after it was issued, unless the
 * user changed it first. The rule reads only the account record, so it holds across restarts.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type AuditRecord, type KeyRing, createAuditLog, createKanmon, createKeyRing, definePolicy, memoryAccounts, memoryAuditSink, memoryStore } from '../../src/index.js';
import { httpErrorMessage, httpErrorStatus } from '../../src/http/error-body.js';
import { GOOD_PASSWORD, INTERNAL_IP, testPolicy } from '../login/support.js';
import { isIssuedPasswordExpired, issuedPasswordExpiresAt } from '../../src/recovery/issued-password.js';
import { adminActor } from '../support/admin.js';

const T0 = 1_900_000_000_000;
const HOUR = 3_600_000;

describe('IPC-4: issued passwords expire', () => {
  const policy = definePolicy('funabashi', { password: { issuedValidityHours: 72 } });

  it.each(['initial', 'admin_reset'] as const)('%s: usable until 1 ms before passwordChangedAt + issuedValidityHours, refused from it on', (mustChangePassword) => {
    const account = { mustChangePassword, passwordChangedAt: T0 };
    expect(issuedPasswordExpiresAt(account, policy)).toBe(T0 + 72 * HOUR);
    expect(isIssuedPasswordExpired(account, policy, T0 + 72 * HOUR - 1000)).toBe(false);
    expect(isIssuedPasswordExpired(account, policy, T0 + 72 * HOUR - 1)).toBe(false);
    expect(isIssuedPasswordExpired(account, policy, T0 + 72 * HOUR)).toBe(true);
  });

  it('a password its user chose (the change consumed the issued one) or one that must change for another reason never expires by this rule', () => {
    for (const mustChangePassword of [null, 'policy_changed']) {
      expect(issuedPasswordExpiresAt({ mustChangePassword, passwordChangedAt: T0 }, policy)).toBeNull();
      expect(isIssuedPasswordExpired({ mustChangePassword, passwordChangedAt: T0 }, policy, T0 + 400 * 24 * HOUR)).toBe(false);
    }
  });

  it('issuedValidityHours null: an issued password never expires (the compliance report says IPC-4 is weakened)', () => {
    const never = definePolicy('funabashi', { password: { issuedValidityHours: null } });
    expect(isIssuedPasswordExpired({ mustChangePassword: 'initial', passwordChangedAt: T0 }, never, T0 + 400 * 24 * HOUR)).toBe(false);
  });

  it('every preset sets a value of a week or less', () => {
    for (const preset of ['funabashi', 'external-service-common', 'remote-maintenance', 'nist-800-63b'] as const) {
      const hours = definePolicy(preset).password.issuedValidityHours;
      expect(hours, preset).not.toBeNull();
      expect(hours, preset).toBeLessThanOrEqual(7 * 24);
    }
  });
});

// ─── Through the login flow ──────────────────────────────────────────────────

/** A kanmon over `store` and `accounts` (shared across "restarts"), on a clock the test moves. */
function kanmonOver(accounts: ReturnType<typeof memoryAccounts>, keyRing: KeyRing, clock: { now: () => number }, policy = testPolicy()) {
  const sink = memoryAuditSink();
  const audit = createAuditLog({ sink, keyRing, stream: 'auth', now: clock.now });
  const kanmon = createKanmon({ policy, store: memoryStore({ now: clock.now }), accounts, keyRing, audit, now: clock.now });
  const events = () => (sink.streams.get('auth')?.lines ?? []).map((line) => JSON.parse(line) as AuditRecord);
  return { kanmon, events };
}

describe('IPC-4: an issued password through the login flow (createAccount, adminResetPassword)', () => {
  const tenant = 'funabashi';
  const facts = { clientIp: INTERNAL_IP, tls: true } as const;
  const setup = async (policy = testPolicy()) => {
    let t = T0;
    const clock = { now: () => t, set: (ms: number) => void (t = ms) };
    const keyRing = createKeyRing({ keys: [{ id: 'k1', secret: randomBytes(32) }], current: 'k1' });
    const accounts = memoryAccounts();
    const first = kanmonOver(accounts, keyRing, clock, policy);
    const created = await first.kanmon.createAccount({ tenant, ...(await adminActor(first.kanmon, tenant, 'u-admin')), username: 'tanaka' });
    if (!created.ok) throw new Error(JSON.stringify(created));
    return { clock, keyRing, accounts, first, password: created.initialPassword, id: created.account.id };
  };
  const end = T0 + 72 * HOUR;

  it('createAccount: accepted at issuedValidityHours − 1 s (the change is asked), refused at + 0 with issued_password_expired, audited', async () => {
    const { clock, first, password } = await setup();
    clock.set(end - 1000);
    expect(await first.kanmon.login({ tenant, username: 'tanaka', password, ...facts })).toMatchObject({ status: 'password_change_required', reason: 'initial' });
    clock.set(end);
    expect(await first.kanmon.login({ tenant, username: 'tanaka', password, ...facts })).toEqual({ status: 'denied', reason: 'issued_password_expired' });
    const events = first.events().filter((e) => e.type === 'password.expired');
    expect(events.map((e) => [e.actor, e.reason, e.outcome])).toEqual([['tanaka', 'issued_password_expired', 'denied']]);
    // A wrong password after the expiry is still the plain invalid_credentials: the expiry tells nothing to a guesser.
    expect(await first.kanmon.login({ tenant, username: 'tanaka', password: `${password}x`, ...facts })).toEqual({ status: 'denied', reason: 'invalid_credentials' });
  });

  it('after a store restart (a new kanmon, an empty store, the same account records) the expiry holds at the same instant', async () => {
    const { clock, keyRing, accounts, password } = await setup();
    const restarted = kanmonOver(accounts, keyRing, clock);
    clock.set(end - 1000);
    expect((await restarted.kanmon.login({ tenant, username: 'tanaka', password, ...facts })).status).toBe('password_change_required');
    const again = kanmonOver(accounts, keyRing, clock);
    clock.set(end);
    expect(await again.kanmon.login({ tenant, username: 'tanaka', password, ...facts })).toEqual({ status: 'denied', reason: 'issued_password_expired' });
  });

  it('consumed by the change: once changed, the password is the user’s own and never expires by this rule (400 days later it logs in)', async () => {
    const { clock, first, password } = await setup();
    clock.set(end - 60_000);
    const step = await first.kanmon.login({ tenant, username: 'tanaka', password, ...facts });
    if (step.status !== 'password_change_required') throw new Error(step.status);
    expect((await first.kanmon.changePassword({ challenge: step.challenge, currentPassword: password, newPassword: GOOD_PASSWORD, ...facts })).status).toBe('changed');
    clock.set(end + 400 * 24 * HOUR);
    expect((await first.kanmon.login({ tenant, username: 'tanaka', password: GOOD_PASSWORD, ...facts })).status).toBe('authenticated');
  });

  it('a change challenge taken just before the end cannot be used after it: the issued password is no longer a current password', async () => {
    const { clock, first, password } = await setup();
    clock.set(end - 1000);
    const step = await first.kanmon.login({ tenant, username: 'tanaka', password, ...facts });
    if (step.status !== 'password_change_required') throw new Error(step.status);
    clock.set(end);
    expect(await first.kanmon.changePassword({ challenge: step.challenge, currentPassword: password, newPassword: GOOD_PASSWORD, ...facts })).toEqual({
      status: 'denied',
      reason: 'issued_password_expired',
    });
  });

  it('adminResetPassword: the new issued password runs from the reset (accepted at − 1 s, refused at + 0); the administrator can issue another', async () => {
    const { clock, first, id } = await setup();
    const resetAt = T0 + 10 * HOUR;
    clock.set(resetAt);
    const reset = await first.kanmon.adminResetPassword({ tenant, ...(await adminActor(first.kanmon, tenant, 'u-admin')), accountId: id });
    if (!reset.ok) throw new Error(JSON.stringify(reset));
    clock.set(resetAt + 72 * HOUR - 1000);
    expect(await first.kanmon.login({ tenant, username: 'tanaka', password: reset.temporaryPassword, ...facts })).toMatchObject({ status: 'password_change_required', reason: 'admin_reset' });
    clock.set(resetAt + 72 * HOUR);
    expect(await first.kanmon.login({ tenant, username: 'tanaka', password: reset.temporaryPassword, ...facts })).toEqual({ status: 'denied', reason: 'issued_password_expired' });
    const another = await first.kanmon.adminResetPassword({ tenant, ...(await adminActor(first.kanmon, tenant, 'u-admin')), accountId: id });
    if (!another.ok) throw new Error(JSON.stringify(another));
    expect((await first.kanmon.login({ tenant, username: 'tanaka', password: another.temporaryPassword, ...facts })).status).toBe('password_change_required');
  });

  it('with mustChangeInitial off (a weakening) an issued password logs in as it is, but still stops at its end', async () => {
    const { clock, first, password } = await setup(testPolicy({ password: { mustChangeInitial: false } }));
    clock.set(end - 1000);
    expect((await first.kanmon.login({ tenant, username: 'tanaka', password, ...facts })).status).toBe('authenticated');
    clock.set(end);
    expect(await first.kanmon.login({ tenant, username: 'tanaka', password, ...facts })).toEqual({ status: 'denied', reason: 'issued_password_expired' });
  });

  it('the message tells the user to ask an administrator, in Japanese and English (HTTP 403 issued_password_expired)', () => {
    expect(httpErrorStatus.issued_password_expired).toBe(403);
    expect(httpErrorMessage('issued_password_expired', 'ja')).toMatch(/管理者.*依頼/);
    expect(httpErrorMessage('issued_password_expired', 'en')).toMatch(/Ask your administrator/);
  });
});
