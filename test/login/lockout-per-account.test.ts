/**
 * SEC-24 (lock after N consecutive failures) per account, however the account
 * was reached — ASVS 5.0 V6.3.1 (brute force held per account), CVE-2024-4629
 * (concurrency), CVE-2024-1722 (one source locking a victim out) — and the
 * per-IP spraying throttle against an office behind one NAT address.
 *
 * The seam: an application whose `AccountRepository.find` is more forgiving
 * than kanmon's own name folding (it trims spaces and tabs, folds width and
 * case, maps the ideographic full stop `。`/`｡`/`．` to `.`). 24 spellings
 * that kanmon keys apart all reach one account. The hasher is the real one,
 * counted (not replaced); the store is the real one, its calls counted.
 * Run on memory, Redis and PostgreSQL.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  type AccountRecord,
  type AccountRepository,
  type KanmonStore,
  type LoginResult,
  type PolicyOverrides,
  createAuditLog,
  createKanmon,
  createKeyRing,
  createPasswordHasher,
  memoryAccounts,
  memoryAuditSink,
  newAccount,
} from '../../src/index.js';
import { type MakeStore, type StoreName, onEveryStore } from '../support/stores.js';
import { GOOD_PASSWORD, INTERNAL_IP, BUSINESS_DAY_10_JST, spyHasher, testPolicy } from './support.js';
import { adminActor } from '../support/admin.js';

const WRONG = 'Wrong#Pass9!x';
const CANONICAL = 'sato.ichiro';

/** The application's own, forgiving, name rule. */
const fold = (name: string) => name.trim().normalize('NFKC').replace(/[。．]/gu, '.').toLowerCase();

/** 24 spellings of CANONICAL that kanmon's NFKC + case folding keeps apart, all of which `fold` maps to it. */
const spellings: readonly string[] = (() => {
  const out: string[] = [];
  for (const before of ['', ' ', '  ', '\t']) {
    for (const dot of ['.', '。']) for (const after of ['', ' ', '  ']) out.push(`${before}sato${dot}ichiro${after}`);
  }
  return out;
})();

/** The store, its update/read calls counted (a spy on the real store). */
function countingStore(store: KanmonStore): { store: KanmonStore; calls: { n: number } } {
  const calls = { n: 0 };
  const counted = new Proxy(store, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      const fn = value as (...args: unknown[]) => unknown;
      if (prop === 'update' || prop === 'updateNow' || prop === 'read') {
        return (...args: unknown[]) => {
          calls.n++;
          return fn.apply(target, args);
        };
      }
      return fn.bind(target);
    },
  });
  return { store: counted, calls };
}

function world(makeStore: MakeStore, overrides: PolicyOverrides = {}) {
  let t = BUSINESS_DAY_10_JST;
  const clock = { now: () => t, advance: (ms: number) => (t += ms) };
  const base = makeStore(clock.now);
  const policy = testPolicy(overrides);
  const keyRing = createKeyRing({ keys: [{ id: 'k1', secret: randomBytes(32) }], current: 'k1' });
  const audit = createAuditLog({ sink: memoryAuditSink(), keyRing, stream: 'auth', now: clock.now });
  const inner = memoryAccounts();
  const accounts: AccountRepository = { ...inner, find: (tenant, username) => inner.find(tenant, fold(username)) };
  const hasher = spyHasher(createPasswordHasher({ policy, keyRing }));
  const { store, calls } = countingStore(base);
  const tenant = `city-${randomBytes(5).toString('hex')}`;
  const kanmon = createKanmon({ policy, store, accounts, hasher, keyRing, audit, now: clock.now });
  let n = 0;
  return {
    kanmon,
    hasher,
    storeCalls: calls,
    tenant,
    clock,
    login: (username: string, password: string, clientIp: string = INTERNAL_IP) => kanmon.login({ tenant, username, password, clientIp, tls: true }),
    async addUser(username: string): Promise<AccountRecord> {
      const account = newAccount({ id: `u-${++n}`, tenant, username, passwordHash: await createPasswordHasher({ policy, keyRing }).hash(GOOD_PASSWORD), passwordChangedAt: clock.now() });
      await inner.create(account);
      return account;
    },
  };
}

const plain = { lockout: { maxFailures: 5, perSource: { maxFailuresPerAccountAndIp: null, maxFailuresPerIp: null } } } satisfies PolicyOverrides;
const reasons = (results: readonly LoginResult[]) => results.map((r) => (r.status === 'denied' ? r.reason : r.status));

