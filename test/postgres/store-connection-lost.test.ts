/**
 * "An outage is a coded result, never a throw to the app": a PostgreSQL
 * connection lost while the store holds it. pg emits the loss on the checked-out
 * client as an 'error' event, which nobody listens to while the pool has lent
 * the client out; without a listener of the store's own it becomes an uncaught
 * exception in the application (vitest reports it as an unhandled error).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KanmonError } from '../../src/errors.js';
import { storeKey } from '../../src/store/index.js';
import { postgresStore } from '../../src/postgres/index.js';
import type { Transition } from '../../src/store/store.js';
import { type PostgresServer, requireService, startPostgres } from '../support/services.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Adds `by` to the record's `n`. */
const add: Transition<{ by: number }, number> = {
  name: 'test.add',
  apply: ([record], { by }) => {
    const n = (typeof record?.n === 'number' ? record.n : 0) + by;
    return { result: n, writes: [{ kind: 'set', record: { n }, ttlMs: null }] };
  },
};

describe.skipIf(!requireService('postgres'))('postgresStore: a connection lost while the store holds it', () => {
  let server: PostgresServer;
  let pool: pg.Pool;
  beforeAll(async () => {
    server = await startPostgres();
    pool = new pg.Pool({ connectionString: server.connectionString, max: 8 });
    pool.on('error', () => undefined); // idle clients: the application's own listener, as pg requires
    await postgresStore({ pool }).migrate();
  });
  afterAll(async () => {
    await pool?.end();
    await server?.stop();
  });

  it('the backend terminated mid-transaction: a coded ERR_STORE_UNAVAILABLE, nothing uncaught, and the store works on', async () => {
    const store = postgresStore({ pool });
    const key = storeKey('conn-lost', 'lockout', 'pw', 'sato');
    await store.update(add, [key], { by: 1 });

    // Another session holds the row, so the store's transaction waits on its lock with its client checked out.
    const holder = await pool.connect();
    await holder.query('BEGIN');
    await holder.query('SELECT 1 FROM kanmon_state WHERE key = $1 FOR UPDATE', [key]);
    const pending = store.update(add, [key], { by: 1 }).then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    let pid: number | undefined;
    for (let i = 0; i < 100 && pid === undefined; i++) {
      const { rows } = await pool.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO kanmon_state%' AND pid <> pg_backend_pid()`,
      );
      pid = rows[0]?.pid;
      if (pid === undefined) await sleep(20);
    }
    expect(pid, 'the store transaction waits on the row lock').toBeTypeOf('number');
    await pool.query('SELECT pg_terminate_backend($1)', [pid]);
    const outcome = await pending;
    await holder.query('ROLLBACK');
    holder.release();

    expect(outcome).toHaveProperty('error');
    const { error } = outcome as { error: unknown };
    expect(error).toBeInstanceOf(KanmonError);
    expect((error as KanmonError).code).toBe('ERR_STORE_UNAVAILABLE');
    // Give pg the socket's end: the 'error' event it emits on the lost client must have a listener.
    await sleep(100);
    // The lost client was released as broken: the pool hands out a good one and the count goes on.
    await expect(store.update(add, [key], { by: 1 })).resolves.toBe(2);
  });
});
