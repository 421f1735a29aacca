/**
 * The lockout's public types: its options, the key of an attempt, its
 * answers and its events (`createLockout` in `./create-lockout.ts`).
 */
import type { KanmonError } from '../errors.js';
import type { Policy } from '../policy/define-policy.js';
import type { KanmonStore } from '../store/store.js';

/** Which secret an attempt checks: the password, or a second factor (TOTP code). */
export type LockoutFactor = 'password' | 'mfa';

/** Which per-source throttle refused: (account, client IP), or the client IP across all accounts. */
export type ThrottleScope = 'account_ip' | 'ip';

/**
 * Who is attempting: an account name (as typed; normalised here), or the
 * account with the client IP (enables the per-source throttles) and a tenant.
 */
export type LockoutKey =
  | string
  | {
      readonly account: string;
      /** The client address as resolved by the trusted-proxy logic. IPv6 is throttled per /64. */
      readonly ip?: string | null | undefined;
      /** Overrides the lockout's `tenant`. */
      readonly tenant?: string | undefined;
      /**
       * The id of the account the name led to, as your `AccountRepository`
       * gave it; `null` when no account was found. Required by
       * {@link Lockout.reserveAccount}; with it, {@link Lockout.succeed},
       * {@link Lockout.adminUnlock} and {@link Lockout.status} act on the
       * account's own counter too, and the second-factor counter is the
       * account id's.
       */
      readonly accountId?: string | null | undefined;
      /**
       * The account's login name as stored, when it may differ from the name
       * typed (`account`): a success and an administrator's unlock clear its
       * counter too.
       */
      readonly canonicalName?: string | undefined;
    };

/** The answer of {@link Lockout.reserve}: go ahead and verify, or stop here. */
export type LockoutReservation =
  | {
      readonly ok: true;
      /** Failures counted on this account, this attempt included; `null` when degraded. */
      readonly failures: number | null;
      /** Attempts left before the account locks; `null` when degraded. */
      readonly remaining: number | null;
      /** This attempt was the last one allowed: if it fails, the account is locked already. */
      readonly lockedNow: boolean;
      /** The store failed and `onStoreError: 'fail_open'` let the attempt through uncounted. */
      readonly degraded: boolean;
    }
  | {
      readonly ok: false;
      readonly reason: 'locked';
      /** ms until the lock ends; `null` = until an administrator unlocks. */
      readonly retryAfterMs: number | null;
    }
  | {
      readonly ok: false;
      readonly reason: 'throttled';
      /** ms until the throttle's window ends; `null` when the window never resets. */
      readonly retryAfterMs: number | null;
      readonly scope: ThrottleScope;
    }
  | {
      readonly ok: false;
      readonly reason: 'unavailable';
      /** The one outage hint (`OUTAGE_RETRY_AFTER_MS`, 1 s): the store did not answer; nothing was verified. */
      readonly retryAfterMs: number;
      readonly code: 'ERR_STORE_UNAVAILABLE';
    };

/** The answer of {@link Lockout.succeed} and {@link Lockout.adminUnlock}. */
export type LockoutResetResult =
  | { readonly ok: true; /** A lock was lifted. */ readonly wasLocked: boolean }
  | { readonly ok: false; readonly reason: 'unavailable'; readonly code: 'ERR_STORE_UNAVAILABLE' };

/** One factor's state, as {@link Lockout.status} reports it. */
export interface LockoutFactorStatus {
  /** Failures counted in the current window. */
  readonly failures: number;
  /** Attempts left before a lock (0 while locked). */
  readonly remaining: number;
  readonly locked: boolean;
  /** Locked until an administrator unlocks. */
  readonly permanent: boolean;
  /** End of the lock (ms since the epoch); `null` when not locked or permanent. */
  readonly lockedUntil: number | null;
  /** Locks so far (progressive locking lengthens each). */
  readonly lockCount: number;
}

/** What {@link Lockout.status} reports. */
export interface LockoutStatus {
  readonly tenant: string;
  /** The normalised account key. */
  readonly account: string;
  /** The account id the key named, or `null`. */
  readonly accountId: string | null;
  /** Any counter is locked (the account's, its login name's, or its second factor's). */
  readonly locked: boolean;
  /**
   * Password guesses: the account's own counter when the key names an
   * `accountId` (every spelling of its name counts there; `null`: the
   * stand-in of a name that led to no account), else the login name's.
   */
  readonly password: LockoutFactorStatus;
  /** The login name's own counter, when the key names an `accountId` too; else `null` (then `password` is it). */
  readonly name: LockoutFactorStatus | null;
  readonly mfa: LockoutFactorStatus;
}

interface EventBase {
  /** When it happened, from the lockout's clock. */
  readonly at: number;
  readonly tenant: string;
  /** The normalised account key (the login name as typed, normalised). */
  readonly account: string;
  /** Present on the events of an account's own counter ({@link Lockout.reserveAccount}): the account id. */
  readonly accountId?: string;
  readonly factor: LockoutFactor;
}

