import type { Pool, PoolClient } from 'pg';
import { KanmonError } from '../errors.js';
import { systemClock } from '../internal/clock.js';
import { assertStoreKey, assertTenant, tenantOfKey } from '../store/key.js';
import { checkInteger, checkOutcome, checkTtl, checkUpdateKeys, storeFailure, toRecord } from '../store/internal.js';
import type { KanmonStore, StoreRecord, Transition } from '../store/store.js';
import { entryTableName as E, stateSchemaSql, stateTableName as T } from './schema.js';
import { isMissingFunction, sqlTransitions } from './functions.js';
import { type StoreEntry, checkAdd, checkEntryId, checkTime, planAdd } from '../store/entries.js';

/** Options for {@link postgresStore}. */
export interface PostgresStoreOptions {
  /** A `pg` Pool you created and own; kanmon never ends it. */
  readonly pool: Pool;
  /**
   * The clock TTLs are measured with (`expires_at` is written in ms from it).
   * @default the system clock
   */
  readonly now?: () => number;
}

/** A {@link KanmonStore} over PostgreSQL, plus its schema operations. */
export interface PostgresStore extends KanmonStore {
  /**
   * Create the tables, indexes and lockout functions if missing, and bring those of an older version up to date
   * (idempotent; safe to run from several instances at once).
   */
  migrate(): Promise<void>;
  /**
   * Delete expired rows; run it from a periodic job. It scans the state table (`expires_at` has no index: every
   * write sets it, and an index on it would make every update non-HOT). @returns rows deleted.
   */
  sweep(): Promise<number>;
}

interface EntryRow {
  id: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  data: string;
}
const toEntry = (r: EntryRow): StoreEntry => ({
  id: r.id,
  createdAt: Number(r.created_at),
  lastSeenAt: Number(r.last_seen_at),
  expiresAt: Number(r.expires_at),
  data: r.data,
});
const entryColumns = 'id, created_at, last_seen_at, expires_at, data';

interface Row {
  key: string;
  record: Record<string, unknown> | null;
  expires_at: string | null;
}

/**
 * A {@link KanmonStore} over PostgreSQL (kanmon/postgres): durable state in
 * one table (`kanmon_state`, created by an explicit {@link PostgresStore.migrate},
 * or by applying the SQL `kanmon postgres schema` prints).
 *
 * The lockout's reservation and reset are one prepared statement each (one
 * round trip): the reservation a PL/pgSQL twin of the TypeScript transition
 * installed by `migrate()` (`./functions.ts`), the reset a `DELETE …
 * RETURNING`. Any other transition runs in one short transaction: one
 * statement upserts and locks the rows (in key order, so two transitions
 * never deadlock), the TypeScript transition computes the outcome once, one
 * statement writes it. Contenders queue on the row lock; nothing retries. The
 * single-value primitives (the TOTP replay guard's `advanceIfGreater`…) are
 * one statement each (`INSERT … ON CONFLICT … WHERE`).
 *
 * @example
 * ```ts
 * import pg from 'pg';
 * import { createLockout, definePolicy } from 'kanmon';
 * import { postgresStore } from 'kanmon/postgres';
 *
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * const store = postgresStore({ pool });
 * await store.migrate();
 * const lockout = createLockout({ policy: definePolicy('funabashi'), store });
 * ```
 */
