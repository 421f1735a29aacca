/**
 * The store contract suite (src/store/store.ts), run against every store:
 * memory.test.ts, redis.test.ts, postgres.test.ts. Each case uses a fresh
 * tenant, so cases never see each other's keys.
 *
 * Concurrency cases fire their calls together (Promise.all) and count the
 * winners: a store that is not atomic lets more than one through.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type KanmonStore } from '../../src/index.js';
import {
  type ReserveArgs,
  type StoreRecord,
  type SucceedArgs,
  type Transition,
  failTransition,
  reserveTransition,
  resetTransition,
  storeKey,
  succeedTransition,
} from '../../src/store/index.js';
import { KanmonError } from '../../src/errors.js';
import { entryListContract } from './entries-contract.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A TTL that cannot lapse between two calls on a loaded machine, and that a test still waits out. */
const SHORT_TTL_MS = 1000;
const T0 = 1_800_000_000_000;

let counter = 0;
function tenant(): string {
  return `t${++counter}-${randomUUID().slice(0, 8)}`;
}

function lockArgs(overrides: Partial<ReserveArgs> = {}): ReserveArgs {
  return {
    now: T0,
    maxFailures: 5,
    failureWindowMs: 60_000,
    lockDurationMs: 60_000,
    multiplier: 1,
    maxLockDurationMs: 60_000,
    permanent: false,
    sources: [],
    ...overrides,
  };
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(KanmonError);
  expect((err as KanmonError).code).toBe(code);
}

/** A counting transition: adds `by` to field `n`, TTL as given. */
const addTransition: Transition<{ by: number; ttlMs: number | null }, number> = {
  name: 'test.add',
  apply(records, args) {
    const n = (records[0]?.n ?? 0) + args.by;
    return { writes: records.map(() => ({ kind: 'set', record: { n }, ttlMs: args.ttlMs })), result: n };
  },
};

/**
 * @param getStore the store under test (created by the caller's beforeAll).
 * @param options.customTransitions whether the store runs any TypeScript transition (memory, PostgreSQL) or only named scripts (Redis).
 */
