import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLockout, definePolicy } from '../../src/index.js';
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

  // SEC-24 across an upgrade: rows written by kanmon 0.1 spell the lockout records with one-letter
  // fields (f t u c g, n s; u = -1 until unlocked). A lock, a count in progress and a per-IP window
  // written then must still hold: a rename that forgot them would unlock every account at upgrade.
  it('SEC-24: lockout rows written by 0.1 (one-letter fields) still lock, count and throttle', async () => {
    const T0 = 1_800_000_000_000;
    let t = T0;
    const s = postgresStore({ pool, now: () => t });
    const tenant = 'pg-legacy';
    const row = (key: string, record: object) => pool.query(`INSERT INTO kanmon_state (key, tenant, record) VALUES ($1, $2, $3)`, [key, tenant, JSON.stringify(record)]);
    await row(storeKey(tenant, 'lockout', 'pw', 'locked'), { f: 5, t: T0 - 10, u: -1, c: 1, g: 0 });
    await row(storeKey(tenant, 'lockout', 'pw', 'counting'), { f: 3, t: T0 - 10, u: 0, c: 0 }); // before g existed
    await row(storeKey(tenant, 'lockout', 'ip', '203.0.113.5'), { n: 100, s: T0 - 10 });
    const policy = definePolicy('funabashi', { lockout: { maxFailures: 5 } });
    const lockout = createLockout({ policy, store: s, tenant, now: () => t });

    await expect(lockout.reserve('locked')).resolves.toEqual({ ok: false, reason: 'locked', retryAfterMs: null });
    await expect(lockout.status('locked')).resolves.toMatchObject({ locked: true, password: { failures: 5, permanent: true, lockCount: 1 } });
    await expect(lockout.reserve('counting')).resolves.toMatchObject({ ok: true, failures: 4, remaining: 1 });
    await expect(lockout.reserve('counting')).resolves.toMatchObject({ ok: true, failures: 5, lockedNow: true });
    await expect(lockout.reserve({ account: 'someone', ip: '203.0.113.5' })).resolves.toMatchObject({ ok: false, reason: 'throttled', scope: 'ip' });
    // what is written back is spelled the current way
    await expect(s.read(storeKey(tenant, 'lockout', 'pw', 'counting'))).resolves.toMatchObject({ failures: 5, lastAttemptAt: T0, lockCount: 1, settled: 0 });
    t += 31 * 60_000;
    await expect(lockout.adminUnlock('locked')).resolves.toEqual({ ok: true, wasLocked: true });
    await expect(lockout.reserve('locked')).resolves.toMatchObject({ ok: true, failures: 1 });
  });
});
