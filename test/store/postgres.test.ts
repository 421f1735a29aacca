import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKey } from '../../src/store/index.js';
import { type PostgresStore, postgresStore, stateSchemaSql } from '../../src/postgres/index.js';
import { KanmonError } from '../../src/errors.js';
import { type PostgresServer, requireService, startPostgres } from '../support/services.js';
import { storeContract } from './contract.js';

describe.skipIf(!requireService('postgres'))('postgresStore (real PostgreSQL)', () => {
  let server: PostgresServer;
  let pool: pg.Pool;
  let store: PostgresStore;
  beforeAll(async () => {
    server = await startPostgres();
    pool = new pg.Pool({ connectionString: server.connectionString, max: 20 });
    pool.on('error', () => undefined); // a server shutting down reports to idle clients; pg throws without a listener
    store = postgresStore({ pool });
    // several instances migrating at once must not trip over each other
    await Promise.all([store.migrate(), postgresStore({ pool }).migrate(), postgresStore({ pool }).migrate()]);
  });
  afterAll(async () => {
    await pool?.end();
    await server?.stop();
  });

  storeContract('postgres', () => store, { customTransitions: true });

  it('migrate is idempotent and creates exactly the schema `kanmon postgres schema` prints', async () => {
    await store.migrate();
    const { rows } = await pool.query<{ column_name: string; data_type: string }>(
      `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'kanmon_state' ORDER BY ordinal_position`,
    );
    expect(rows).toEqual([
      { column_name: 'key', data_type: 'text' },
      { column_name: 'tenant', data_type: 'text' },
      { column_name: 'record', data_type: 'jsonb' },
      { column_name: 'value', data_type: 'bigint' },
      { column_name: 'expires_at', data_type: 'bigint' },
    ]);
    expect(stateSchemaSql).toContain('CREATE TABLE IF NOT EXISTS kanmon_state');
  });

  it('a refused transition leaves no placeholder row behind; sweep removes expired rows', async () => {
    let t = 5_000;
    const s = postgresStore({ pool, now: () => t });
    const key = storeKey('pg-sweep', 'recovery', 'a');
    await s.consumeOnce(key, 1000);
    t += 2000;
    await expect(s.sweep()).resolves.toBeGreaterThanOrEqual(1);
    const { rows } = await pool.query(`SELECT key FROM kanmon_state WHERE tenant = 'pg-sweep'`);
    expect(rows).toEqual([]);
  });

  it('a store failure is ERR_STORE_UNAVAILABLE with the driver error as cause', async () => {
    const dead = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:1/postgres', connectionTimeoutMillis: 1000 });
    dead.on('error', () => undefined);
    const s = postgresStore({ pool: dead });
    const err = await s.increment(storeKey('x', 'y', 'z')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KanmonError);
    expect((err as KanmonError).code).toBe('ERR_STORE_UNAVAILABLE');
    await dead.end();
  });
});
