/**
 * The lockout transitions as SQL, so a reservation and a reset are one
 * statement (one round trip) each on PostgreSQL instead of a transaction of
 * five (BEGIN, upsert-and-lock, write, COMMIT).
 *
 * `lockout.reserve` is a PL/pgSQL function installed by `migrate()` (and
 * printed by `kanmon postgres schema`), the twin of `reserveTransition`
 * (`src/lockout/reserve-transition.ts`) as the Redis Lua is: the same steps in
 * the same order, kept in step by the property tests in
 * `test/store/postgres-statements.test.ts` and
 * `test/postgres/lockout-reserve-one.test.ts` (random policies, records and
 * sequences, every result, record and expiry compared with the TypeScript).
 * Its name carries a version (`_v1`): a change of its arguments or behaviour
 * gets a new name, so a database migrated by an older kanmon keeps the
 * function that version calls. A reservation of one key without sources (the
 * common call) goes to `kanmon_lockout_reserve1_v3`, which is given the
 * policy's arithmetic done (keep time, lock lengths); a database without it
 * answers through the function it has: `_v2`, else `reserve_v1`, else the
 * transaction path.
 *
 * `lockout.reset` needs no function: one `DELETE … RETURNING` of every key,
 * and the TypeScript transition computes the answer from the deleted account
 * record.
 *
 * Times: `p_now` is the caller's clock (the policy's, as in the TypeScript);
 * `p_t` is the store's clock, which alone decides whether a stored row is
 * live and when a written one expires, exactly as on the transaction path.
 */
import { KanmonError } from '../errors.js';
import { keepMs, lockDuration } from '../lockout/account-state.js';
import type { ReserveArgs, ReserveResult, SucceedArgs, SucceedResult } from '../lockout/transitions.js';
import { type Transition, type StoreRecord } from '../store/store.js';
import { toRecord } from '../store/internal.js';
import { reserveFunctionName, reserveOneFunctionName, reserveOneV3FunctionName, succeedFunctionName } from './internal/lockout-sql.js';

/** A statement the store sends instead of the transaction path: pg's named (prepared) query config, and how to read its rows. */
export interface SqlTransition<A, R> {
  /**
   * The statement for these arguments, or `undefined` when they need the transaction path (a value SQL would not
   * hold exactly, or no function this store may call: `missing` names those the database lacks).
   */
  statement(
    keys: readonly string[],
    sorted: readonly string[],
    tenant: string,
    t: number,
    args: A,
    missing: ReadonlySet<string>,
  ): { name: string; text: string; values: unknown[] } | undefined;
  /** The transition's result from the statement's rows (`t`: the store's clock of the call). */
  decode(rows: readonly Record<string, unknown>[], args: A, keys: readonly string[], t: number, transition: Transition<A, R>): R;
}

const safe = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n);

const reserveText = `SELECT ${reserveFunctionName}($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) AS r`;
const reserveOneText = `SELECT ${reserveOneFunctionName}($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) AS r`;
const reserveOneV3Text = `SELECT ${reserveOneV3FunctionName}($1, $2, $3, $4, $5, $6, $7, $8, $9) AS r`;

/** The most lock lengths `_v3` is given: a policy whose locks grow to the cap in more steps takes `_v2`. */
const maxLockSteps = 64;
/** Lock lengths by policy (`lockDurationMs`, `multiplier`, `maxLockDurationMs`), as the array literal `_v3` takes; `null`: too many. */
const lockLengthsCache = new Map<string, string | null>();

/**
 * The lengths of locks 1, 2, … up to the first that reaches the cap (every later one is the cap), by the
 * TypeScript {@link lockDuration} itself so the SQL cannot disagree with it, as a `bigint[]` literal; `null` when
 * more than {@link maxLockSteps} steps lead to the cap (a multiplier barely above 1).
 */
function lockLengths(a: ReserveArgs): string | null {
  const id = `${a.lockDurationMs}:${a.multiplier}:${a.maxLockDurationMs}`;
  let literal = lockLengthsCache.get(id);
  if (literal !== undefined) return literal;
  const cap = Math.max(a.maxLockDurationMs, a.lockDurationMs);
  const lengths: number[] = [];
  literal = null;
  for (let n = 1; n <= maxLockSteps; n++) {
    const d = lockDuration(a, n);
    lengths.push(d);
    if (a.multiplier <= 1 || d >= cap) {
      literal = `{${lengths.join(',')}}`;
      break;
    }
  }
  if (lockLengthsCache.size >= 256) lockLengthsCache.clear();
  lockLengthsCache.set(id, literal);
  return literal;
}

