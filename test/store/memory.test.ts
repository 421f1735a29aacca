import { afterAll, describe, expect, it } from 'vitest';
import { createLockout, definePolicy, memoryStore } from '../../src/index.js';
import { type KanmonStore, type ReserveArgs, type Transition, reserveTransition, storeKey } from '../../src/store/index.js';
import { KanmonError } from '../../src/errors.js';
import { type InPlaceTransition, isInProcessStore } from '../../src/store/in-process.js';
import { storeContract } from './contract.js';

const store = memoryStore();
afterAll(async () => {
  await store.close();
});
storeContract('memory', () => store, { customTransitions: true });

describe('memoryStore: bounded memory', () => {
  it('sweeps expired keys on its (injected) clock', async () => {
    let t = 1_000;
    const s = memoryStore({ now: () => t, sweepIntervalMs: 10 });
    try {
      for (let i = 0; i < 100; i++) await s.consumeOnce(storeKey('a', 'x', String(i)), 1000);
      expect(s.size).toBe(100);
      t += 1000;
      await new Promise((r) => setTimeout(r, 40));
      expect(s.size).toBe(0);
    } finally {
      await s.close();
    }
  });

  it('refuses new keys past maxEntries with ERR_STORE_UNAVAILABLE (after sweeping), never evicts live state', async () => {
    let t = 1_000;
    const s = memoryStore({ now: () => t, maxEntries: 3 });
    try {
      await s.consumeOnce(storeKey('a', 'x', '1'), 500);
      await s.consumeOnce(storeKey('a', 'x', '2'), null);
      await s.consumeOnce(storeKey('a', 'x', '3'), null);
      const err = await s.consumeOnce(storeKey('a', 'x', '4'), null).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KanmonError);
      expect((err as KanmonError).code).toBe('ERR_STORE_UNAVAILABLE');
      await expect(s.consumeOnce(storeKey('a', 'x', '2'), null)).resolves.toBe(false);
      t += 500; // key 1 expires: room again
      await expect(s.consumeOnce(storeKey('a', 'x', '4'), null)).resolves.toBe(true);
      expect(s.size).toBe(3);
    } finally {
      await s.close();
    }
  });
});

describe('memoryStore: records it owns', () => {
  it('keeps a copy of what apply writes: a transition that hands out one object for every key never sees it changed', async () => {
    const s = memoryStore();
    const shared = { failures: 1, lastAttemptAt: 1, lockedUntil: 0, lockCount: 0 };
    const writeShared: Transition<null, null> = { name: 'test.shared', apply: (records) => ({ writes: records.map(() => ({ kind: 'set', record: shared, ttlMs: null })), result: null }) };
    try {
      const a = storeKey('own', 'lockout', 'pw', 'a');
      await s.update(writeShared, [a, storeKey('own', 'lockout', 'pw', 'b')], null);
      const args: ReserveArgs = { now: 5, maxFailures: 10, failureWindowMs: 0, lockDurationMs: 1, multiplier: 1, maxLockDurationMs: 1, permanent: false, sources: [] };
      await expect(s.update(reserveTransition, [a], args)).resolves.toMatchObject({ ok: true, failures: 2 });
      expect(shared).toEqual({ failures: 1, lastAttemptAt: 1, lockedUntil: 0, lockCount: 0 });
      await expect(s.read(storeKey('own', 'lockout', 'pw', 'b'))).resolves.toEqual(shared);
    } finally {
      await s.close();
    }
  });

  it('refuses an applyInPlace that writes a non-integer field, and drops the record it may have half-changed', async () => {
    const s = memoryStore();
    const key = storeKey('own', 'x', 'k');
    const set: Transition<null, null> = { name: 'test.set', apply: () => ({ writes: [{ kind: 'set', record: { n: 1 }, ttlMs: null }], result: null }) };
    const broken: InPlaceTransition<null, null> = {
      name: 'test.broken',
      apply: () => ({ writes: [{ kind: 'keep' }], result: null }),
      applyInPlace(record) {
        if (record) record.n = 0.5;
        return { write: { kind: 'set', record: record ?? { n: 0.5 }, ttlMs: null }, result: null };
      },
    };
    try {
      await s.update(set, [key], null);
      const err = await s.update(broken, [key], null).catch((e: unknown) => e);
      expect((err as KanmonError).code).toBe('ERR_INVALID_ARGUMENT');
      await expect(s.read(key)).resolves.toBeNull();
    } finally {
      await s.close();
    }
  });
});

