/**
 * What the parts of one lockout share, built once by `createLockout`: the
 * policy per factor, the key resolution and throttles, the store calls under
 * the one guard (`src/store/guard.ts`), and the event hook.
 */
import { KanmonError } from '../../errors.js';
import type { Policy } from '../../policy/define-policy.js';
import { guardedCalls } from '../../store/guard.js';
import type { InProcessStore } from '../../store/in-process.js';
import type { KanmonStore } from '../../store/store.js';
import type { ReserveArgs } from '../reserve-transition.js';
import type { LockoutEvent, LockoutFactor } from '../types.js';
import { type Throttles, createThrottles } from './throttles.js';
import { type Who, createWho } from './who.js';

/** What the policy asks of one factor's counter: the reservation's arguments but the clock and the throttles. */
export type FactorSettings = Omit<ReserveArgs, 'now' | 'sources'>;

export interface LockoutContext {
  readonly now: () => number;
  /** The settings of a factor's counter. */
  readonly settings: (factor: LockoutFactor) => FactorSettings;
  /** `onStoreError: 'fail_open'`: a reservation the store did not answer lets the attempt through, uncounted. */
  readonly failOpen: boolean;
  readonly who: Who;
  readonly throttles: Throttles;
  /** The store to call: the one behind a guarded store, else the store given. */
  readonly store: KanmonStore;
  /** The store's in-process shortcuts (a synchronous reserve, no watchdog), when it has them. */
  readonly inProcess: InProcessStore | null;
  /**
   * A store call on the hot path: one promise that never rejects; the store's
   * answer goes through `onValue`, any failure or timeout through `onError`
   * as `ERR_STORE_UNAVAILABLE`.
   */
  readonly call: <T, U>(op: () => Promise<T>, onValue: (value: T) => U, onError: (err: KanmonError) => U) => Promise<U>;
  /** A store call that rejects with `ERR_STORE_UNAVAILABLE` on failure or timeout (off the hot path). */
  readonly guarded: <T>(op: () => Promise<T>) => Promise<T>;
  /** Any failure as `ERR_STORE_UNAVAILABLE` (the lockout fails closed on every store error). */
  readonly asStoreError: (err: unknown) => KanmonError;
  /** Report an event to `onEvent`; its failures never change a decision. */
  readonly emit: (event: LockoutEvent) => void;
}

export interface ContextOptions {
  readonly lockout: Policy['lockout'];
  readonly store: KanmonStore;
  readonly now: () => number;
  readonly tenant: string;
  readonly onEvent: ((event: LockoutEvent) => void | Promise<void>) | undefined;
  readonly storeTimeoutMs: number;
}

export function createLockoutContext(options: ContextOptions): LockoutContext {
  const { lockout: cfg, now, onEvent } = options;
  const password: FactorSettings = {
    maxFailures: cfg.maxFailures,
    failureWindowMs: cfg.failureWindowMs,
    lockDurationMs: cfg.lockDurationMs,
    multiplier: cfg.progressive.multiplier,
    maxLockDurationMs: cfg.progressive.maxLockDurationMs,
    permanent: cfg.permanent,
  };
  const mfa: FactorSettings = {
    maxFailures: cfg.mfa.maxFailures,
    failureWindowMs: cfg.failureWindowMs,
    lockDurationMs: cfg.mfa.lockDurationMs,
    multiplier: 1,
    maxLockDurationMs: cfg.mfa.lockDurationMs,
    permanent: false,
  };

  // A store under createKanmon's guard keeps it; a raw one gets a guard of storeTimeoutMs (one watchdog for
  // every call in flight), kept per store; an in-process store is not watched.
  const calls = guardedCalls(options.store, options.storeTimeoutMs);
  const store = calls.store;

  const asStoreError = (err: unknown): KanmonError =>
    err instanceof KanmonError && err.code === 'ERR_STORE_UNAVAILABLE'
      ? err
      : new KanmonError('ERR_STORE_UNAVAILABLE', `${store.name} store failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });

  const call = <T, U>(op: () => Promise<T>, onValue: (value: T) => U, onError: (err: KanmonError) => U): Promise<U> =>
    calls.settle(op, onValue, (err) => onError(asStoreError(err)));

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

  return {
    now,
    settings: (factor) => (factor === 'password' ? password : mfa),
    failOpen: cfg.onStoreError === 'fail_open',
    who: createWho(options.tenant),
    throttles: createThrottles(cfg.perSource),
    store,
    inProcess: calls.inProcess,
    call,
    guarded,
    asStoreError,
    emit,
  };
}
