/**
 * Issue 15 point 3, one store-failure policy (ASVS 5.0 V16.5.2/V16.5.4: fail securely, fail closed): one
 * mechanism times every store call (src/store/guard.ts). One watchdog per guard for every call in flight, none
 * for a store that lives in this process, and a store already under a guard is never timed a second time:
 * the lockout and the MFA functions over one store answer `unavailable` within the one configured timeout.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type KanmonStore,
  type LockoutEvent,
  consumeRecoveryCode,
  createLockout,
  definePolicy,
  generateRecoveryCodes,
  hashRecoveryCodes,
  memoryStore,
  sealSecret,
  verifyTotp,
} from '../../src/index.js';
import { KanmonError } from '../../src/errors.js';
import { createDependencyGuard } from '../../src/store/guard.js';
import { storeKey } from '../../src/store/index.js';
import { testKeyRing, totpAt } from '../mfa/support.js';

/** A store whose every call never settles (a server that accepted the connection and went silent). */
function silentStore(): KanmonStore {
  const never = () => new Promise<never>(() => undefined);
  return {
    name: 'silent',
    update: never,
    read: never,
    advanceIfGreater: never,
    consumeOnce: never,
    increment: never,
    readCounter: never,
    delete: never,
    purgeTenant: never,
    close: () => Promise.resolve(),
  };
}

/** Count the timers started from now on (the guard's only clock). */
function countTimers() {
  const timeouts = vi.spyOn(globalThis, 'setTimeout');
  const intervals = vi.spyOn(globalThis, 'setInterval');
  const cleared = vi.spyOn(globalThis, 'clearInterval');
  return {
    started: () => timeouts.mock.calls.length + intervals.mock.calls.length,
    interval: () => intervals.mock.results[0]?.value as NodeJS.Timeout | undefined,
    cleared: () => cleared.mock.calls.map(([handle]) => handle),
  };
}

afterEach(() => {
  vi.restoreAllMocks();
});

const settle = <T>(promise: Promise<T>) => promise.then(
  (value) => ({ value }),
  (error: unknown) => ({ error }),
);

