import type { Pool, PoolClient } from 'pg';
import { KanmonError } from '../errors.js';
import { systemClock } from '../internal/clock.js';
import { assertStoreKey, assertTenant, tenantOfKey } from '../store/key.js';
import { checkInteger, checkOutcome, checkTtl, checkUpdateKeys, storeFailure, toRecord } from '../store/internal.js';
import type { KanmonStore, StoreRecord, Transition } from '../store/store.js';
import { stateSchemaSql, stateTableName as T } from './schema.js';

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
  /** Create the table and indexes if missing (idempotent; safe to run from several instances at once). */
  migrate(): Promise<void>;
  /** Delete expired rows; run it from a periodic job. @returns rows deleted. */
  sweep(): Promise<number>;
}

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
 * A transition runs in one short transaction: one statement upserts and
 * locks the rows (in key order, so two transitions never deadlock), the
 * TypeScript transition computes the outcome once, one statement writes it.
 * Contenders queue on the row lock; nothing retries. The single-value
 * primitives are one statement each (`INSERT … ON CONFLICT … WHERE`).
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
          }),
        ),
      ),

    async update<A, R>(transition: Transition<A, R>, keys: readonly string[], args: A): Promise<R> {
      checkUpdateKeys(keys);
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
        const { rows } = await pool.query<Row>(`SELECT key, record, expires_at FROM ${T} WHERE key = $1`, [key]);
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
          `INSERT INTO ${T} AS s (key, tenant, value, expires_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at, record = NULL
           WHERE s.value IS NULL OR s.value < EXCLUDED.value OR (s.expires_at IS NOT NULL AND s.expires_at <= $5)`,
          [key, tenant(key), value, expiresAt(ttlMs, t), t],
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
          `INSERT INTO ${T} AS s (key, tenant, value, expires_at) VALUES ($1, $2, 1, $3)
           ON CONFLICT (key) DO UPDATE SET value = 1, expires_at = EXCLUDED.expires_at, record = NULL
           WHERE s.expires_at IS NOT NULL AND s.expires_at <= $4`,
          [key, tenant(key), expiresAt(ttlMs, t), t],
        );
        return rowCount === 1;
      });
    },

    increment: async (key) => {
      assertStoreKey(key);
      return wrap('increment', async () => {
        const { rows } = await pool.query<{ value: string }>(
          `INSERT INTO ${T} AS s (key, tenant, value) VALUES ($1, $2, 1)
           ON CONFLICT (key) DO UPDATE SET value = COALESCE(s.value, 0) + 1, expires_at = NULL, record = NULL RETURNING s.value`,
          [key, tenant(key)],
        );
        return Number(rows[0]?.value);
      });
    },

    readCounter: async (key) => {
      assertStoreKey(key);
      return wrap('readCounter', async () => {
        const { rows } = await pool.query<{ value: string | null; expires_at: string | null }>(
          `SELECT value, expires_at FROM ${T} WHERE key = $1`,
          [key],
        );
        const row = rows[0];
        return row && row.value !== null && isLive(row.expires_at, now()) ? Number(row.value) : 0;
      });
    },

    delete: async (key) => {
      assertStoreKey(key);
      return wrap('delete', async () => {
        const { rows } = await pool.query<{ expires_at: string | null }>(`DELETE FROM ${T} WHERE key = $1 RETURNING expires_at`, [key]);
        return rows.length > 0 && isLive(rows[0]?.expires_at ?? null, now());
      });
    },

    purgeTenant: async (tenantId) => {
      assertTenant(tenantId);
      return wrap('purgeTenant', async () => (await pool.query(`DELETE FROM ${T} WHERE tenant = $1`, [tenantId])).rowCount ?? 0);
    },

    sweep: () => wrap('sweep', async () => (await pool.query(`DELETE FROM ${T} WHERE expires_at <= $1`, [now()])).rowCount ?? 0),

    async close() {
      // The pool belongs to the caller.
    },
  };
}
