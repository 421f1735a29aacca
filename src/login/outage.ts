import { OUTAGE_RETRY_AFTER_MS, isDependencyOutage } from '../store/guard.js';

/**
 * The error behind an `unavailable` answer, for the app's logs: not enumerable, so `JSON.stringify` of a
 * result never carries it (nor its message or stack) to a client.
 */
export interface OutageCause {
  readonly cause?: unknown;
}

/**
 * The `Kanmon` boundary of the one store-failure policy (src/store/guard.ts): a method whose dependency did
 * not answer (`ERR_STORE_UNAVAILABLE`, `ERR_AUDIT_WRITE`, a full hash queue `ERR_BUSY`) answers `unavailable`
 * in its own result family instead of throwing. The error rides along as a non-enumerable `cause` (for the
 * app's logs and the adapters' `onError`; never serialised). Any other error (a programmer mistake) still throws.
 */
export function answeringOutage<A extends unknown[], R>(method: (...args: A) => Promise<R>, unavailable: (retryAfterMs: number) => NoInfer<R>): (...args: A) => Promise<R> {
  return async (...args: A): Promise<R> => {
    try {
      return await method(...args);
    } catch (err) {
      if (!isDependencyOutage(err)) throw err;
      const result = unavailable(OUTAGE_RETRY_AFTER_MS);
      Object.defineProperty(result, 'cause', { value: err, enumerable: false });
      return result;
    }
  };
}

export const deniedUnavailable = (retryAfterMs: number) => ({ status: 'denied' as const, reason: 'unavailable' as const, retryAfterMs });
export const notOkUnavailable = (retryAfterMs: number) => ({ ok: false as const, reason: 'unavailable' as const, retryAfterMs });
