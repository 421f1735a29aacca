import { KanmonError } from '../errors.js';
import { systemClock } from '../internal/clock.js';
import { ipBucket } from '../internal/ip-bucket.js';
import type { Policy } from '../policy/define-policy.js';
import { assertTenant, trustedKey } from '../store/key.js';
import { isInProcessStore } from '../store/in-process.js';
import type { KanmonStore } from '../store/store.js';
import { normalizeAccountKey, settledAccountKey } from './normalize-account.js';
import { untilUnlocked } from './records.js';
import {
  type ReserveArgs,
  type ReserveResult,
  type SourceLimit,
  type FailArgs,
  type SucceedArgs,
  type SucceedOp,
  effectiveAccount,
  failTransition,
  reserveTransition,
  succeedTransition,
} from './transitions.js';

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
      /** A hint (1 s): the store did not answer; nothing was verified. */
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
   * Redis or PostgreSQL never hangs a login.
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

/**
 * A counted reservation (`{ ok: true, … }`), carrying what a success needs to
 * forgive exactly the attempts up to it: the record it was counted on, its
 * count of failures over (`settled`) when it was made, when it was made, and
 * the per-IP record it counted.
 * Private: the result reads (and compares, and prints) as the plain object.
 */
class Granted {
  readonly ok = true as const;
  readonly #key: string;
  readonly #settled: number;
  readonly #at: number;
  readonly #ipKey: string | null;
  constructor(
    readonly failures: number,
    readonly remaining: number,
    readonly lockedNow: boolean,
    readonly degraded: false,
    key: string,
    settled: number,
    at: number,
    ipKey: string | null,
  ) {
    this.#key = key;
    this.#settled = settled;
    this.#at = at;
    this.#ipKey = ipKey;
  }

  /** What a success or failure report of reservation `r` needs on `key`, if `r` was counted there. */
  static forKey(r: unknown, key: string): { readonly settled: number; readonly at: number } | null {
    return r instanceof Granted && r.#key === key ? { settled: r.#settled, at: r.#at } : null;
  }

  /** When reservation `r` was counted on the per-IP record `ipKey`, or `null`. */
  static countedOn(r: unknown, ipKey: string): number | null {
    return r instanceof Granted && r.#ipKey === ipKey ? r.#at : null;
  }
}

const unavailableRetryAfterMs = 1000;
const noSources: readonly SourceLimit[] = [];
const noScopes: readonly ThrottleScope[] = [];

interface Resolved {
  readonly tenant: string;
  readonly account: string;
  readonly ip: string | null;
}

/**
 * Account lockout that holds under concurrency (SEC-24; against Keycloak's
 * CVE-2024-4629 race): `reserve` counts every attempt atomically in the store
 * *before* the secret is verified, and `succeed` resets. A failed verification
 * needs no call: the reservation stays counted, so a crash, a timeout or a
 * forgotten call can never un-count a guess.
 *
 * Unknown usernames are counted exactly like real ones (lock behaviour tells
 * nothing about which accounts exist). Store failures fail closed by default
 * (`reason: 'unavailable'`); no method rejects because of the store.
 *
 * @example
 * ```ts
 * import { createLockout, definePolicy, memoryStore } from 'kanmon';
 * const lockout = createLockout({ policy: definePolicy('funabashi'), store: memoryStore() });
 *
 * declare function verifyPassword(username: string, password: string): Promise<boolean>;
 *
 * const key = { account: 'Alice', ip: '203.0.113.7' };
 * const reservation = await lockout.reserve(key);
 * if (!reservation.ok) {
 *   // 'locked' | 'throttled' | 'unavailable': answer now, without computing a hash
 * } else if (await verifyPassword('Alice', 'correct horse')) {
 *   await lockout.succeed(key);
 * } // a wrong password needs no call: the reservation stays counted
 * ```
 */