export function postgresStore(options: PostgresStoreOptions): PostgresStore {
  const { pool, now = systemClock } = options;
  if (!pool || typeof pool.query !== 'function' || typeof pool.connect !== 'function') {
    throw new KanmonError('ERR_INVALID_ARGUMENT', 'postgresStore: pool must be a pg Pool');
  }

  const wrap = async <R>(op: string, fn: () => Promise<R>): Promise<R> => {
    try {
      return await fn();
    } catch (err) {
      throw storeFailure('postgres', op, err);
    }
  };
  const expiresAt = (ttlMs: number | null, t: number) => (ttlMs === null ? null : t + ttlMs);
  const isLive = (expires: string | null, t: number) => expires === null || Number(expires) > t;
  const tenant = (key: string) => tenantOfKey(key) as string;
  const twins = sqlTransitions(T);
  // The functions the database lacks (migrated by an older version): the next statement that does the same
  // (the one-key reserve _v3, else _v2, else the general reserve function, else the transaction path) until
  // migrate() installs them.
  const missing = new Set<string>();

  /**
   * A pooled client for one transaction. While it is checked out the pool does not listen for its
   * errors, and pg emits a connection lost between statements as an 'error' event: without a listener
   * that is an uncaught exception in the application. Listen while we hold it; a client that failed
   * (its connection, or a statement other than our own coded refusal) is released as broken, so the
   * pool drops it instead of handing it out again.
   */
  async function withClient<R>(fn: (client: PoolClient) => Promise<R>): Promise<R> {
    const client = await pool.connect();
    let broken: Error | undefined;
    const onError = (err: Error) => {
      broken ??= err;
    };
    client.on('error', onError);
    try {
      return await fn(client);
    } catch (err) {
      if (err instanceof Error && !(err instanceof KanmonError)) broken ??= err;
      throw err;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }

  async function transaction<R>(client: PoolClient, fn: () => Promise<R>): Promise<R> {
    await client.query('BEGIN');
    try {
      return await fn();
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  return {
    name: 'postgres',

    migrate: () =>
      wrap('migrate', () =>
        withClient((client) =>
          transaction(client, async () => {
            // Several instances may migrate at once: serialise them.
            await client.query(`SELECT pg_advisory_xact_lock(hashtext('${T}'))`);
            await client.query(stateSchemaSql);
            await client.query('COMMIT');
            missing.clear();
          }),
        ),
      ),

    async update<A, R>(transition: Transition<A, R>, keys: readonly string[], args: A): Promise<R> {
      checkUpdateKeys(keys);
      const twin = twins[transition.name];
      if (twin) {
        const sorted = keys.length === 1 ? keys : [...keys].sort();
        for (;;) {
          const t = now();
          const statement = twin.statement(keys, sorted, tenant(keys[0] as string), t, args as never, missing);
          if (!statement) break;
          try {
            const { rows } = await pool.query<Record<string, unknown>>(statement);
            return twin.decode(rows, args as never, keys, t, transition) as R;
          } catch (err) {
            if (!isMissingFunction(err)) throw storeFailure('postgres', transition.name, err);
            missing.add(statement.name);
          }
        }
      }
      return wrap(transition.name, () =>
        withClient((client) =>
          transaction(client, async () => {
            const t = now();
            // Upsert-and-lock every row in key order (no deadlock between transitions sharing keys);
            // ON CONFLICT DO UPDATE returns the latest committed version once the lock is ours.
            const sorted = [...keys].sort();
            const locked = await client.query<Row>(
              `INSERT INTO ${T} AS s (key, tenant) SELECT k, $2 FROM unnest($1::text[]) WITH ORDINALITY AS u(k, i) ORDER BY i
               ON CONFLICT (key) DO UPDATE SET tenant = EXCLUDED.tenant RETURNING s.key, s.record, s.expires_at`,
              [sorted, tenant(keys[0] as string)],
            );
            const byKey = new Map<string, Row>(locked.rows.map((r) => [r.key, r]));
            const records: (StoreRecord | null)[] = keys.map((key) => {
              const row = byKey.get(key);
              return row && row.record && isLive(row.expires_at, t) ? toRecord(row.record) : null;
            });
            const outcome = transition.apply(records, args);
            const writes = checkOutcome(transition.name, outcome, keys.length);
            const wKeys: string[] = [];
            const wRecords: (string | null)[] = [];
            const wExpires: (number | null)[] = [];
            writes.forEach((w, i) => {
              const key = keys[i] as string;
              if (w.kind === 'set' && (w.ttlMs === null || w.ttlMs > 0)) {
                wKeys.push(key);
                wRecords.push(JSON.stringify(w.record));
                wExpires.push(expiresAt(w.ttlMs, t));
              } else if (w.kind !== 'keep' || records[i] === null) {
                // Deleted, expired on write, or a placeholder row this call created (or an expired one): remove it.
                wKeys.push(key);
                wRecords.push(null);
                wExpires.push(null);
              }
            });
            if (writes.every((w) => w.kind === 'keep')) {
              // Nothing to write: rolling back also drops any placeholder row the upsert created.
              await client.query('ROLLBACK');
              return outcome.result;
            }
            await client.query(
              `WITH w AS (SELECT * FROM unnest($1::text[], $2::jsonb[], $3::bigint[]) AS w(key, record, expires_at)),
                    d AS (DELETE FROM ${T} s USING w WHERE s.key = w.key AND w.record IS NULL)
               UPDATE ${T} s SET record = w.record, expires_at = w.expires_at, value = NULL
               FROM w WHERE s.key = w.key AND w.record IS NOT NULL`,
              [wKeys, wRecords, wExpires],
            );
            await client.query('COMMIT');
            return outcome.result;
          }),
        ),
      );
    },

    read: async (key) => {
      assertStoreKey(key);
      return wrap('read', async () => {
        const { rows } = await pool.query<Row>({ name: 'kanmon_read_v1', text: `SELECT key, record, expires_at FROM ${T} WHERE key = $1`, values: [key] });
        const row = rows[0];
        return row && row.record && isLive(row.expires_at, now()) ? toRecord(row.record) : null;
      });
    },

    advanceIfGreater: async (key, value, ttlMs) => {
      assertStoreKey(key);
      checkInteger(value);
      checkTtl(ttlMs);
      return wrap('advanceIfGreater', async () => {
        const t = now();
        const { rowCount } = await pool.query(
          { name: 'kanmon_advance_v1', text: `INSERT INTO ${T} AS s (key, tenant, value, expires_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at, record = NULL
           WHERE s.value IS NULL OR s.value < EXCLUDED.value OR (s.expires_at IS NOT NULL AND s.expires_at <= $5)`, values: [key, tenant(key), value, expiresAt(ttlMs, t), t] },
        );
        return rowCount === 1;
      });
    },

    consumeOnce: async (key, ttlMs) => {
      assertStoreKey(key);
      checkTtl(ttlMs);
      return wrap('consumeOnce', async () => {
        const t = now();
        const { rowCount } = await pool.query(
          { name: 'kanmon_consume_once_v1', text: `INSERT INTO ${T} AS s (key, tenant, value, expires_at) VALUES ($1, $2, 1, $3)
           ON CONFLICT (key) DO UPDATE SET value = 1, expires_at = EXCLUDED.expires_at, record = NULL
           WHERE s.expires_at IS NOT NULL AND s.expires_at <= $4`, values: [key, tenant(key), expiresAt(ttlMs, t), t] },
        );
        return rowCount === 1;
      });
    },

    increment: async (key) => {
      assertStoreKey(key);
      return wrap('increment', async () => {
        const { rows } = await pool.query<{ value: string }>(
          { name: 'kanmon_increment_v1', text: `INSERT INTO ${T} AS s (key, tenant, value) VALUES ($1, $2, 1)
           ON CONFLICT (key) DO UPDATE SET value = COALESCE(s.value, 0) + 1, expires_at = NULL, record = NULL RETURNING s.value`, values: [key, tenant(key)] },
        );
        return Number(rows[0]?.value);
      });
    },

    readCounter: async (key) => {
      assertStoreKey(key);
      return wrap('readCounter', async () => {
        const { rows } = await pool.query<{ value: string | null; expires_at: string | null }>(
          { name: 'kanmon_read_counter_v1', text: `SELECT value, expires_at FROM ${T} WHERE key = $1`, values: [key] },
        );
        const row = rows[0];
        return row && row.value !== null && isLive(row.expires_at, now()) ? Number(row.value) : 0;
      });
    },

    addEntry: async (key, entry, options) => {
      assertStoreKey(key);
      checkAdd(entry, options);
      return wrap('addEntry', () =>
        withClient((client) =>
          transaction(client, async () => {
            // One list at a time: the adds to one list queue on this lock (it ends with the transaction).
            await client.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [key]);
            const { rows } = await client.query<EntryRow>(`SELECT ${entryColumns} FROM ${E} WHERE key = $1`, [key]);
            const plan = planAdd(rows.map(toEntry), entry, options);
            if (plan.remove.length > 0) await client.query(`DELETE FROM ${E} WHERE key = $1 AND id = ANY($2::text[])`, [key, plan.remove]);
            if (plan.result.added) {
              await client.query(
                `INSERT INTO ${E} (key, id, tenant, created_at, last_seen_at, expires_at, data) VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (key, id) DO UPDATE SET created_at = EXCLUDED.created_at, last_seen_at = EXCLUDED.last_seen_at,
                   expires_at = EXCLUDED.expires_at, data = EXCLUDED.data`,
                [key, entry.id, tenant(key), entry.createdAt, entry.lastSeenAt, entry.expiresAt, entry.data],
              );
            }
            await client.query('COMMIT');
            return plan.result;
          }),
        ),
      );
    },

    listEntries: async (key, at) => {
      assertStoreKey(key);
      checkTime(at, 'now');
      return wrap('listEntries', async () => {
        const { rows } = await pool.query<EntryRow>(`SELECT ${entryColumns} FROM ${E} WHERE key = $1 AND expires_at > $2 ORDER BY created_at, id COLLATE "C"`, [key, at]);
        return rows.map(toEntry);
      });
    },

    removeEntry: async (key, id, at) => {
      assertStoreKey(key);
      checkEntryId(id);
      checkTime(at, 'now');
      return wrap('removeEntry', async () => {
        const { rows } = await pool.query<EntryRow>(`DELETE FROM ${E} WHERE key = $1 AND id = $2 RETURNING ${entryColumns}`, [key, id]);
        const row = rows[0];
        return row && Number(row.expires_at) > at ? toEntry(row) : null;
      });
    },

    touchEntry: async (key, id, lastSeenAt, expiresAt, at) => {
      assertStoreKey(key);
      checkEntryId(id);
      checkTime(lastSeenAt, 'lastSeenAt');
      checkTime(expiresAt, 'expiresAt');
      checkTime(at, 'now');
      return wrap('touchEntry', async () => {
        const { rowCount } = await pool.query(
          `UPDATE ${E} SET last_seen_at = GREATEST(last_seen_at, $3), expires_at = GREATEST(expires_at, $4) WHERE key = $1 AND id = $2 AND expires_at > $5`,
          [key, id, lastSeenAt, expiresAt, at],
        );
        return rowCount === 1;
      });
    },

    delete: async (key) => {
      assertStoreKey(key);
      return wrap('delete', async () => {
        // Any kind: a value or record row, or an entry list (whose entries count as there until they expire).
        const { rows } = await pool.query<{ live: boolean }>(
          `WITH s AS (DELETE FROM ${T} WHERE key = $1 RETURNING (expires_at IS NULL OR expires_at > $2) AS live),
                e AS (DELETE FROM ${E} WHERE key = $1 RETURNING expires_at > $2 AS live)
           SELECT live FROM s UNION ALL SELECT live FROM e`,
          [key, now()],
        );
        return rows.some((r) => r.live);
      });
    },

    purgeTenant: async (tenantId) => {
      assertTenant(tenantId);
      return wrap('purgeTenant', async () => {
        const { rows } = await pool.query<{ n: string }>(
          `WITH s AS (DELETE FROM ${T} WHERE tenant = $1 RETURNING 1), e AS (DELETE FROM ${E} WHERE tenant = $1 RETURNING key)
           SELECT (SELECT count(*) FROM s) + (SELECT count(DISTINCT key) FROM e) AS n`,
          [tenantId],
        );
        return Number(rows[0]?.n ?? 0);
      });
    },

    sweep: () =>
      wrap('sweep', async () => {
        const t = now();
        const a = (await pool.query(`DELETE FROM ${T} WHERE expires_at <= $1`, [t])).rowCount ?? 0;
        const b = (await pool.query(`DELETE FROM ${E} WHERE expires_at <= $1`, [t])).rowCount ?? 0;
        return a + b;
      }),

    async close() {
      // The pool belongs to the caller.
    },
  };
}
