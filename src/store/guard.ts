import { KanmonError } from '../errors.js';
import { type InProcessStore, isInProcessStore } from './in-process.js';
import type { KanmonStore } from './store.js';

/**
 * The one failure policy in front of the dependencies kanmon calls: the state
 * store (lockout, sessions, challenges, MFA), the app's account repository and
 * the audit log. A call that does not settle within the timeout, or that fails
 * with anything but a `KanmonError`, becomes `ERR_STORE_UNAVAILABLE` (the
 * original error as `cause`); a `KanmonError` passes through unchanged (an
 * `ERR_AUDIT_WRITE`, or a programmer error such as `ERR_INVALID_ARGUMENT`).
 * The `Kanmon` methods then answer an outage as a coded `unavailable` result.
 *
 * One watchdog per guard, not a timer per call: an `unref()`ed interval ticks
 * every quarter of the timeout while calls are in flight (it stops when none
 * are) and fails the calls still open four ticks after they started, so a call
 * fails 1×–1.25× the timeout after it started. A store that lives in this
 * process ({@link InProcessStore}: its calls settle within the call) is not
 * watched at all. A store put under a guard is marked: guarding it again (the
 * lockout and the MFA functions over `createKanmon`'s store) is a no-op.
 *
 * A timed-out call is not cancelled: it may still complete later. Callers fail
 * closed (no session on an outage), so a late write can only refuse, never grant.
 */
export interface DependencyGuard {
  /** Run one call under the guard: it rejects with `ERR_STORE_UNAVAILABLE` on a failure or a timeout. */
  call<T>(what: string, run: () => Promise<T>): Promise<T>;
  /**
   * The hot path's form of {@link call}: the value goes through `onValue`; a
   * failure (the raw error) or a timeout (`ERR_STORE_UNAVAILABLE`) through
   * `onFailure`. Rejects only when a callback throws.
   */
  settle<T, U>(what: string, run: () => Promise<T>, onValue: (value: T) => U, onFailure: (err: unknown) => U): Promise<U>;
  /** `fn` with every call under the guard. */
  wrap<A extends unknown[], R>(what: string, fn: (...args: A) => Promise<R>): (...args: A) => Promise<R>;
  /**
   * A store whose every primitive is under the guard (no in-process shortcuts:
   * callers must await). A store already under a guard is returned as it is.
   */
  store(store: KanmonStore): KanmonStore;
  readonly timeoutMs: number;
}

/** One store's calls under its guard: what the lockout and the MFA functions call through. */
export interface GuardedCalls<S> {
  /** The store to call: the one behind a guarded store, else the store itself. */
  readonly store: S;
  /** The store's in-process shortcuts, when it has them (its calls are not watched). */
  readonly inProcess: InProcessStore | null;
  /** As {@link DependencyGuard.settle}, for this store's calls. */
  settle<T, U>(run: () => Promise<T>, onValue: (value: T) => U, onFailure: (err: unknown) => U): Promise<U>;
  /** The timeout the calls are under (ms). */
  readonly timeoutMs: number;
}

/**
 * What an `unavailable` answer says about retrying (ms): the lockout's `unavailable`, every `Kanmon`
 * method's and the HTTP 503's `Retry-After` give this one hint.
 */
export const OUTAGE_RETRY_AFTER_MS = 1000;

/** The longest timeout a guard takes (ms). */
export const MAX_DEPENDENCY_TIMEOUT_MS = 600_000;

/**
 * Whether `err` says a dependency did not answer, so the request may succeed later: the state store
 * (`ERR_STORE_UNAVAILABLE`), the hash queue (`ERR_BUSY`) or the audit log (`ERR_AUDIT_WRITE`: nothing is
 * granted that cannot be audited). The one list for the `Kanmon` boundary, the MFA functions and the HTTP 503.
 */
export function isDependencyOutage(err: unknown): err is KanmonError {
  return err instanceof KanmonError && (err.code === 'ERR_STORE_UNAVAILABLE' || err.code === 'ERR_AUDIT_WRITE' || err.code === 'ERR_BUSY');
}

/** `err` as the guard reports it: a `KanmonError` as it is, anything else as `ERR_STORE_UNAVAILABLE`. */
const asOutage = (what: string, err: unknown): KanmonError =>
  err instanceof KanmonError ? err : new KanmonError('ERR_STORE_UNAVAILABLE', `${what} failed`, { cause: err });

const STORE_METHODS = ['update', 'read', 'advanceIfGreater', 'consumeOnce', 'increment', 'readCounter', 'delete', 'purgeTenant'] as const;
const ENTRY_METHODS = ['addEntry', 'listEntries', 'removeEntry', 'touchEntry'] as const;

