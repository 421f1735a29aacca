/**
 * The entry-list family of store primitives: a small, bounded list of string
 * entries under one store key, each with its own expiry. Used for the
 * per-account session index (`listSessions`, `revokeSession`,
 * `policy.session.maxConcurrent`); records ({@link StoreRecord}) carry only
 * integers, so this is its own family.
 *
 * The family is **optional** on {@link KanmonStore}: memory, Redis and
 * PostgreSQL offer it, and a custom store written against the older contract
 * keeps working for everything else (sessions are then simply not indexed).
 * Using a feature that needs it on such a store (`listSessions`, a
 * `maxConcurrent` policy) is a `KanmonError('ERR_CAPABILITY_MISSING')`, never a
 * crash: see {@link hasEntryLists}.
 *
 * ## Bounds
 * - `id`: 1–64 of `A-Z a-z 0-9 _ -`.
 * - `data`: at most {@link MAX_ENTRY_DATA} UTF-16 units, no NUL character (PostgreSQL `text` refuses it).
 * - `limit`: 1–{@link MAX_ENTRIES_PER_KEY}: a list never holds more live entries than the limit of its last add.
 * - times: safe integers (ms on the caller's clock: every primitive takes `now` from the caller, so an
 *   injected clock works the same on every store).
 *
 * ## Semantics every store follows (the contract suite checks them)
 * - An entry with `expiresAt <= now` is absent: never listed, never touched, not counted toward a limit.
 * - Each primitive is atomic per key (linearizable), one round trip on Redis (Lua), one statement or one
 *   short transaction on PostgreSQL, one tick on memory.
 * - `delete(key)` and `purgeTenant` remove lists like any other key.
 */
import { KanmonError } from '../errors.js';

/** One entry of a list. */
export interface StoreEntry {
  /** 1–64 of `A-Z a-z 0-9 _ -`, unique within the list. */
  readonly id: string;
  /** ms. Orders eviction: the smallest `createdAt` (then the smallest `id`) is the oldest. */
  readonly createdAt: number;
  /** ms; moved forward by {@link EntryLists.touchEntry}. */
  readonly lastSeenAt: number;
  /** ms; the entry is gone at this instant. */
  readonly expiresAt: number;
  /** Opaque to the store (kanmon writes JSON); at most {@link MAX_ENTRY_DATA} characters, no NUL. */
  readonly data: string;
}

/** What to do when a list already holds `limit` live entries. */
export type WhenFull = 'evict_oldest' | 'refuse';

/** Options of {@link EntryLists.addEntry}: the clock, the list's limit, and what to do when it is full. */
export interface AddEntryOptions {
  /** The caller's clock (ms): entries expired by it are dropped first. */
  readonly now: number;
  /** Most live entries after the add, 1–{@link MAX_ENTRIES_PER_KEY}. */
  readonly limit: number;
  readonly whenFull: WhenFull;
}

/** The answer of {@link EntryLists.addEntry}: added (and which live entries were evicted to make room), or refused. */
export type AddEntryResult = { readonly added: true; readonly evicted: readonly StoreEntry[] } | { readonly added: false; readonly evicted: readonly [] };

/** The entry-list primitives (optional members of {@link KanmonStore}). */
export interface EntryLists {
  /**
   * Add `entry` to the list at `key` (an entry with the same id is replaced and does not count), atomically:
   * drop the entries expired at `options.now`; if `limit` live entries remain, either refuse (nothing
   * changes) or evict the oldest (smallest `createdAt`, then `id`) until there is room. Of any number of
   * concurrent adds to one list, the live entries never exceed `limit`. The key lives until its last entry
   * expires.
   */
  addEntry(key: string, entry: StoreEntry, options: AddEntryOptions): Promise<AddEntryResult>;
  /** The live entries at `now`, oldest first (`createdAt`, then `id`); `[]` when absent. */
  listEntries(key: string, now: number): Promise<readonly StoreEntry[]>;
  /** Remove the entry `id`; @returns it when it was there and live at `now`, else `null`. */
  removeEntry(key: string, id: string, now: number): Promise<StoreEntry | null>;
  /**
   * Move a live entry's `lastSeenAt` and `expiresAt` forward to the given values (each only if greater; never
   * back). @returns `false` when the entry is absent or expired at `now` (nothing is written).
   */
  touchEntry(key: string, id: string, lastSeenAt: number, expiresAt: number, now: number): Promise<boolean>;
}

/** Longest `data` of an entry (UTF-16 units). */
export const MAX_ENTRY_DATA = 1024;
/** Highest `limit` of an add: the most entries one list holds. */
export const MAX_ENTRIES_PER_KEY = 1000;

