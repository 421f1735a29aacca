/**
 * Shortcuts for a store that lives in this process (the memory store), kept
 * off the {@link KanmonStore} contract: a store over a network cannot offer
 * them, and a caller must work without them. The lockout uses them when
 * {@link isInProcessStore} says they are there (the measurement is in
 * `bench/lockout.bench.mjs`).
 */
import type { KanmonStore, RecordWrite, Transition } from './store.js';

/** A store whose calls all settle within the call itself, with a synchronous `update`. */
export interface InProcessStore extends KanmonStore {
  /** Every call settles within the call itself: the guard (`src/store/guard.ts`) does not watch its calls. */
  readonly inProcess: true;
  /**
   * {@link KanmonStore.update} done synchronously, returning the result or
   * throwing; its semantics are exactly `update`'s. Saves a promise round.
   * `at`: a reading of {@link clock} the caller has just taken (by default the store reads it).
   */
  updateNow<A, R>(transition: Transition<A, R>, keys: readonly string[], args: A, at?: number): R;
  /**
   * The clock the store measures expiry with. A caller that has just read this
   * very clock may pass the reading to {@link updateNow} as `at`, so the store
   * does not read it a second time (the same instant, one call fewer on the hot path).
   */
  readonly clock: () => number;
  /**
   * {@link KanmonStore.readCounter} done synchronously (same semantics), for a
   * hot path that reads state on every request (a session's revocation marks).
   * Optional: a caller must fall back to `readCounter` without it.
   */
  readonly readCounterNow?: (key: string) => number;
}

/** Whether `store` offers the in-process shortcuts (the memory store does; a wrapper may hide them). */
export function isInProcessStore(store: KanmonStore): store is InProcessStore {
  const s = store as Partial<InProcessStore>;
  return s.inProcess === true && typeof s.updateNow === 'function' && typeof s.clock === 'function';
}

/** What `InPlaceTransition.applyInPlace` did: the write for its one key, and the caller's result. */
export interface InPlaceOutcome<R> {
  readonly write: RecordWrite;
  readonly result: R;
}

/**
 * A transition that an in-process store may apply to one key on the store's
 * own record instead of a new one (on the memory store the allocations and
 * copies around `apply` cost more than the decision).
 */
export interface InPlaceTransition<A, R> extends Transition<A, R> {
  /**
   * `record` is the store's object, never handed out; the function may change
   * it only when it returns an outcome, whose `write` says what to keep
   * (`set` with that object or a new one). It must decide exactly as `apply`
   * does on `[record]` and return `undefined`, with `record` untouched, for
   * anything it does not handle: the store then calls `apply`.
   */
  applyInPlace(record: Record<string, number> | null, args: A): InPlaceOutcome<R> | undefined;
}

/** Whether `transition` can be applied in place. */
export function canApplyInPlace<A, R>(transition: Transition<A, R>): transition is InPlaceTransition<A, R> {
  return typeof (transition as Partial<InPlaceTransition<A, R>>).applyInPlace === 'function';
}
