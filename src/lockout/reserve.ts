/**
 * The reservation, the lockout's hot path: count the attempt before the secret
 * is verified (`reserve`, `reserveAccount`, `reserveMfa`), and turn the
 * store's answer into a {@link LockoutReservation} and its events.
 */
import { KanmonError } from '../errors.js';
import { OUTAGE_RETRY_AFTER_MS } from '../store/guard.js';
import { type TrustedUpdate, trustedUpdateOf } from '../store/internal.js';
import { Granted } from './internal/granted.js';
import type { LockoutContext } from './internal/context.js';
import type { Counted } from './internal/throttles.js';
import { type Resolved, type ResolvedKey, accountKey, unknownKey } from './internal/who.js';
import { settledKeyHash } from './normalize-account.js';
import { untilUnlocked } from './records.js';
import { type ReserveArgs, type ReserveResult, reserveTransition } from './reserve-transition.js';
import type { LockoutFactor, LockoutKey, LockoutReservation } from './types.js';

export interface Reserve {
  readonly reserve: (key: LockoutKey) => Promise<LockoutReservation>;
  readonly reserveAccount: (key: LockoutKey) => Promise<LockoutReservation>;
  readonly reserveMfa: (key: LockoutKey) => Promise<LockoutReservation>;
}

export function createReserve(ctx: LockoutContext): Reserve {
  const { now, store, inProcess, call, asStoreError, emit, throttles, failOpen } = ctx;
  const { resolve, accountSide, mfaWho, settledName, defaultTenant } = ctx.who;
  const password = ctx.settings('password');
  const mfa = ctx.settings('mfa');
  // The store measures expiry on the lockout's own clock (the default: both the system clock): it is read once per call.
  const sameClock = inProcess !== null && inProcess.clock === now;
  // An in-process store's update, synchronous, on the lockout's own keys: a checked tenant, constant
  // namespaces and escaped parts make them store keys by construction, so the store does not scan them again.
  // (An in-process store that offers none takes the general path, which the guard settles at once.)
  const updateNow: TrustedUpdate | null = trustedUpdateOf(inProcess);

  /** `accountId` as the events carry it (present on the events of an account's own counter). */
  const idsOf = (accountId: string | undefined) => (accountId === undefined ? null : { accountId });
  /** Who attempted, for an event: a bare name stands for itself on the default tenant, without an address. */
  const whoOf = (who: Resolved | string): Resolved => (typeof who === 'string' ? { tenant: defaultTenant, account: who, ip: null } : who);

  /**
   * The store's answer as a reservation, and its events. Plain parameters, no
   * closure: the in-process path makes no function objects per call.
   */
  function answer(
    result: ReserveResult,
    factor: LockoutFactor,
    who: Resolved | string,
    key: string,
    counted: Counted,
    accountId: string | undefined,
    quiet: boolean,
    at: number,
  ): LockoutReservation {
    if (result.ok) {
      if (result.lockedNow && !quiet) {
        const permanent = result.lockedUntil === untilUnlocked;
        const { tenant, account } = whoOf(who);
        emit({
          type: 'lockout.locked',
          at,
          tenant,
          account,
          ...idsOf(accountId),
          factor,
          failures: result.failures,
          lockCount: result.lockCount,
          lockedUntil: permanent ? null : result.lockedUntil,
          durationMs: permanent ? null : result.lockedUntil - at,
        });
      }
      return new Granted(result.failures, result.remaining, result.lockedNow, false, key, result.settled, at, counted.ipKey);
    }
    if (result.reason === 'locked') return { ok: false, reason: 'locked', retryAfterMs: result.retryAfterMs };
    const scope = counted.scopes[result.source] ?? 'ip';
    if (!quiet) {
      const { tenant, account, ip } = whoOf(who);
      emit({ type: 'lockout.throttled', at, tenant, account, ...idsOf(accountId), factor, scope, source: ip ?? '', retryAfterMs: result.retryAfterMs });
    }
    return { ok: false, reason: 'throttled', retryAfterMs: result.retryAfterMs, scope };
  }

  /** A reservation the store did not answer: its event, and `unavailable` (or, failing open, a degraded grant). */
  function outage(error: KanmonError, factor: LockoutFactor, who: Resolved | string, accountId: string | undefined, at: number): LockoutReservation {
    const { tenant, account } = whoOf(who);
    emit({ type: 'lockout.store_error', at, tenant, account, ...idsOf(accountId), factor, operation: 'reserve', failOpen, error });
    return failOpen
      ? { ok: true, failures: null, remaining: null, lockedNow: false, degraded: true }
      : { ok: false, reason: 'unavailable', retryAfterMs: OUTAGE_RETRY_AFTER_MS, code: 'ERR_STORE_UNAVAILABLE' };
  }

  /**
   * One reservation: `keys` = [the counter, ...the records of `counted.sources`]
   * (the counter's key alone, bare, when there are none). `who`: a bare name
   * is a login name on the default tenant without an address. `accountId`:
   * present on the events of an account's own counter; `quiet`: no events (an
   * unknown name's stand-in, whose lock is the name's own). `hash`: the
   * memory store's hash of a bare key, when the caller has it.
   */
  function reserveOn(
    factor: LockoutFactor,
    who: Resolved | string,
    keys: string | string[],
    counted: Counted,
    accountId: string | undefined,
    quiet: boolean,
    hash?: number,
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
      sources: counted.sources,
    };
    const key = typeof keys === 'string' ? keys : (keys[0] as string);
    if (updateNow !== null) {
      // Decide synchronously, one promise for the answer.
      let value: LockoutReservation;
      try {
        value = answer(updateNow(reserveTransition, keys, args, sameClock ? at : undefined, hash), factor, who, key, counted, accountId, quiet, at);
      } catch (err) {
        value = outage(asStoreError(err), factor, who, accountId, at);
      }
      return Promise.resolve(value);
    }
    return call(
      () => store.update(reserveTransition, typeof keys === 'string' ? [keys] : keys, args),
      (result) => answer(result, factor, who, key, counted, accountId, quiet, at),
      (error) => outage(error, factor, who, accountId, at),
    );
  }

  function reserveFactor(factor: LockoutFactor, key: LockoutKey): Promise<LockoutReservation> {
    if (typeof key === 'string' && factor === 'password') {
      // The common call: a login name whose key needs no normalising on the default tenant. No key object.
      const settled = settledName(key);
      if (settled !== null) {
        const hash = settledKeyHash.value;
        return reserveOn(factor, key, settled, throttles.noIp(), undefined, false, hash);
      }
    }
    let who: ResolvedKey;
    try {
      // A second factor belongs to an account: its counter is the account id's when the key names one.
      who = factor === 'password' ? resolve(key, 'pw') : mfaWho(key);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    const keys = [who.key];
    const counted = factor === 'password' ? throttles.forName(who, keys) : throttles.none;
    return reserveOn(factor, who, keys, counted, undefined, false);
  }

  function reserveAccount(key: LockoutKey): Promise<LockoutReservation> {
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
    const counted = throttles.forAccount(who, accountId, keys);
    return reserveOn('password', who, keys, counted, known ? (accountId as string) : undefined, !known);
  }

  return {
    reserve: (key) => reserveFactor('password', key),
    reserveAccount,
    reserveMfa: (key) => reserveFactor('mfa', key),
  };
}