const entryIdPattern = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Whether `store` offers the entry-list family.
 *
 * @example
 * ```ts
 * import { hasEntryLists } from 'kanmon/store';
 * if (!hasEntryLists(store)) throw new Error('this store cannot list sessions: use memory, Redis or PostgreSQL');
 * await store.listEntries('{funabashi}:sessions:u-42', Date.now());
 * ```
 */
export function hasEntryLists(store: Partial<EntryLists> | null | undefined): store is EntryLists {
  return (
    !!store &&
    typeof store.addEntry === 'function' &&
    typeof store.listEntries === 'function' &&
    typeof store.removeEntry === 'function' &&
    typeof store.touchEntry === 'function'
  );
}

/** The store's entry lists, or `ERR_CAPABILITY_MISSING` naming what is missing and what needs it. */
export function entryListsOf(store: Partial<EntryLists> & { readonly name?: unknown }, feature: string): EntryLists {
  if (hasEntryLists(store)) return store;
  throw new KanmonError(
    'ERR_CAPABILITY_MISSING',
    `${feature} needs the entry-list primitives (addEntry, listEntries, removeEntry, touchEntry); the '${String(store?.name)}' store does not offer them. Use memoryStore, redisStore or postgresStore, or add them to your store (docs/stores.md)`,
    { details: { capability: 'entryLists', owner: 'store' } },
  );
}

const bad = (message: string) => new KanmonError('ERR_INVALID_ARGUMENT', message);

/** Throw `ERR_INVALID_ARGUMENT` unless `id` is an entry id. */
export function checkEntryId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || !entryIdPattern.test(id)) throw bad('entry id must be 1–64 of A-Z a-z 0-9 _ -');
}

/** Throw `ERR_INVALID_ARGUMENT` unless `t` is a safe integer (a time in ms). */
export function checkTime(t: unknown, what: string): asserts t is number {
  if (typeof t !== 'number' || !Number.isSafeInteger(t)) throw bad(`${what} must be a safe integer (ms)`);
}

/** Throw `ERR_INVALID_ARGUMENT` unless `entry` and `options` are within the bounds above. */
export function checkAdd(entry: StoreEntry, options: AddEntryOptions): void {
  if (typeof entry !== 'object' || entry === null) throw bad('entry must be an object');
  checkEntryId(entry.id);
  checkTime(entry.createdAt, 'createdAt');
  checkTime(entry.lastSeenAt, 'lastSeenAt');
  checkTime(entry.expiresAt, 'expiresAt');
  if (typeof entry.data !== 'string' || entry.data.length > MAX_ENTRY_DATA || entry.data.includes('\u0000')) {
    throw bad(`entry data must be a string of at most ${MAX_ENTRY_DATA} characters without NUL`);
  }
  if (typeof options !== 'object' || options === null) throw bad('addEntry options must be an object');
  checkTime(options.now, 'now');
  if (!Number.isSafeInteger(options.limit) || options.limit < 1 || options.limit > MAX_ENTRIES_PER_KEY) {
    throw bad(`limit must be an integer from 1 to ${MAX_ENTRIES_PER_KEY}`);
  }
  if (options.whenFull !== 'evict_oldest' && options.whenFull !== 'refuse') throw bad("whenFull must be 'evict_oldest' or 'refuse'");
}

/** Oldest first: `createdAt`, then `id`. */
export const byAge = (a: StoreEntry, b: StoreEntry): number => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** What an add does to a list, computed once (memory and PostgreSQL apply it; the Redis Lua mirrors it). */
export interface AddPlan {
  readonly result: AddEntryResult;
  /** Ids to delete: expired ones, and the evicted. */
  readonly remove: readonly string[];
  /** The live entries after the add (the new one included when added). */
  readonly after: readonly StoreEntry[];
}

/** Plan an add over the entries the list holds now (expired ones included). Pure. */
export function planAdd(existing: readonly StoreEntry[], entry: StoreEntry, { now, limit, whenFull }: AddEntryOptions): AddPlan {
  const remove: string[] = [];
  const live: StoreEntry[] = [];
  for (const e of existing) {
    if (e.expiresAt <= now) remove.push(e.id);
    else if (e.id !== entry.id) live.push(e);
  }
  live.sort(byAge);
  if (live.length >= limit) {
    if (whenFull === 'refuse') return { result: { added: false, evicted: [] }, remove, after: live };
    const evicted = live.splice(0, live.length - limit + 1);
    for (const e of evicted) remove.push(e.id);
    return { result: { added: true, evicted }, remove, after: [...live, entry].sort(byAge) };
  }
  return { result: { added: true, evicted: [] }, remove, after: [...live, entry].sort(byAge) };
}
