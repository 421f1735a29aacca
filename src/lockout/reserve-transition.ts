/**
 * The reservation: one attempt counted up front, before the secret is verified
 * (the lockout's hot path), on the account record and on the per-source
 * throttle records after it.
 */
import type { InPlaceOutcome, InPlaceTransition } from '../store/in-process.js';
import type { RecordWrite } from '../store/store.js';
import { keep, keepAll, lapse, lockDuration, lockedAt, ttlOf, ttlSlackMs } from './account-state.js';
import { type AccountRecord, type SourceRecord, attemptsOf, isAccountRecord, readAccount, untilUnlocked, windowStartOf } from './records.js';

/** A per-source throttle: its limit and window. `windowMs: 0` = the window never resets. */
export interface SourceLimit {
  readonly limit: number;
  readonly windowMs: number;
}

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
  /** Locks last until `resetTransition` (an admin unlock). */
  readonly permanent: boolean;
  /** Throttles whose records sit at keys[1], keys[2], … in this order. */
  readonly sources: readonly SourceLimit[];
}

/** The outcome of a reservation. `lockedUntil`: `0` none, `-1` (`untilUnlocked`) until an admin unlocks. */
export type ReserveResult =
  | {
      readonly ok: true;
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
      readonly ok: false;
      readonly reason: 'locked';
      /** `null` while locked until an admin unlocks. */
      readonly retryAfterMs: number | null;
      readonly lockedUntil: number;
      readonly lockCount: number;
    }
  | {
      readonly ok: false;
      readonly reason: 'throttled';
      /** `null` when the throttle's window never resets (`windowMs: 0`). */
      readonly retryAfterMs: number | null;
      /** Index into `sources` of the throttle that refused (the one that lasts longest). */
      readonly source: number;
    };

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
      ok: true,
      failures: s.failures,
      remaining: Math.max(0, args.maxFailures - s.failures),
      settled: s.settled,
      lockedNow,
      lockCount: s.lockCount,
      lockedUntil: s.lockedUntil,
    },
  };
}

/** A locked account's answer. */
const lockedResult = (s: Pick<AccountRecord, 'lockedUntil' | 'lockCount'>, now: number): ReserveResult => ({
  ok: false,
  reason: 'locked',
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
        result: { ok: false, reason: 'throttled', retryAfterMs: retryAfterMs === -1 ? null : retryAfterMs, source: throttled },
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
