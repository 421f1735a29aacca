/* eslint-disable @typescript-eslint/require-await -- the methods are async so a bad argument rejects
   rather than throws; their bodies are synchronous on purpose: one tick is what makes each atomic. */
import { KanmonError } from '../errors.js';
import { systemClock } from '../internal/clock.js';
import { assertStoreKey, assertTenant } from './key.js';
import { checkInteger, checkOutcome, checkTtl, checkUpdateKeys, isIntegerRecord, registerTrustedUpdate } from './internal.js';
import { type InProcessStore, canApplyInPlace } from './in-process.js';
import type { StoreRecord, Transition } from './store.js';
import { type EntryLists, type StoreEntry, byAge, checkAdd, checkEntryId, checkTime, planAdd } from './entries.js';
import { KeyTable, keyHash } from './internal/key-table.js';

/** Options for {@link memoryStore}. */
export interface MemoryStoreOptions {
  /**
   * The clock TTLs are measured with.
   * @default the system clock
   */
  readonly now?: () => number;
  /**
   * Most keys held at once. When full, expired keys are swept; if it is still
   * full, writes of new keys fail with `ERR_STORE_UNAVAILABLE` (so lockout
   * fails closed for new keys) rather than evicting live lockout state, which
   * would let an attacker flush a lock by flooding.
   * @default 1_000_000
   */
  readonly maxEntries?: number;
  /**
   * How often expired keys are swept (an `unref()`ed timer).
   * @default 60_000
   */
  readonly sweepIntervalMs?: number;
}

/** The memory store: a `KanmonStore` with the in-process shortcuts, and its size. */
export interface MemoryStore extends InProcessStore {
  addEntry: EntryLists['addEntry'];
  listEntries: EntryLists['listEntries'];
  removeEntry: EntryLists['removeEntry'];
  touchEntry: EntryLists['touchEntry'];
  /** Keys held now (expired ones not yet swept included). */
  readonly size: number;
}

interface Entry {
  readonly key: string;
  /** The next entry of the same hash (the table's). */
  next: Entry | undefined;
  /** The store's own object: written by transitions (a copy of what `apply` returns), or in place by `applyInPlace`. */
  record: Record<string, number> | null;
  value: number;
  /** ms on the store's clock; Infinity = no expiry. */
  expiresAt: number;
  /** An entry list (`addEntry`): by id. Its entries expire on the caller's clock (`now` of each call). */
  list?: Map<string, StoreEntry>;
}

/**
 * The embedded store: state in this process's memory, for one instance and for
 * tests. Every operation completes within one tick, so each is atomic. Expired
 * keys are swept by an `unref()`ed timer (it never keeps the process alive) and
 * whenever the store is full; the number of keys is bounded by `maxEntries`.
 *
 * Several instances of a service need a shared store: {@link "kanmon/redis".redisStore | redisStore} or
 * {@link "kanmon/postgres".postgresStore | postgresStore}.
 *
 * @example
 * ```ts
 * import { createLockout, definePolicy, memoryStore } from 'kanmon';
 * const lockout = createLockout({ policy: definePolicy('funabashi'), store: memoryStore() });
 * ```
 */
