import { KanmonError } from '../errors.js';
import { systemClock } from '../internal/clock.js';
import { ipBucket } from '../internal/ip-bucket.js';
import type { Policy } from '../policy/define-policy.js';
import { assertTenant, trustedKey } from '../store/key.js';
import type { KanmonStore } from '../store/store.js';
import { normalizeAccountKey, settledAccountKey } from './normalize-account.js';
import {
  type ReserveArgs,
  type ReserveResult,
  type SourceLimit,
  effectiveAccount,
  reserveTransition,
  resetTransition,
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
  /** Either factor is locked. */
  readonly locked: boolean;
  readonly password: LockoutFactorStatus;
  readonly mfa: LockoutFactorStatus;
}

interface EventBase {
  /** When it happened, from the lockout's clock. */
  readonly at: number;
  readonly tenant: string;
  /** The normalised account key. */
  readonly account: string;
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
      readonly operation: 'reserve' | 'succeed' | 'unlock';
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
  /** Call after the password verified: clears the account's failures (and its (account, IP) throttle). */
  succeed(key: LockoutKey): Promise<LockoutResetResult>;
  /** As {@link reserve}, for a second-factor code: a separate counter and lock (`policy.lockout.mfa`). */
  reserveMfa(key: LockoutKey): Promise<LockoutReservation>;
  /** As {@link succeed}, for the second factor. */
  succeedMfa(key: LockoutKey): Promise<LockoutResetResult>;
  /** An administrator lifts the account's locks (password and MFA), permanent ones included. */
  adminUnlock(key: LockoutKey, options?: { readonly actor?: string }): Promise<LockoutResetResult>;
  /** The account's state now. Throws `ERR_STORE_UNAVAILABLE` when the store fails. */
  status(key: LockoutKey): Promise<LockoutStatus>;
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
  const failOpen = cfg.onStoreError === 'fail_open';
  let warnedNoIp = false;

