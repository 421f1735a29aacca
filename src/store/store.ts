/**
 * The store contract: the few atomic primitives every kanmon state store
 * (memory, Redis, PostgreSQL) offers, and the key format they share.
 *
 * ## Why this shape (design note)
 *
 * The security logic (when an account locks, for how long, when a counter
 * forgets) lives above the store, once, as pure transitions
 * (`src/lockout/transitions.ts`). A store only has to apply a transition
 * atomically. Two ways were weighed:
 *
 * - **Compare-and-set with retry everywhere.** One generic primitive, but on
 *   Redis it costs two round trips per call (read, then a conditional write)
 *   and, under the very race lockout exists for (200 guesses at one account),
 *   O(n²) retries. The issue demands one round trip per call on Redis.
 * - **A fixed primitive per operation** (`reserveLockout`, …). One round trip,
 *   but every later control would have to grow the interface of three stores.
 *
 * kanmon does both where each is strong: {@link KanmonStore.update} applies a
 * *named* pure {@link Transition} to a few small records. The memory store runs
 * the TypeScript function within one tick (so it is atomic); PostgreSQL runs
 * it inside one short transaction holding the rows' locks (no retry storm:
 * contenders queue on the row lock); Redis runs a Lua script registered under
 * the transition's name, one EVALSHA. The Lua mirrors the TypeScript, and the
 * shared contract suite (`test/store/contract.ts`) runs the same transition
 * cases on every store, so a divergence fails a test.
 *
 * The single-value primitives later controls need (TOTP replay guard,
 * recovery-code consumption, session revocation epochs) are small enough to be
 * native on every store: one statement in PostgreSQL, one command or script
 * in Redis: {@link KanmonStore.advanceIfGreater}, {@link KanmonStore.consumeOnce},
 * {@link KanmonStore.increment}.
 *
 * Lists of string entries (the per-account session index) are a separate,
 * optional family, {@link EntryLists} (`src/store/entries.ts`): optional so a
 * custom store written before it keeps working; a feature that needs it
 * throws `ERR_CAPABILITY_MISSING` on a store without it.
 *
 * ## Rules every store follows
 * - **Absent** means never written, deleted, or expired; the three are
 *   indistinguishable to callers.
 * - **TTL** (`ttlMs`) is relative to the moment of the write and only
 *   reclaims space: transitions never rely on a record expiring on time, and
 *   are correct whether an expired record is still there or already gone.
 *   `null` means no expiry.
 * - **Atomic** means linearizable per call: concurrent calls on the same keys,
 *   from any number of processes sharing the store, behave as if run one
 *   after the other.
 * - A store **throws** a `KanmonError('ERR_STORE_UNAVAILABLE')` (with the
 *   driver's error as `cause`) when the backend fails, and
 *   `ERR_INVALID_ARGUMENT` for a malformed key or transition.
 */

import type { EntryLists } from './entries.js';

/** A small flat record of integer fields (a lockout counter, a throttle window). */
export type StoreRecord = Readonly<Record<string, number>>;

/** What a transition does to one key: write a record (with TTL), delete it, or leave it as it was. */
export type RecordWrite =
  | { readonly kind: 'set'; readonly record: StoreRecord; /** `null` = no expiry. */ readonly ttlMs: number | null }
  | { readonly kind: 'delete' }
  | { readonly kind: 'keep' };

/** The outcome of a transition: one write per key, in the order of the keys, and the caller's result. */
export interface TransitionOutcome<R> {
  readonly writes: readonly RecordWrite[];
  readonly result: R;
}

/**
 * A pure state transition over the records at a few keys.
 *
 * `apply` is called with the current records (`null` when absent), in the
 * order of the keys passed to {@link KanmonStore.update}. It must be pure and
 * deterministic (everything time-dependent comes in through `args`), because a
 * store may call it more than once or, on Redis, run its Lua twin instead.
 */
export interface Transition<A, R> {
  /** Unique name; the Redis store finds its Lua script by it (`lockout.reserve`). */
  readonly name: string;

  /** Compute the writes and the result from the current records (`null` when absent); pure. */
  apply(records: readonly (StoreRecord | null)[], args: A): TransitionOutcome<R>;
}

/**
 * A kanmon state store. Keys are built by {@link "kanmon/store".storeKey | storeKey} (`{tenant}:namespace:…`);
 * stores prepend their own prefix (`kanmon:` by default) and refuse any other key.
 */
export interface KanmonStore extends Partial<EntryLists> {
  /** `memory`, `redis`, `postgres`, or a custom store's name. Shown in events and errors. */
  readonly name: string;

  /**
   * Apply `transition` to the records at `keys` atomically: read all of them,
   * compute the outcome once, write it, with no other call on any of these
   * keys interleaving. Keys must all belong to one tenant (one Redis Cluster
   * slot); at most 8 keys, no duplicates.
   * @returns the transition's result.
   */
  update<A, R>(transition: Transition<A, R>, keys: readonly string[], args: A): Promise<R>;

  /** The record at `key`, or `null` when absent. Not atomic with anything else. */
  read(key: string): Promise<StoreRecord | null>;

  /**
   * Advance the number at `key` to `value` if `value` is strictly greater than
   * what is stored (an absent key counts as smaller than everything), and set
   * its TTL. A value less than or equal to the stored one is refused and
   * changes nothing. Of two racing calls with the same value exactly one wins.
   * Used as the TOTP replay guard (last used time step).
   * @param value A safe integer.
   * @returns `true` when this call advanced it.
   */
  advanceIfGreater(key: string, value: number, ttlMs: number | null): Promise<boolean>;

  /**
   * Mark `key` as consumed. Exactly one of any number of concurrent callers
   * gets `true`; every later call gets `false` until the mark expires
   * (`ttlMs`, `null` = never) or is deleted. Used for one-time recovery codes.
   */
  consumeOnce(key: string, ttlMs: number | null): Promise<boolean>;

  /**
   * Add 1 to the counter at `key` (an absent counter is 0) and return the new
   * value. Counters never expire. Used for session revocation epochs.
   */
  increment(key: string): Promise<number>;

  /** The counter at `key`, 0 when absent. */
  readCounter(key: string): Promise<number>;

  /** Delete `key` (any kind). @returns whether something was there. */
  delete(key: string): Promise<boolean>;

  /**
   * Delete every key of `tenant` in this store (RM-18, SEC-31: a city's state
   * at the end of its contract). Redis walks the keys with `SCAN`, never `KEYS`.
   * Keys written concurrently with the purge may survive it; run it after the
   * tenant's traffic has stopped.
   * @returns how many keys were deleted.
   */
  purgeTenant(tenant: string): Promise<number>;

  /** Release timers and the like. Does not close a client the caller passed in. */
  close(): Promise<void>;
}
