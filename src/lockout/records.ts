/**
 * The lockout's store records, field by field, and the one place that maps
 * other spellings of them: the Redis wire format (fields by position, see
 * `src/redis/scripts.ts`) and the one-letter names records were written with
 * before 0.2 (still read, never written).
 */
import type { StoreRecord } from '../store/store.js';

/** `lockedUntil` of a lock that lasts until an administrator unlocks. */
export const untilUnlocked = -1;

/**
 * An account's counter (one per tenant, factor and account). A type, not an
 * interface: it is written as a {@link StoreRecord} (an index signature) as is.
 */
export type AccountRecord = {
  /** Attempts counted since the last success or reset. */
  failures: number;
  /** When the last counted attempt was made (ms). */
  lastAttemptAt: number;
  /** The end of the lock (ms); `0` not locked; {@link untilUnlocked} until an administrator unlocks. */
  lockedUntil: number;
  /** Locks so far (drives progressive lock durations). */
  lockCount: number;
  /**
   * How many of the counted attempts are known to be over (failed). A success
   * forgives only failures that were over before it was reserved; attempts
   * still in flight stay counted.
   */
  settled: number;
};

/** A per-source throttle (per (account, IP) and per IP): a fixed window. */
export type SourceRecord = {
  /** Attempts counted in the window. */
  attempts: number;
  /** When the window started (ms). */
  windowStart: number;
};

/** The fields of an account record in their wire order (Redis packs them by position). */
export const accountFields = ['failures', 'lastAttemptAt', 'lockedUntil', 'lockCount', 'settled'] as const satisfies readonly (keyof AccountRecord)[];
/** The fields of a source record in their wire order. */
export const sourceFields = ['attempts', 'windowStart'] as const satisfies readonly (keyof SourceRecord)[];

/** A record that may carry the pre-0.2 names (`f t u c g`, `n s`). */
type Legacy = Readonly<Partial<Record<'f' | 't' | 'u' | 'c' | 'g' | 'n' | 's', number>>>;

/** Whether a record is spelled the pre-0.2 way (`f`, or `n`, and none of the current names). */
function isLegacyAccount(record: StoreRecord): boolean {
  return record.failures === undefined && (record as Legacy).f !== undefined;
}

/**
 * An account record as stored, absent fields as 0 (`settled` did not exist in
 * the first records), pre-0.2 names read too. A fresh object: the caller may
 * change it.
 */
export function readAccount(record: StoreRecord | null): AccountRecord {
  if (record === null) return { failures: 0, lastAttemptAt: 0, lockedUntil: 0, lockCount: 0, settled: 0 };
  if (isLegacyAccount(record)) {
    const r = record as Legacy;
    return { failures: r.f ?? 0, lastAttemptAt: r.t ?? 0, lockedUntil: r.u ?? 0, lockCount: r.c ?? 0, settled: r.g ?? 0 };
  }
  return {
    failures: record.failures ?? 0,
    lastAttemptAt: record.lastAttemptAt ?? 0,
    lockedUntil: record.lockedUntil ?? 0,
    lockCount: record.lockCount ?? 0,
    settled: record.settled ?? 0,
  };
}

/** A source record's attempts as stored (absent: 0), pre-0.2 name read too. Field by field: no object on the hot path. */
export function attemptsOf(record: StoreRecord): number {
  return record.attempts ?? (record as Legacy).n ?? 0;
}

/** A source record's window start as stored (absent: 0), pre-0.2 name read too. */
export function windowStartOf(record: StoreRecord): number {
  return record.windowStart ?? (record as Legacy).s ?? 0;
}

/** Whether a stored record is a current account record (every field a number), so it can be counted in place. */
export function isAccountRecord(record: Record<string, number>): record is Record<string, number> & AccountRecord {
  return (
    typeof record.failures === 'number' &&
    typeof record.lastAttemptAt === 'number' &&
    typeof record.lockedUntil === 'number' &&
    typeof record.lockCount === 'number' &&
    typeof record.settled === 'number'
  );
}
