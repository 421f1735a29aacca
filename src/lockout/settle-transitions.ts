/**
 * What happens after the verification: a success forgives (and refunds the
 * per-IP count), a failure is marked as over, an administrator's reset forgets.
 */
import type { RecordWrite, Transition } from '../store/store.js';
import { effectiveAccount, keep, lockedAt, ttlOf, ttlSlackMs } from './account-state.js';
import { type SourceRecord, attemptsOf, readAccount, windowStartOf } from './records.js';

/** Arguments of {@link resetTransition}. */
export interface ResetArgs {
  readonly now: number;
}

/** What a reset removed. */
export interface ResetResult {
  /** The account (keys[0]) was locked at `now`. */
  readonly wasLocked: boolean;
  /** Its failure count as stored (before any lapse is applied). */
  readonly failures: number;
}

/**
 * Forget an account: delete every key given (the account record, and any
 * per-(account, IP) record), atomically, reporting whether it was locked.
 * Used by a successful login and by an administrator's unlock.
 */
export const resetTransition: Transition<ResetArgs, ResetResult> = {
  name: 'lockout.reset',
  apply(records, args) {
    const account = readAccount(records[0] ?? null);
    return {
      writes: records.map((): RecordWrite => ({ kind: 'delete' })),
      result: { wasLocked: lockedAt(account, args.now), failures: account.failures },
    };
  },
};

/** The account-record policy a success or a failure report needs (lapses, TTLs, the limit). */
export interface SettleArgs {
  readonly now: number;
  readonly maxFailures: number;
  readonly failureWindowMs: number;
  readonly multiplier: number;
  readonly maxLockDurationMs: number;
}

/** A report made at `at` about an attempt whose count has lapsed (or may have) by `now`: it changes nothing. */
const stale = (at: number, args: SettleArgs) => args.failureWindowMs > 0 && args.now - at >= args.failureWindowMs;

/** Arguments of {@link failTransition}: per key, when the attempt was reserved there. */
export interface FailArgs extends SettleArgs {
  readonly at: readonly number[];
}

/**
 * An attempt turned out wrong: mark one of the counted attempts on each key
 * as over (`settled`), so a success that starts later may forgive it. It stays
 * counted. Optional for callers: a failure never reported is never forgiven
 * by a success (it lapses with the window), the stricter side.
 */
export const failTransition: Transition<FailArgs, null> = {
  name: 'lockout.fail',
  apply(records, args) {
    const writes: RecordWrite[] = records.map((r, i): RecordWrite => {
      if (r === null || stale(args.at[i] ?? 0, args)) return keep;
      const s = effectiveAccount(r, args);
      if (s.settled >= s.failures) return keep;
      s.settled += 1;
      return { kind: 'set', record: s, ttlMs: ttlOf(s, args) };
    });
    return { writes, result: null };
  },
};

/** What a success does to one of its keys. */
export type SucceedOp =
  /**
   * An account (or login name) record. With `settled`, the reservation that
   * turned out right (made at `at`, when `settled` failures were over): it
   * and those failures are forgiven; every other attempt stays counted (it
   * may be a wrong guess still being verified). With `settled: null` (an
   * administrator, or a caller without its reservation), everything is.
   */
  | { readonly kind: 'account'; readonly settled: number | null; readonly at: number }
  /** A per-(account, IP) throttle record: deleted. */
  | { readonly kind: 'clear' }
  /**
   * A per-IP throttle record: the reservation made at `at` was not a failure,
   * so its count is given back if it was counted in the window still running
   * (a window that started after `at` never counted it).
   */
  | { readonly kind: 'refund'; readonly at: number; readonly windowMs: number };

/** Arguments of {@link succeedTransition}: one op per key, in the order of the keys. */
export interface SucceedArgs extends SettleArgs {
  readonly ops: readonly SucceedOp[];
}

/** What a success changed: per key, whether a lock was lifted there. */
export interface SucceedResult {
  readonly lifted: readonly boolean[];
}

/**
 * A verification turned out right: forgive it and the failures that were
 * over before it was reserved, clear the per-(account, IP) throttles, give
 * back its per-IP count. Atomic over all its keys (one tenant).
 *
 * Whatever the interleaving, a success never forgives an attempt that was
 * still in flight when it was reserved, nor one counted after it: a burst of
 * guesses with one right answer in it is checked at most `maxFailures` times
 * per lock. A lock stays unless the count without the right answer is below
 * `maxFailures` (the lock was reached by counting it).
 */
export const succeedTransition: Transition<SucceedArgs, SucceedResult> = {
  name: 'lockout.succeed',
  apply(records, args) {
    const now = args.now;
    const writes: RecordWrite[] = [];
    const lifted: boolean[] = [];
    for (let i = 0; i < args.ops.length; i++) {
      const op = args.ops[i] as SucceedOp;
      const r = records[i] ?? null;
      lifted.push(false);
      if (op.kind === 'clear') {
        writes.push({ kind: 'delete' });
        continue;
      }
      if (r === null) {
        writes.push(keep);
        continue;
      }
      if (op.kind === 'refund') {
        const attempts = attemptsOf(r);
        const windowStart = windowStartOf(r);
        if (attempts > 0 && windowStart <= op.at && (op.windowMs === 0 || now - windowStart < op.windowMs)) {
          const record: SourceRecord = { attempts: attempts - 1, windowStart };
          writes.push({ kind: 'set', record, ttlMs: op.windowMs > 0 ? windowStart + op.windowMs - now + ttlSlackMs : null });
        } else writes.push(keep);
        continue;
      }
      const s = effectiveAccount(r, args);
      const locked = lockedAt(s, now);
      if (op.settled !== null && stale(op.at, args)) {
        writes.push(keep);
        continue;
      }
      const forgiven = op.settled === null ? s.failures : Math.min(op.settled, s.settled) + 1;
      const failures = Math.max(0, s.failures - forgiven);
      if (failures === 0) {
        // Nothing left in flight: forget the record (the lock history too, as a clean success always has).
        writes.push({ kind: 'delete' });
        lifted[i] = locked;
        continue;
      }
      s.settled = Math.min(Math.max(0, s.settled - (forgiven - 1)), failures);
      s.failures = failures;
      if (locked && failures < args.maxFailures) {
        // The lock was reached by counting the right answer: undo it.
        s.lockedUntil = 0;
        s.lockCount = Math.max(0, s.lockCount - 1);
        lifted[i] = true;
      }
      writes.push({ kind: 'set', record: s, ttlMs: ttlOf(s, args) });
    }
    return { writes, result: { lifted } };
  },
};
