/**
 * An account record over time, as every lockout transition reads it: what has
 * lapsed by `now`, how long lock number n lasts, and how long a record is kept.
 * Pure functions of the record and the arguments; nothing here reads a clock.
 */
import type { RecordWrite, StoreRecord } from '../store/store.js';
import { type AccountRecord, readAccount, untilUnlocked } from './records.js';

/** The account policy a lapse or a TTL depends on, at `now`. */
export interface LapseArgs {
  /** The caller's clock, ms since the epoch (> 0). */
  readonly now: number;
  /** The failure count resets after this long without an attempt; `0` = never. */
  readonly failureWindowMs: number;
  /** Each further lock lasts `multiplier` times the previous one (1 = constant). */
  readonly multiplier: number;
  /** Cap of a progressive lock (never below `lockDurationMs`). */
  readonly maxLockDurationMs: number;
}

/** A write that leaves its record as it is. */
export const keep: RecordWrite = Object.freeze({ kind: 'keep' });
const keeps: readonly RecordWrite[][] = Array.from({ length: 9 }, (_, n) => Object.freeze(new Array<RecordWrite>(n).fill(keep)) as RecordWrite[]);
/** `n` writes that leave their records as they are (shared arrays: never changed). */
export const keepAll = (n: number): readonly RecordWrite[] => keeps[n] ?? new Array<RecordWrite>(n).fill(keep);

/**
 * Added to every TTL: records outlive the moment they stop mattering by this
 * much, so instances whose clocks disagree by up to this much (and the store's
 * own clock) never see a record vanish while it still counts. Expiry only
 * reclaims space; the decisions read the timestamps.
 */
export const ttlSlackMs = 5_000;

/** How long an account record is remembered after its last activity. */
export function keepMs(args: Pick<LapseArgs, 'failureWindowMs' | 'multiplier' | 'maxLockDurationMs'>): number {
  if (args.failureWindowMs === 0) return 0;
  return args.multiplier > 1 ? Math.max(args.failureWindowMs, args.maxLockDurationMs) : args.failureWindowMs;
}

/** The length of lock number `lockCount` (1-based). Repeated multiplication, as the Lua twin does, so both agree to the bit. */
export function lockDuration(args: { readonly lockDurationMs: number; readonly multiplier: number; readonly maxLockDurationMs: number }, lockCount: number): number {
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
export function effectiveAccount(record: StoreRecord | null, args: LapseArgs): AccountRecord {
  const s = readAccount(record);
  lapse(s, args);
  return s;
}

/** Whether the account is locked at `now`. */
export const lockedAt = (s: AccountRecord, now: number): boolean => s.lockedUntil === untilUnlocked || s.lockedUntil > now;

/** {@link effectiveAccount} in place. */
export function lapse(s: AccountRecord, args: LapseArgs): void {
  if (lockedAt(s, args.now)) return;
  const keepFor = keepMs(args);
  if (keepFor > 0 && args.now - Math.max(s.lastAttemptAt, s.lockedUntil) >= keepFor) {
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

/** The TTL of an account record: none while locked until an unlock or when nothing lapses, else until it lapses (plus slack). */
export function ttlOf(s: AccountRecord, args: LapseArgs): number | null {
  if (s.lockedUntil === untilUnlocked) return null;
  const keepFor = keepMs(args);
  return keepFor === 0 ? null : Math.max(s.lastAttemptAt, s.lockedUntil) + keepFor - args.now + ttlSlackMs;
}
