/**
 * Issue 16 point 3, the lost second factor (ASVS 5.0 V6.4 / V7.5.1; SEC-26 audit of administrative acts):
 * `adminResetMfa` removes the TOTP and the recovery codes, revokes every session — on another instance of the
 * app sharing the store, within one request — and the next login where MFA is required goes to enrolment; an
 * administrator cannot reset their own factor. On memory, Redis (two instances, two clients) and PostgreSQL.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import {
  type AuditRecord,
  type KanmonStore,
  createAuditLog,
  createKanmon,
  createKeyRing,
  createPasswordHasher,
  memoryAccounts,
  memoryAuditSink,
  newAccount,
} from '../../src/index.js';
import { redisStore } from '../../src/redis/index.js';
import { totpAt } from '../mfa/support.js';
import { useRedisServer } from '../support/redis.js';
import { requireService } from '../support/services.js';
import { type MakeStore, type StoreName, onEveryStore } from '../support/stores.js';
import { BUSINESS_DAY_10_JST, GOOD_PASSWORD, INTERNAL_IP, OUTSIDE_IP, base32Decode, testPolicy } from './support.js';
import { adminActor } from '../support/admin.js';

const outside = { clientIp: OUTSIDE_IP, tls: true } as const;
const inside = { clientIp: INTERNAL_IP, tls: true } as const;
const STEP = 30_000;

/** Two instances of one app (one account table, one key ring, one audit log), each over its own store handle. */
async function twoInstances(storeA: KanmonStore, storeB: KanmonStore) {
  let t = BUSINESS_DAY_10_JST;
  const clock = { now: () => t, advance: (ms: number) => (t += ms) };
  const policy = testPolicy({ recovery: { selfService: true } });
  /** The reset tokens the application's `deliver` was given. */
  const delivered: string[] = [];
  const keyRing = createKeyRing({ keys: [{ id: 'k1', secret: randomBytes(32) }], current: 'k1' });
  const sink = memoryAuditSink();
  const audit = createAuditLog({ sink, keyRing, stream: 'auth', now: clock.now });
  const accounts = memoryAccounts();
  const tenant = `city-${randomBytes(5).toString('hex')}`;
  const hash = await createPasswordHasher({ policy, keyRing }).hash(GOOD_PASSWORD);
  await accounts.create(newAccount({ id: 'u-sato', tenant, username: 'sato', passwordHash: hash, passwordChangedAt: clock.now(), roles: ['staff'] }));
  await accounts.create(newAccount({ id: 'u-admin', tenant, username: 'kanri', passwordHash: hash, passwordChangedAt: clock.now(), roles: ['admin'] }));
  const recovery = { deliver: ({ token }: { token: string }) => void delivered.push(token) };
  const make = (store: KanmonStore) => createKanmon({ policy, store, accounts, keyRing, audit, now: clock.now, recovery });
  const a = make(storeA);
  const b = make(storeB);
  const events = () => (sink.streams.get('auth')?.lines ?? []).map((line) => JSON.parse(line) as AuditRecord);

  /** Enrol `username` through a login from outside (MFA required): its secret and recovery codes. */
  async function enrol(username: string) {
    const login = await a.login({ tenant, username, password: GOOD_PASSWORD, ...outside });
    if (login.status !== 'mfa_required') throw new Error(`expected mfa_required, got ${login.status}`);
    const enrollment = await a.enrollTotp({ challenge: login.challenge });
    if (enrollment.status !== 'pending') throw new Error(JSON.stringify(enrollment));
    const secret = base32Decode(enrollment.secret);
    const confirmed = await a.confirmTotp({ challenge: login.challenge, code: totpAt(secret, clock.now()) });
    if (confirmed.status !== 'authenticated') throw new Error(JSON.stringify(confirmed));
    clock.advance(STEP);
    return { secret, recoveryCodes: [...confirmed.recoveryCodes], token: confirmed.token };
  }
  return { a, b, accounts, tenant, clock, events, enrol, policy, delivered };
}