/** Every lock, unlock, throttle and store failure, for the audit log and alerting. */
export type LockoutEvent =
  | (EventBase & {
      readonly type: 'lockout.locked';
      readonly failures: number;
      /** 1 for the first lock; progressive locking lengthens each. */
      readonly lockCount: number;
      /** `null` = until an administrator unlocks. */
      readonly lockedUntil: number | null;
      readonly durationMs: number | null;
    })
  | (EventBase & {
      readonly type: 'lockout.unlocked';
      /** `success`: the locking attempt itself turned out right; `admin`: {@link Lockout.adminUnlock}. */
      readonly by: 'admin' | 'success';
      readonly actor: string | null;
    })
  | (EventBase & {
      readonly type: 'lockout.throttled';
      readonly scope: ThrottleScope;
      /** The throttled bucket: an IPv4 address or an IPv6 /64. */
      readonly source: string;
      readonly retryAfterMs: number | null;
    })
  | (EventBase & {
      readonly type: 'lockout.store_error';
      readonly operation: 'reserve' | 'succeed' | 'fail' | 'unlock';
      /** The attempt was let through (`onStoreError: 'fail_open'`). */
      readonly failOpen: boolean;
      readonly error: KanmonError;
    });

/** Options for {@link createLockout}. */
export interface CreateLockoutOptions {
  /** Reads `policy.lockout`. */
  readonly policy: Policy;
  readonly store: KanmonStore;
  /**
   * The clock, ms since the epoch.
   * @default the system clock
   */
  readonly now?: () => number;
  /**
   * The tenant (municipality) whose accounts these are; a key may override it.
   * @default 'default'
   */
  readonly tenant?: string;
  /**
   * Called for every lock, unlock, throttle and store failure. An exception
   * (or a rejected promise) from it never changes a decision; it is reported
   * with `process.emitWarning`.
   */
  readonly onEvent?: (event: LockoutEvent) => void | Promise<void>;
  /**
   * A store call taking longer than this counts as a store failure, so a dead
   * Redis or PostgreSQL never hangs a login (the one guard of
   * `src/store/guard.ts`; values above 600000 count as 600000). Not used when
   * `store` is already under a guard (`createKanmon` passes its own, under
   * `dependencyTimeoutMs`): a store is never timed twice.
   * @default 2000
   */
  readonly storeTimeoutMs?: number;
}

/** Account lockout (SEC-24) with per-source throttles, over any {@link KanmonStore}. */
export interface Lockout {
  /**
   * Call before verifying the password. Counts the attempt up front, so under
   * any concurrency at most `maxFailures` verifications happen per lock window.
   * When it answers `{ ok: false }`, do not verify: no hash is computed.
   */
  reserve(key: LockoutKey): Promise<LockoutReservation>;
  /**
   * Call after looking the account up, before verifying its password, with
   * the key's `accountId` set (`null` for no account): counts the attempt on
   * the account's own counter, so the limit holds per account however its
   * name was spelled (an `AccountRepository.find` that trims, folds width or
   * case, or maps `。` to `.` reaches one account from many names), and on
   * the per-(account, IP) throttle. An unknown name is counted on a stand-in
   * of its own, so both cases make the same calls and give the same answers.
   * When it answers `{ ok: false }`, do not verify.
   */
  reserveAccount(key: LockoutKey): Promise<LockoutReservation>;
  /**
   * Call after the password verified, with the reservations of this attempt
   * ({@link reserve} and {@link reserveAccount}): forgives it and the
   * failures that were over ({@link fail}) before it was reserved (attempts
   * still in flight stay counted: they may be wrong guesses of a burst it is
   * part of), clears the (account, IP) throttles, and
   * gives back this attempt's count on the per-IP throttle (a success is not
   * a failure). Without the reservations everything counted is forgiven and
   * nothing is given back.
   */
  succeed(key: LockoutKey, ...reservations: readonly { readonly ok: boolean }[]): Promise<LockoutResetResult>;
  /** As {@link reserve}, for a second-factor code: a separate counter and lock (`policy.lockout.mfa`). */
  reserveMfa(key: LockoutKey): Promise<LockoutReservation>;
  /**
   * Call after the password turned out wrong, with the reservations of this
   * attempt: the failure stays counted, and is marked as over, so a success
   * that starts later may forgive it. Without this call a failure is never
   * forgiven by a success (it only lapses with `failureWindowMs`): the
   * stricter side, never a way around the limit.
   */
  fail(key: LockoutKey, ...reservations: readonly { readonly ok: boolean }[]): Promise<void>;
  /** As {@link fail}, for a second-factor code. */
  failMfa(key: LockoutKey, reservation?: { readonly ok: boolean }): Promise<void>;
  /** As {@link succeed}, for the second factor: pass the reservation of the code that was right. */
  succeedMfa(key: LockoutKey, reservation?: { readonly ok: boolean }): Promise<LockoutResetResult>;
  /**
   * An administrator lifts the account's locks (password and MFA), permanent
   * ones included: the login name's, its `canonicalName`'s and, with an
   * `accountId`, the account's own.
   */
  adminUnlock(key: LockoutKey, options?: { readonly actor?: string }): Promise<LockoutResetResult>;
  /** The account's state now. Throws `ERR_STORE_UNAVAILABLE` when the store fails. */
  status(key: LockoutKey): Promise<LockoutStatus>;
}
