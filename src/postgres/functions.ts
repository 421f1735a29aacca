/**
 * The lockout transitions as SQL, so a reservation and a reset are one
 * statement (one round trip) each on PostgreSQL instead of a transaction of
 * five (BEGIN, upsert-and-lock, write, COMMIT).
 *
 * `lockout.reserve` is a PL/pgSQL function installed by `migrate()` (and
 * printed by `kanmon postgres schema`), the twin of `reserveTransition`
 * (`src/lockout/reserve-transition.ts`) as the Redis Lua is: the same steps in
 * the same order, kept in step by the property test in
 * `test/store/postgres.test.ts` (random policies and sequences, every result,
 * record and expiry compared with the TypeScript). Its name carries a version
 * (`_v1`): a change of its arguments or behaviour gets a new name, so a
 * database migrated by an older kanmon keeps the function that version calls.
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
import { type ReserveArgs, type ReserveResult, type SucceedArgs, type SucceedResult, ttlSlackMs } from '../lockout/transitions.js';
import { type Transition, type StoreRecord } from '../store/store.js';
import { toRecord } from '../store/internal.js';

/** The reserve function's name (versioned: see above). */
export const reserveFunctionName = 'kanmon_lockout_reserve_v1';
/**
 * The reservation of one key without per-source throttles (the common call: no client IP): scalar
 * arguments, no arrays, the record's fields read in the locking statement itself, no placeholder row.
 */
export const reserveOneFunctionName = 'kanmon_lockout_reserve1_v2';
/** The succeed (and admin unlock) function's name. */
export const succeedFunctionName = 'kanmon_lockout_succeed_v1';

/**
 * Answer codes (`r[1]`): 0 counted `[0, failures, remaining, settled,
 * lockedNow, lockCount, lockedUntil]`, 1 locked `[1, lockedUntil, lockCount]`,
 * 2 throttled `[2, retryAfterMs or -1, source]`.
 */
/** readAccount: the account record `r` (not null) into f lt u c g, the pre-0.2 one-letter names read too. */
const readAccountSql = `    IF NOT (r ? 'failures') AND (r ? 'f') THEN -- written before 0.2
      f := COALESCE((r->>'f')::numeric, 0); lt := COALESCE((r->>'t')::numeric, 0); u := COALESCE((r->>'u')::numeric, 0);
      c := COALESCE((r->>'c')::numeric, 0); g := COALESCE((r->>'g')::numeric, 0);
    ELSE
      f := COALESCE((r->>'failures')::numeric, 0); lt := COALESCE((r->>'lastAttemptAt')::numeric, 0);
      u := COALESCE((r->>'lockedUntil')::numeric, 0); c := COALESCE((r->>'lockCount')::numeric, 0);
      g := COALESCE((r->>'settled')::numeric, 0);
    END IF;`;
/** keepMs. */
const keepSql = `CASE WHEN p_window = 0 THEN 0 WHEN p_mult > 1 THEN GREATEST(p_window, p_max_lock) ELSE p_window END`;
/** lapse, in place (the caller has checked the account is not locked, or lapse changes nothing when it is). */
const lapseSql = `  IF u = -1 OR u > p_now THEN NULL;
  ELSIF keep > 0 AND p_now - GREATEST(lt, u) >= keep THEN f := 0; g := 0; c := 0; u := 0;
  ELSIF u > 0 THEN f := 0; g := 0; u := 0;
  ELSIF p_window > 0 AND p_now - lt >= p_window THEN f := 0; g := 0;
  END IF;`;
/** ttlOf. */
const ttlOfSql = `CASE WHEN u = -1 OR keep = 0 THEN NULL ELSE GREATEST(lt, u) + keep - p_now + ${ttlSlackMs} END`;
/** The upsert-and-lock of every key, in key order, reading the live records into recs and the rows it created into created. */
const lockRowsSql = (T: string) => `  IF nk = 1 THEN
    -- One key (a reservation without a client IP: the common case): lock the row without writing it; a
    -- placeholder (whose insert locks it) only when there is none yet.
    SELECT s.record, s.expires_at INTO rec, ex FROM ${T} s WHERE s.key = p_keys[1] FOR UPDATE;
    IF NOT FOUND THEN
      INSERT INTO ${T} AS s (key, tenant) VALUES (p_keys[1], p_tenant)
      ON CONFLICT (key) DO UPDATE SET tenant = EXCLUDED.tenant RETURNING s.record, s.expires_at, (s.xmax = 0) INTO rec, ex, ins;
      IF ins THEN created := p_keys; END IF;
    END IF;
    IF rec IS NOT NULL AND rec <> '{}'::jsonb AND (ex IS NULL OR ex > p_t) THEN recs[1] := rec; END IF;
  ELSE
  FOR k, rec, ex, ins IN
    INSERT INTO ${T} AS s (key, tenant) SELECT u.k, p_tenant FROM unnest(p_sorted) WITH ORDINALITY AS u(k, i) ORDER BY u.i
    ON CONFLICT (key) DO UPDATE SET tenant = EXCLUDED.tenant RETURNING s.key, s.record, s.expires_at, (s.xmax = 0)
  LOOP
    IF ins THEN created := created || k; END IF;
    IF rec IS NOT NULL AND rec <> '{}'::jsonb AND (ex IS NULL OR ex > p_t) THEN recs[array_position(p_keys, k)] := rec; END IF;
  END LOOP;
  END IF;`;