/** Guarded stores (what {@link DependencyGuard.store} made) → the calls of the store behind each. */
const guardedStores = new WeakMap<object, GuardedCalls<KanmonStore>>();
/** Raw stores → their calls under a guard of each timeout asked for ({@link guardedCalls}). */
const ownGuards = new WeakMap<object, Map<number, GuardedCalls<object>>>();

/** A call on an in-process store: it settles within `run`, so nothing watches it. */
function settleNow<T, U>(run: () => Promise<T>, onValue: (value: T) => U, onFailure: (err: unknown) => U): Promise<U> {
  let promise: Promise<T>;
  try {
    promise = run();
  } catch (err) {
    return new Promise<U>((resolve) => resolve(onFailure(err)));
  }
  return promise.then(onValue, onFailure);
}

/** Settle `resolve` with `handle(value)`; a handler that throws rejects instead. */
function deliver<V, U>(resolve: (value: U) => void, reject: (err: Error) => void, handle: (value: V) => U, value: V): void {
  try {
    resolve(handle(value));
  } catch (err) {
    reject(err instanceof Error ? err : new Error(String(err)));
  }
}

/** A call in flight, in the watchdog's list. */
interface Pending {
  /** The tick at which it fails. */
  readonly expires: number;
  /** Neighbours while in flight; both `null` once settled. */
  prev: Pending | null;
  next: Pending | null;
  /** Fail it with the timeout error. */
  fail(): void;
}

/** A guard, and how it makes the {@link GuardedCalls} of a store under it. */
interface Made {
  readonly guard: DependencyGuard;
  callsOf<S>(target: S, inProcess: InProcessStore | null, what: string): GuardedCalls<S>;
}

/**
 * The one timeout and failure policy: see {@link DependencyGuard}. `timeoutMs`: 1 to 600000; `onTimeout` is told
 * the `what` of each call that did not answer in time (src/telemetry).
 */
export function createDependencyGuard(timeoutMs: number, onTimeout?: (what: string) => void): DependencyGuard {
  return makeGuard(timeoutMs, onTimeout).guard;
}

function makeGuard(timeoutMs: number, onTimeout?: (what: string) => void): Made {
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > MAX_DEPENDENCY_TIMEOUT_MS) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', `a dependency timeout (dependencyTimeoutMs, storeTimeoutMs) must be an integer from 1 to ${MAX_DEPENDENCY_TIMEOUT_MS} ms`);
  }

  // Calls in flight are a linked list in start order (deadlines grow along it): a `Set` cost more in GC
  // than the rest of a lockout reservation (bench/lockout.bench.mjs, Redis).
  const tickMs = Math.max(5, Math.ceil(timeoutMs / 4));
  /** The list's sentinel: `inFlight.next` is the oldest call, `inFlight.prev` the newest. */
  const inFlight: Pending = { expires: Infinity, prev: null, next: null, fail: () => undefined };
  inFlight.prev = inFlight;
  inFlight.next = inFlight;
  let ticks = 0;
  let watchdog: ReturnType<typeof setInterval> | null = null;

  /** Take a call off the list once: false when the watchdog (or an earlier answer) got there first. */
  const close = (entry: Pending): boolean => {
    const { prev, next } = entry;
    if (prev === null || next === null) return false;
    prev.next = next;
    next.prev = prev;
    entry.prev = null;
    entry.next = null;
    return true;
  };
  const tick = () => {
    ticks++;
    // Oldest first; stop at the first call still within its time. Re-read the
    // head each time: a failure handler may start (append) new calls.
    for (let p = inFlight.next as Pending; p !== inFlight && p.expires <= ticks; p = inFlight.next as Pending) {
      close(p);
      p.fail();
    }
    if (inFlight.next === inFlight && watchdog) {
      clearInterval(watchdog);
      watchdog = null;
    }
  };
  const watch = (entry: Pending): void => {
    const last = inFlight.prev as Pending;
    entry.prev = last;
    entry.next = inFlight;
    last.next = entry;
    inFlight.prev = entry;
    if (!watchdog) {
      watchdog = setInterval(tick, tickMs);
      watchdog.unref();
    }
  };

  function settle<T, U>(what: string, run: () => Promise<T>, onValue: (value: T) => U, onFailure: (err: unknown) => U): Promise<U> {
    return new Promise<U>((resolve, reject) => {
      const entry: Pending = {
        expires: ticks + 5,
        prev: null,
        next: null,
        fail: () => {
          onTimeout?.(what);
          deliver(resolve, reject, onFailure, new KanmonError('ERR_STORE_UNAVAILABLE', `${what} did not answer within ${timeoutMs} ms`));
        },
      };
      watch(entry);
      let promise: Promise<T>;
      try {
        promise = run();
      } catch (err) {
        // A call that throws synchronously is a failure like a rejection.
        if (close(entry)) deliver(resolve, reject, onFailure, err);
        return;
      }
      promise.then(
        (value) => {
          if (close(entry)) deliver(resolve, reject, onValue, value);
        },
        (err: unknown) => {
          if (close(entry)) deliver(resolve, reject, onFailure, err);
        },
      );
    });
  }

  const call = <T>(what: string, run: () => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      void settle(what, run, resolve, (err) => reject(asOutage(what, err)));
    });

  const wrap =
    <A extends unknown[], R>(what: string, fn: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> =>
      call(what, () => fn(...args));

  const callsOf = <S>(target: S, inProcess: InProcessStore | null, what: string): GuardedCalls<S> =>
    Object.freeze({
      store: target,
      inProcess,
      timeoutMs,
      settle: inProcess
        ? settleNow
        : <T, U>(run: () => Promise<T>, onValue: (value: T) => U, onFailure: (err: unknown) => U) => settle(what, run, onValue, onFailure),
    });

  function store(inner: KanmonStore): KanmonStore {
    if (guardedStores.has(inner)) return inner;
    const inProcess = isInProcessStore(inner) ? inner : null;
    const guarded: Record<string, unknown> = { name: inner.name, close: () => inner.close() };
    for (const method of [...STORE_METHODS, ...ENTRY_METHODS]) {
      // The entry lists are optional (src/store/entries.ts): a store without them stays without them.
      if (typeof inner[method] !== 'function') continue;
      const fn = (inner[method] as (...args: unknown[]) => Promise<unknown>).bind(inner);
      const what = `${inner.name} store ${method}`;
      // An in-process call settles within the call: only its failure is mapped.
      guarded[method] = inProcess
        ? (...args: unknown[]) => settleNow(() => fn(...args), (value) => value, (err) => Promise.reject(asOutage(what, err)))
        : wrap(what, fn);
    }
    const out = Object.freeze(guarded) as unknown as KanmonStore;
    guardedStores.set(out, callsOf(inner, inProcess, `${inner.name} store`));
    return out;
  }

  return { guard: Object.freeze({ call, settle, wrap, store, timeoutMs }), callsOf };
}