describe('memoryStore: in-process shortcuts (beside the store contract, not in it)', () => {
  it('is an InProcessStore whose updateNow decides as update does; a wrapper that hides the shortcuts is not one', async () => {
    const s = memoryStore();
    const args: ReserveArgs = { now: 5, maxFailures: 2, failureWindowMs: 0, lockDurationMs: 10, multiplier: 1, maxLockDurationMs: 10, permanent: false, sources: [] };
    const key = storeKey('own', 'lockout', 'pw', 'now');
    try {
      expect(isInProcessStore(s)).toBe(true);
      if (!isInProcessStore(s)) return;
      expect(s.updateNow(reserveTransition, [key], args)).toMatchObject({ ok: true, failures: 1 });
      await expect(s.update(reserveTransition, [key], args)).resolves.toMatchObject({ ok: true, failures: 2, lockedNow: true });
      expect(s.updateNow(reserveTransition, [key], args)).toEqual({ ok: false, reason: 'locked', retryAfterMs: 10, lockedUntil: 15, lockCount: 1 });
      expect(() => s.updateNow(reserveTransition, ['not-a-key'], args)).toThrow(KanmonError);
      expect(isInProcessStore({ ...s, updateNow: undefined } as KanmonStore)).toBe(false);
      expect(isInProcessStore({ ...s, inProcess: false } as KanmonStore)).toBe(false);
    } finally {
      await s.close();
    }
  });

  // Issue 22 item 5: the lockout's hot path on the memory store reads a clock it shares with the store once per
  // reservation (it was read twice: by the lockout for the decision and by the store for expiry), and an `at`
  // given to updateNow is the store's instant of the call: expiry is measured from it.
  it('issue 22: a reservation reads a clock shared by the lockout and the store once; updateNow measures expiry from `at`', async () => {
    let reads = 0;
    const t = 1_000_000;
    const clock = () => {
      reads++;
      return t;
    };
    const s = memoryStore({ now: clock });
    try {
      const lockout = createLockout({ policy: definePolicy('funabashi'), store: s, now: clock });
      reads = 0;
      await expect(lockout.reserve('alice')).resolves.toMatchObject({ ok: true, failures: 1 });
      expect(reads).toBe(1);
      // another clock than the store's: the store reads its own
      const other = createLockout({ policy: definePolicy('funabashi'), store: s, now: () => t });
      reads = 0;
      await expect(other.reserve('bob')).resolves.toMatchObject({ ok: true, failures: 1 });
      expect(reads).toBe(1);
      if (!isInProcessStore(s)) throw new Error('not in process');
      expect(s.clock).toBe(clock);
      const key = storeKey('own', 'lockout', 'pw', 'at');
      const args: ReserveArgs = { now: t, maxFailures: 5, failureWindowMs: 1000, lockDurationMs: 10, multiplier: 1, maxLockDurationMs: 10, permanent: false, sources: [] };
      s.updateNow(reserveTransition, [key], args, t - 6000); // TTL 1000 + 5000 slack from t - 6000: gone at t
      await expect(s.read(key)).resolves.toBeNull();
      s.updateNow(reserveTransition, [key], args, t);
      await expect(s.read(key)).resolves.toMatchObject({ failures: 1 });
    } finally {
      await s.close();
    }
  });
});