describe('issue 15 point 3: the dependency guard (one timeout, one failure policy)', () => {
  it('a call that never answers fails as ERR_STORE_UNAVAILABLE naming what did not answer; a driver error is ERR_STORE_UNAVAILABLE with its cause; a KanmonError passes through', { timeout: 1500 }, async () => {
    const guard = createDependencyGuard(50);
    const silent = await settle(guard.call('accounts.find', () => new Promise<never>(() => undefined)));
    expect((silent as { error: KanmonError }).error).toBeInstanceOf(KanmonError);
    expect((silent as { error: KanmonError }).error).toMatchObject({ code: 'ERR_STORE_UNAVAILABLE', message: 'accounts.find did not answer within 50 ms' });

    const driver = new Error('connect ECONNREFUSED 10.9.8.7:6379');
    const refused = (await settle(guard.call('audit append', () => Promise.reject(driver)))) as { error: KanmonError };
    expect(refused.error).toMatchObject({ code: 'ERR_STORE_UNAVAILABLE', message: 'audit append failed' });
    expect(refused.error.cause).toBe(driver);

    const thrown = (await settle(
      guard.call('accounts.update', () => {
        throw driver;
      }),
    )) as { error: KanmonError };
    expect(thrown.error).toMatchObject({ code: 'ERR_STORE_UNAVAILABLE', message: 'accounts.update failed' });

    const bug = new KanmonError('ERR_INVALID_ARGUMENT', 'bad key');
    expect(await settle(guard.call('store read', () => Promise.reject(bug)))).toEqual({ error: bug });
    expect(await settle(guard.call('store read', () => Promise.resolve(7)))).toEqual({ value: 7 });
  });

  it('every call in flight is watched by one unref()ed timer, not a timer per call, stopped once nothing is in flight', { timeout: 3000 }, async () => {
    const guard = createDependencyGuard(40);
    const timers = countTimers();
    const hanging = Array.from({ length: 50 }, (_, i) => settle(guard.call(`call ${i}`, () => new Promise<never>(() => undefined))));
    const answered = Array.from({ length: 50 }, (_, i) => guard.call(`call ${i}`, () => Promise.resolve(i)));
    expect(await Promise.all(answered)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    for (const outcome of await Promise.all(hanging)) expect(outcome).toMatchObject({ error: { code: 'ERR_STORE_UNAVAILABLE' } });
    expect(timers.started()).toBe(1);
    const watchdog = timers.interval();
    expect(watchdog?.hasRef()).toBe(false);
    // The next tick finds nothing in flight and stops the timer.
    await vi.waitFor(() => expect(timers.cleared()).toContain(watchdog), { timeout: 1000, interval: 10 });
  });

  it('a store that lives in this process (every call settles within the call) is not watched: its guarded calls start no timer', async () => {
    const inner = memoryStore();
    const store = createDependencyGuard(100).store(inner);
    const timers = countTimers();
    const key = storeKey('city-a', 'guard', 'n');
    for (let i = 1; i <= 20; i++) expect(await store.increment(key)).toBe(i);
    expect(await store.readCounter(key)).toBe(20);
    expect(await store.consumeOnce(storeKey('city-a', 'guard', 'once'), null)).toBe(true);
    expect(timers.started()).toBe(0);
    // Its failures are still the guard's: a malformed key is the store's own KanmonError, passed through.
    await expect(store.read('not a key')).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await inner.close();
  });

  it('a store already under a guard is not guarded again: the first guard alone times its calls', { timeout: 1500 }, async () => {
    const once = createDependencyGuard(50).store(silentStore());
    const again = createDependencyGuard(600_000).store(once);
    expect(again).toBe(once);
    const err = (await settle(again.read(storeKey('city-a', 'guard', 'x')))) as { error: KanmonError };
    expect(err.error).toMatchObject({ code: 'ERR_STORE_UNAVAILABLE', message: 'silent store read did not answer within 50 ms' });
  });
});

describe('issue 15 point 3: the lockout, verifyTotp and consumeRecoveryCode over a store that never answers', () => {
  // The test's own limit (1.5 s) is below the 2 s defaults of createLockout and the MFA functions:
  // only the configured 100 ms can answer in time.
  it('each answers `unavailable` within the one configured timeout, all watched by one timer', { timeout: 1500 }, async () => {
    const policy = definePolicy('funabashi');
    const keyRing = testKeyRing();
    const now = () => 1_700_000_000_000;
    const store = silentStore();
    const events: LockoutEvent[] = [];
    const lockout = createLockout({ policy, store, now, storeTimeoutMs: 100, onEvent: (e) => void events.push(e) });
    // The MFA functions' own store calls are what is timed: their lockout answers (an in-process store).
    const healthy = memoryStore({ now });
    const mfaLockout = createLockout({ policy, store: healthy, now });
    const secret = randomBytes(20);
    const sealedSecret = sealSecret(keyRing, secret, { tenant: 'default', account: 'u-1', purpose: 'totp' });
    const codes = generateRecoveryCodes(3);
    const set = hashRecoveryCodes(codes, { keyRing, account: 'u-1' });

    const timers = countTimers();
    const [reserved, totp, recovery] = await Promise.all([
      lockout.reserve({ account: 'sato', ip: '203.0.113.7' }),
      verifyTotp({ account: 'u-1', sealedSecret, code: totpAt(secret, now()) }, { policy, keyRing, store, lockout: mfaLockout, now, storeTimeoutMs: 100 }),
      consumeRecoveryCode({ account: 'u-1', set, code: codes[0] }, { keyRing, store, lockout: mfaLockout, storeTimeoutMs: 100 }),
    ]);
    expect(reserved).toEqual({ ok: false, reason: 'unavailable', retryAfterMs: 1000, code: 'ERR_STORE_UNAVAILABLE' });
    expect(totp).toEqual({ ok: false, reason: 'unavailable' });
    expect(recovery).toEqual({ ok: false, reason: 'unavailable' });
    expect(events).toMatchObject([{ type: 'lockout.store_error', operation: 'reserve', failOpen: false }]);
    expect((events[0] as { error: KanmonError }).error.message).toBe('silent store did not answer within 100 ms');
    // One store, one timeout: the lockout's call and the MFA functions' calls share one watchdog.
    expect(timers.started()).toBe(1);
    await healthy.close();
  });
});
