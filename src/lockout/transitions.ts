/**
 * The lockout state machine as pure transitions over store records.
 *
 * Every store applies these atomically (see `src/store/store.ts`); the Redis
 * store runs their Lua twins in `src/redis/scripts.ts`, kept in step by the
 * shared contract suite. Nothing here reads a clock: `now` is an argument.
 *
 * Account record (one per tenant, factor and normalised account):
 * - `f` failures counted (reservations since the last success or reset)
 * - `t` time of the last counted attempt (ms)
 * - `u` locked until (ms); `0` not locked; `-1` locked until an admin unlocks
 * - `c` locks so far (drives progressive lock durations)
 * - `g` how many of the `f` counted attempts are known to be over (failed:
 *   {@link failTransition}). A success forgives only failures that were over
 *   before it was reserved; attempts still in flight stay counted. Absent in
 *   records written before it existed: read as 0.
 *
 * Source record (per (account, IP) and per IP), a fixed window:
 * - `n` attempts counted in the window, `s` window start (ms)
 */
import type { InPlaceOutcome, RecordWrite, StoreRecord, Transition } from '../store/store.js';

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

/** The outcome of a reservation. `lockedUntil`: `0` none, `-1` until an admin unlocks. */
export type ReserveResult =
  | {
      readonly status: 'ok';
      /** Failures counted, this reservation included. */
      readonly failures: number;
      /** Reservations left before the account locks. */
      readonly remaining: number;
      /** Failures known to be over when this attempt was counted (`g`): all a later success of it may forgive. */
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
export function lockDuration(args: Pick<ReserveArgs, 'lockDurationMs' | 'multiplier' | 'maxLockDurationMs'>, lockCount: number): number {
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

// A type, not an interface: it is written as a StoreRecord (an index signature) as is.
type AccountState = { f: number; t: number; u: number; c: number; g: number };

/**
 * The account's state as of `now`, with everything that has lapsed forgotten:
 * an expired lock clears the count; a quiet `failureWindowMs` clears the count;
 * a quiet `keepMs` clears the lock history too.
 */
export function effectiveAccount(record: StoreRecord | null, args: Pick<ReserveArgs, 'now' | 'failureWindowMs' | 'multiplier' | 'maxLockDurationMs'>): AccountState {
  const s: AccountState = { f: record?.f ?? 0, t: record?.t ?? 0, u: record?.u ?? 0, c: record?.c ?? 0, g: record?.g ?? 0 };
  lapse(s, args);
  return s;
}

/** {@link effectiveAccount} in place. */
function lapse(s: AccountState, args: Pick<ReserveArgs, 'now' | 'failureWindowMs' | 'multiplier' | 'maxLockDurationMs'>): void {
  if (s.u === -1 || s.u > args.now) return;
  const keep = keepMs(args);
  if (keep > 0 && args.now - Math.max(s.t, s.u) >= keep) {
    s.f = 0;
    s.g = 0;
    s.c = 0;
    s.u = 0;
  } else if (s.u > 0) {
    s.f = 0;
    s.g = 0;
    s.u = 0;
  } else if (args.failureWindowMs > 0 && args.now - s.t >= args.failureWindowMs) {
    s.f = 0;
    s.g = 0;
  }
}

/** Count one attempt on an account not locked as of `now` (lapses applied), in place: the write and the result. */
function countAttempt(s: AccountState, args: ReserveArgs): InPlaceOutcome<ReserveResult> {
  const now = args.now;
  s.f += 1;
  s.t = now;
  let lockedNow = false;
  if (s.f >= args.maxFailures) {
    s.c += 1;
    s.u = args.permanent ? -1 : now + lockDuration(args, s.c);
    lockedNow = true;
  }
  return {
    write: { kind: 'set', record: s, ttlMs: accountTtl(s, args) },
    result: { status: 'ok', failures: s.f, remaining: Math.max(0, args.maxFailures - s.f), settled: s.g, lockedNow, lockCount: s.c, lockedUntil: s.u },
  };
}

/** Whether a stored record is an account record (every field a number), so it can be counted in place. */
function isAccountRecord(record: Record<string, number>): record is Record<string, number> & AccountState {
  return typeof record.f === 'number' && typeof record.t === 'number' && typeof record.u === 'number' && typeof record.c === 'number' && typeof record.g === 'number';
}

function accountTtl(s: AccountState, args: ReserveArgs): number | null {
  if (s.u === -1) return null;
  const keep = keepMs(args);
  if (keep === 0) return null;
  return Math.max(s.t, s.u) + keep - args.now + ttlSlackMs;
}

/**
 * Count one attempt up front, before the secret is verified.
 *
 * keys: `[account, ...sources]`. Refuses with `locked` while the account is
 * locked and with `throttled` when a per-source window is full; a refusal
 * writes nothing. Otherwise counts the attempt on the account and on every
 * source, and locks the account when the count reaches `maxFailures`.
 */
export const reserveTransition: Transition<ReserveArgs, ReserveResult> = {
  name: 'lockout.reserve',
  apply(records, args) {
    const now = args.now;
    const record = records[0] ?? null;
    if (record && (record.u === -1 || (record.u ?? 0) > now)) {
      const u = record.u ?? 0;
      return {
        writes: keepAll(records.length),
        result: { status: 'locked', retryAfterMs: u === -1 ? null : u - now, lockedUntil: u, lockCount: record.c ?? 0 },
      };
    }
    const count = args.sources.length;
    const counts: number[] = count === 0 ? noCounts : [];
    const starts: number[] = count === 0 ? noCounts : [];
    let throttled = -1;
    let retryAfterMs = 0;
    for (let i = 0; i < count; i++) {
      const limit = args.sources[i] as SourceLimit;
      const r = records[i + 1] ?? null;
      let n = r?.n ?? 0;
      let s = r?.s ?? 0;
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
    const s = effectiveAccount(record, args);
    const account = countAttempt(s, args);
    const writes: RecordWrite[] = [account.write];
    for (let i = 0; i < count; i++) {
      const windowMs = (args.sources[i] as SourceLimit).windowMs;
      const start = starts[i] as number;
      writes.push({ kind: 'set', record: { n: (counts[i] as number) + 1, s: start }, ttlMs: windowMs > 0 ? start + windowMs - now + ttlSlackMs : null });
    }
    return { writes, result: account.result };
  },
  // One key, no sources (every reservation without a client IP): the same steps on the stored record.
  applyInPlace(record, args) {
    if (args.sources.length !== 0 || !Number.isSafeInteger(args.now) || (record !== null && !isAccountRecord(record))) return undefined;
    const now = args.now;
    if (record !== null && (record.u === -1 || record.u > now)) {
      return { write: keep, result: { status: 'locked', retryAfterMs: record.u === -1 ? null : record.u - now, lockedUntil: record.u, lockCount: record.c } };
    }
    const s = record ?? { f: 0, t: 0, u: 0, c: 0, g: 0 };
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
    const r = records[0] ?? null;
    const u = r?.u ?? 0;
    return {
      writes: records.map((): RecordWrite => ({ kind: 'delete' })),
      result: { wasLocked: u === -1 || u > args.now, failures: r?.f ?? 0 },
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

function ttlOf(s: AccountState, args: SettleArgs): number | null {
  if (s.u === -1) return null;
  const keep = keepMs(args);
  return keep === 0 ? null : Math.max(s.t, s.u) + keep - args.now + ttlSlackMs;
}

/** A report made at `at` about an attempt whose count has lapsed (or may have) by `now`: it changes nothing. */
const stale = (at: number, args: SettleArgs) => args.failureWindowMs > 0 && args.now - at >= args.failureWindowMs;

/** Arguments of {@link failTransition}: per key, when the attempt was reserved there. */
export interface FailArgs extends SettleArgs {
  readonly at: readonly number[];
}

/**
 * An attempt turned out wrong: mark one of the counted attempts on each key
 * as over (`g`), so a success that starts later may forgive it. It stays
 * counted. Optional for callers: a failure never reported is never forgiven
 * by a success (it lapses with the window), the stricter side.
 */
export const failTransition: Transition<FailArgs, null> = {
  name: 'lockout.fail',
  apply(records, args) {
    const writes: RecordWrite[] = records.map((r, i): RecordWrite => {
      if (r === null || stale(args.at[i] ?? 0, args)) return keep;
      const s = effectiveAccount(r, args);
      if (s.g >= s.f) return keep;
      s.g += 1;
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
        const n = r.n ?? 0;
        const s = r.s ?? 0;
        if (n > 0 && s <= op.at && (op.windowMs === 0 || now - s < op.windowMs)) {
          writes.push({ kind: 'set', record: { n: n - 1, s }, ttlMs: op.windowMs > 0 ? s + op.windowMs - now + ttlSlackMs : null });
        } else writes.push(keep);
        continue;
      }
      const s = effectiveAccount(r, args);
      const locked = s.u === -1 || s.u > now;
      if (op.settled !== null && stale(op.at, args)) {
        writes.push(keep);
        continue;
      }
      const forgiven = op.settled === null ? s.f : Math.min(op.settled, s.g) + 1;
      const f = Math.max(0, s.f - forgiven);
      if (f === 0) {
        // Nothing left in flight: forget the record (the lock history too, as a clean success always has).
        writes.push({ kind: 'delete' });
        lifted[i] = locked;
        continue;
      }
      s.g = Math.min(Math.max(0, s.g - (forgiven - 1)), f);
      s.f = f;
      if (locked && f < args.maxFailures) {
        // The lock was reached by counting the right answer: undo it.
        s.u = 0;
        s.c = Math.max(0, s.c - 1);
        lifted[i] = true;
      }
      writes.push({ kind: 'set', record: s, ttlMs: ttlOf(s, args) });
    }
    return { writes, result: { lifted } };
  },
};
