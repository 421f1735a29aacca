/**
 * FNB-4.1, SEC-31 (crypto-shredding) across the login flow: after
 * `keyRing.destroy('k1')` nothing `k1` signed or sealed gets anyone in —
 * the session token (from any instance: two `createKanmon` over one ring and
 * one store), a login challenge, a registered device's token, the sealed TOTP
 * secret and the recovery codes keyed by it.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  type KanmonStore,
  createAuditLog,
  createKanmon,
  createKeyRing,
  createMemoryDeviceRegistry,
  createPasswordHasher,
  isKanmonError,
  memoryAccounts,
  memoryAuditSink,
  memoryStore,
  newAccount,
} from '../../src/index.js';
import { totpAt } from '../mfa/support.js';
import { okOf } from '../support/results.js';
import { GOOD_PASSWORD, INTERNAL_IP, OUTSIDE_IP, BUSINESS_DAY_10_JST, base32Decode, testPolicy } from './support.js';
import { adminActor } from '../support/admin.js';

const internal = { clientIp: INTERNAL_IP, tls: true } as const;
const outside = { clientIp: OUTSIDE_IP, tls: true } as const;
const tenant = 'funabashi';

async function twoInstances(store: KanmonStore = memoryStore()) {
  let t = BUSINESS_DAY_10_JST;
  const clock = { now: () => t, advance: (ms: number) => (t += ms) };
  const policy = testPolicy({ access: { routes: { device: { allow: 'allow_listed_terminals', requireRegisteredDevice: true, ipAllowList: ['0.0.0.0/0'] } } } });
  const keyRing = createKeyRing({ keys: [{ id: 'k1', secret: randomBytes(32) }], current: 'k1' });
  const accounts = memoryAccounts();
  const hasher = createPasswordHasher({ policy, keyRing });
  await accounts.create(newAccount({ id: 'u-1', tenant, username: 'sato', passwordHash: await hasher.hash(GOOD_PASSWORD), passwordChangedAt: t }));
  const devices = { registry: createMemoryDeviceRegistry() }; // shared, as a database table would be
  const make = () =>
    createKanmon({ policy, store, accounts, keyRing, hasher, devices, audit: createAuditLog({ sink: memoryAuditSink(), keyRing, stream: 'auth', now: clock.now }), now: clock.now });
  const shred = () => {
    keyRing.add({ id: 'k2', secret: randomBytes(32) });
    keyRing.setCurrent('k2');
    keyRing.destroy('k1');
  };
  return { a: make(), b: make(), clock, accounts, shred };
}

describe('FNB-4.1 / SEC-31: nothing a destroyed key signed or sealed gets anyone in', () => {
  it('a session token from login, verified (and cached) by both instances, is refused by both after destroy, and never refreshed', async () => {
    const { a, b, clock, shred } = await twoInstances();
    const login = await a.login({ tenant, username: 'sato', password: GOOD_PASSWORD, ...internal });
    if (login.status !== 'authenticated') throw new Error(login.status);
    expect((await a.sessions.verify(login.token, { tenant })).ok).toBe(true);
    expect((await b.sessions.verify(login.token, { tenant })).ok).toBe(true);
    shred();
    clock.advance(2 * 60_000);
    expect(await a.sessions.verify(login.token, { tenant })).toEqual({ ok: false, reason: 'invalid_signature' });
    expect(await b.sessions.verify(login.token, { tenant })).toEqual({ ok: false, reason: 'invalid_signature' });
  });

  it('a login challenge signed with k1 no longer continues the login (verifyMfa, enrolment)', async () => {
    const { a, b, shred } = await twoInstances();
    const login = await a.login({ tenant, username: 'sato', password: GOOD_PASSWORD, ...outside });
    if (login.status !== 'mfa_required') throw new Error(login.status);
    shred();
    expect(await b.enrollTotp({ challenge: login.challenge })).toEqual({ status: 'denied', reason: 'invalid_challenge' });
    expect(await a.verifyMfa({ challenge: login.challenge, code: '123456' })).toEqual({ status: 'denied', reason: 'invalid_challenge' });
  });

  it('a device token MACed with k1 no longer counts as a registered device', async () => {
    const { a, b, shred } = await twoInstances();
    const { token } = okOf(await a.registerDevice({ tenant, ...(await adminActor(a, tenant, 'admin-1')), accountId: 'u-1', label: '端末 1' }));
    const withDevice = { tenant, username: 'sato', password: GOOD_PASSWORD, ...internal, deviceId: token, route: 'device' };
    const before = await b.login(withDevice);
    expect(before.status, JSON.stringify(before)).toBe('authenticated');
    shred();
    expect(await b.login(withDevice)).toEqual({ status: 'denied', reason: 'device_not_registered' });
    expect(await a.login(withDevice)).toEqual({ status: 'denied', reason: 'device_not_registered' });
  });

  it('a TOTP secret sealed and recovery codes keyed with k1 are unreadable: the second step is refused with ERR_KEY_DESTROYED, never accepted', async () => {
    const { a, b, clock, shred } = await twoInstances();
    const first = await a.login({ tenant, username: 'sato', password: GOOD_PASSWORD, ...outside });
    if (first.status !== 'mfa_required') throw new Error(first.status);
    const enrollment = await a.enrollTotp({ challenge: first.challenge });
    if (enrollment.status !== 'pending') throw new Error(JSON.stringify(enrollment));
    const secret = base32Decode(enrollment.secret);
    const confirmed = await a.confirmTotp({ challenge: first.challenge, code: totpAt(secret, clock.now()) });
    if (confirmed.status !== 'authenticated') throw new Error(JSON.stringify(confirmed));

    shred();
    clock.advance(30_000);
    const second = await b.login({ tenant, username: 'sato', password: GOOD_PASSWORD, ...outside });
    if (second.status !== 'mfa_required') throw new Error(second.status);
    for (const code of [totpAt(secret, clock.now()), confirmed.recoveryCodes[0]!]) {
      const outcome = await b.verifyMfa({ challenge: second.challenge, code }).then(
        (result) => result,
        (err: unknown) => err,
      );
      expect(isKanmonError(outcome, 'ERR_KEY_DESTROYED'), String(outcome)).toBe(true);
    }
  });
});