/**
 * The calls of `store` under its guard, for a caller that guards the store it
 * is given (`createLockout`, the MFA functions): a store from
 * {@link DependencyGuard.store} keeps its own guard (`timeoutMs` is not used:
 * no second timeout); any other store gets a guard of `timeoutMs` (above
 * 600000: 600000), kept for it, so every such caller of one store shares one
 * watchdog per timeout.
 */
export function guardedCalls<S extends object>(store: S, timeoutMs: number): GuardedCalls<S> {
  const guarded = guardedStores.get(store);
  if (guarded) return guarded as unknown as GuardedCalls<S>;
  if (timeoutMs > MAX_DEPENDENCY_TIMEOUT_MS) timeoutMs = MAX_DEPENDENCY_TIMEOUT_MS;
  let byTimeout = ownGuards.get(store);
  const known = byTimeout?.get(timeoutMs);
  if (known) return known as GuardedCalls<S>;
  const inProcess = isInProcessStore(store as unknown as KanmonStore) ? (store as unknown as InProcessStore) : null;
  const name = (store as { readonly name?: unknown }).name;
  const calls = makeGuard(timeoutMs).callsOf(store, inProcess, `${typeof name === 'string' ? name : 'state'} store`);
  if (!byTimeout) ownGuards.set(store, (byTimeout = new Map<number, GuardedCalls<object>>()));
  byTimeout.set(timeoutMs, calls);
  return calls;
}

/**
 * One call on `store` for a caller that answers `unavailable` itself (the MFA
 * functions): under the store's guard ({@link guardedCalls}), `'unavailable'`
 * on an outage ({@link isDependencyOutage}, a failure or a timeout); any other
 * `KanmonError` (a malformed key: a bug) is thrown.
 */
export function storeCall<S extends object, T>(store: S, timeoutMs: number, run: (store: S) => Promise<T>): Promise<T | 'unavailable'> {
  const calls = guardedCalls(store, timeoutMs);
  return calls.settle<T, T | 'unavailable'>(
    () => run(calls.store),
    (value) => value,
    (err) => {
      if (!isDependencyOutage(err) && err instanceof KanmonError) throw err;
      return 'unavailable';
    },
  );
}
