/**
 * The capabilities the MFA functions are given, as tiny structural interfaces:
 * every `KanmonStore` (memory, Redis, PostgreSQL) and every `Lockout` from
 * `createLockout` satisfy them (a type test checks it); nothing more is asked.
 */

/** The second-factor side of a lockout: `createLockout(...)` is one. */
export interface MfaLockout {
  /** Count a second-factor attempt before the code is checked; refused while the account is locked or throttled. */
  reserveMfa(key: { readonly account: string; readonly tenant?: string }): Promise<MfaReservation>;
  /**
   * `reservation`: the one {@link reserveMfa} gave for the code that turned
   * out right. It and the failures that were over before it was reserved are
   * forgiven; codes still being checked stay counted, so a right code inside
   * a burst never resets the count of the wrong ones around it.
   */
  succeedMfa(key: { readonly account: string; readonly tenant?: string }, reservation: MfaReservation): Promise<{ readonly ok: boolean }>;
  /**
   * Optional: the code of `reservation` was wrong. It stays counted and is
   * marked as over, so a later right code may forgive it; a lockout without
   * it never forgives a failure on success (stricter).
   */
  failMfa?(key: { readonly account: string; readonly tenant?: string }, reservation: MfaReservation): Promise<void>;
}

/** What {@link MfaLockout.reserveMfa} answers. */
export type MfaReservation =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'locked' | 'throttled'; readonly retryAfterMs: number | null }
  | { readonly ok: false; readonly reason: 'unavailable' };

/** The store primitives the MFA code uses: every `KanmonStore` has them. */
export interface MfaStore {
  /** Raise the number at `key` to `value` only if greater; `true` when this call advanced it (the TOTP replay guard). */
  advanceIfGreater(key: string, value: number, ttlMs: number | null): Promise<boolean>;
  /** Mark `key` consumed; `true` for exactly one caller until the mark expires (one-time recovery codes). */
  consumeOnce(key: string, ttlMs: number | null): Promise<boolean>;
  /** Add 1 to the counter at `key` (absent = 0) and return the new value. */
  increment(key: string): Promise<number>;
  /** The counter at `key`, 0 when absent. */
  readCounter(key: string): Promise<number>;
}
