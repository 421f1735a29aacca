import { KanmonError } from '../errors.js';
import { readHead } from '../audit/chain.js';
import type { AuditRecord } from '../audit/event.js';
import { isRecordedEventType } from '../audit/event.js';
import { parseAuditRecord } from '../audit/internal/parse.js';
import { normalizeQuery } from '../audit/internal/query-match.js';
import type { AuditLine, AuditPrunePlan, AuditQuery, AuditReadOptions, AuditSink, AuditSinkRecord, AuditSinkTail } from '../audit/sink.js';

/** The part of a `pg` client or pool the sink uses (`pg.Pool` fits). */
export interface PgQueryable {
  /** Run one parameterised statement (`$1`, `$2`, …). */
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

/** A `pg.Pool` (or anything that hands out clients for a transaction). */
export interface PgPoolLike extends PgQueryable {
  /** Check out a client for a transaction. */
  connect(): Promise<
    PgQueryable & {
      /** Return the client to the pool (`err`: destroy it instead). */
      release(err?: boolean | Error): void;
    }
  >;
}

/** Options for {@link postgresAuditSink} and {@link auditSchemaSql}. */
export interface PostgresAuditSinkOptions {
  /** The pool (the caller owns it: `close()` does not end it). */
  readonly pool: PgPoolLike;
  /** @default 'kanmon_audit' */
  readonly table?: string | undefined;
  /** Rows younger than this are protected by the database itself (EXT-6). Written by `migrate()`. @default 365 */
  readonly retentionDays?: number | undefined;
  /** While true, the database refuses every DELETE (a legal hold). Written by `migrate()`. @default false */
  readonly legalHold?: boolean | undefined;
  /** Records per INSERT at most (group commit batches larger queues in several). @default 2000 */
  readonly maxBatch?: number | undefined;
}

const tablePattern = /^[a-z_][a-z0-9_]{0,40}$/;

/**
 * The SQL schema of the audit table, idempotent: an append-only table (one
 * row per record, the record's exact line kept in `line`), indexes for
 * `findEvents`, and triggers that make PostgreSQL itself refuse UPDATE, any
 * DELETE of a row younger than the retention period, and TRUNCATE.
 * `postgresAuditSink().migrate()` applies it; `kanmon postgres schema` prints
 * it for DBAs who apply schemas themselves.
 *
 * Give the application's role only INSERT and SELECT on the table (and DELETE
 * for pruning); keep table ownership, the retention table and the trigger with
 * an administrator role, so the application cannot drop the guard.
 *
 * @example
 * ```ts
 * import { auditSchemaSql } from 'kanmon/postgres';
 * process.stdout.write(auditSchemaSql({ retentionDays: 365 })); // hand it to the DBA
 * ```
 */
export function auditSchemaSql(options: { table?: string | undefined; retentionDays?: number | undefined; legalHold?: boolean | undefined } = {}): string {
  const table = options.table ?? 'kanmon_audit';
  const retentionDays = options.retentionDays ?? 365;
  const legalHold = options.legalHold === true;
  if (!tablePattern.test(table)) throw new KanmonError('ERR_INVALID_ARGUMENT', `audit table name must match ${String(tablePattern)}`);
  if (!Number.isInteger(retentionDays) || retentionDays < 1 || retentionDays > 36_500) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', 'retentionDays must be an integer from 1 to 36500');
  }
  return `-- kanmon audit log (EXT-6, SEC-18): append-only, tamper-evident records
CREATE TABLE IF NOT EXISTS ${table} (
  stream       text        NOT NULL,   -- the writer's chain
  seq          bigint      NOT NULL,   -- 1, 2, 3, ... per stream
  ts           timestamptz NOT NULL,   -- the record's time (epoch ms in the line)
  tenant       text        NOT NULL,
  type         text        NOT NULL,
  actor        text,
  out_of_hours boolean     NOT NULL,
  line         text        NOT NULL,   -- the record exactly as MAC'd; verification reads this
  PRIMARY KEY (stream, seq)
);
CREATE INDEX IF NOT EXISTS ${table}_ts_idx ON ${table} (ts);
CREATE INDEX IF NOT EXISTS ${table}_type_ts_idx ON ${table} (type, ts);
CREATE INDEX IF NOT EXISTS ${table}_actor_ts_idx ON ${table} (actor, ts);
CREATE INDEX IF NOT EXISTS ${table}_ooh_ts_idx ON ${table} (ts) WHERE out_of_hours OR type = 'access.out_of_hours';

-- the retention period the guard enforces (one row)
CREATE TABLE IF NOT EXISTS ${table}_retention (
  id             boolean PRIMARY KEY DEFAULT true CHECK (id),
  retention_days integer NOT NULL CHECK (retention_days BETWEEN 1 AND 36500)
);
ALTER TABLE ${table}_retention ADD COLUMN IF NOT EXISTS legal_hold boolean NOT NULL DEFAULT false;
INSERT INTO ${table}_retention (id, retention_days, legal_hold) VALUES (true, ${retentionDays}, ${legalHold})
  ON CONFLICT (id) DO UPDATE SET retention_days = EXCLUDED.retention_days, legal_hold = EXCLUDED.legal_hold;

CREATE OR REPLACE FUNCTION ${table}_guard() RETURNS trigger LANGUAGE plpgsql AS $guard$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    RAISE EXCEPTION 'kanmon: audit records are append-only: UPDATE of %/% refused', OLD.stream, OLD.seq
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF COALESCE((SELECT legal_hold FROM ${table}_retention WHERE id), false) THEN
    RAISE EXCEPTION 'kanmon: the audit log is under a legal hold: DELETE of %/% refused', OLD.stream, OLD.seq
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  -- no retention row means "keep everything" (36500 days), never "delete anything"
  IF OLD.ts > now() - make_interval(days => COALESCE((SELECT retention_days FROM ${table}_retention WHERE id), 36500)) THEN
    RAISE EXCEPTION 'kanmon: audit record %/% is younger than the retention period: DELETE refused', OLD.stream, OLD.seq
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN OLD;
END
$guard$;

CREATE OR REPLACE FUNCTION ${table}_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $guard$
BEGIN
  RAISE EXCEPTION 'kanmon: audit records are append-only: TRUNCATE refused' USING ERRCODE = 'insufficient_privilege';
END
$guard$;

DROP TRIGGER IF EXISTS ${table}_guard ON ${table};
CREATE TRIGGER ${table}_guard BEFORE UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION ${table}_guard();
DROP TRIGGER IF EXISTS ${table}_no_truncate ON ${table};
CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION ${table}_no_truncate();
`;
}