  // One watchdog for every store call in flight, instead of a timer (or a
  // clock read) per call: a tick counter advances every quarter of the
  // timeout, and a call still open four ticks after it started times out
  // (between 1× and 1.25× storeTimeoutMs).
  //
  // Calls in flight form a doubly linked list in the order they started, so
  // their deadlines only grow along it: joining and leaving are a few pointer
  // writes, a tick looks only at the calls that expire, and an answered call
  // is unlinked at once (nothing retained for the GC to trace). A `Set` did
  // the same job with add/delete per call, and cost more than the rest of a
  // reservation in young-generation GC (its table in old space, written with
  // young entries on every call).
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
    if (store.inProcess) {
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

  function reserveFactor(factor: LockoutFactor, key: LockoutKey): Promise<LockoutReservation> {
    let who: Resolved & { readonly key: string };
    try {
      who = resolve(key, factor === 'password' ? 'pw' : 'mfa');
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    const base = factor === 'password' ? password : mfa;
    const keys = [who.key];
    let sources: readonly SourceLimit[] = noSources;
    let scopes: readonly ThrottleScope[] = noScopes;
    if (factor === 'password' && ipSources.length > 0) {
      if (who.ip === null) {
        if (!warnedNoIp) {
          warnedNoIp = true;
          process.emitWarning('kanmon lockout: per-source throttles are configured but reserve() got no ip; they apply only to calls that pass one', {
            code: 'ERR_CONFIG_HAZARD',
          });
        }
      } else {
        sources = ipSources;
        scopes = ipScopes;
        if (perAccountIp) keys.push(trustedKey(who.tenant, 'lockout', 'pw-ip', who.account, who.ip));
        if (perIp) keys.push(trustedKey(who.tenant, 'lockout', 'ip', who.ip));
      }
    }
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
    const onError = (error: KanmonError): LockoutReservation => {
      emit({ type: 'lockout.store_error', at, tenant: who.tenant, account: who.account, factor, operation: 'reserve', failOpen, error });
      return failOpen
        ? { ok: true, failures: null, remaining: null, lockedNow: false, degraded: true }
        : { ok: false, reason: 'unavailable', retryAfterMs: unavailableRetryAfterMs, code: 'ERR_STORE_UNAVAILABLE' };
    };
    const onValue = (result: ReserveResult): LockoutReservation => {
      switch (result.status) {
        case 'ok':
          if (result.lockedNow) {
            const permanent = result.lockedUntil === -1;
            emit({
              type: 'lockout.locked',
              at,
              tenant: who.tenant,
              account: who.account,
              factor,
              failures: result.failures,
              lockCount: result.lockCount,
              lockedUntil: permanent ? null : result.lockedUntil,
              durationMs: permanent ? null : result.lockedUntil - at,
            });
          }
          return { ok: true, failures: result.failures, remaining: result.remaining, lockedNow: result.lockedNow, degraded: false };
        case 'locked':
          return { ok: false, reason: 'locked', retryAfterMs: result.retryAfterMs };
        case 'throttled': {
          const scope = scopes[result.source] ?? 'ip';
          emit({ type: 'lockout.throttled', at, tenant: who.tenant, account: who.account, factor, scope, source: who.ip ?? '', retryAfterMs: result.retryAfterMs });
          return { ok: false, reason: 'throttled', retryAfterMs: result.retryAfterMs, scope };
        }
      }
    };
    if (store.updateNow) {
      // In-process store: decide synchronously, one promise for the answer.
      let value: LockoutReservation;
      try {
        value = onValue(store.updateNow(reserveTransition, keys, args));
      } catch (err) {
        value = onError(asStoreError(err));
      }
      return Promise.resolve(value);
    }
    return call(() => store.update(reserveTransition, keys, args), onValue, onError);
  }

  async function resetFactor(
    factor: LockoutFactor,
    key: LockoutKey,
    by: 'admin' | 'success',
    actor: string | null,
  ): Promise<LockoutResetResult> {
    const who = resolve(key, factor === 'password' ? 'pw' : 'mfa');
    const keys = [who.key];
    if (factor === 'password' && perAccountIp && who.ip !== null && by === 'success') {
      keys.push(trustedKey(who.tenant, 'lockout', 'pw-ip', who.account, who.ip));
    }
    const at = now();
    try {
      const result = await guarded(() => store.update(resetTransition, keys, { now: at }));
      if (result.wasLocked) emit({ type: 'lockout.unlocked', at, tenant: who.tenant, account: who.account, factor, by, actor });
      return { ok: true, wasLocked: result.wasLocked };
    } catch (err) {
      const error = asStoreError(err);
      const operation = by === 'admin' ? 'unlock' : 'succeed';
      emit({ type: 'lockout.store_error', at, tenant: who.tenant, account: who.account, factor, operation, failOpen: false, error });
      return { ok: false, reason: 'unavailable', code: 'ERR_STORE_UNAVAILABLE' };
    }
  }

  async function factorStatus(factor: LockoutFactor, who: Resolved, at: number): Promise<LockoutFactorStatus> {
    const base = factor === 'password' ? password : mfa;
    let record;
    try {
      record = await guarded(() => store.read(trustedKey(who.tenant, 'lockout', factor === 'password' ? 'pw' : 'mfa', who.account)));
    } catch (err) {
      throw asStoreError(err);
    }
    const s = effectiveAccount(record, { now: at, failureWindowMs: base.failureWindowMs, multiplier: base.multiplier, maxLockDurationMs: base.maxLockDurationMs });
    const locked = s.u === -1 || s.u > at;
    return {
      failures: s.f,
      remaining: locked ? 0 : Math.max(0, base.maxFailures - s.f),
      locked,
      permanent: s.u === -1,
      lockedUntil: locked && s.u !== -1 ? s.u : null,
      lockCount: s.c,
    };
  }

  return {
    reserve: (key) => reserveFactor('password', key),
    reserveMfa: (key) => reserveFactor('mfa', key),
    succeed: (key) => resetFactor('password', key, 'success', null),
    succeedMfa: (key) => resetFactor('mfa', key, 'success', null),
    async adminUnlock(key, unlockOptions = {}) {
      const actor = unlockOptions.actor ?? null;
      const pw = await resetFactor('password', key, 'admin', actor);
      const second = await resetFactor('mfa', key, 'admin', actor);
      if (!pw.ok) return pw;
      if (!second.ok) return second;
      return { ok: true, wasLocked: pw.wasLocked || second.wasLocked };
    },
    async status(key) {
      const who = resolve(key);
      const at = now();
      const [pw, second] = await Promise.all([factorStatus('password', who, at), factorStatus('mfa', who, at)]);
      return { tenant: who.tenant, account: who.account, locked: pw.locked || second.locked, password: pw, mfa: second };
    },
  };
}
