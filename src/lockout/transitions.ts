/**
 * The lockout state machine as pure transitions over store records.
 *
 * Every store applies these atomically (see `src/store/store.ts`); the Redis
 * store runs their Lua twins in `src/redis/scripts.ts`, kept in step by the
 * shared contract suite. Nothing here reads a clock: `now` is an argument.
 *
 * The records they read and write are in `./records.ts`.
 */
import type { InPlaceOutcome, InPlaceTransition } from '../store/in-process.js';
import type { RecordWrite, StoreRecord, Transition } from '../store/store.js';
import { type AccountRecord, type SourceRecord, attemptsOf, isAccountRecord, readAccount, untilUnlocked, windowStartOf } from './records.js';

/** A per-source throttle: its limit and window. `windowMs: 0` = the window never resets. */
export interface SourceLimit {
  readonly limit: number;
  readonly windowMs: number;
}

const keep: RecordWrite = Object.freeze({ kind: 'keep' });
const keeps: readonly RecordWrite[][] = Array.from({ length: 9 }, (_, n) => Object.freeze(new Array<RecordWrite>(n).fill(keep)) as RecordWrite[]);
const keepAll = (n: number): readonly RecordWrite[] => keeps[n] ?? new Array<RecordWrite>(n).fill(keep);

/** Shared by reservations without sources (never written to: the loops over sources do not run). */
const noCounts: number[] = [];

/** Arguments of {@link reserveTransition}. */
export interface ReserveArgs {
  /** The caller's clock, ms since the epoch (> 0). */
  readonly now: number;
  readonly maxFailures: number;
  /** The failure count resets after this long without an attempt; `0` = never. */
  readonly failureWindowMs: number;
  readonly lockDurationMs: number;
  /** Each further lock lasts `multiplier` times the previous one (1 = constant). */
  readonly multiplier: number;
  /** Cap of a progressive lock (never below `lockDurationMs`). */
  readonly maxLockDurationMs: number;
  /** Locks last until {@link resetTransition} (an admin unlock). */
  readonly permanent: boolean;
  /** Throttles whose records sit at keys[1], keys[2], … in this order. */
  readonly sources: readonly SourceLimit[];
}

/** The outcome of a reservation. `lockedUntil`: `0` none, `-1` ({@link untilUnlocked}) until an admin unlocks. */
export type ReserveResult =
  | {
      readonly status: 'ok';
      /** Failures counted, this reservation included. */
      readonly failures: number;
      /** Reservations left before the account locks. */
      readonly remaining: number;
      /** Failures known to be over when this attempt was counted: all a later success of it may forgive. */
      readonly settled: number;
      /** This reservation reached `maxFailures` and locked the account. */
      readonly lockedNow: boolean;
      readonly lockCount: number;
      readonly lockedUntil: number;
    }
  | {
      readonly status: 'locked';
      /** `null` while locked until an admin unlocks. */
      readonly retryAfterMs: number | null;
      readonly lockedUntil: number;
      readonly lockCount: number;
    }
  | {
      readonly status: 'throttled';
      /** `null` when the throttle's window never resets (`windowMs: 0`). */
      readonly retryAfterMs: number | null;
      /** Index into `sources` of the throttle that refused (the one that lasts longest). */
      readonly source: number;
    };

/**
 * Added to every TTL: records outlive the moment they stop mattering by this
 * much, so instances whose clocks disagree by up to this much (and the store's
 * own clock) never see a record vanish while it still counts. Expiry only
 * reclaims space; the decisions read the timestamps.
 */
export const ttlSlackMs = 5_000;

/** How long an account record is remembered after its last activity. */
export function keepMs(args: Pick<ReserveArgs, 'failureWindowMs' | 'multiplier' | 'maxLockDurationMs'>): number {
  if (args.failureWindowMs === 0) return 0;
  return args.multiplier > 1 ? Math.max(args.failureWindowMs, args.maxLockDurationMs) : args.failureWindowMs;
}

/** The length of lock number `lockCount` (1-based). Repeated multiplication, as the Lua twin does, so both agree to the bit. */
function lockDuration(args: Pick<ReserveArgs, 'lockDurationMs' | 'multiplier' | 'maxLockDurationMs'>, lockCount: number): number {
  let d = args.lockDurationMs;
  if (args.multiplier > 1) {
    const cap = Math.max(args.maxLockDurationMs, args.lockDurationMs);
    for (let i = 2; i <= lockCount; i++) {
      d = d * args.multiplier;
      if (d >= cap) {
        d = cap;
        break;
      }
    }
  }
  return Math.floor(d);
}

/**
 * The account's state as of `now`, with everything that has lapsed forgotten:
 * an expired lock clears the count; a quiet `failureWindowMs` clears the count;
 * a quiet `keepMs` clears the lock history too.
 */
export function effectiveAccount(record: StoreRecord | null, args: Pick<ReserveArgs, 'now' | 'failureWindowMs' | 'multiplier' | 'maxLockDurationMs'>): AccountRecord {
  const s = readAccount(record);
  lapse(s, args);
  return s;
}

/** Whether the account is locked at `now`. */
const lockedAt = (s: AccountRecord, now: number): boolean => s.lockedUntil === untilUnlocked || s.lockedUntil > now;

