import { KanmonError } from '../errors.js';
import type { KanmonStore } from './store.js';

/**
 * The one failure policy in front of the dependencies a flow calls: the state
 * store (sessions, challenges, MFA), the app's account repository and the audit
 * log. A call that does not settle within `timeoutMs`, or that fails with
 * anything but a `KanmonError`, becomes `ERR_STORE_UNAVAILABLE` (the original
 * error as `cause`); a `KanmonError` passes through unchanged (an
 * `ERR_AUDIT_WRITE`, or a programmer error such as `ERR_INVALID_ARGUMENT`).
 * The `Kanmon` methods then answer an outage as a coded `unavailable` result.
 *
 * A timed-out call is not cancelled: it may still complete later. Callers fail
 * closed (no session on an outage), so a late write can only refuse, never grant.
 *
 * The lockout keeps its own watchdog over the raw store (one timer for every
 * call in flight on its hot path).
 */
export interface DependencyGuard {
  /** Run one call under the guard. */
  call<T>(what: string, run: () => Promise<T>): Promise<T>;
  /** `fn` with every call under the guard. */
  wrap<A extends unknown[], R>(what: string, fn: (...args: A) => Promise<R>): (...args: A) => Promise<R>;
  /** A store whose every primitive is under the guard (no in-process shortcuts: callers must await). */
  store(store: KanmonStore): KanmonStore;
  readonly timeoutMs: number;
}

/**
 * Whether `err` says a dependency did not answer, so the request may succeed later: the state store
 * (`ERR_STORE_UNAVAILABLE`), the hash queue (`ERR_BUSY`) or the audit log (`ERR_AUDIT_WRITE`: nothing is
 * granted that cannot be audited). The one list for the `Kanmon` boundary and the HTTP 503.
 */
export function isDependencyOutage(err: unknown): err is KanmonError {
  return err instanceof KanmonError && (err.code === 'ERR_STORE_UNAVAILABLE' || err.code === 'ERR_AUDIT_WRITE' || err.code === 'ERR_BUSY');
}

const STORE_METHODS = ['update', 'read', 'advanceIfGreater', 'consumeOnce', 'increment', 'readCounter', 'delete', 'purgeTenant'] as const;

export function createDependencyGuard(timeoutMs: number): DependencyGuard {
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 600_000) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', 'dependencyTimeoutMs must be an integer from 1 to 600000');
  }

  function call<T>(what: string, run: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        reject(new KanmonError('ERR_STORE_UNAVAILABLE', `${what} did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = () => {
        if (settled) return false;
        settled = true;
        clearTimeout(timer);
        return true;
      };
      // A call that throws synchronously is a failure like a rejection.
      new Promise<T>((inner) => inner(run())).then(
        (value) => {
          if (done()) resolve(value);
        },
        (err: unknown) => {
          if (!done()) return;
          reject(err instanceof KanmonError ? err : new KanmonError('ERR_STORE_UNAVAILABLE', `${what} failed`, { cause: err }));
        },
      );
    });
  }

  const wrap =
    <A extends unknown[], R>(what: string, fn: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> =>
      call(what, () => fn(...args));

  function store(inner: KanmonStore): KanmonStore {
    const guarded: Record<string, unknown> = { name: inner.name, close: () => inner.close() };
    for (const method of STORE_METHODS) {
      const fn = (inner[method] as (...args: unknown[]) => Promise<unknown>).bind(inner);
      guarded[method] = wrap(`${inner.name} store ${method}`, fn);
    }
    return Object.freeze(guarded) as unknown as KanmonStore;
  }

  return Object.freeze({ call, wrap, store, timeoutMs });
}

/** What an `unavailable` answer of a flow says about retrying: the HTTP layer sends it as `Retry-After`. */
export const OUTAGE_RETRY_AFTER_MS = 5000;
