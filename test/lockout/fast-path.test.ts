/**
 * SEC-24 unchanged by issue 22 item 5: on the memory store a reservation takes
 * a fast path (the store's update without its key scan, for the keys the
 * lockout builds itself; no key object for a bare login name). These tests
 * hold it to the general path — the same lockout over a memory store whose
 * in-process shortcuts are hidden, so every call goes through `update` and its
 * checks — over random policies, keys and calls, and check that every key the
 * fast path hands the store is one the store's own check accepts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type KanmonStore, type LockoutEvent, type LockoutKey, createLockout, definePolicy, memoryStore } from '../../src/index.js';
import { isStoreKey } from '../../src/store/index.js';
import { checkUpdateKeys, registerTrustedUpdate, trustedUpdateOf } from '../../src/store/internal.js';

const T0 = 1_800_000_000_000;

const policyArb = fc.record({
  maxFailures: fc.integer({ min: 1, max: 4 }),
  failureWindowMs: fc.constantFrom(1000, 10_000),
  lockDurationMs: fc.constantFrom(1, 500, 5000),
  progressive: fc.record({ multiplier: fc.constantFrom(1, 2), maxLockDurationMs: fc.constantFrom(1000, 20_000) }),
  permanent: fc.boolean(),
  perSource: fc.record({
    maxFailuresPerAccountAndIp: fc.option(fc.integer({ min: 1, max: 3 }), { nil: null }),
    maxFailuresPerIp: fc.option(fc.integer({ min: 1, max: 6 }), { nil: null }),
    windowMs: fc.constantFrom(1000, 30_000),
  }),
  mfa: fc.record({ maxFailures: fc.integer({ min: 1, max: 3 }), lockDurationMs: fc.constantFrom(500, 5000) }),
});

// Names that take the fast path and names that do not: case, width, `:`/`{`/`%`, non-ASCII, over 256 characters, empty.
const accounts = ['alice', 'Alice', 'ａｌｉｃｅ', 'bob@city.example.jp', 'a:b', '{default}:x', '100%', 'ユーザー', ' alice', 'x'.repeat(300), 'ß', ''];
const keyArb: fc.Arbitrary<LockoutKey> = fc.oneof(
  fc.constantFrom(...accounts),
  fc.record(
    {
      account: fc.constantFrom(...accounts),
      ip: fc.constantFrom(null, '203.0.113.7', '203.0.113.8', '2001:db8::1', '2001:db8::2'),
      tenant: fc.constantFrom(undefined, 'default', 'city-002'),
      accountId: fc.constantFrom(undefined, null, 'u-1', 'u-2'),
    },
    { requiredKeys: ['account'] },
  ),
);
const opArb = fc.record({
  op: fc.constantFrom('reserve', 'reserve', 'reserve', 'reserveAccount', 'reserveMfa', 'succeed', 'fail', 'failMfa', 'succeedMfa', 'adminUnlock', 'status'),
  key: keyArb,
  /** Which earlier answers a settle call hands back (indexes into this lockout's answers so far). */
  pick: fc.array(fc.nat(), { maxLength: 2 }),
  dt: fc.constantFrom(0, 0, 1, 499, 1000, 5000, 40_000),
});
type Op = typeof opArb extends fc.Arbitrary<infer T> ? T : never;

/** An answer as a comparable value: what resolved, or the code of what rejected. */
async function settle(p: Promise<unknown>): Promise<unknown> {
  try {
    return { value: await p };
  } catch (err) {
    return { rejected: (err as { code?: unknown }).code ?? String(err) };
  }
}

/**
 * Run `ops` on a lockout over `store`; its answers and events. `spelledOut`: a bare name is passed as
 * `{ account: name }`, the same key by the lockout's contract, which takes the general key resolution.
 */
async function run(store: KanmonStore, clock: { t: number }, policy: ReturnType<typeof definePolicy>, ops: readonly Op[], spelledOut: boolean) {
  const events: LockoutEvent[] = [];
  const lockout = createLockout({ policy, store, now: () => clock.t, onEvent: (e) => void events.push(e) });
  const answers: unknown[] = [];
  const granted: { readonly ok: boolean }[] = [];
  for (const op of ops) {
    const { pick, dt } = op;
    const key = spelledOut && typeof op.key === 'string' ? { account: op.key } : op.key;
    clock.t += dt;
    const handed = pick.map((i) => granted[i % Math.max(1, granted.length)]).filter((r): r is { readonly ok: boolean } => r !== undefined);
    let p: Promise<unknown>;
    const name = op.op;
    if (name === 'reserve' || name === 'reserveAccount' || name === 'reserveMfa') {
      p = lockout[name](key).then((r) => {
        granted.push(r);
        return r;
      });
    } else if (name === 'succeed' || name === 'fail') p = lockout[name](key, ...handed);
    else if (name === 'failMfa' || name === 'succeedMfa') p = lockout[name](key, handed[0]);
    else if (name === 'adminUnlock') p = lockout.adminUnlock(key);
    else p = lockout.status(key);
    answers.push(await settle(p));
  }
  return { answers, events };
}

