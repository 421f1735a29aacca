/**
 * The entry-list part of the store contract (src/store/entries.ts), run by contract.ts on every store
 * (memory, Redis, PostgreSQL). Concurrency cases fire their calls together and count: a store that is not
 * atomic lets a list grow past its limit.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { KanmonError } from '../../src/errors.js';
import type { KanmonStore } from '../../src/index.js';
import { type EntryLists, type StoreEntry, hasEntryLists } from '../../src/store/entries.js';
import { storeKey } from '../../src/store/index.js';

const T0 = 1_800_000_000_000;
const HOUR = 3_600_000;
let counter = 0;
const tenant = () => `e${++counter}-${randomUUID().slice(0, 8)}`;
const listKey = (t: string) => storeKey(t, 'session-index', 'acct-1');
const entry = (id: string, createdAt: number, over: Partial<StoreEntry> = {}): StoreEntry => ({
  id,
  createdAt,
  lastSeenAt: createdAt,
  expiresAt: createdAt + HOUR,
  data: `{"id":"${id}"}`,
  ...over,
});

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(KanmonError);
  expect((err as KanmonError).code).toBe(code);
}

export function entryListContract(getStore: () => KanmonStore): void {
  const lists = (): EntryLists & KanmonStore => {
    const store = getStore();
    expect(hasEntryLists(store)).toBe(true);
    return store as EntryLists & KanmonStore;
  };

  describe('entry lists (the per-account session index)', () => {
    it('add, list oldest first, touch forward only, remove; data comes back byte for byte', async () => {
      const s = lists();
      const key = listKey(tenant());
      const data = '{"label":"Chrome on Windows","ip":"2001:db8::1","note":"日本語 | 端末 | ✓"}';
      await expect(s.addEntry(key, entry('b', T0 + 10, { data }), { now: T0, limit: 10, whenFull: 'refuse' })).resolves.toEqual({ added: true, evicted: [] });
      await s.addEntry(key, entry('a', T0 + 10), { now: T0, limit: 10, whenFull: 'refuse' });
      await s.addEntry(key, entry('c', T0), { now: T0, limit: 10, whenFull: 'refuse' });
      const listed = await s.listEntries(key, T0 + 20);
      expect(listed.map((e) => e.id)).toEqual(['c', 'a', 'b']);
      expect(listed[2]).toEqual(entry('b', T0 + 10, { data }));

      await expect(s.touchEntry(key, 'a', T0 + 500, T0 + 2 * HOUR, T0 + 500)).resolves.toBe(true);
      await expect(s.touchEntry(key, 'a', T0 + 100, T0 + 1, T0 + 500)).resolves.toBe(true); // never back
      await expect(s.touchEntry(key, 'zz', T0 + 100, T0 + 1, T0 + 500)).resolves.toBe(false);
      expect((await s.listEntries(key, T0 + 600)).find((e) => e.id === 'a')).toMatchObject({ lastSeenAt: T0 + 500, expiresAt: T0 + 2 * HOUR, createdAt: T0 + 10 });

      await expect(s.removeEntry(key, 'a', T0 + 600)).resolves.toMatchObject({ id: 'a', expiresAt: T0 + 2 * HOUR });
      await expect(s.removeEntry(key, 'a', T0 + 600)).resolves.toBeNull();
      expect((await s.listEntries(key, T0 + 600)).map((e) => e.id)).toEqual(['c', 'b']);
    });

    it('an entry is absent from its expiresAt on (by the caller’s clock): not listed, not touched, not counted', async () => {
      const s = lists();
      const key = listKey(tenant());
      await s.addEntry(key, entry('old', T0, { expiresAt: T0 + 1000 }), { now: T0, limit: 1, whenFull: 'refuse' });
      expect(await s.listEntries(key, T0 + 999)).toHaveLength(1);
      expect(await s.listEntries(key, T0 + 1000)).toEqual([]);
      await expect(s.touchEntry(key, 'old', T0 + 1000, T0 + HOUR, T0 + 1000)).resolves.toBe(false);
      // limit 1, refuse: the expired entry does not count
      await expect(s.addEntry(key, entry('new', T0 + 1000), { now: T0 + 1000, limit: 1, whenFull: 'refuse' })).resolves.toEqual({ added: true, evicted: [] });
      await expect(s.removeEntry(key, 'old', T0 + 1000)).resolves.toBeNull();
    });

    it('re-adding an id replaces it and does not count toward the limit', async () => {
      const s = lists();
      const key = listKey(tenant());
      await s.addEntry(key, entry('x', T0), { now: T0, limit: 1, whenFull: 'refuse' });
      await expect(s.addEntry(key, entry('x', T0, { data: 'v2' }), { now: T0, limit: 1, whenFull: 'refuse' })).resolves.toEqual({ added: true, evicted: [] });
      expect(await s.listEntries(key, T0)).toEqual([entry('x', T0, { data: 'v2' })]);
    });

    it('evict_oldest hands back the evicted entries (smallest createdAt, then id); refuse changes nothing', async () => {
      const s = lists();
      const key = listKey(tenant());
      for (const [id, at] of [['b', T0], ['a', T0], ['c', T0 + 5]] as const) await s.addEntry(key, entry(id, at), { now: T0, limit: 3, whenFull: 'evict_oldest' });
      const r = await s.addEntry(key, entry('d', T0 + 9), { now: T0 + 9, limit: 2, whenFull: 'evict_oldest' });
      expect(r).toEqual({ added: true, evicted: [entry('a', T0), entry('b', T0)] });
      await expect(s.addEntry(key, entry('e', T0 + 9), { now: T0 + 9, limit: 2, whenFull: 'refuse' })).resolves.toEqual({ added: false, evicted: [] });
      expect((await s.listEntries(key, T0 + 9)).map((e) => e.id)).toEqual(['c', 'd']);
    });

    for (const whenFull of ['evict_oldest', 'refuse'] as const) {
      it(`40 concurrent adds at limit 5 (${whenFull}) leave exactly 5 live entries`, async () => {
        const s = lists();
        const key = listKey(tenant());
        const results = await Promise.all(Array.from({ length: 40 }, (_, i) => s.addEntry(key, entry(`s${i}`, T0 + i), { now: T0 + i, limit: 5, whenFull })));
        const live = await s.listEntries(key, T0 + 100);
        expect(live).toHaveLength(5);
        const added = results.filter((r) => r.added).length;
        const evicted = results.flatMap((r) => r.evicted.map((e) => e.id));
        if (whenFull === 'refuse') {
          expect(added).toBe(5);
          expect(evicted).toEqual([]);
        } else {
          expect(added).toBe(40);
          // every add beyond the fifth evicted exactly one, each entry at most once, and no live one
          expect(evicted).toHaveLength(35);
          expect(new Set(evicted).size).toBe(35);
          for (const e of live) expect(evicted).not.toContain(e.id);
        }
      });
    }

    it('refuses malformed input with ERR_INVALID_ARGUMENT (bounds: id, data length and NUL, limit, times)', async () => {
      const s = lists();
      const key = listKey(tenant());
      const ok = { now: T0, limit: 5, whenFull: 'refuse' } as const;
      await expectCode(s.addEntry('plain', entry('a', T0), ok), 'ERR_INVALID_ARGUMENT');
      await expectCode(s.addEntry(key, entry('a:b', T0), ok), 'ERR_INVALID_ARGUMENT');
      await expectCode(s.addEntry(key, entry('x'.repeat(65), T0), ok), 'ERR_INVALID_ARGUMENT');
      await expectCode(s.addEntry(key, entry('a', T0, { data: 'x'.repeat(1025) }), ok), 'ERR_INVALID_ARGUMENT');
      await expectCode(s.addEntry(key, entry('a', T0, { data: 'a\u0000b' }), ok), 'ERR_INVALID_ARGUMENT');
      await expectCode(s.addEntry(key, entry('a', T0, { expiresAt: 1.5 }), ok), 'ERR_INVALID_ARGUMENT');
      await expectCode(s.addEntry(key, entry('a', T0), { ...ok, limit: 0 }), 'ERR_INVALID_ARGUMENT');
      await expectCode(s.addEntry(key, entry('a', T0), { ...ok, limit: 1001 }), 'ERR_INVALID_ARGUMENT');
      await expectCode(s.addEntry(key, entry('a', T0), { ...ok, whenFull: 'drop' as 'refuse' }), 'ERR_INVALID_ARGUMENT');
      await expectCode(s.listEntries(key, Number.NaN), 'ERR_INVALID_ARGUMENT');
      await expectCode(s.removeEntry(key, '', T0), 'ERR_INVALID_ARGUMENT');
      await expectCode(s.touchEntry(key, 'a', T0, Infinity, T0), 'ERR_INVALID_ARGUMENT');
      expect(await s.listEntries(key, T0)).toEqual([]);
    });

    it('the key lives until its last entry expires (space is reclaimed; on PostgreSQL by its sweep())', async () => {
      const s = lists();
      const key = listKey(tenant());
      const now = Date.now();
      await s.addEntry(key, entry('short', now, { expiresAt: now + 300 }), { now, limit: 5, whenFull: 'refuse' });
      await new Promise((r) => setTimeout(r, 1000));
      await (s as { sweep?: () => Promise<number> }).sweep?.();
      // asked with a clock that still finds the entry live: the key itself is gone
      expect(await s.listEntries(key, now)).toEqual([]);
    });

    it('delete(key) removes a list; purgeTenant counts and removes lists, leaving other tenants', async () => {
      // delete() answers whether something live was there by the store's own clock (the system clock), so this
      // case makes its entries at that clock, not at the fixed T0 (which a run a year ahead would see as expired).
      const t0 = Date.now();
      const s = lists();
      const a = tenant();
      const b = tenant();
      for (const t of [a, b]) {
        await s.addEntry(listKey(t), entry('x', t0), { now: t0, limit: 5, whenFull: 'refuse' });
        await s.addEntry(storeKey(t, 'session-index', 'acct-2'), entry('y', t0), { now: t0, limit: 5, whenFull: 'refuse' });
      }
      await s.increment(storeKey(a, 'session-epoch', 'acct-1'));
      await expect(s.purgeTenant(a)).resolves.toBe(3);
      expect(await s.listEntries(listKey(a), t0)).toEqual([]);
      expect(await s.listEntries(listKey(b), t0)).toHaveLength(1);
      await expect(s.delete(listKey(b))).resolves.toBe(true);
      expect(await s.listEntries(listKey(b), t0)).toEqual([]);
    });
  });
}
