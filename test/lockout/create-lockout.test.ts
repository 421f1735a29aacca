/**
 * SEC-24, EXT-4, RM-19, RM-26: createLockout on the embedded memory store, and
 * what it does when a store misbehaves (fails, hangs) or a caller errs.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { type KanmonStore, createLockout, definePolicy, memoryStore } from '../../src/index.js';
import { KanmonError } from '../../src/errors.js';
import { lockoutBehaviour } from './behaviour.js';

const store = memoryStore();
afterAll(async () => {
  await store.close();
});
lockoutBehaviour('memory', () => store);

/** A store whose every call fails (or never answers): fault injection around a real memory store. */
function faultyStore(mode: 'reject' | 'hang' | 'throw'): KanmonStore {
  const real = memoryStore();
  const fault = () => {
    if (mode === 'throw') throw new Error('socket closed');
    return mode === 'reject' ? Promise.reject(new Error('ECONNREFUSED')) : new Promise<never>(() => undefined);
  };
  return { ...real, name: 'faulty', inProcess: false, updateNow: undefined, update: fault, read: fault } as KanmonStore;
}

describe('store failure (fail closed by default, configurable)', () => {
  for (const mode of ['reject', 'hang', 'throw'] as const) {
    it(`a store that ${mode}s: reserve answers 'unavailable' (coded), an event is emitted, nothing rejects`, async () => {
      const events: unknown[] = [];
      const lockout = createLockout({
        policy: definePolicy('funabashi'),
        store: faultyStore(mode),
        storeTimeoutMs: 50,
        onEvent: (e) => {
          events.push(e);
        },
      });
      await expect(lockout.reserve('alice')).resolves.toEqual({ ok: false, reason: 'unavailable', retryAfterMs: 1000, code: 'ERR_STORE_UNAVAILABLE' });
      await expect(lockout.reserveMfa('alice')).resolves.toMatchObject({ ok: false, reason: 'unavailable' });
      await expect(lockout.succeed('alice')).resolves.toEqual({ ok: false, reason: 'unavailable', code: 'ERR_STORE_UNAVAILABLE' });
      await expect(lockout.adminUnlock('alice')).resolves.toMatchObject({ ok: false, reason: 'unavailable' });
      const statusError = await lockout.status('alice').catch((e: unknown) => e);
      expect(statusError).toBeInstanceOf(KanmonError);
      expect((statusError as KanmonError).code).toBe('ERR_STORE_UNAVAILABLE');
      expect(events[0]).toMatchObject({ type: 'lockout.store_error', operation: 'reserve', failOpen: false, factor: 'password' });
      expect((events[0] as { error: KanmonError }).error.code).toBe('ERR_STORE_UNAVAILABLE');
    });
  }

  it('a full memory store fails closed for new accounts and keeps counting known ones', async () => {
    const lockout = createLockout({ policy: definePolicy({ lockout: { maxFailures: 3 } }), store: memoryStore({ maxEntries: 1 }) });
    await expect(lockout.reserve('alice')).resolves.toMatchObject({ ok: true, failures: 1 });
    await expect(lockout.reserve('bob')).resolves.toEqual({ ok: false, reason: 'unavailable', retryAfterMs: 1000, code: 'ERR_STORE_UNAVAILABLE' });
    await expect(lockout.reserve('alice')).resolves.toMatchObject({ ok: true, failures: 2 });
  });

  it("onStoreError 'fail_open' lets the attempt through, uncounted and marked degraded", async () => {
    const events: { type: string; failOpen?: boolean }[] = [];
    const lockout = createLockout({
      policy: definePolicy('funabashi', { lockout: { onStoreError: 'fail_open' } }),
      store: faultyStore('reject'),
      onEvent: (e) => {
        events.push(e);
      },
    });
    await expect(lockout.reserve('alice')).resolves.toEqual({ ok: true, failures: null, remaining: null, lockedNow: false, degraded: true });
    expect(events).toMatchObject([{ type: 'lockout.store_error', failOpen: true }]);
  });
});

describe('callers', () => {
  it('an onEvent that throws or rejects never changes a decision; it is reported as a warning', async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      for (const onEvent of [
        () => {
          throw new Error('sink down');
        },
        () => Promise.reject(new Error('sink down')),
      ]) {
        const lockout = createLockout({ policy: definePolicy({ lockout: { maxFailures: 1 } }), store: memoryStore(), onEvent });
        await expect(lockout.reserve('alice')).resolves.toMatchObject({ ok: true, lockedNow: true });
        await expect(lockout.reserve('alice')).resolves.toMatchObject({ ok: false, reason: 'locked' });
      }
      await new Promise((r) => setTimeout(r, 10));
      expect(warn.mock.calls.filter((c) => String(c[0]).includes('onEvent threw'))).toHaveLength(2);
    } finally {
      warn.mockRestore();
    }
  });

  it('ERR_CONFIG_HAZARD once per instance when per-source throttles are on but no ip is passed', async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const lockout = createLockout({ policy: definePolicy('funabashi'), store: memoryStore() });
      await lockout.reserve('alice');
      await lockout.reserve('bob');
      const hazards = warn.mock.calls.filter((c) => JSON.stringify(c[1] ?? null).includes('"ERR_CONFIG_HAZARD"'));
      expect(hazards).toHaveLength(1);
    } finally {
      warn.mockRestore();
    }
  });

  it('programmer mistakes are KanmonError ERR_INVALID_ARGUMENT (a rejected promise, never a crash)', async () => {
    const policy = definePolicy('funabashi');
    expect(() => createLockout({ policy, store: {} as KanmonStore })).toThrow(KanmonError);
    expect(() => createLockout({ policy, store: memoryStore(), tenant: 'city 1' })).toThrow(/tenant/);
    expect(() => createLockout({ policy: {} as typeof policy, store: memoryStore() })).toThrow(KanmonError);
    const lockout = createLockout({ policy, store: memoryStore() });
    for (const key of [42, null, { account: 1 }, { account: 'a', ip: 7 }, { account: 'a', tenant: '{x}' }]) {
      const err = await lockout.reserve(key as never).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KanmonError);
      expect((err as KanmonError).code).toBe('ERR_INVALID_ARGUMENT');
    }
  });
});
