import { type Check, item, weak } from './evidence.js';

/** Lockout checks: the password lock and the second-factor lock bite (SEC-24). */

/** kanmon's reading of "a set number of consecutive failures" (SEC-24): at most this many. */
export const MAX_LOCKOUT_FAILURES = 10;
/** A lock (and the failure window) shorter than this does not stop guessing. */
const MIN_LOCK_MS = 60_000;

/** The lock on second-factor guesses: a code of 6 digits must not be open to unlimited guessing. */
export const mfaLock: Check = (s) => {
  const m = s.lockout.mfa;
  return [
    item('lockout.mfa.maxFailures', m.maxFailures, `<= ${MAX_LOCKOUT_FAILURES}`, m.maxFailures > MAX_LOCKOUT_FAILURES ? weak('above_maximum', { path: 'lockout.mfa.maxFailures', value: m.maxFailures, max: MAX_LOCKOUT_FAILURES }) : undefined),
    item('lockout.mfa.lockDurationMs', m.lockDurationMs, `>= ${MIN_LOCK_MS}`, m.lockDurationMs < MIN_LOCK_MS ? weak('below_minimum', { path: 'lockout.mfa.lockDurationMs', value: m.lockDurationMs, min: MIN_LOCK_MS }) : undefined),
  ];
};

/**
 * SEC-24 and the clauses built on it: the password lock and the second-factor
 * lock (a login fails at either step). `failureWindowMs: 0` is a counter that
 * never resets: stronger, not weaker.
 */
export const lockout: Check = (s) => {
  const l = s.lockout;
  const shortWindow = l.failureWindowMs > 0 && l.failureWindowMs < MIN_LOCK_MS;
  return [
    item('lockout.maxFailures', l.maxFailures, `<= ${MAX_LOCKOUT_FAILURES}`, l.maxFailures > MAX_LOCKOUT_FAILURES ? weak('above_maximum', { path: 'lockout.maxFailures', value: l.maxFailures, max: MAX_LOCKOUT_FAILURES }) : undefined),
    item('lockout.failureWindowMs', l.failureWindowMs, `>= ${MIN_LOCK_MS} (0: never resets)`, shortWindow ? weak('below_minimum', { path: 'lockout.failureWindowMs', value: l.failureWindowMs, min: MIN_LOCK_MS }) : undefined),
    item(
      'lockout.lockDurationMs',
      l.lockDurationMs,
      `>= ${MIN_LOCK_MS} (or lockout.permanent)`,
      !l.permanent && l.lockDurationMs < MIN_LOCK_MS ? weak('below_minimum', { path: 'lockout.lockDurationMs', value: l.lockDurationMs, min: MIN_LOCK_MS }) : undefined,
    ),
    item('lockout.onStoreError', l.onStoreError, 'fail_closed', l.onStoreError === 'fail_closed' ? undefined : weak('fail_open', {})),
    ...mfaLock(s),
  ];
};