export function storeContract(name: string, getStore: () => KanmonStore, options: { customTransitions: boolean }): void {
  describe(`store contract: ${name}`, () => {
    describe('keys', () => {
      it('refuses keys not built by storeKey, on every method, with ERR_INVALID_ARGUMENT', async () => {
        const store = getStore();
        for (const bad of ['plain', 'kanmon:{t}:x', '{bad tenant}:lockout:a', '{t}:UPPER:a', '{t}:lockout', '']) {
          await expectCode(store.read(bad), 'ERR_INVALID_ARGUMENT');
          await expectCode(store.increment(bad), 'ERR_INVALID_ARGUMENT');
          await expectCode(store.consumeOnce(bad, null), 'ERR_INVALID_ARGUMENT');
          await expectCode(store.advanceIfGreater(bad, 1, null), 'ERR_INVALID_ARGUMENT');
          await expectCode(store.delete(bad), 'ERR_INVALID_ARGUMENT');
          await expectCode(store.update(resetTransition, [bad], { now: T0 }), 'ERR_INVALID_ARGUMENT');
        }
        await expectCode(store.purgeTenant('../*'), 'ERR_INVALID_ARGUMENT');
      });

      it('refuses an update across two tenants, duplicate keys, or bad TTLs', async () => {
        const store = getStore();
        const a = storeKey(tenant(), 'lockout', 'pw', 'x');
        const b = storeKey(tenant(), 'lockout', 'pw', 'x');
        await expectCode(store.update(resetTransition, [a, b], { now: T0 }), 'ERR_INVALID_ARGUMENT');
        await expectCode(store.update(resetTransition, [a, a], { now: T0 }), 'ERR_INVALID_ARGUMENT');
        await expectCode(store.consumeOnce(a, 0), 'ERR_INVALID_ARGUMENT');
        await expectCode(store.advanceIfGreater(a, 1.5, null), 'ERR_INVALID_ARGUMENT');
      });
    });

    describe('absent keys', () => {
      it('read → null, readCounter → 0, delete → false', async () => {
        const store = getStore();
        const key = storeKey(tenant(), 'test', 'nothing');
        await expect(store.read(key)).resolves.toBeNull();
        await expect(store.readCounter(key)).resolves.toBe(0);
        await expect(store.delete(key)).resolves.toBe(false);
      });
    });

    describe('advanceIfGreater (TOTP last-used step)', () => {
      it('advances only to strictly greater values; absent counts as smaller than everything', async () => {
        const store = getStore();
        const key = storeKey(tenant(), 'totp', 'alice');
        await expect(store.advanceIfGreater(key, 0, 60_000)).resolves.toBe(true);
        await expect(store.advanceIfGreater(key, 0, 60_000)).resolves.toBe(false);
        await expect(store.advanceIfGreater(key, 57_000_000, 60_000)).resolves.toBe(true);
        await expect(store.advanceIfGreater(key, 57_000_000, 60_000)).resolves.toBe(false);
        await expect(store.advanceIfGreater(key, 56_999_999, 60_000)).resolves.toBe(false);
        await expect(store.advanceIfGreater(key, 57_000_001, 60_000)).resolves.toBe(true);
        await expect(store.advanceIfGreater(key, Number.MAX_SAFE_INTEGER, null)).resolves.toBe(true);
        await expect(store.advanceIfGreater(key, Number.MAX_SAFE_INTEGER, null)).resolves.toBe(false);
      });

      it('of 50 racing calls with the same step exactly one wins', async () => {
        const store = getStore();
        const key = storeKey(tenant(), 'totp', 'alice');
        const results = await Promise.all(Array.from({ length: 50 }, () => store.advanceIfGreater(key, 58_000_000, 60_000)));
        expect(results.filter(Boolean)).toHaveLength(1);
      });

      it('under racing different steps, the greatest always wins and the stored step never goes back', async () => {
        const store = getStore();
        const key = storeKey(tenant(), 'totp', 'alice');
        const steps = Array.from({ length: 40 }, (_, i) => 1000 + ((i * 17) % 40));
        const results = await Promise.all(steps.map((s) => store.advanceIfGreater(key, s, 60_000)));
        expect(results[steps.indexOf(1039)]).toBe(true);
        await expect(store.advanceIfGreater(key, 1039, 60_000)).resolves.toBe(false);
        await expect(store.advanceIfGreater(key, 1040, 60_000)).resolves.toBe(true);
      });

      it('forgets the value after its TTL', async () => {
        const store = getStore();
        const key = storeKey(tenant(), 'totp', 'alice');
        // TTLs of a second: a loaded machine (two cores, parallel suites) must not expire them between two calls.
        await expect(store.advanceIfGreater(key, 10, SHORT_TTL_MS)).resolves.toBe(true);
        await expect(store.advanceIfGreater(key, 5, SHORT_TTL_MS)).resolves.toBe(false);
        await sleep(SHORT_TTL_MS + 150);
        await expect(store.advanceIfGreater(key, 5, 60)).resolves.toBe(true);
      });
    });

    describe('consumeOnce (recovery codes)', () => {
      it('exactly one of 100 concurrent consumers wins', async () => {
        const store = getStore();
        const key = storeKey(tenant(), 'recovery', 'alice', 'code-1');
        const results = await Promise.all(Array.from({ length: 100 }, () => store.consumeOnce(key, null)));
        expect(results.filter(Boolean)).toHaveLength(1);
        await expect(store.consumeOnce(key, null)).resolves.toBe(false);
      });

      it('a mark with a TTL can be consumed again after it expires; delete frees it', async () => {
        const store = getStore();
        const key = storeKey(tenant(), 'recovery', 'alice', 'code-2');
        await expect(store.consumeOnce(key, SHORT_TTL_MS)).resolves.toBe(true);
        await expect(store.consumeOnce(key, SHORT_TTL_MS)).resolves.toBe(false);
        await sleep(SHORT_TTL_MS + 150);
        await expect(store.consumeOnce(key, null)).resolves.toBe(true);
        await expect(store.delete(key)).resolves.toBe(true);
        await expect(store.consumeOnce(key, null)).resolves.toBe(true);
      });
    });

    describe('increment (revocation epochs)', () => {
      it('100 concurrent increments return 1..100, each once, and never expire', async () => {
        const store = getStore();
        const key = storeKey(tenant(), 'session', 'epoch', 'alice');
        const values = await Promise.all(Array.from({ length: 100 }, () => store.increment(key)));
        expect([...values].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
        await expect(store.readCounter(key)).resolves.toBe(100);
        await expect(store.delete(key)).resolves.toBe(true);
        await expect(store.readCounter(key)).resolves.toBe(0);
        await expect(store.increment(key)).resolves.toBe(1);
      });
    });

    describe('update (transitions)', () => {
      it('SEC-24: 200 concurrent reservations at maxFailures 5 → exactly 5 go through', async () => {
        const store = getStore();
        const key = storeKey(tenant(), 'lockout', 'pw', 'alice');
        const results = await Promise.all(Array.from({ length: 200 }, () => store.update(reserveTransition, [key], lockArgs())));
        expect(results.filter((r) => r.ok)).toHaveLength(5);
        expect(results.filter((r) => !r.ok && r.reason === 'locked')).toHaveLength(195);
        expect(results.filter((r) => r.ok && r.lockedNow)).toHaveLength(1);
        const record = await store.read(key);
        expect(record).toEqual({ failures: 5, lastAttemptAt: T0, lockedUntil: T0 + 60_000, lockCount: 1, settled: 0 });
      });

      it('multi-key: 100 concurrent reservations through a shared source of limit 7 → exactly 7 counted everywhere', async () => {
        const store = getStore();
        const t = tenant();
        const source = storeKey(t, 'lockout', 'ip', '203.0.113.9');
        const results = await Promise.all(
          Array.from({ length: 100 }, (_, i) =>
            store.update(reserveTransition, [storeKey(t, 'lockout', 'pw', `user${i % 10}`), source], lockArgs({ sources: [{ limit: 7, windowMs: 60_000 }] })),
          ),
        );
        expect(results.filter((r) => r.ok)).toHaveLength(7);
        expect(results.filter((r) => !r.ok && r.reason === 'throttled')).toHaveLength(93);
        expect(await store.read(source)).toEqual({ attempts: 7, windowStart: T0 });
      });

      it('a refusal writes nothing, and reset deletes every key and reports the lock', async () => {
        const store = getStore();
        const t = tenant();
        const acc = storeKey(t, 'lockout', 'pw', 'bob');
        const src = storeKey(t, 'lockout', 'pw-ip', 'bob', '198.51.100.1');
        const args = lockArgs({ maxFailures: 1, sources: [{ limit: 5, windowMs: 60_000 }] });
        await expect(store.update(reserveTransition, [acc, src], args)).resolves.toMatchObject({ ok: true, lockedNow: true });
        await expect(store.update(reserveTransition, [acc, src], { ...args, now: T0 + 10 })).resolves.toEqual({
          ok: false, reason: 'locked',
          retryAfterMs: 59_990,
          lockedUntil: T0 + 60_000,
          lockCount: 1,
        });
        expect(await store.read(src)).toEqual({ attempts: 1, windowStart: T0 });
        await expect(store.update(resetTransition, [acc, src], { now: T0 + 20 })).resolves.toEqual({ wasLocked: true, failures: 1 });
        await expect(store.read(acc)).resolves.toBeNull();
        await expect(store.read(src)).resolves.toBeNull();
        await expect(store.update(resetTransition, [acc], { now: T0 + 30 })).resolves.toEqual({ wasLocked: false, failures: 0 });
      });

      it('a permanent lock survives any time and reports retryAfterMs null', async () => {
        const store = getStore();
        const key = storeKey(tenant(), 'lockout', 'pw', 'carol');
        const args = lockArgs({ maxFailures: 1, permanent: true });
        await expect(store.update(reserveTransition, [key], args)).resolves.toMatchObject({ ok: true, lockedNow: true, lockedUntil: -1 });
        await expect(store.update(reserveTransition, [key], { ...args, now: T0 + 10 * 365 * 86_400_000 })).resolves.toEqual({
          ok: false, reason: 'locked',
          retryAfterMs: null,
          lockedUntil: -1,
          lockCount: 1,
        });
      });

      it('records expire after their TTL', async () => {
        const store = getStore();
        const key = storeKey(tenant(), 'lockout', 'pw', 'dave');
        if (options.customTransitions) {
          await store.update(addTransition, [key], { by: 2, ttlMs: SHORT_TTL_MS });
          await expect(store.read(key)).resolves.toEqual({ n: 2 });
          await sleep(SHORT_TTL_MS + 150);
          await expect(store.read(key)).resolves.toBeNull();
        } else {
          await expectCode(store.update(addTransition, [key], { by: 2, ttlMs: 60 }), 'ERR_INVALID_ARGUMENT');
        }
      });

      it('keeps millisecond timestamps exact (no float formatting on the way)', async () => {
        const store = getStore();
        const key = storeKey(tenant(), 'lockout', 'pw', 'erin');
        const now = 8_640_000_000_000 - 1; // near the end of JavaScript time: 16 digits
        await store.update(reserveTransition, [key], lockArgs({ now }));
        await expect(store.read(key)).resolves.toEqual({ failures: 1, lastAttemptAt: now, lockedUntil: 0, lockCount: 0, settled: 0 } satisfies StoreRecord);
      });

      // SEC-24 with a success in a burst: a success forgives itself and the failures that were over
      // before it was reserved, never an attempt still in flight, so a burst is checked at most maxFailures times.
      it('succeed/fail: a success forgives itself and the failures over before it; attempts in flight stay counted', async () => {
        const store = getStore();
        const t = tenant();
        const key = storeKey(t, 'lockout', 'pw', 'frank');
        const ip = storeKey(t, 'lockout', 'ip', '192.0.2.1');
        const pair = storeKey(t, 'lockout', 'pw-ip', 'frank', '192.0.2.1');
        const args = lockArgs({ sources: [{ limit: 3, windowMs: 60_000 }, { limit: 100, windowMs: 60_000 }] });
        const policy = { maxFailures: 5, failureWindowMs: 60_000, multiplier: 1, maxLockDurationMs: 60_000 };
        const reserve = (now: number) => store.update(reserveTransition, [key, pair, ip], { ...args, now });
        await expect(reserve(T0)).resolves.toMatchObject({ ok: true, failures: 1, settled: 0 });
        await expect(store.update(failTransition, [key], { ...policy, now: T0 + 1, at: [T0] })).resolves.toBeNull();
        await expect(reserve(T0 + 1)).resolves.toMatchObject({ ok: true, failures: 2, settled: 1 }); // the right one
        await expect(reserve(T0 + 2)).resolves.toMatchObject({ ok: true, failures: 3, settled: 1 }); // still in flight
        await expect(reserve(T0 + 3)).resolves.toMatchObject({ ok: false, reason: 'throttled' });
        const ops: SucceedArgs['ops'] = [{ kind: 'account', settled: 1, at: T0 + 1 }, { kind: 'clear' }, { kind: 'refund', at: T0 + 1, windowMs: 60_000 }];
        await expect(store.update(succeedTransition, [key, pair, ip], { ...policy, now: T0 + 10, ops })).resolves.toEqual({ lifted: [false, false, false] });
        await expect(store.read(key)).resolves.toEqual({ failures: 1, lastAttemptAt: T0 + 2, lockedUntil: 0, lockCount: 0, settled: 0 });
        await expect(store.read(pair)).resolves.toBeNull();
        await expect(store.read(ip)).resolves.toEqual({ attempts: 2, windowStart: T0 });
      });

      it('succeed: the right answer that reached the lock lifts it, but the wrong ones racing it stay counted', async () => {
        const store = getStore();
        const key = storeKey(tenant(), 'lockout', 'pw', 'hana');
        const args = lockArgs({ maxFailures: 3 });
        const policy = { maxFailures: 3, failureWindowMs: 60_000, multiplier: 1, maxLockDurationMs: 60_000 };
        await store.update(reserveTransition, [key], args); // wrong, in flight
        await store.update(reserveTransition, [key], args); // wrong, in flight
        await expect(store.update(reserveTransition, [key], args)).resolves.toMatchObject({ ok: true, lockedNow: true, settled: 0 }); // right
        await store.update(failTransition, [key], { ...policy, now: T0 + 5, at: [T0] });
        await store.update(failTransition, [key], { ...policy, now: T0 + 5, at: [T0] });
        await expect(store.update(succeedTransition, [key], { ...policy, now: T0 + 6, ops: [{ kind: 'account', settled: 0, at: T0 }] })).resolves.toEqual({ lifted: [true] });
        await expect(store.read(key)).resolves.toEqual({ failures: 2, lastAttemptAt: T0, lockedUntil: 0, lockCount: 0, settled: 2 });
        // one more guess, and the two that raced the right answer make three: locked again
        await expect(store.update(reserveTransition, [key], { ...args, now: T0 + 7 })).resolves.toMatchObject({ ok: true, failures: 3, lockedNow: true });
        // a failure report of an attempt whose count has lapsed changes nothing
        await store.update(failTransition, [key], { ...policy, now: T0 + 60_000, at: [T0] });
        await expect(store.read(key)).resolves.toMatchObject({ failures: 3, settled: 2 });
      });

      it('succeed: no reservation forgives everything; a refund never reaches a window that started after the reservation', async () => {
        const store = getStore();
        const t = tenant();
        const key = storeKey(t, 'lockout', 'pw', 'gina');
        const ip = storeKey(t, 'lockout', 'ip', '192.0.2.2');
        const args = lockArgs({ maxFailures: 2, sources: [{ limit: 10, windowMs: 1000 }] });
        await store.update(reserveTransition, [key, ip], args);
        await store.update(reserveTransition, [key, ip], { ...args, now: T0 + 1500 }); // a new IP window, and the lock
        const policy = { maxFailures: 2, failureWindowMs: 60_000, multiplier: 1, maxLockDurationMs: 60_000 };
        const ops: SucceedArgs['ops'] = [{ kind: 'account', settled: null, at: T0 }, { kind: 'refund', at: T0, windowMs: 1000 }];
        await expect(store.update(succeedTransition, [key, ip], { ...policy, now: T0 + 1600, ops })).resolves.toEqual({ lifted: [true, false] });
        await expect(store.read(key)).resolves.toBeNull();
        await expect(store.read(ip)).resolves.toEqual({ attempts: 1, windowStart: T0 + 1500 });
        const none = storeKey(t, 'lockout', 'pw', 'nobody');
        await expect(store.update(succeedTransition, [none], { ...policy, now: T0, ops: [{ kind: 'account', settled: 0, at: T0 }] })).resolves.toEqual({ lifted: [false] });
        await expect(store.read(none)).resolves.toBeNull();
      });
    });

    describe('tenant isolation (SEC-29, FNB-3.4) and purge (RM-18)', () => {
      it('two tenants with the same names never see each other; purging one leaves the other', async () => {
        const store = getStore();
        const a = tenant();
        const b = tenant();
        for (const [t, n] of [
          [a, 3],
          [b, 1],
        ] as const) {
          for (let i = 0; i < n; i++) await store.update(reserveTransition, [storeKey(t, 'lockout', 'pw', 'alice')], lockArgs());
          await store.increment(storeKey(t, 'session', 'epoch', 'alice'));
          await store.consumeOnce(storeKey(t, 'recovery', 'alice', 'c1'), null);
        }
        await expect(store.read(storeKey(a, 'lockout', 'pw', 'alice'))).resolves.toMatchObject({ failures: 3 });
        await expect(store.read(storeKey(b, 'lockout', 'pw', 'alice'))).resolves.toMatchObject({ failures: 1 });
        await expect(store.purgeTenant(a)).resolves.toBe(3);
        await expect(store.read(storeKey(a, 'lockout', 'pw', 'alice'))).resolves.toBeNull();
        await expect(store.readCounter(storeKey(a, 'session', 'epoch', 'alice'))).resolves.toBe(0);
        await expect(store.read(storeKey(b, 'lockout', 'pw', 'alice'))).resolves.toMatchObject({ failures: 1 });
        await expect(store.readCounter(storeKey(b, 'session', 'epoch', 'alice'))).resolves.toBe(1);
        await expect(store.consumeOnce(storeKey(b, 'recovery', 'alice', 'c1'), null)).resolves.toBe(false);
      });

      it('a tenant id that prefixes another (city-1, city-10) purges only its own keys', async () => {
        const store = getStore();
        const base = tenant();
        await store.increment(storeKey(base, 'x', 'k'));
        await store.increment(storeKey(`${base}0`, 'x', 'k'));
        await expect(store.purgeTenant(base)).resolves.toBe(1);
        await expect(store.readCounter(storeKey(`${base}0`, 'x', 'k'))).resolves.toBe(1);
      });

      it('purges thousands of keys (SCAN walks them all)', async () => {
        const store = getStore();
        const t = tenant();
        const keys = Array.from({ length: 2500 }, (_, i) => storeKey(t, 'recovery', `u${i}`, 'c'));
        for (let i = 0; i < keys.length; i += 250) await Promise.all(keys.slice(i, i + 250).map((k) => store.consumeOnce(k, null)));
        await expect(store.purgeTenant(t)).resolves.toBe(2500);
        await expect(store.purgeTenant(t)).resolves.toBe(0);
      });
    });

    entryListContract(getStore);
  });
}