const reserve: SqlTransition<ReserveArgs, ReserveResult> = {
  statement(keys, sorted, tenant, t, a, missing) {
    if (a?.sources?.length !== keys.length - 1) return undefined;
    if (!safe(t) || !safe(a.now) || !safe(a.maxFailures) || !safe(a.failureWindowMs) || !safe(a.lockDurationMs) || !safe(a.maxLockDurationMs)) return undefined;
    if (!Number.isFinite(a.multiplier) || typeof a.permanent !== 'boolean') return undefined;
    if (keys.length === 1 && !missing.has(reserveOneV3FunctionName)) {
      const locks = a.permanent ? '{}' : lockLengths(a);
      if (locks !== null) {
        return {
          name: reserveOneV3FunctionName,
          text: reserveOneV3Text,
          values: [keys[0], tenant, t, a.now, a.maxFailures, a.failureWindowMs, keepMs(a), locks, a.permanent],
        };
      }
    }
    if (keys.length === 1 && !missing.has(reserveOneFunctionName)) {
      return {
        name: reserveOneFunctionName,
        text: reserveOneText,
        values: [keys[0], tenant, t, a.now, a.maxFailures, a.failureWindowMs, a.lockDurationMs, a.multiplier, a.maxLockDurationMs, a.permanent],
      };
    }
    if (missing.has(reserveFunctionName)) return undefined;
    const limits: number[] = [];
    const windows: number[] = [];
    for (const s of a.sources) {
      if (!safe(s?.limit) || !safe(s.windowMs)) return undefined;
      limits.push(s.limit);
      windows.push(s.windowMs);
    }
    return {
      name: reserveFunctionName,
      text: reserveText,
      values: [keys, sorted, tenant, t, a.now, a.maxFailures, a.failureWindowMs, a.lockDurationMs, a.multiplier, a.maxLockDurationMs, a.permanent, limits, windows],
    };
  },
  decode(rows, a) {
    const raw = rows[0]?.r;
    if (!Array.isArray(raw)) throw new KanmonError('ERR_STORE_UNAVAILABLE', `postgres store: ${reserveFunctionName} gave no answer`);
    const r = raw.map(Number);
    if (r[0] === 1) {
      const lockedUntil = r[1] as number;
      return { ok: false, reason: 'locked', retryAfterMs: lockedUntil === -1 ? null : lockedUntil - a.now, lockedUntil, lockCount: r[2] as number };
    }
    if (r[0] === 2) return { ok: false, reason: 'throttled', retryAfterMs: r[1] === -1 ? null : (r[1] as number), source: r[2] as number };
    return { ok: true, failures: r[1] as number, remaining: r[2] as number, settled: r[3] as number, lockedNow: r[4] === 1, lockCount: r[5] as number, lockedUntil: r[6] as number };
  },
};

const succeedText = `SELECT ${succeedFunctionName}($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) AS r`;

const succeed: SqlTransition<SucceedArgs, SucceedResult> = {
  statement(keys, sorted, tenant, t, a, missing) {
    if (a?.ops?.length !== keys.length || missing.has(succeedFunctionName)) return undefined;
    if (![t, a.now, a.maxFailures, a.failureWindowMs, a.maxLockDurationMs].every(safe) || !Number.isFinite(a.multiplier)) return undefined;
    const kinds: number[] = [];
    const xs: number[] = [];
    const ats: number[] = [];
    for (const op of a.ops) {
      if (op?.kind === 'clear') {
        kinds.push(1);
        xs.push(0);
        ats.push(0);
      } else if (op?.kind === 'refund' && safe(op.at) && safe(op.windowMs)) {
        kinds.push(2);
        xs.push(op.windowMs);
        ats.push(op.at);
      } else if (op?.kind === 'account' && safe(op.at) && (op.settled === null || (safe(op.settled) && op.settled >= 0))) {
        kinds.push(0);
        xs.push(op.settled ?? -1);
        ats.push(op.at);
      } else return undefined;
    }
    return {
      name: succeedFunctionName,
      text: succeedText,
      values: [keys, sorted, tenant, t, a.now, a.maxFailures, a.failureWindowMs, a.multiplier, a.maxLockDurationMs, kinds, xs, ats],
    };
  },
  decode(rows) {
    const raw = rows[0]?.r;
    if (!Array.isArray(raw)) throw new KanmonError('ERR_STORE_UNAVAILABLE', `postgres store: ${succeedFunctionName} gave no answer`);
    return { lifted: raw.map((v) => Number(v) === 1) };
  },
};

interface ResetRow {
  key: string;
  record: Record<string, unknown> | null;
  expires_at: string | null;
}

/**
 * `lockout.reset` deletes every key it is given and answers from the account
 * record as it was: one `DELETE … RETURNING`, the answer computed by the
 * TypeScript transition itself from the deleted (live) records.
 */
const reset = (T: string): SqlTransition<unknown, unknown> => ({
  statement: (keys) => ({ name: 'kanmon_lockout_reset_v1', text: `DELETE FROM ${T} WHERE key = ANY($1::text[]) RETURNING key, record, expires_at`, values: [keys] }),
  decode(rows, args, keys, t, transition) {
    const byKey = new Map<string, ResetRow>((rows as unknown as readonly ResetRow[]).map((r) => [r.key, r]));
    const records = keys.map((key): StoreRecord | null => {
      const row = byKey.get(key);
      return row?.record && (row.expires_at === null || Number(row.expires_at) > t) ? toRecord(row.record) : null;
    });
    return transition.apply(records, args).result;
  },
});

/** The SQL twins by transition name, for the table `T`; any other transition takes the transaction path. */
export const sqlTransitions = (T: string): Readonly<Record<string, SqlTransition<never, unknown>>> => ({
  'lockout.reserve': reserve,
  'lockout.reset': reset(T),
  'lockout.succeed': succeed,
});

/** Whether a driver error says the function is not installed (a database not migrated by this version). */
export const isMissingFunction = (err: unknown): boolean => (err as { code?: unknown } | null)?.code === '42883';