function resetSuite(name: StoreName, makeStore: MakeStore) {
  describe(`issue 16 point 3: adminResetMfa (${name})`, () => {
    it('an administrator resetting their own second factor is refused (self_reset_forbidden, audited); the factor stays', async () => {
      const store = makeStore(() => BUSINESS_DAY_10_JST);
      const w = await twoInstances(store, store);
      const { secret } = await w.enrol('kanri');
      const before = (await w.accounts.findById(w.tenant, 'u-admin'))!;
      expect(await w.a.adminResetMfa({ tenant: w.tenant, ...(await adminActor(w.a, w.tenant, 'u-admin')), accountId: 'u-admin', reason: 'lost_device' })).toEqual({
        ok: false,
        reason: 'self_reset_forbidden',
      });
      const after = (await w.accounts.findById(w.tenant, 'u-admin'))!;
      expect(after.totpSecret).toBe(before.totpSecret);
      expect(after.recoveryCodes).toEqual(before.recoveryCodes);
      const refusal = w.events().filter((e) => e.type === 'admin.mfa.reset');
      expect(refusal).toMatchObject([{ outcome: 'denied', reason: 'self_reset_forbidden', actor: 'u-admin', target: 'u-admin' }]);
      // The factor still completes a login.
      const login = await w.a.login({ tenant: w.tenant, username: 'kanri', password: GOOD_PASSWORD, ...outside });
      if (login.status !== 'mfa_required') throw new Error(login.status);
      expect(login.enrolled).toBe(true);
      expect((await w.a.verifyMfa({ challenge: login.challenge, code: totpAt(secret, w.clock.now()) })).status).toBe('authenticated');
    });

    it('after a reset the next login goes to enrolment (stops at the TOTP prompt); the old TOTP and recovery codes are dead; audited admin.mfa.reset', async () => {
      const store = makeStore(() => BUSINESS_DAY_10_JST);
      const w = await twoInstances(store, store);
      const { secret, recoveryCodes } = await w.enrol('sato');
      // A login challenge taken before the reset, still waiting for its code.
      const waiting = await w.a.login({ tenant: w.tenant, username: 'sato', password: GOOD_PASSWORD, ...outside });
      if (waiting.status !== 'mfa_required') throw new Error(waiting.status);

      expect(await w.a.adminResetMfa({ tenant: w.tenant, ...(await adminActor(w.a, w.tenant, 'u-admin')), accountId: 'u-sato', reason: 'lost_device' })).toEqual({ ok: true, wasEnrolled: true });
      const stored = (await w.accounts.findById(w.tenant, 'u-sato'))!;
      expect([stored.totpSecret, stored.totpPendingSecret, stored.recoveryCodes]).toEqual([null, null, null]);
      expect(w.events().filter((e) => e.type === 'admin.mfa.reset')).toMatchObject([
        { outcome: 'info', reason: 'lost_device', actor: 'u-admin', target: 'u-sato', after: { enrolled: false, recoverySet: false, sessionsRevoked: true } },
      ]);

      // The challenge taken before the reset died with the sessions (epoch moved on).
      expect(await w.b.verifyMfa({ challenge: waiting.challenge, code: totpAt(secret, w.clock.now()) })).toMatchObject({ status: 'denied', reason: 'invalid_challenge' });
      // The next login, on the other instance: enrolment, not the old factor.
      const next = await w.b.login({ tenant: w.tenant, username: 'sato', password: GOOD_PASSWORD, ...outside });
      if (next.status !== 'mfa_required') throw new Error(next.status);
      expect(next.enrolled).toBe(false);
      expect(await w.b.verifyMfa({ challenge: next.challenge, code: totpAt(secret, w.clock.now()) })).toMatchObject({ status: 'denied', reason: 'not_enrolled' });
      expect(await w.b.verifyMfa({ challenge: next.challenge, code: recoveryCodes[0]! })).toMatchObject({ status: 'denied', reason: 'not_enrolled' });
      const enrollment = await w.b.enrollTotp({ challenge: next.challenge });
      expect(enrollment.status).toBe('pending');
    });

    it('every session of the account is revoked on the other instance within one request', async () => {
      // Memory: one process, one store; Redis and PostgreSQL: a second store handle on the same server.
      const store = makeStore(() => BUSINESS_DAY_10_JST);
      const w = await twoInstances(store, name === 'memory' ? store : makeStore(() => BUSINESS_DAY_10_JST));
      await sessionsDieEverywhere(w);
    });

    it('ASVS 5.0 V6.4.3: a password-reset link mailed before the second factor was reset no longer works after it (it would skip the factor)', async () => {
      const store = makeStore(() => BUSINESS_DAY_10_JST);
      const w = await twoInstances(store, store);
      await w.enrol('sato');
      expect(await w.a.requestPasswordReset({ tenant: w.tenant, username: 'sato', ...inside })).toEqual({ ok: true });
      await vi.waitFor(() => expect(w.delivered).toHaveLength(1));
      expect((await w.a.adminResetMfa({ tenant: w.tenant, ...(await adminActor(w.a, w.tenant, 'u-admin')), accountId: 'u-sato', reason: 'lost_device' })).ok).toBe(true);
      const completed = await w.b.completePasswordReset({ tenant: w.tenant, token: w.delivered[0]!, newPassword: 'Zr5&Yc2*Np7sU', ...inside });
      expect(completed).toMatchObject({ status: 'denied', reason: 'invalid_token' });
      // The password is unchanged: the old one still leads to enrolment.
      const login = await w.b.login({ tenant: w.tenant, username: 'sato', password: GOOD_PASSWORD, ...outside });
      expect(login).toMatchObject({ status: 'mfa_required', enrolled: false });
    });

    it('an unknown account: not_found; a reason that is not a code is a programmer error', async () => {
      const store = makeStore(() => BUSINESS_DAY_10_JST);
      const w = await twoInstances(store, store);
      expect(await w.a.adminResetMfa({ tenant: w.tenant, ...(await adminActor(w.a, w.tenant, 'u-admin')), accountId: 'u-nobody' })).toEqual({ ok: false, reason: 'not_found' });
      await expect(w.a.adminResetMfa({ tenant: w.tenant, ...(await adminActor(w.a, w.tenant, 'u-admin')), accountId: 'u-sato', reason: 'Lost phone!' })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    });
  });
}

/** Sessions of sato verified on instance B; the reset made on instance A; the very next verify on B refuses. */
async function sessionsDieEverywhere(w: Awaited<ReturnType<typeof twoInstances>>) {
  const { token } = await w.enrol('sato');
  const second = await w.b.login({ tenant: w.tenant, username: 'sato', password: GOOD_PASSWORD, ...inside });
  if (second.status !== 'authenticated') throw new Error(second.status);
  expect((await w.b.sessions.verify(token, { tenant: w.tenant })).ok).toBe(true);
  expect((await w.b.sessions.verify(second.token, { tenant: w.tenant })).ok).toBe(true);
  expect((await w.a.adminResetMfa({ tenant: w.tenant, ...(await adminActor(w.a, w.tenant, 'u-admin')), accountId: 'u-sato', reason: 'lost_device' })).ok).toBe(true);
  expect((await w.b.sessions.verify(token, { tenant: w.tenant })).ok).toBe(false);
  expect((await w.b.sessions.verify(second.token, { tenant: w.tenant })).ok).toBe(false);
}

onEveryStore(resetSuite);

describe.skipIf(!requireService('redis'))('issue 16 point 3: two instances, each with its own Redis client on one server', () => {
  const redis = useRedisServer();
  it('a reset on instance A revokes the sessions B verified, at B’s next request', async () => {
    const w = await twoInstances(redisStore({ client: redis.client() }), redisStore({ client: redis.client() }));
    await sessionsDieEverywhere(w);
  });
});