describe('SEC-24 / issue 22: the memory store’s fast reservation decides as the general path does', () => {
  // The fast side: bare names as given (no key object), the store's trusted update. The general side: every
  // name spelled out as { account } (the general key resolution), every call through the hidden store's update.
  it('property: answers, events and final states equal those of the general path (keys resolved in full, the store’s shortcuts hidden)', async () => {
    await fc.assert(
      fc.asyncProperty(policyArb, fc.array(opArb, { minLength: 1, maxLength: 40 }), async (lockout, ops) => {
        const policy = definePolicy({ lockout });
        const fastClock = { t: T0 };
        const plainClock = { t: T0 };
        const fast = memoryStore({ now: () => fastClock.t });
        const plain = memoryStore({ now: () => plainClock.t });
        // The same store, without the in-process shortcuts: every call through `update` (keys checked), awaited.
        const hidden: KanmonStore = { ...plain, inProcess: false } as KanmonStore;
        expect(trustedUpdateOf(fast)).not.toBeNull();
        expect(trustedUpdateOf(hidden)).toBeNull();
        try {
          const a = await run(fast, fastClock, policy, ops, false);
          const b = await run(hidden, plainClock, policy, ops, true);
          expect(a.answers).toEqual(b.answers);
          expect(a.events).toEqual(b.events);
          // The states left behind: every account's status on both.
          for (const { key } of ops) expect(await settle(createLockout({ policy, store: fast, now: () => fastClock.t }).status(key))).toEqual(await settle(createLockout({ policy, store: hidden, now: () => plainClock.t }).status(key)));
        } finally {
          await fast.close();
          await plain.close();
        }
      }),
      { numRuns: 150 },
    );
  });

  it('property: every key set the fast path hands the store passes the store’s own check (store keys, one tenant, no duplicates)', async () => {
    // An in-process store whose trusted update checks what it is given, then does what the memory store does.
    const inner = memoryStore({ now: () => T0 });
    const innerUpdate = trustedUpdateOf(inner);
    if (innerUpdate === null) throw new Error('the memory store offers no trusted update');
    const seen: (string | readonly string[])[] = [];
    const spy = { ...inner };
    registerTrustedUpdate(spy, (transition, keys, args, at) => {
      seen.push(keys);
      checkUpdateKeys(typeof keys === 'string' ? [keys] : keys);
      return innerUpdate(transition, keys, args, at);
    });
    try {
      await fc.assert(
        fc.asyncProperty(policyArb, fc.array(keyArb, { minLength: 1, maxLength: 10 }), async (lockout, keys) => {
          const l = createLockout({ policy: definePolicy({ lockout }), store: spy, now: () => T0 });
          seen.length = 0;
          for (const key of keys) {
            const answers = [await settle(l.reserve(key)), await settle(l.reserveMfa(key))];
            for (const answer of answers) expect(answer).not.toHaveProperty('value.reason', 'unavailable');
          }
          expect(seen.length).toBeGreaterThan(0);
          for (const k of seen) for (const key of typeof k === 'string' ? [k] : k) expect(isStoreKey(key)).toBe(true);
        }),
        { numRuns: 200 },
      );
    } finally {
      await inner.close();
    }
  });

  it('a key from outside the lockout is still checked: the memory store’s updateNow and update refuse a malformed key', async () => {
    const s = memoryStore();
    const args = { now: T0, maxFailures: 3, failureWindowMs: 0, lockDurationMs: 10, multiplier: 1, maxLockDurationMs: 10, permanent: false, sources: [] };
    const { reserveTransition } = await import('../../src/store/index.js');
    try {
      expect(() => s.updateNow(reserveTransition, ['lockout:alice'], args)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
      await expect(s.update(reserveTransition, ['{a}:lockout:x', '{b}:lockout:x'], args)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    } finally {
      await s.close();
    }
  });
});
