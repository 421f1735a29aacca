/**
 * The SQL text of the lockout's PostgreSQL functions (installed by `migrate()`, printed by `kanmon postgres
 * schema`): the twins of the TypeScript transitions. What calls them, and how, is `../functions.ts`.
 */
import { ttlSlackMs } from '../../lockout/transitions.js';

/** The reserve function's name (versioned: a change of arguments or behaviour gets a new name, see `../functions.ts`). */
export const reserveFunctionName = 'kanmon_lockout_reserve_v1';
/**
 * The reservation of one key without per-source throttles (the common call: no client IP): scalar
 * arguments, no arrays, the record's fields read in the locking statement itself, no placeholder row.
 */
export const reserveOneFunctionName = 'kanmon_lockout_reserve1_v2';
/**
 * The same reservation with the policy's arithmetic done by the caller: the record's keep time and the lock lengths
 * (lock number n lasts `p_locks[min(n, cardinality(p_locks))]`, computed by the TypeScript `lockDuration`), the row
 * locked by its `ctid` and updated through it (no second index lookup), nothing written while the account is locked.
 */
export const reserveOneV3FunctionName = 'kanmon_lockout_reserve1_v3';
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

/** The account record f lt u c g as the jsonb the table holds. */
const recordSql = `jsonb_build_object('failures', f, 'lastAttemptAt', lt, 'lockedUntil', u, 'lockCount', c, 'settled', g)`;

/**
 * The end of both one-key reserve functions' loop: no row, so create it with its record counted (`expires`: its
 * expiry); a row another call created meanwhile: lock it and count on it (the loop again). Then the counted answer.
 */
const insertCountedSql = (T: string, expires: string) => `    -- No row: create it with its record. A row another call created meanwhile: lock it and count on it (again).
    INSERT INTO ${T} (key, tenant, record, expires_at)
      VALUES (p_key, p_tenant, ${recordSql}, ${expires})
      ON CONFLICT (key) DO NOTHING;
    EXIT WHEN FOUND;
  END LOOP;
  RETURN ARRAY[0, f, GREATEST(0, p_max_failures - f), g, locked_now, c, u];`;

/**
 * Count the attempt and, at the limit, lock: the next lock's length grows by the multiplier up to the cap (or the
 * lock is permanent). Shared by both reserve functions.
 */
const countAttemptSql = `  f := f + 1;
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
  END IF;`;

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

/** The lockout functions' SQL for the state table `T` (idempotent: `CREATE OR REPLACE`). */
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
${countAttemptSql}
  ttl := ${ttlOfSql};
  IF ttl IS NOT NULL AND ttl <= 0 THEN DELETE FROM ${T} WHERE key = p_keys[1];
  ELSE
    UPDATE ${T} SET record = ${recordSql},
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
    locked_now := 0;
${countAttemptSql}
    ttl := ${ttlOfSql};
    IF existed THEN
      IF ttl IS NOT NULL AND ttl <= 0 THEN DELETE FROM ${T} WHERE key = p_key;
      ELSE
        UPDATE ${T} SET record = ${recordSql},
          expires_at = p_t + ttl, value = NULL WHERE key = p_key;
      END IF;
      EXIT;
    END IF;
    EXIT WHEN ttl IS NOT NULL AND ttl <= 0;
${insertCountedSql(T, 'p_t + ttl')}
END
$fn$;
-- lockout.reserve of one key without sources, the policy's arithmetic precomputed by the caller (p_keep: keepMs;
-- p_locks: the lock lengths up to the cap). The row is read and locked by a bare SELECT and written back by its ctid;
-- a locked account is answered without a write; a key without a row is created with its record. After a counted
-- attempt lastAttemptAt is p_now, so the record's TTL is at least p_keep + the slack: it never expires on write.
CREATE OR REPLACE FUNCTION ${reserveOneV3FunctionName}(
  p_key text, p_tenant text, p_t bigint, p_now bigint, p_max_failures bigint, p_window bigint,
  p_keep bigint, p_locks bigint[], p_permanent boolean
) RETURNS bigint[] LANGUAGE plpgsql AS $fn$
DECLARE
  row_id tid; r jsonb; ex bigint;
  f bigint; lt bigint; u bigint; c bigint; g bigint;
  keep bigint := p_keep;
  locked_now bigint;
BEGIN
  LOOP
    SELECT s.ctid, s.record, s.expires_at INTO row_id, r, ex FROM ${T} s WHERE s.key = p_key FOR UPDATE;
    f := 0; lt := 0; u := 0; c := 0; g := 0;
    IF row_id IS NOT NULL AND r IS NOT NULL AND r <> '{}'::jsonb AND (ex IS NULL OR ex > p_t) THEN
${readAccountSql.replace(/^ {4}/gm, '      ')}
      IF u = -1 OR u > p_now THEN RETURN ARRAY[1, u, c]; END IF;
      -- lapse, without its first branch (the account is not locked here)
${lapseSql.replace('  IF u = -1 OR u > p_now THEN NULL;\n  ELSIF', '  IF').replace(/^ {2}/gm, '      ')}
    END IF;
    f := f + 1;
    lt := p_now;
    locked_now := 0;
    IF f >= p_max_failures THEN
      c := c + 1;
      locked_now := 1;
      IF p_permanent THEN u := -1; ELSE u := p_now + p_locks[LEAST(c, cardinality(p_locks))]; END IF;
    END IF;
    IF row_id IS NOT NULL THEN
      UPDATE ${T} SET record = ${recordSql},
        expires_at = CASE WHEN u = -1 OR keep = 0 THEN NULL ELSE GREATEST(lt, u) + keep - p_now + ${ttlSlackMs} + p_t END, value = NULL
        WHERE ctid = row_id;
      EXIT;
    END IF;
${insertCountedSql(T, `CASE WHEN u = -1 OR keep = 0 THEN NULL ELSE GREATEST(lt, u) + keep - p_now + ${ttlSlackMs} + p_t END`)}
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
            UPDATE ${T} SET record = ${recordSql},
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