/** {@link effectiveAccount} in place. */
function lapse(s: AccountRecord, args: Pick<ReserveArgs, 'now' | 'failureWindowMs' | 'multiplier' | 'maxLockDurationMs'>): void {
  if (lockedAt(s, args.now)) return;
  const keep = keepMs(args);
  if (keep > 0 && args.now - Math.max(s.lastAttemptAt, s.lockedUntil) >= keep) {
    s.failures = 0;
    s.settled = 0;
    s.lockCount = 0;
    s.lockedUntil = 0;
  } else if (s.lockedUntil > 0) {
    s.failures = 0;
    s.settled = 0;
    s.lockedUntil = 0;
  } else if (args.failureWindowMs > 0 && args.now - s.lastAttemptAt >= args.failureWindowMs) {
    s.failures = 0;
    s.settled = 0;
  }
}

/** Count one attempt on an account not locked as of `now` (lapses applied), in place: the write and the result. */
function countAttempt(s: AccountRecord, args: ReserveArgs): InPlaceOutcome<ReserveResult> {
  const now = args.now;
  s.failures += 1;
  s.lastAttemptAt = now;
  let lockedNow = false;
  if (s.failures >= args.maxFailures) {
    s.lockCount += 1;
    s.lockedUntil = args.permanent ? untilUnlocked : now + lockDuration(args, s.lockCount);
    lockedNow = true;
  }
  return {
    write: { kind: 'set', record: s, ttlMs: ttlOf(s, args) },
    result: {
      status: 'ok',
      failures: s.failures,
      remaining: Math.max(0, args.maxFailures - s.failures),
      settled: s.settled,
      lockedNow,
      lockCount: s.lockCount,
      lockedUntil: s.lockedUntil,
    },
  };
}

/** The TTL of an account record: none while locked until an unlock or when nothing lapses, else until it lapses (plus slack). */
function ttlOf(s: AccountRecord, args: Pick<ReserveArgs, 'now' | 'failureWindowMs' | 'multiplier' | 'maxLockDurationMs'>): number | null {
  if (s.lockedUntil === untilUnlocked) return null;
  const keep = keepMs(args);
  return keep === 0 ? null : Math.max(s.lastAttemptAt, s.lockedUntil) + keep - args.now + ttlSlackMs;
}

/** A locked account's answer. */
const lockedResult = (s: Pick<AccountRecord, 'lockedUntil' | 'lockCount'>, now: number): ReserveResult => ({
  status: 'locked',
  retryAfterMs: s.lockedUntil === untilUnlocked ? null : s.lockedUntil - now,
  lockedUntil: s.lockedUntil,
  lockCount: s.lockCount,
});

/**
 * Count one attempt up front, before the secret is verified.
 *
 * keys: `[account, ...sources]`. Refuses with `locked` while the account is
 * locked and with `throttled` when a per-source window is full; a refusal
 * writes nothing. Otherwise counts the attempt on the account and on every
 * source, and locks the account when the count reaches `maxFailures`.
 */
export const reserveTransition: InPlaceTransition<ReserveArgs, ReserveResult> = {
  name: 'lockout.reserve',
  apply(records, args) {
    const now = args.now;
    const account = readAccount(records[0] ?? null);
    if (lockedAt(account, now)) return { writes: keepAll(records.length), result: lockedResult(account, now) };
    const count = args.sources.length;
    const counts: number[] = count === 0 ? noCounts : [];
    const starts: number[] = count === 0 ? noCounts : [];
    let throttled = -1;
    let retryAfterMs = 0;
    for (let i = 0; i < count; i++) {
      const limit = args.sources[i] as SourceLimit;
      const r = records[i + 1] ?? null;
      let n = r === null ? 0 : attemptsOf(r);
      let s = r === null ? 0 : windowStartOf(r);
      if (r === null || (limit.windowMs > 0 && now - s >= limit.windowMs)) {
        n = 0;
        s = now;
      }
      counts.push(n);
      starts.push(s);
      if (n >= limit.limit) {
        const retry = limit.windowMs > 0 ? s + limit.windowMs - now : -1;
        if (throttled === -1 || (retryAfterMs !== -1 && (retry === -1 || retry > retryAfterMs))) {
          throttled = i;
          retryAfterMs = retry;
        }
      }
    }
    if (throttled !== -1) {
      return {
        writes: keepAll(records.length),
        result: { status: 'throttled', retryAfterMs: retryAfterMs === -1 ? null : retryAfterMs, source: throttled },
      };
    }
    lapse(account, args);
    const counted = countAttempt(account, args);
    const writes: RecordWrite[] = [counted.write];
    for (let i = 0; i < count; i++) {
      const windowMs = (args.sources[i] as SourceLimit).windowMs;
      const windowStart = starts[i] as number;
      const record: SourceRecord = { attempts: (counts[i] as number) + 1, windowStart };
      writes.push({ kind: 'set', record, ttlMs: windowMs > 0 ? windowStart + windowMs - now + ttlSlackMs : null });
    }
    return { writes, result: counted.result };
  },
  // One key, no sources (every reservation without a client IP): the same steps on the stored record.
  applyInPlace(record, args) {
    if (args.sources.length !== 0 || !Number.isSafeInteger(args.now) || (record !== null && !isAccountRecord(record))) return undefined;
    const now = args.now;
    if (record !== null && lockedAt(record, now)) return { write: keep, result: lockedResult(record, now) };
    const s = record ?? { failures: 0, lastAttemptAt: 0, lockedUntil: 0, lockCount: 0, settled: 0 };
    lapse(s, args);
    return countAttempt(s, args);
  },
};

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
