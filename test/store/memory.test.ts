import { afterAll, describe, expect, it } from 'vitest';
import { memoryStore, storeKey } from '../../src/index.js';
import { KanmonError } from '../../src/errors.js';
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
