import pg from 'pg';
import { createLockout, definePolicy } from '../../dist/index.js';
import { postgresStore } from '../../dist/postgres/index.js';
import { startPostgres } from '../../test/support/services.mjs';
import { compare } from '../../bench/harness.mjs';
const policy = definePolicy('funabashi', { lockout: { maxFailures: 1000, perSource: { maxFailuresPerIp: null, maxFailuresPerAccountAndIp: null } } });
const account = (i) => `user${i % 100000}@city.example.jp`;
const server = await startPostgres();
const pool = new pg.Pool({ connectionString: server.connectionString, max: 16, options: '-c synchronous_commit=on' });
pool.on('error', () => undefined);
const store = postgresStore({ pool });
await store.migrate();
await pool.query(`CREATE TABLE IF NOT EXISTS t1 (key text primary key, n bigint)`);
const lockout = createLockout({ policy, store });
await compare('pg', {
  'kanmon reserve': (i) => lockout.reserve(account(i)),
  'SELECT 1': () => pool.query('SELECT 1'),
  'raw upsert': (i) => pool.query({ name: 'u', text: 'INSERT INTO t1 VALUES ($1, 1) ON CONFLICT (key) DO UPDATE SET n = t1.n + 1', values: [account(i)] }),
}, { concurrency: 16, timeMs: 2000, rounds: 3 });
const { rows } = await pool.query('SHOW fsync'); console.log(rows);
await pool.end(); await server.stop();