export function memoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  const { now = systemClock, maxEntries = 1_000_000, sweepIntervalMs = 60_000 } = options;
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) throw new KanmonError('ERR_INVALID_ARGUMENT', 'maxEntries must be a positive integer');
  if (!Number.isSafeInteger(sweepIntervalMs) || sweepIntervalMs < 1) throw new KanmonError('ERR_INVALID_ARGUMENT', 'sweepIntervalMs must be a positive integer');
  // By key, through the table's own hash (src/store/internal/key-table.ts): each operation hashes its key once.
  const entries = new KeyTable<Entry>();

  const sweep = (): number => {
    const t = now();
    return entries.removeWhere((entry) => entry.expiresAt <= t);
  };
  const timer = setInterval(sweep, sweepIntervalMs);
  timer.unref();

  const live = (key: string, h: number, t: number): Entry | undefined => {
    const entry = entries.get(key, h);
    if (entry && entry.expiresAt <= t) {
      entries.delete(key, h);
      return undefined;
    }
    return entry;
  };
  /** A new entry at `key` (not held: the caller looked), room made by the caller. */
  const put = (key: string, h: number, record: Record<string, number> | null, value: number, expiresAt: number, list?: Map<string, StoreEntry>): void => {
    entries.add(list === undefined ? { key, next: undefined, record, value, expiresAt } : { key, next: undefined, record, value, expiresAt, list }, h);
  };
  /** Replace what `key` holds (whatever it was) with a fresh entry; room made by the caller. */
  const replace = (key: string, h: number, record: Record<string, number> | null, value: number, expiresAt: number, list?: Map<string, StoreEntry>): void => {
    entries.delete(key, h);
    put(key, h, record, value, expiresAt, list);
  };
  const makeRoom = (count: number): void => {
    if (entries.size + count <= maxEntries) return;
    sweep();
    if (entries.size + count > maxEntries) {
      throw new KanmonError('ERR_STORE_UNAVAILABLE', `memory store full (${maxEntries} keys); raise maxEntries or use a shared store`);
    }
  };
  const expiry = (t: number, ttlMs: number | null): number => (ttlMs === null ? Infinity : t + ttlMs);

  /** Hold `record` at `key` for `ttlMs` (a TTL ≤ 0 deletes); room for a new key was made by the caller. */
  const hold = (key: string, h: number, entry: Entry | undefined, record: Record<string, number>, ttlMs: number | null, t: number): void => {
    if (ttlMs !== null && ttlMs <= 0) entries.delete(key, h);
    else if (entry) {
      entry.record = record;
      entry.value = 0;
      entry.expiresAt = expiry(t, ttlMs);
    } else put(key, h, record, 0, expiry(t, ttlMs));
  };

  /** One transition, synchronously: nothing else runs in between, so it is atomic. */
  const applyNow = <A, R>(transition: Transition<A, R>, keys: readonly string[], args: A, at?: number): R => {
    checkUpdateKeys(keys);
    const t = at ?? now();
    return keys.length === 1 ? applyOne(transition, keys[0] as string, args, t) : applyMany(transition, keys, args, t);
  };

  /** {@link applyNow} on keys valid by construction (the lockout's own: `registerTrustedUpdate`); one key may come bare. */
  const applyTrusted = <A, R>(transition: Transition<A, R>, keys: string | readonly string[], args: A, at?: number, hash?: number): R => {
    const t = at ?? now();
    if (typeof keys === 'string') return applyOne(transition, keys, args, t, hash ?? keyHash(keys));
    return keys.length === 1 ? applyOne(transition, keys[0] as string, args, t) : applyMany(transition, keys, args, t);
  };

  /** One key: in place on the store's record when the transition can, else as {@link applyMany}. */
  const applyOne = <A, R>(transition: Transition<A, R>, key: string, args: A, t: number, h = keyHash(key)): R => {
    if (canApplyInPlace(transition)) {
      const entry = live(key, h, t);
      const done = transition.applyInPlace(entry?.record ?? null, args);
      if (done !== undefined) {
        const w = done.write;
        if (w.kind === 'set') {
          if (!isIntegerRecord(w.record)) {
            // The record may be half-changed already: drop it rather than keep a corrupt one.
            entries.delete(key, h);
            throw new KanmonError('ERR_INVALID_ARGUMENT', `transition '${transition.name}' wrote a non-integer field`);
          }
          if (!entry) makeRoom(1);
          hold(key, h, entry, w.record, w.ttlMs, t);
        } else if (w.kind === 'delete') entries.delete(key, h);
        return done.result;
      }
    }
    return applyMany(transition, [key], args, t);
  };

  /** Any number of keys: `apply` on copies of the live records, the writes kept as copies. */
  const applyMany = <A, R>(transition: Transition<A, R>, keys: readonly string[], args: A, t: number): R => {
    const count = keys.length;
    const hashes = new Array<number>(count);
    const found = new Array<Entry | undefined>(count);
    const records = new Array<StoreRecord | null>(count);
    for (let i = 0; i < count; i++) {
      const h = keyHash(keys[i] as string);
      hashes[i] = h;
      const entry = live(keys[i] as string, h, t);
      found[i] = entry;
      records[i] = entry?.record ?? null;
    }
    const outcome = transition.apply(records, args);
    const writes = checkOutcome(transition.name, outcome, keys.length);
    let fresh = 0;
    for (let i = 0; i < keys.length; i++) if (writes[i]?.kind === 'set' && found[i] === undefined) fresh++;
    makeRoom(fresh);
    for (let i = 0; i < keys.length; i++) {
      const w = writes[i];
      const key = keys[i] as string;
      // A copy: applyInPlace may change the store's record later, and a transition may share its objects.
      if (w?.kind === 'set') hold(key, hashes[i] as number, found[i], { ...w.record }, w.ttlMs, t);
      else if (w?.kind === 'delete') entries.delete(key, hashes[i] as number);
    }
    return outcome.result;
  };

  // Each method is `async` so that a bad argument rejects the returned promise
  // rather than throwing synchronously; the body itself runs in one tick.
  const store: MemoryStore = {
    name: 'memory',
    inProcess: true as const,
    get size() {
      return entries.size;
    },

    updateNow: applyNow,
    clock: now,

    update<A, R>(transition: Transition<A, R>, keys: readonly string[], args: A): Promise<R> {
      try {
        return Promise.resolve(applyNow(transition, keys, args));
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
    },

    async read(key) {
      assertStoreKey(key);
      const record = live(key, keyHash(key), now())?.record;
      return record ? { ...record } : null;
    },

    async advanceIfGreater(key, value, ttlMs) {
      assertStoreKey(key);
      checkInteger(value);
      checkTtl(ttlMs);
      const t = now();
      const h = keyHash(key);
      const entry = live(key, h, t);
      if (entry && entry.value >= value) return false;
      if (!entry) makeRoom(1);
      replace(key, h, null, value, expiry(t, ttlMs));
      return true;
    },

    async consumeOnce(key, ttlMs) {
      assertStoreKey(key);
      checkTtl(ttlMs);
      const t = now();
      const h = keyHash(key);
      if (live(key, h, t)) return false;
      makeRoom(1);
      put(key, h, null, 1, expiry(t, ttlMs));
      return true;
    },

    async increment(key) {
      assertStoreKey(key);
      const h = keyHash(key);
      const entry = live(key, h, now());
      if (entry) {
        entry.value += 1;
        return entry.value;
      }
      makeRoom(1);
      put(key, h, null, 1, Infinity);
      return 1;
    },

    async readCounter(key) {
      assertStoreKey(key);
      return live(key, keyHash(key), now())?.value ?? 0;
    },

    readCounterNow(key) {
      assertStoreKey(key);
      return live(key, keyHash(key), now())?.value ?? 0;
    },

    async addEntry(key, entry, options) {
      assertStoreKey(key);
      checkAdd(entry, options);
      const t = now();
      const h = keyHash(key);
      const found = live(key, h, t);
      const list = found?.list;
      const plan = planAdd(list ? [...list.values()] : [], entry, options);
      if (!plan.result.added) {
        for (const id of plan.remove) list?.delete(id);
        return plan.result;
      }
      const next = new Map<string, StoreEntry>();
      for (const e of plan.after) next.set(e.id, { ...e });
      const last = Math.max(...plan.after.map((e) => e.expiresAt));
      if (!found) makeRoom(1);
      // The key lives (on the store's clock) as long as its last entry (on the caller's).
      replace(key, h, null, 0, expiry(t, Math.max(1, last - options.now)), next);
      return plan.result;
    },

    async listEntries(key, at) {
      assertStoreKey(key);
      checkTime(at, 'now');
      const list = live(key, keyHash(key), now())?.list;
      if (!list) return [];
      return [...list.values()].filter((e) => e.expiresAt > at).sort(byAge).map((e) => ({ ...e }));
    },

    async removeEntry(key, id, at) {
      assertStoreKey(key);
      checkEntryId(id);
      checkTime(at, 'now');
      const h = keyHash(key);
      const list = live(key, h, now())?.list;
      const entry = list?.get(id);
      if (!list || !entry) return null;
      list.delete(id);
      if (list.size === 0) entries.delete(key, h);
      return entry.expiresAt > at ? { ...entry } : null;
    },

    async touchEntry(key, id, lastSeenAt, expiresAt, at) {
      assertStoreKey(key);
      checkEntryId(id);
      checkTime(lastSeenAt, 'lastSeenAt');
      checkTime(expiresAt, 'expiresAt');
      checkTime(at, 'now');
      const t = now();
      const found = live(key, keyHash(key), t);
      const entry = found?.list?.get(id);
      if (!found || !entry || entry.expiresAt <= at) return false;
      const next = { ...entry, lastSeenAt: Math.max(entry.lastSeenAt, lastSeenAt), expiresAt: Math.max(entry.expiresAt, expiresAt) };
      found.list?.set(id, next);
      found.expiresAt = Math.max(found.expiresAt, expiry(t, Math.max(1, next.expiresAt - at)));
      return true;
    },

    async delete(key) {
      assertStoreKey(key);
      const h = keyHash(key);
      const existed = live(key, h, now()) !== undefined;
      entries.delete(key, h);
      return existed;
    },

    async purgeTenant(tenant) {
      assertTenant(tenant);
      const prefix = `{${tenant}}:`;
      return entries.removeWhere((entry) => entry.key.startsWith(prefix));
    },

    async close() {
      clearInterval(timer);
    },
  };
  registerTrustedUpdate(store, applyTrusted);
  return store;
}