/** The PostgreSQL sink, plus `migrate()`. */
export interface PostgresAuditSink extends AuditSink {
  /** Apply {@link auditSchemaSql} in one transaction (serialised by an advisory lock). Explicit: never run implicitly. */
  migrate(): Promise<void>;
}

interface Pending {
  readonly record: AuditSinkRecord;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

/** Record times are 1970…9999; query bounds are clamped into what `to_timestamp` accepts. */
const maxTs = 8.64e15;
const clamp = (ts: number) => Math.min(Math.max(ts, 0), maxTs);

function wrap(message: string, cause: unknown): KanmonError {
  return new KanmonError('ERR_AUDIT_WRITE', message, { cause });
}

/**
 * Audit records in PostgreSQL (`kanmon/postgres`): an append-only table whose
 * triggers refuse UPDATE, TRUNCATE and the DELETE of rows younger than the
 * retention period, so even someone with the application's credentials cannot
 * quietly rewrite history (and the keyed chain detects what they could do).
 *
 * Group commit: appends that arrive while an INSERT is in flight go together
 * in the next one (one `INSERT … SELECT FROM unnest(…)` per batch); each
 * append resolves when its INSERT has committed.
 *
 * @example
 * ```ts
 * import pg from 'pg';
 * import { postgresAuditSink } from 'kanmon/postgres';
 * import { createAuditLog } from 'kanmon';
 * const sink = postgresAuditSink({ pool: new pg.Pool(), retentionDays: 365 });
 * await sink.migrate();
 * const log = createAuditLog({ sink, keyRing, stream: 'web-1', now: Date.now });
 * ```
 */
export function postgresAuditSink(options: PostgresAuditSinkOptions): PostgresAuditSink {
  const { pool, retentionDays = 365, legalHold = false, maxBatch = 2000 } = options;
  const table = options.table ?? 'kanmon_audit';
  if (!pool || typeof pool.query !== 'function') throw new KanmonError('ERR_INVALID_ARGUMENT', 'postgresAuditSink needs a pg Pool');
  const schema = auditSchemaSql({ table, retentionDays, legalHold });
  const queue: Pending[] = [];
  let flushing = false;
  let idle: Promise<void> = Promise.resolve();
  let markIdle = () => {};
  const insert = `INSERT INTO ${table} (stream, seq, ts, tenant, type, actor, out_of_hours, line)
    SELECT s, q, to_timestamp(t / 1000.0), te, ty, a, o, l
    FROM unnest($1::text[], $2::bigint[], $3::float8[], $4::text[], $5::text[], $6::text[], $7::bool[], $8::text[]) AS x(s, q, t, te, ty, a, o, l)`;

  const flush = async (): Promise<void> => {
    flushing = true;
    idle = new Promise((r) => (markIdle = r));
    try {
      await drain();
    } finally {
      flushing = false; // synchronously after the queue was seen empty: no write can slip between
      markIdle();
    }
  };

  const drain = async (): Promise<void> => {
    while (queue.length > 0) {
      const batch = queue.splice(0, maxBatch);
      try {
        await pool.query(insert, [
          batch.map((p) => p.record.stream),
          batch.map((p) => p.record.seq),
          batch.map((p) => p.record.ts),
          batch.map((p) => p.record.tenant),
          batch.map((p) => p.record.type),
          batch.map((p) => p.record.actor),
          batch.map((p) => p.record.outOfHours),
          batch.map((p) => p.record.line),
        ]);
      } catch (cause) {
        const err = wrap(`audit PostgreSQL sink: INSERT into ${table} failed`, cause);
        for (const p of batch) p.reject(err);
        for (const p of queue.splice(0)) p.reject(err);
        return;
      }
      for (const p of batch) p.resolve();
    }
  };

  async function* chunks(read: AuditReadOptions = {}): AsyncIterable<readonly AuditLine[]> {
    const ranges = (await pool.query(
      `SELECT stream,
              COALESCE((SELECT min(seq) - 1 FROM ${table} b WHERE b.stream = a.stream AND b.ts >= to_timestamp($1 / 1000.0)), max(seq) + 1) AS lo,
              COALESCE((SELECT max(seq) FROM ${table} c WHERE c.stream = a.stream AND c.ts < to_timestamp($2 / 1000.0)), 0) AS hi
         FROM ${table} a WHERE ($3::text IS NULL OR stream = $3) GROUP BY stream ORDER BY stream`,
      [clamp(read.fromTs ?? 0), clamp(read.toTs ?? maxTs), read.stream ?? null],
    )).rows as { stream: string; lo: string; hi: string }[];
    for (const range of ranges) {
      let after = Number(range.lo) - 1;
      const hi = Number(range.hi);
      while (after < hi) {
        const rows = (await pool.query(`SELECT seq, line FROM ${table} WHERE stream = $1 AND seq > $2 AND seq <= $3 ORDER BY seq LIMIT 10000`, [
          range.stream,
          after,
          hi,
        ])).rows as { seq: string; line: string }[];
        if (rows.length === 0) break;
        yield rows.map((r) => ({ bytes: Buffer.from(r.line, 'utf8'), stream: range.stream, where: `${table}:${range.stream}#${r.seq}` }));
        after = Number(rows[rows.length - 1]!.seq);
      }
    }
  }

  return {
    async migrate() {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`kanmon:${table}`]);
        await client.query(schema);
        await client.query('COMMIT');
        client.release();
      } catch (cause) {
        await client.query('ROLLBACK').catch(() => undefined);
        client.release(true);
        throw new KanmonError('ERR_STORE_UNAVAILABLE', `audit PostgreSQL sink: migrating ${table} failed`, { cause });
      }
    },

    async open(stream): Promise<AuditSinkTail> {
      const { rows } = await pool.query(`SELECT line FROM ${table} WHERE stream = $1 ORDER BY seq DESC LIMIT 1`, [stream]);
      const row = rows[0] as { line: string } | undefined;
      return { last: row?.line ?? null, torn: null }; // a transaction is never torn
    },

    write(record) {
      return new Promise<void>((resolve, reject) => {
        queue.push({ record, resolve, reject });
        if (!flushing) {
          flushing = true;
          queueMicrotask(() => void flush());
        }
      });
    },

    chunks,

    async find(query: AuditQuery): Promise<AuditRecord[]> {
      const q = normalizeQuery(query);
      const types = q.types ? [...q.types].filter((t) => isRecordedEventType(t)) : null;
      const { rows } = await pool.query(
        `SELECT line FROM ${table}
          WHERE ts >= to_timestamp($1 / 1000.0) AND ts < to_timestamp($2 / 1000.0)
            AND ($3::text[] IS NULL OR type = ANY($3))
            AND ($4::bool IS NULL OR (out_of_hours OR type = 'access.out_of_hours') = $4)
            AND ($5::text IS NULL OR actor = $5)
            AND ($6::text IS NULL OR tenant = $6)
          ORDER BY ts, stream, seq LIMIT $7`,
        [clamp(q.from), clamp(q.to), types, q.outOfHours ?? null, q.actor ?? null, q.tenant ?? null, q.limit],
      );
      return (rows as { line: string }[]).map((r) => parseAuditRecord(r.line));
    },

    async planPrune(beforeTs) {
      const { rows } = await pool.query(
        `WITH bounds AS (
           SELECT stream,
                  COALESCE((SELECT min(seq) - 1 FROM ${table} b WHERE b.stream = a.stream AND b.ts >= to_timestamp($1 / 1000.0)), max(seq)) AS through,
                  min(seq) AS first
             FROM ${table} a GROUP BY stream)
         SELECT bounds.stream, bounds.through, bounds.through - bounds.first + 1 AS count, t.line
           FROM bounds JOIN ${table} t ON t.stream = bounds.stream AND t.seq = bounds.through
          WHERE bounds.through >= bounds.first ORDER BY bounds.stream`,
        [clamp(beforeTs)],
      );
      return (rows as { stream: string; through: string; count: string; line: string }[]).map((r): AuditPrunePlan => {
        const head = readHead(Buffer.from(r.line, 'utf8'));
        if (!head) throw new KanmonError('ERR_AUDIT_FORMAT', `audit row ${r.stream}/${r.through} is not a record`);
        return { stream: r.stream, throughSeq: Number(r.through), throughMac: head.mac, count: Number(r.count) };
      });
    },

    retention: { retentionDays, legalHold },

    async prune(plans) {
      for (const plan of plans) {
        try {
          await pool.query(`DELETE FROM ${table} WHERE stream = $1 AND seq <= $2`, [plan.stream, plan.throughSeq]);
        } catch (cause) {
          throw new KanmonError('ERR_RETENTION', `audit PostgreSQL sink: the database refused to prune ${plan.stream} through ${plan.throughSeq}`, { cause });
        }
      }
    },

    async close() {
      while (flushing) await idle;
    },
  };
}
