import { isKanmonError } from '../../errors.js';

// The capabilities the MFA code needs, as tiny structural interfaces: the
// store contract's `KanmonStore` and the `Lockout` of `createLockout` satisfy
// them (a type test checks it), and nothing more is asked of either.

/** The second-factor side of a lockout: `createLockout(...)` is one. */
export interface MfaLockout {
  reserveMfa(key: { readonly account: string; readonly tenant?: string }): Promise<MfaReservation>;
  succeedMfa(key: { readonly account: string; readonly tenant?: string }): Promise<{ readonly ok: boolean }>;
}

/** What {@link MfaLockout.reserveMfa} answers. */
export type MfaReservation =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'locked' | 'throttled'; readonly retryAfterMs: number | null }
  | { readonly ok: false; readonly reason: 'unavailable' };

/** The store primitives the MFA code uses: every `KanmonStore` has them. */
export interface MfaStore {
  advanceIfGreater(key: string, value: number, ttlMs: number | null): Promise<boolean>;
  consumeOnce(key: string, ttlMs: number | null): Promise<boolean>;
  increment(key: string): Promise<number>;
  readCounter(key: string): Promise<number>;
}

/**
 * Run one store call: `'unavailable'` when the store fails or does not answer
 * within `timeoutMs`, so a dead Redis never hangs a login. A `KanmonError`
 * other than `ERR_STORE_UNAVAILABLE` (a malformed key: a bug) propagates.
 */
export async function storeCall<T>(op: () => Promise<T>, timeoutMs: number): Promise<T | 'unavailable'> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const timeout = new Promise<'unavailable'>((resolve) => {
      timer = setTimeout(resolve, timeoutMs, 'unavailable');
      timer.unref();
    });
    return await Promise.race([op(), timeout]);
  } catch (err) {
    if (isKanmonError(err) && err.code !== 'ERR_STORE_UNAVAILABLE') throw err;
    return 'unavailable';
  } finally {
    clearTimeout(timer);
  }
}