function suite(name: StoreName, makeStore: MakeStore) {
  describe(`SEC-24 per account on the ${name} store (a forgiving AccountRepository)`, () => {
    it('the 24 spellings are 24 login names to kanmon and one account to the repository', () => {
      expect(new Set(spellings).size).toBe(24);
      expect(new Set(spellings.map(fold))).toEqual(new Set([CANONICAL]));
    });

    it('72 wrong passwords rotated over 24 spellings verify the hash maxFailures (5) times; then the right one, through any spelling, is refused as locked', async () => {
      const w = world(makeStore, plain);
      const user = await w.addUser(CANONICAL);
      const results: LoginResult[] = [];
      for (let i = 0; i < 72; i++) results.push(await w.login(spellings[i % spellings.length] as string, WRONG));
      expect(w.hasher.calls.verify).toBe(5);
      expect(reasons(results).slice(0, 5)).toEqual(['invalid_credentials', 'invalid_credentials', 'invalid_credentials', 'invalid_credentials', 'locked']);
      expect(new Set(reasons(results).slice(5))).toEqual(new Set(['locked']));
      for (const spelling of ['sato.ichiro', ' sato。ichiro', '\tsato.ichiro  ']) {
        await expect(w.login(spelling, GOOD_PASSWORD)).resolves.toMatchObject({ status: 'denied', reason: 'locked', retryAfterMs: 30 * 60_000 });
      }
      expect(w.hasher.calls.verify).toBe(5);
      await expect(w.kanmon.lockout.status({ account: ' sato。ichiro', accountId: user.id, tenant: w.tenant })).resolves.toMatchObject({
        accountId: user.id,
        locked: true,
        password: { locked: true, failures: 5 },
      });
    });

    it('a concurrent burst of 96 wrong passwords across the 24 spellings verifies at most 5; the right one through a fresh spelling is locked', async () => {
      const w = world(makeStore, plain);
      await w.addUser(CANONICAL);
      const burst = await Promise.all(Array.from({ length: 96 }, (_, i) => w.login(spellings[i % spellings.length] as string, WRONG)));
      expect(w.hasher.calls.verify).toBeLessThanOrEqual(5);
      expect(burst.some((r) => r.status !== 'denied')).toBe(false);
      await expect(w.login('  sato。ichiro ', GOOD_PASSWORD)).resolves.toMatchObject({ status: 'denied', reason: 'locked' });
      expect(w.hasher.calls.verify).toBeLessThanOrEqual(5);
    });

    it('one wrong attempt counts once on the account (and once on the name typed), whichever spelling', async () => {
      const w = world(makeStore, plain);
      const user = await w.addUser(CANONICAL);
      const key = { account: CANONICAL, accountId: user.id, tenant: w.tenant };
      await w.login(CANONICAL, WRONG);
      await expect(w.kanmon.lockout.status(key)).resolves.toMatchObject({ password: { failures: 1 }, name: { failures: 1 } });
      await w.login(' sato。ichiro', WRONG);
      await expect(w.kanmon.lockout.status(key)).resolves.toMatchObject({ password: { failures: 2 }, name: { failures: 1 } });
      await expect(w.kanmon.lockout.status({ account: ' sato。ichiro', tenant: w.tenant })).resolves.toMatchObject({ password: { failures: 1 }, name: null });
    });

    it('a success through one spelling forgives the failures of the others on the account and on its own name', async () => {
      const w = world(makeStore, plain);
      const user = await w.addUser(CANONICAL);
      for (const spelling of spellings.slice(0, 4)) await w.login(spelling, WRONG); // 'sato.ichiro' among them
      await expect(w.login(' sato.ichiro', GOOD_PASSWORD)).resolves.toMatchObject({ status: 'authenticated' });
      await expect(w.kanmon.lockout.status({ account: CANONICAL, accountId: user.id, tenant: w.tenant })).resolves.toMatchObject({
        locked: false,
        password: { failures: 0 },
        name: { failures: 0 },
      });
    });

    it('changePassword: guesses at the current password count on the same per-account counter', async () => {
      const w = world(makeStore, plain);
      await w.addUser(CANONICAL);
      const first = await w.login(CANONICAL, GOOD_PASSWORD);
      if (first.status !== 'authenticated') throw new Error(`expected a session, got ${first.status}`);
      for (const spelling of [' sato.ichiro', 'sato。ichiro', '\tsato.ichiro', 'sato.ichiro  ']) {
        await expect(w.login(spelling, WRONG)).resolves.toMatchObject({ reason: 'invalid_credentials' });
      }
      const change = await w.kanmon.changePassword({ session: first.session, currentPassword: WRONG, newPassword: 'N3w#Passw0rd!x', clientIp: INTERNAL_IP });
      expect(change).toMatchObject({ status: 'denied', reason: 'invalid_credentials' });
      await expect(w.login(CANONICAL, GOOD_PASSWORD)).resolves.toMatchObject({ status: 'denied', reason: 'locked' });
      await expect(w.kanmon.changePassword({ session: first.session, currentPassword: GOOD_PASSWORD, newPassword: 'N3w#Passw0rd!x', clientIp: INTERNAL_IP })).resolves.toMatchObject({
        status: 'denied',
        reason: 'locked',
      });
    });

    it('adminUnlock lifts the account lock reached through spellings; lockout.status shows it before and not after', async () => {
      const w = world(makeStore, plain);
      const user = await w.addUser(CANONICAL);
      for (const spelling of spellings.slice(0, 5)) await w.login(spelling, WRONG);
      const key = { account: CANONICAL, accountId: user.id, tenant: w.tenant };
      await expect(w.kanmon.lockout.status(key)).resolves.toMatchObject({ locked: true, password: { locked: true } });
      await expect(w.kanmon.adminUnlock({ tenant: w.tenant, ...(await adminActor(w.kanmon, w.tenant, 'admin-1')), accountId: user.id })).resolves.toEqual({ ok: true, wasLocked: true });
      await expect(w.kanmon.lockout.status(key)).resolves.toMatchObject({ locked: false, password: { locked: false, failures: 0 } });
      await expect(w.login('sato。ichiro ', GOOD_PASSWORD)).resolves.toMatchObject({ status: 'authenticated' });
    });

    it('CVE-2024-1722: the per-(account, IP) throttle holds per account: one address rotating spellings verifies 3 times and cannot lock the owner out', async () => {
      const w = world(makeStore, { lockout: { maxFailures: 5, perSource: { maxFailuresPerAccountAndIp: 3, maxFailuresPerIp: null } } });
      await w.addUser(CANONICAL);
      const attacker = '10.9.9.9';
      const results: LoginResult[] = [];
      for (const spelling of spellings) results.push(await w.login(spelling, WRONG, attacker));
      expect(w.hasher.calls.verify).toBe(3);
      expect(new Set(reasons(results).slice(3))).toEqual(new Set(['throttled']));
      await expect(w.login(CANONICAL, GOOD_PASSWORD, INTERNAL_IP)).resolves.toMatchObject({ status: 'authenticated' });
    });

    it('enumeration: an unknown name and a known account get the same answers, the same one hash and the same store calls per attempt', async () => {
      const w = world(makeStore, plain);
      await w.addUser(CANONICAL);
      const run = async (username: string) => {
        const answers: LoginResult[] = [];
        const calls: number[] = [];
        for (let i = 0; i < 7; i++) {
          const before = w.storeCalls.n;
          answers.push(await w.login(username, WRONG));
          calls.push(w.storeCalls.n - before);
        }
        return { answers, calls };
      };
      w.hasher.reset();
      const known = await run(' sato。ichiro');
      expect(w.hasher.calls).toEqual({ verify: 5, dummyVerify: 0, hash: 0 });
      w.hasher.reset();
      const unknown = await run(' kato。jiro');
      expect(w.hasher.calls).toEqual({ verify: 0, dummyVerify: 5, hash: 0 });
      expect(unknown.answers).toEqual(known.answers);
      expect(unknown.calls).toEqual(known.calls);
    });

    it('a NAT office: 200 successful logins of different users from one address are never throttled; failures from it still are', async () => {
      const w = world(makeStore, { lockout: { perSource: { maxFailuresPerAccountAndIp: null, maxFailuresPerIp: 20, windowMs: 15 * 60_000 } } });
      const office = '10.20.30.40';
      const users = await Promise.all(Array.from({ length: 200 }, (_, i) => w.addUser(`staff${i}`)));
      const sequential: LoginResult[] = [];
      for (const user of users.slice(0, 150)) sequential.push(await w.login(user.username, GOOD_PASSWORD, office));
      // Attempts in flight count until they succeed (reserve-first): batches of 10 at once stay below the limit of 20.
      const together: LoginResult[] = [];
      for (let i = 150; i < 200; i += 10) together.push(...(await Promise.all(users.slice(i, i + 10).map((user) => w.login(user.username, GOOD_PASSWORD, office)))));
      expect(new Set(reasons([...sequential, ...together]))).toEqual(new Set(['authenticated']));
      const wrong: LoginResult[] = [];
      for (let i = 0; i < 21; i++) wrong.push(await w.login(`staff${i}`, WRONG, office));
      expect(reasons(wrong)).toEqual([...new Array<string>(20).fill('invalid_credentials'), 'throttled']);
      await expect(w.login('staff199', GOOD_PASSWORD, office)).resolves.toMatchObject({ status: 'denied', reason: 'throttled' });
    });
  });
}

onEveryStore(suite);