/** readAccount of one field of `s.record` in SQL (absent: 0; the pre-0.2 letter when the record is spelled that way). */
const oneField = (name: string, legacy: string): string =>
  `CASE WHEN NOT (s.record ? 'failures') AND (s.record ? 'f') THEN COALESCE((s.record->>'${legacy}')::numeric, 0) ELSE COALESCE((s.record->>'${name}')::numeric, 0) END`;

export const stateFunctionsSql = (T: string): string => `-- lockout.reserve in one statement (the twin of reserveTransition; see src/postgres/functions.ts)
CREATE OR REPLACE FUNCTION ${reserveFunctionName}(
  p_keys text[], p_sorted text[], p_tenant text, p_t bigint, p_now bigint, p_max_failures bigint, p_window bigint,
  p_lock bigint, p_mult float8, p_max_lock bigint, p_permanent boolean, p_limits bigint[], p_windows bigint[]
) RETURNS bigint[] LANGUAGE plpgsql AS $fn$
DECLARE
  nk int := cardinality(p_keys);
  recs jsonb[] := array_fill(NULL::jsonb, ARRAY[nk]);
  created text[] := '{}';
  k text; rec jsonb; ex bigint; ins boolean; r jsonb;
  f bigint := 0; lt bigint := 0; u bigint := 0; c bigint := 0; g bigint := 0;
  counts bigint[] := '{}'; starts bigint[] := '{}';
  n bigint; s bigint; w bigint; throttled int := -1; retry bigint := 0; rt bigint;
  keep bigint; d float8; cap float8; locked_now bigint := 0; ttl bigint;
BEGIN
  -- Upsert-and-lock every row in key order (the order of the transaction path: no deadlock between the two).
${lockRowsSql(T)}

  r := recs[1];
  IF r IS NOT NULL THEN
${readAccountSql}
  END IF;
  IF u = -1 OR u > p_now THEN
    DELETE FROM ${T} WHERE key = ANY(created);
    RETURN ARRAY[1, u, c];
  END IF;

  FOR i IN 1 .. nk - 1 LOOP
    r := recs[i + 1];
    w := p_windows[i];
    IF r IS NULL THEN n := 0; s := 0;
    ELSE
      n := COALESCE((r->>'attempts')::numeric, (r->>'n')::numeric, 0);
      s := COALESCE((r->>'windowStart')::numeric, (r->>'s')::numeric, 0);
    END IF;
    IF r IS NULL OR (w > 0 AND p_now - s >= w) THEN n := 0; s := p_now; END IF;
    counts[i] := n;
    starts[i] := s;
    IF n >= p_limits[i] THEN
      rt := CASE WHEN w > 0 THEN s + w - p_now ELSE -1 END;
      IF throttled = -1 OR (retry <> -1 AND (rt = -1 OR rt > retry)) THEN throttled := i - 1; retry := rt; END IF;
    END IF;
  END LOOP;
  IF throttled <> -1 THEN
    DELETE FROM ${T} WHERE key = ANY(created);
    RETURN ARRAY[2, retry, throttled];
  END IF;

  -- lapse (not locked here)
  keep := ${keepSql};
${lapseSql}

  -- count the attempt
  f := f + 1;
  lt := p_now;
  IF f >= p_max_failures THEN
    c := c + 1;
    locked_now := 1;
    IF p_permanent THEN u := -1;
    ELSE
      d := p_lock;
      IF p_mult > 1 THEN
        cap := GREATEST(p_max_lock, p_lock);
        FOR j IN 2 .. c LOOP
          d := d * p_mult;
          IF d >= cap THEN d := cap; EXIT; END IF;
        END LOOP;
      END IF;
      u := p_now + floor(d)::bigint;
    END IF;
  END IF;
  ttl := ${ttlOfSql};
  IF ttl IS NOT NULL AND ttl <= 0 THEN DELETE FROM ${T} WHERE key = p_keys[1];
  ELSE
    UPDATE ${T} SET record = jsonb_build_object('failures', f, 'lastAttemptAt', lt, 'lockedUntil', u, 'lockCount', c, 'settled', g),
      expires_at = p_t + ttl, value = NULL WHERE key = p_keys[1];
  END IF;
  FOR i IN 1 .. nk - 1 LOOP
    w := p_windows[i];
    ttl := CASE WHEN w > 0 THEN starts[i] + w - p_now + ${ttlSlackMs} ELSE NULL END;
    IF ttl IS NOT NULL AND ttl <= 0 THEN DELETE FROM ${T} WHERE key = p_keys[i + 1];
    ELSE
      UPDATE ${T} SET record = jsonb_build_object('attempts', counts[i] + 1, 'windowStart', starts[i]),
        expires_at = p_t + ttl, value = NULL WHERE key = p_keys[i + 1];
    END IF;
  END LOOP;
  RETURN ARRAY[0, f, GREATEST(0, p_max_failures - f), g, locked_now, c, u];
END
$fn$;
-- lockout.reserve of one key without sources (the common call) in one statement: the same steps as the function
-- above on one record, which it reads in its locking SELECT; a key without a row is created with its record.
CREATE OR REPLACE FUNCTION ${reserveOneFunctionName}(
  p_key text, p_tenant text, p_t bigint, p_now bigint, p_max_failures bigint, p_window bigint,
  p_lock bigint, p_mult float8, p_max_lock bigint, p_permanent boolean
) RETURNS bigint[] LANGUAGE plpgsql AS $fn$
DECLARE
  f bigint; lt bigint; u bigint; c bigint; g bigint; live boolean; existed boolean;
  keep bigint := ${keepSql};
  d float8; cap float8; locked_now bigint; ttl bigint;
BEGIN
  LOOP
    SELECT ${oneField('failures', 'f')}, ${oneField('lastAttemptAt', 't')}, ${oneField('lockedUntil', 'u')},
           ${oneField('lockCount', 'c')}, ${oneField('settled', 'g')},
           s.record IS NOT NULL AND s.record <> '{}'::jsonb AND (s.expires_at IS NULL OR s.expires_at > p_t)
      INTO f, lt, u, c, g, live FROM ${T} s WHERE s.key = p_key FOR UPDATE;
    existed := FOUND;
    IF NOT existed OR NOT live THEN f := 0; lt := 0; u := 0; c := 0; g := 0;
    ELSIF u = -1 OR u > p_now THEN RETURN ARRAY[1, u, c];
    END IF;
${lapseSql}
    f := f + 1;
    lt := p_now;
    locked_now := 0;
    IF f >= p_max_failures THEN
      c := c + 1;
      locked_now := 1;
      IF p_permanent THEN u := -1;
      ELSE
        d := p_lock;
        IF p_mult > 1 THEN
          cap := GREATEST(p_max_lock, p_lock);
          FOR j IN 2 .. c LOOP
            d := d * p_mult;
            IF d >= cap THEN d := cap; EXIT; END IF;
          END LOOP;
        END IF;
        u := p_now + floor(d)::bigint;
      END IF;
    END IF;
    ttl := ${ttlOfSql};
    IF existed THEN
      IF ttl IS NOT NULL AND ttl <= 0 THEN DELETE FROM ${T} WHERE key = p_key;
      ELSE
        UPDATE ${T} SET record = jsonb_build_object('failures', f, 'lastAttemptAt', lt, 'lockedUntil', u, 'lockCount', c, 'settled', g),
          expires_at = p_t + ttl, value = NULL WHERE key = p_key;
      END IF;
      EXIT;
    END IF;
    EXIT WHEN ttl IS NOT NULL AND ttl <= 0;
    -- No row: create it with its record. A row another call created meanwhile: lock it and count on it (again).
    INSERT INTO ${T} (key, tenant, record, expires_at)
      VALUES (p_key, p_tenant, jsonb_build_object('failures', f, 'lastAttemptAt', lt, 'lockedUntil', u, 'lockCount', c, 'settled', g), p_t + ttl)
      ON CONFLICT (key) DO NOTHING;
    EXIT WHEN FOUND;
  END LOOP;
  RETURN ARRAY[0, f, GREATEST(0, p_max_failures - f), g, locked_now, c, u];
END
$fn$;
-- lockout.succeed (a success, an administrator's unlock) in one statement (the twin of succeedTransition)
-- p_kinds: 0 account (p_x: settled or -1 for none, p_at), 1 clear, 2 refund (p_at, p_x: windowMs). Answers lifted (0/1) per key.
CREATE OR REPLACE FUNCTION ${succeedFunctionName}(
  p_keys text[], p_sorted text[], p_tenant text, p_t bigint, p_now bigint, p_max_failures bigint, p_window bigint,
  p_mult float8, p_max_lock bigint, p_kinds int[], p_x bigint[], p_at bigint[]
) RETURNS bigint[] LANGUAGE plpgsql AS $fn$
DECLARE
  nk int := cardinality(p_keys);
  recs jsonb[] := array_fill(NULL::jsonb, ARRAY[nk]);
  created text[] := '{}';
  k text; rec jsonb; ex bigint; ins boolean; r jsonb;
  f bigint; lt bigint; u bigint; c bigint; g bigint;
  n bigint; s bigint; x bigint; w bigint; forgiven bigint; locked boolean; ttl bigint;
  keep bigint := ${keepSql};
  lifted bigint[] := array_fill(0::bigint, ARRAY[nk]);
  kept text[] := '{}'; -- keys left as they were with no live record
  wrote boolean := false;
BEGIN
${lockRowsSql(T)}
  FOR i IN 1 .. nk LOOP
    r := recs[i];
    x := p_x[i];
    IF p_kinds[i] = 1 THEN
      DELETE FROM ${T} WHERE key = p_keys[i]; wrote := true;
    ELSIF r IS NULL THEN
      kept := kept || p_keys[i];
    ELSIF p_kinds[i] = 2 THEN
      n := COALESCE((r->>'attempts')::numeric, (r->>'n')::numeric, 0);
      s := COALESCE((r->>'windowStart')::numeric, (r->>'s')::numeric, 0);
      w := x;
      IF n > 0 AND s <= p_at[i] AND (w = 0 OR p_now - s < w) THEN
        ttl := CASE WHEN w > 0 THEN s + w - p_now + ${ttlSlackMs} ELSE NULL END;
        IF ttl IS NOT NULL AND ttl <= 0 THEN DELETE FROM ${T} WHERE key = p_keys[i];
        ELSE UPDATE ${T} SET record = jsonb_build_object('attempts', n - 1, 'windowStart', s), expires_at = p_t + ttl, value = NULL WHERE key = p_keys[i];
        END IF;
        wrote := true;
      END IF;
    ELSE
      f := 0; lt := 0; u := 0; c := 0; g := 0;
${readAccountSql}
${lapseSql}
      locked := u = -1 OR u > p_now;
      IF x <> -1 AND p_window > 0 AND p_now - p_at[i] >= p_window THEN
        NULL; -- a stale report changes nothing
      ELSE
        forgiven := CASE WHEN x = -1 THEN f ELSE LEAST(x, g) + 1 END;
        wrote := true;
        IF GREATEST(0, f - forgiven) = 0 THEN
          DELETE FROM ${T} WHERE key = p_keys[i];
          IF locked THEN lifted[i] := 1; END IF;
        ELSE
          g := LEAST(GREATEST(0, g - (forgiven - 1)), f - forgiven);
          f := f - forgiven;
          IF locked AND f < p_max_failures THEN
            u := 0;
            c := GREATEST(0, c - 1);
            lifted[i] := 1;
          END IF;
          ttl := ${ttlOfSql};
          IF ttl IS NOT NULL AND ttl <= 0 THEN DELETE FROM ${T} WHERE key = p_keys[i];
          ELSE
            UPDATE ${T} SET record = jsonb_build_object('failures', f, 'lastAttemptAt', lt, 'lockedUntil', u, 'lockCount', c, 'settled', g),
              expires_at = p_t + ttl, value = NULL WHERE key = p_keys[i];
          END IF;
        END IF;
      END IF;
    END IF;
  END LOOP;
  -- As the transaction path: nothing written rolls back (only the rows this call created go); otherwise a key
  -- left as it was without a live record (created here, or expired) is removed.
  IF wrote THEN DELETE FROM ${T} WHERE key = ANY(kept);
  ELSE DELETE FROM ${T} WHERE key = ANY(created);
  END IF;
  RETURN lifted;
END
$fn$;
`;

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

const reserve: SqlTransition<ReserveArgs, ReserveResult> = {
  statement(keys, sorted, tenant, t, a, missing) {
    if (a?.sources?.length !== keys.length - 1) return undefined;
    if (!safe(t) || !safe(a.now) || !safe(a.maxFailures) || !safe(a.failureWindowMs) || !safe(a.lockDurationMs) || !safe(a.maxLockDurationMs)) return undefined;
    if (!Number.isFinite(a.multiplier) || typeof a.permanent !== 'boolean') return undefined;
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