export function createLockout(options: CreateLockoutOptions): Lockout {
  const { policy, store, now = systemClock, tenant: defaultTenant = 'default', onEvent, storeTimeoutMs = 2000 } = options;
  const cfg = policy?.lockout;
  if (!cfg) throw new KanmonError('ERR_INVALID_ARGUMENT', 'createLockout: policy must be a policy from definePolicy');
  if (!store || typeof store.update !== 'function') throw new KanmonError('ERR_INVALID_ARGUMENT', 'createLockout: store must be a KanmonStore');
  if (typeof now !== 'function') throw new KanmonError('ERR_INVALID_ARGUMENT', 'createLockout: now must be a function');
  if (!Number.isSafeInteger(storeTimeoutMs) || storeTimeoutMs < 1) throw new KanmonError('ERR_INVALID_ARGUMENT', 'createLockout: storeTimeoutMs must be a positive integer');
  assertTenant(defaultTenant);

  const password = {
    maxFailures: cfg.maxFailures,
    failureWindowMs: cfg.failureWindowMs,
    lockDurationMs: cfg.lockDurationMs,
    multiplier: cfg.progressive.multiplier,
    maxLockDurationMs: cfg.progressive.maxLockDurationMs,
    permanent: cfg.permanent,
  };
  const mfa = {
    maxFailures: cfg.mfa.maxFailures,
    failureWindowMs: cfg.failureWindowMs,
    lockDurationMs: cfg.mfa.lockDurationMs,
    multiplier: 1,
    maxLockDurationMs: cfg.mfa.lockDurationMs,
    permanent: false,
  };
  const perAccountIp: SourceLimit | null =
    cfg.perSource.maxFailuresPerAccountAndIp === null ? null : { limit: cfg.perSource.maxFailuresPerAccountAndIp, windowMs: cfg.perSource.windowMs };
  const perIp: SourceLimit | null =
    cfg.perSource.maxFailuresPerIp === null ? null : { limit: cfg.perSource.maxFailuresPerIp, windowMs: cfg.perSource.windowMs };
  // The throttles of a password attempt that carries a client IP, in the order of their keys (built once).
  const ipSources: SourceLimit[] = [];
  const ipScopes: ThrottleScope[] = [];
  if (perAccountIp) {
    ipSources.push(perAccountIp);
    ipScopes.push('account_ip');
  }
  if (perIp) {
    ipSources.push(perIp);
    ipScopes.push('ip');
  }
  // The throttle of an account's own counter (reserveAccount): per (account, IP) only; the per-IP count was taken by reserve.
  const accountIpSources: readonly SourceLimit[] = perAccountIp ? [perAccountIp] : noSources;
  const accountIpScopes: readonly ThrottleScope[] = perAccountIp ? ['account_ip'] : noScopes;
  const failOpen = cfg.onStoreError === 'fail_open';
  let warnedNoIp = false;
  /** The store, when it offers the in-process shortcuts (no watchdog needed, a synchronous reserve). */
  const inProcess = isInProcessStore(store) ? store : null;

  // One watchdog for every store call in flight, not a timer per call: a tick
  // every quarter of the timeout fails calls still open four ticks after they
  // started (1×–1.25× storeTimeoutMs). Calls in flight are a linked list in
  // start order (deadlines grow along it), because a `Set` cost more in GC than
  // the rest of a reservation (bench/lockout.bench.mjs, Redis).
  interface Pending {
    expires: number;
    /** Neighbours while in flight; both `null` once settled. */
    prev: Pending | null;
    next: Pending | null;
    fail(err: KanmonError): void;
  }
  const tickMs = Math.max(5, Math.ceil(storeTimeoutMs / 4));
  /** The list's sentinel: `inFlight.next` is the oldest call, `inFlight.prev` the newest. */
  const inFlight: Pending = { expires: Infinity, prev: null, next: null, fail: () => undefined };
  inFlight.prev = inFlight;
  inFlight.next = inFlight;
  let ticks = 0;
  let watchdog: ReturnType<typeof setInterval> | null = null;
  /** Settle an entry once: false when the watchdog (or an earlier answer) got there first. */
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
      p.fail(new KanmonError('ERR_STORE_UNAVAILABLE', `${store.name} store did not answer within ${storeTimeoutMs} ms`));
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

  /**
   * The hot path's store call: one promise that never rejects; the store's
   * answer goes through `onValue`, any failure or timeout through `onError`
   * as `ERR_STORE_UNAVAILABLE`.
   */
  const call = <T, U>(op: () => Promise<T>, onValue: (value: T) => U, onError: (err: KanmonError) => U): Promise<U> => {
    const fail = (err: unknown) => onError(asStoreError(err));
    if (inProcess) {
      let promise: Promise<T>;
      try {
        promise = op();
      } catch (err) {
        return Promise.resolve(fail(err));
      }
      return promise.then(onValue, fail);
    }
    return new Promise<U>((resolve) => {
      const entry: Pending = { expires: ticks + 5, prev: null, next: null, fail: (err) => resolve(fail(err)) };
      watch(entry);
      let promise: Promise<T>;
      try {
        promise = op();
      } catch (err) {
        if (close(entry)) resolve(fail(err));
        return;
      }
      promise.then(
        (value) => {
          if (close(entry)) resolve(onValue(value));
        },
        (err: unknown) => {
          if (close(entry)) resolve(fail(err));
        },
      );
    });
  };

  /** A store call that rejects with `ERR_STORE_UNAVAILABLE` on failure or timeout (off the hot path). */
  const guarded = <T>(op: () => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      void call(op, resolve, reject);
    });

  const emit = (event: LockoutEvent): void => {
    if (!onEvent) return;
    const report = (err: unknown) =>
      process.emitWarning(`kanmon lockout: onEvent threw for ${event.type}: ${err instanceof Error ? err.message : String(err)}`, {
        code: 'KANMON_EVENT_HANDLER',
      });
    try {
      const out = onEvent(event);
      if (out) out.then(undefined, report);
    } catch (err) {
      report(err);
    }
  };

  /** `{tenant}:lockout:pw:` and `{tenant}:lockout:mfa:` of the default tenant, built once. */
  const defaultPrefixes = { pw: `{${defaultTenant}}:lockout:pw:`, mfa: `{${defaultTenant}}:lockout:mfa:` };

  /** Who is attempting, and (given `kind`) the store key of their account record. */
  function resolve(key: LockoutKey): Resolved;
  function resolve(key: LockoutKey, kind: 'pw' | 'mfa'): Resolved & { readonly key: string };
  function resolve(key: LockoutKey, kind?: 'pw' | 'mfa'): Resolved & { readonly key?: string } {
    let account: unknown;
    let ip: unknown = null;
    let tenant: unknown = defaultTenant;
    if (typeof key === 'string') {
      account = key;
    } else if (key && typeof key === 'object') {
      account = key.account;
      ip = key.ip ?? null;
      tenant = key.tenant ?? defaultTenant;
    }
    if (typeof account !== 'string') throw new KanmonError('ERR_INVALID_ARGUMENT', 'lockout key: account must be a string');
    if (ip !== null && typeof ip !== 'string') throw new KanmonError('ERR_INVALID_ARGUMENT', 'lockout key: ip must be a string');
    if (tenant !== defaultTenant) assertTenant(tenant);
    const bucket = ip === null || ip === '' ? null : ipBucket(ip);
    if (kind === undefined) return { tenant, account: normalizeAccountKey(account), ip: bucket };
    const settled = settledAccountKey(tenant === defaultTenant ? defaultPrefixes[kind] : `{${tenant}}:lockout:${kind}:`, account);
    if (settled !== null) return { tenant, account, ip: bucket, key: settled };
    const normalized = normalizeAccountKey(account);
    return { tenant, account: normalized, ip: bucket, key: trustedKey(tenant, 'lockout', kind, normalized) };
  }

  const asStoreError = (err: unknown): KanmonError =>
    err instanceof KanmonError && err.code === 'ERR_STORE_UNAVAILABLE'
      ? err
      : new KanmonError('ERR_STORE_UNAVAILABLE', `${store.name} store failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });

  /** The account side of a key: its id (`null`: no account found; `undefined`: not given) and stored login name. */
  function accountSide(key: LockoutKey): { readonly accountId: string | null | undefined; readonly canonicalName: string | undefined } {
    if (typeof key !== 'object' || key === null) return { accountId: undefined, canonicalName: undefined };
    const { accountId, canonicalName } = key;
    if (accountId !== undefined && accountId !== null && (typeof accountId !== 'string' || accountId.length === 0)) {
      throw new KanmonError('ERR_INVALID_ARGUMENT', 'lockout key: accountId must be a non-empty string or null');
    }
    if (canonicalName !== undefined && typeof canonicalName !== 'string') throw new KanmonError('ERR_INVALID_ARGUMENT', 'lockout key: canonicalName must be a string');
    return { accountId, canonicalName };
  }

  /** The record of an account's own password counter (a namespace no login name reaches). */
  const accountKey = (tenant: string, accountId: string) => trustedKey(tenant, 'lockout', 'pw-id', accountId);
  /** The stand-in counter of a name that led to no account (see reserveAccount). */
  const unknownKey = (tenant: string, account: string) => trustedKey(tenant, 'lockout', 'pw-unknown', account);

  /**
   * One reservation: `keys` = [the counter, ...the source records of `sources`].
   * `accountId`: present on the events of an account's own counter; `quiet`:
   * no events (an unknown name's stand-in, whose lock is the name's own).
   */
  function reserveOn(
    factor: LockoutFactor,
    who: Resolved,
    keys: string[],
    sources: readonly SourceLimit[],
    scopes: readonly ThrottleScope[],
    ipKey: string | null,
    accountId: string | undefined,
    quiet: boolean,
  ): Promise<LockoutReservation> {
    const base = factor === 'password' ? password : mfa;
    const at = now();
    // Spelled out: a spread with extra fields is the slow path in V8, on the hottest line.
    const args: ReserveArgs = {
      now: at,
      maxFailures: base.maxFailures,
      failureWindowMs: base.failureWindowMs,
      lockDurationMs: base.lockDurationMs,
      multiplier: base.multiplier,
      maxLockDurationMs: base.maxLockDurationMs,
      permanent: base.permanent,
      sources,
    };
    const ids = accountId === undefined ? null : { accountId };
    const onError = (error: KanmonError): LockoutReservation => {
      emit({ type: 'lockout.store_error', at, tenant: who.tenant, account: who.account, ...ids, factor, operation: 'reserve', failOpen, error });
      return failOpen
        ? { ok: true, failures: null, remaining: null, lockedNow: false, degraded: true }
        : { ok: false, reason: 'unavailable', retryAfterMs: unavailableRetryAfterMs, code: 'ERR_STORE_UNAVAILABLE' };
    };
    const onValue = (result: ReserveResult): LockoutReservation => {
      switch (result.status) {
        case 'ok':
          if (result.lockedNow && !quiet) {
            const permanent = result.lockedUntil === untilUnlocked;
            emit({
              type: 'lockout.locked',
              at,
              tenant: who.tenant,
              account: who.account,
              ...ids,
              factor,
              failures: result.failures,
              lockCount: result.lockCount,
              lockedUntil: permanent ? null : result.lockedUntil,
              durationMs: permanent ? null : result.lockedUntil - at,
            });
          }
          return new Granted(result.failures, result.remaining, result.lockedNow, false, keys[0] as string, result.settled, at, ipKey);
        case 'locked':
          return { ok: false, reason: 'locked', retryAfterMs: result.retryAfterMs };
        case 'throttled': {
          const scope = scopes[result.source] ?? 'ip';
          if (!quiet) emit({ type: 'lockout.throttled', at, tenant: who.tenant, account: who.account, ...ids, factor, scope, source: who.ip ?? '', retryAfterMs: result.retryAfterMs });
          return { ok: false, reason: 'throttled', retryAfterMs: result.retryAfterMs, scope };
        }
      }
    };
    if (inProcess) {
      // Decide synchronously, one promise for the answer.
      let value: LockoutReservation;
      try {
        value = onValue(inProcess.updateNow(reserveTransition, keys, args));
      } catch (err) {
        value = onError(asStoreError(err));
      }
      return Promise.resolve(value);
    }
    return call(() => store.update(reserveTransition, keys, args), onValue, onError);
  }

  const warnNoIp = (): void => {
    if (warnedNoIp) return;
    warnedNoIp = true;
    process.emitWarning('kanmon lockout: per-source throttles are configured but reserve() got no ip; they apply only to calls that pass one', {
      code: 'ERR_CONFIG_HAZARD',
    });
  };

  function reserveFactor(factor: LockoutFactor, key: LockoutKey): Promise<LockoutReservation> {
    let who: Resolved & { readonly key: string };
    try {
      // A second factor belongs to an account: its counter is the account id's when the key names one.
      who = factor === 'password' ? resolve(key, 'pw') : mfaWho(key);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    const keys = [who.key];
    let sources: readonly SourceLimit[] = noSources;
    let scopes: readonly ThrottleScope[] = noScopes;
    let ipKey: string | null = null;
    if (factor === 'password' && ipSources.length > 0) {
      if (who.ip === null) warnNoIp();
      else {
        sources = ipSources;
        scopes = ipScopes;
        if (perAccountIp) keys.push(trustedKey(who.tenant, 'lockout', 'pw-ip', who.account, who.ip));
        if (perIp) {
          ipKey = trustedKey(who.tenant, 'lockout', 'ip', who.ip);
          keys.push(ipKey);
        }
      }
    }
    return reserveOn(factor, who, keys, sources, scopes, ipKey, undefined, false);
  }

  function reserveAccountFactor(key: LockoutKey): Promise<LockoutReservation> {
    let who: Resolved;
    let accountId: string | null | undefined;
    try {
      who = resolve(key);
      accountId = accountSide(key).accountId;
      if (accountId === undefined) throw new KanmonError('ERR_INVALID_ARGUMENT', 'reserveAccount: the key needs accountId (the account found, or null)');
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    const known = accountId !== null;
    const keys = [known ? accountKey(who.tenant, accountId as string) : unknownKey(who.tenant, who.account)];
    let sources: readonly SourceLimit[] = noSources;
    if (perAccountIp && who.ip !== null) {
      sources = accountIpSources;
      keys.push(trustedKey(who.tenant, 'lockout', known ? 'pw-id-ip' : 'pw-unknown-ip', known ? (accountId as string) : who.account, who.ip));
    }
    return reserveOn('password', who, keys, sources, accountIpScopes, null, known ? (accountId as string) : undefined, !known);
  }

  /** The password records a success or an unlock acts on, with their ops and whom each one is (for events). */
  function passwordSuccess(key: LockoutKey, reservations: readonly unknown[], by: 'admin' | 'success', at: number) {
    const who = resolve(key, 'pw');
    const { accountId, canonicalName } = accountSide(key);
    const keys: string[] = [];
    const ops: SucceedOp[] = [];
    /** Per key: the event identity when a lock lifted there is worth an event. */
    const owners: ({ readonly account: string; readonly accountId?: string } | null)[] = [];
    const forgive = (recordKey: string, owner: { readonly account: string; readonly accountId?: string }, withTicket: boolean) => {
      let ticket: { settled: number; at: number } | null = null;
      if (withTicket) for (const r of reservations) ticket ??= Granted.forKey(r, recordKey);
      keys.push(recordKey);
      ops.push({ kind: 'account', settled: ticket?.settled ?? null, at: ticket?.at ?? at });
      owners.push(owner);
    };
    forgive(who.key, { account: who.account }, by === 'success');
    if (canonicalName !== undefined) {
      const canonical = normalizeAccountKey(canonicalName);
      const canonicalKey = trustedKey(who.tenant, 'lockout', 'pw', canonical);
      if (canonicalKey !== who.key) forgive(canonicalKey, { account: canonical }, false);
    }
    if (typeof accountId === 'string') forgive(accountKey(who.tenant, accountId), { account: who.account, accountId }, by === 'success');
    if (by === 'success' && who.ip !== null) {
      if (perAccountIp) {
        keys.push(trustedKey(who.tenant, 'lockout', 'pw-ip', who.account, who.ip));
        ops.push({ kind: 'clear' });
        owners.push(null);
        if (typeof accountId === 'string') {
          keys.push(trustedKey(who.tenant, 'lockout', 'pw-id-ip', accountId, who.ip));
          ops.push({ kind: 'clear' });
          owners.push(null);
        }
      }
      if (perIp) {
        const ipKey = trustedKey(who.tenant, 'lockout', 'ip', who.ip);
        let counted: number | null = null;
        for (const r of reservations) counted ??= Granted.countedOn(r, ipKey);
        if (counted !== null) {
          keys.push(ipKey);
          ops.push({ kind: 'refund', at: counted, windowMs: perIp.windowMs });
          owners.push(null);
        }
      }
    }
    return { who, keys, ops, owners };
  }

  /** Apply a success (or an admin unlock) to `keys`; events for every lock lifted. */
  async function applySuccess(
    factor: LockoutFactor,
    who: Resolved,
    keys: string[],
    ops: SucceedOp[],
    owners: readonly ({ readonly account: string; readonly accountId?: string } | null)[],
    by: 'admin' | 'success',
    actor: string | null,
    at: number,
  ): Promise<LockoutResetResult> {
    const base = factor === 'password' ? password : mfa;
    const args: SucceedArgs = { now: at, maxFailures: base.maxFailures, failureWindowMs: base.failureWindowMs, multiplier: base.multiplier, maxLockDurationMs: base.maxLockDurationMs, ops };
    try {
      const result = await guarded(() => store.update(succeedTransition, keys, args));
      let wasLocked = false;
      result.lifted.forEach((lifted, i) => {
        const owner = owners[i];
        if (!lifted || !owner) return;
        wasLocked = true;
        emit({ type: 'lockout.unlocked', at, tenant: who.tenant, ...owner, factor, by, actor });
      });
      return { ok: true, wasLocked };
    } catch (err) {
      const error = asStoreError(err);
      const operation = by === 'admin' ? 'unlock' : 'succeed';
      emit({ type: 'lockout.store_error', at, tenant: who.tenant, account: who.account, factor, operation, failOpen: false, error });
      return { ok: false, reason: 'unavailable', code: 'ERR_STORE_UNAVAILABLE' };
    }
  }

  /** The second factor's counter of a key: the account id's when it names one, else the name's. */
  function mfaWho(key: LockoutKey): Resolved & { readonly key: string } {
    const who = resolve(key, 'mfa');
    const { accountId } = accountSide(key);
    if (typeof accountId !== 'string') return who;
    const account = normalizeAccountKey(accountId);
    return { ...who, account, key: trustedKey(who.tenant, 'lockout', 'mfa', account) };
  }

  function succeedPassword(key: LockoutKey, reservations: readonly unknown[]): Promise<LockoutResetResult> {
    const at = now();
    let plan;
    try {
      plan = passwordSuccess(key, reservations, 'success', at);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    return applySuccess('password', plan.who, plan.keys, plan.ops, plan.owners, 'success', null, at);
  }

  function succeedSecond(key: LockoutKey, reservation: unknown, by: 'admin' | 'success', actor: string | null): Promise<LockoutResetResult> {
    const at = now();
    let who: Resolved & { readonly key: string };
    try {
      who = mfaWho(key);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    const ticket = by === 'success' ? Granted.forKey(reservation, who.key) : null;
    return applySuccess('mfa', who, [who.key], [{ kind: 'account', settled: ticket?.settled ?? null, at: ticket?.at ?? at }], [{ account: who.account }], by, actor, at);
  }

  /** Mark the attempts of `reservations` on `keys` as over (failed). Never rejects because of the store: a lost report only keeps a failure counted. */
  async function failOn(factor: LockoutFactor, who: Resolved, candidates: readonly string[], reservations: readonly unknown[]): Promise<void> {
    const keys: string[] = [];
    const ats: number[] = [];
    for (const key of candidates) {
      let ticket: { at: number } | null = null;
      for (const r of reservations) ticket ??= Granted.forKey(r, key);
      if (ticket === null) continue;
      keys.push(key);
      ats.push(ticket.at);
    }
    if (keys.length === 0) return;
    const base = factor === 'password' ? password : mfa;
    const at = now();
    const args: FailArgs = { now: at, maxFailures: base.maxFailures, failureWindowMs: base.failureWindowMs, multiplier: base.multiplier, maxLockDurationMs: base.maxLockDurationMs, at: ats };
    try {
      await guarded(() => store.update(failTransition, keys, args));
    } catch (err) {
      emit({ type: 'lockout.store_error', at, tenant: who.tenant, account: who.account, factor, operation: 'fail', failOpen: false, error: asStoreError(err) });
    }
  }

  function failPassword(key: LockoutKey, reservations: readonly unknown[]): Promise<void> {
    let who: Resolved & { readonly key: string };
    const candidates: string[] = [];
    try {
      who = resolve(key, 'pw');
      candidates.push(who.key);
      const { accountId } = accountSide(key);
      if (typeof accountId === 'string') candidates.push(accountKey(who.tenant, accountId));
      else if (accountId === null) candidates.push(unknownKey(who.tenant, who.account));
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    return failOn('password', who, candidates, reservations);
  }

  function failSecond(key: LockoutKey, reservation: unknown): Promise<void> {
    let who: Resolved & { readonly key: string };
    try {
      who = mfaWho(key);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    return failOn('mfa', who, [who.key], [reservation]);
  }

  async function recordStatus(factor: LockoutFactor, recordKey: string, at: number): Promise<LockoutFactorStatus> {
    const base = factor === 'password' ? password : mfa;
    let record;
    try {
      record = await guarded(() => store.read(recordKey));
    } catch (err) {
      throw asStoreError(err);
    }
    const s = effectiveAccount(record, { now: at, failureWindowMs: base.failureWindowMs, multiplier: base.multiplier, maxLockDurationMs: base.maxLockDurationMs });
    const permanent = s.lockedUntil === untilUnlocked;
    const locked = permanent || s.lockedUntil > at;
    return {
      failures: s.failures,
      remaining: locked ? 0 : Math.max(0, base.maxFailures - s.failures),
      locked,
      permanent,
      lockedUntil: locked && !permanent ? s.lockedUntil : null,
      lockCount: s.lockCount,
    };
  }

  return {
    reserve: (key) => reserveFactor('password', key),
    reserveAccount: (key) => reserveAccountFactor(key),
    reserveMfa: (key) => reserveFactor('mfa', key),
    succeed: (key, ...reservations) => succeedPassword(key, reservations),
    fail: (key, ...reservations) => failPassword(key, reservations),
    failMfa: (key, reservation) => failSecond(key, reservation),
    succeedMfa: (key, reservation) => succeedSecond(key, reservation, 'success', null),
    async adminUnlock(key, unlockOptions = {}) {
      const actor = unlockOptions.actor ?? null;
      const at = now();
      const plan = passwordSuccess(key, [], 'admin', at);
      const pw = await applySuccess('password', plan.who, plan.keys, plan.ops, plan.owners, 'admin', actor, at);
      const second = await succeedSecond(key, null, 'admin', actor);
      if (!pw.ok) return pw;
      if (!second.ok) return second;
      return { ok: true, wasLocked: pw.wasLocked || second.wasLocked };
    },
    async status(key) {
      const who = resolve(key, 'pw');
      const { accountId } = accountSide(key);
      const second = mfaWho(key);
      const at = now();
      // accountId null (no account found): the name's stand-in, so the work is the same as for an account.
      const ownKey = accountId === undefined ? null : accountId === null ? unknownKey(who.tenant, who.account) : accountKey(who.tenant, accountId);
      const [name, own, mfaStatus] = await Promise.all([
        recordStatus('password', who.key, at),
        ownKey === null ? null : recordStatus('password', ownKey, at),
        recordStatus('mfa', second.key, at),
      ]);
      const pw = own ?? name;
      return {
        tenant: who.tenant,
        account: who.account,
        accountId: accountId ?? null,
        locked: pw.locked || name.locked || mfaStatus.locked,
        password: pw,
        name: own ? name : null,
        mfa: mfaStatus,
      };
    },
  };
}
