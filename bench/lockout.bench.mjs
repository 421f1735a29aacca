// Lockout `reserve` (the call made before every password check) on each store,
// side by side with rate-limiter-flexible's consume on the same backend, in one run.
// The bench starts its own redis-server and PostgreSQL (the test harness's code).
// Memory runs first, in a fresh process as a service on the memory store would: after the
// Redis and PostgreSQL sections the shared lockout code carries their type feedback, which
// measured the memory store 20–35 % below what it does alone.
import { Redis } from 'ioredis';
import pg from 'pg';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import { createLockout, definePolicy, memoryStore } from '../dist/index.js';
import { isStoreKey } from '../dist/store/index.js';
import { postgresStore } from '../dist/postgres/index.js';
import { redisStore } from '../dist/redis/index.js';
import { requireService, startPostgres, startRedis } from '../test/support/services.mjs';
import { compare, figure, measure } from './harness.mjs';

/** Untimed pass over every case first (JIT, script cache, keys created), so the case measured first is not the cold one. */
async function warmUp(cases, options) {
  for (const fn of Object.values(cases)) await measure(fn, { ...options, timeMs: 1000 });
}

// Many accounts, each attempt counted (100,000 accounts, maxFailures 1000: no account locks
// and every call is a counted write, the expensive path); no client IP, so no per-source keys.
const policy = definePolicy('funabashi', {
  lockout: { maxFailures: 1000, perSource: { maxFailuresPerIp: null, maxFailuresPerAccountAndIp: null } },
});
const ACCOUNTS = 100_000;
const account = (i) => `user${i % ACCOUNTS}@city.example.jp`;

export default async function lockoutBench() {
  // --- memory -------------------------------------------------------------
  {
    const store = memoryStore();
    const lockout = createLockout({ policy, store });
    const peer = new RateLimiterMemory({ points: 1_000_000, duration: 900 });
    const cases = {
      'kanmon reserve': (i) => lockout.reserve(account(i)),
      'rate-limiter-flexible RateLimiterMemory.consume': (i) => peer.consume(account(i)),
    };
    await warmUp(cases, {});
    await compare(
      'lockout.reserve — memory store (concurrency 1)',
      cases,
      { timeMs: 4000, rounds: 8, batch: 100, note: 'Acceptance: kanmon reserve ≥ 500,000 ops/s on the memory store. 100,000 distinct accounts; the clock is read once per 100 calls.' },
    );
    await store.close();
    // rate-limiter-flexible's memory limiter keeps a timer per key for its whole duration;
    // its own delete() clears them, so they weigh on nothing after this section.
    for (let i = 0; i < ACCOUNTS; i++) await peer.delete(account(i));
  }

  // --- the key check every store makes on every key -------------------------
  {
    const documented = /^\{[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\}:[a-z][a-z0-9-]{0,31}:/;
    const key = (i) => '{city-001}:lockout:pw:' + account(i);
    await compare(
      'isStoreKey — the scan the stores use, and the regex it is tested equal to',
      { 'isStoreKey (scan)': (i) => isStoreKey(key(i)), 'regex.test': (i) => documented.test(key(i)) },
      { timeMs: 1000, rounds: 4, batch: 100, note: 'A fresh key per call, as the lockout builds them.' },
    );
  }

  // --- Redis --------------------------------------------------------------
  // Why the reserve script has its shape (src/redis/scripts.ts), measured per call in
  // instructions (redis-server 7.0 and node under callgrind): Redis pays ~1,300 per script
  // argument and ~2,000 per `tonumber` of a decimal (hence the per-policy variants that send
  // only `now`); a table reply costs it 5,000–7,000 (it probes each table for `err`, `ok`,
  // `double`, … first: hence the packed-integer and Buffer answers); a Buffer argument would
  // let numbers cross as raw doubles but switches ioredis to its buffer-concatenating writer,
  // which costs the client more than Redis saves.
  if (requireService('redis')) {
    const server = await startRedis();
    const client = new Redis(server.url);
    client.on('error', () => undefined);
    try {
      const lockout = createLockout({ policy, store: redisStore({ client }) });
      const unbatched = createLockout({ policy, store: redisStore({ client, writeBatch: 0 }) });
      const peer = new RateLimiterRedis({ storeClient: client, points: 1_000_000, duration: 900, keyPrefix: 'rlf' });
      await client.ping();
      const cases = {
        'kanmon reserve': (i) => lockout.reserve(account(i)),
        'rate-limiter-flexible RateLimiterRedis.consume': (i) => peer.consume(account(i)),
        'kanmon reserve, writeBatch 0 (a write per call)': (i) => unbatched.reserve(account(i)),
        'PING (same client, a write per call)': () => client.ping(),
      };
      await warmUp(cases, { concurrency: 64 });
      await compare(
        'lockout.reserve — Redis store, concurrency 64, one ioredis client',
        cases,
        {
          concurrency: 64,
          timeMs: 4000,
          rounds: 8,
          note: 'Acceptance: kanmon reserve at least as fast as RateLimiterRedis.consume. Each call is one round trip (one EVALSHA); kanmon writes the calls started in one tick together (writeBatch, default 16), the others write each command at once: the PING row is that floor.',
        },
      );
    } finally {
      client.disconnect();
      await server.stop();
    }
  }

  // --- PostgreSQL ---------------------------------------------------------
  if (requireService('postgres')) {
    const server = await startPostgres();
    const pool = new pg.Pool({ connectionString: server.connectionString, max: 16, options: '-c synchronous_commit=on' });
    pool.on('error', () => undefined);
    try {
      const store = postgresStore({ pool });
      await store.migrate();
      const lockout = createLockout({ policy, store });
      const cases = {
        'kanmon reserve': (i) => lockout.reserve(account(i)),
        'SELECT 1 floor (same pool)': () => pool.query('SELECT 1'),
      };
      // Uncounted first (every connection of the pool opened, the statements prepared on each, the first rows
      // created), so the first measured slice is not the cold one.
      await warmUp(cases, { concurrency: 16 });
      // The function the store calls, as prepared on a connection of the pool (warm: every one has it).
      const prepared = await pool.query("SELECT name FROM pg_prepared_statements WHERE name LIKE 'kanmon_lockout_reserve%'");
      const fn = prepared.rows.map((row) => row.name).join(', ') || 'none (the transaction path)';
      const r = await compare(
        'lockout.reserve — PostgreSQL store, concurrency 16, pool of 16',
        cases,
        { concurrency: 16, timeMs: 4000, rounds: 4, note: `One prepared statement per call (${fn}, the one-key PL/pgSQL twin of the reserve transition that migrate() installs): one round trip, as SELECT 1. Acceptance (issue 22): reserve ≥ 30% of SELECT 1. After an uncounted warm-up of 1 s per case.` },
      );
      // Why the state table has no index on expires_at (src/postgres/schema.ts): updates that change no indexed
      // column stay on their page (HOT) and add no index entries.
      const { rows } = await pool.query("SELECT pg_stat_force_next_flush(), 1 FROM pg_stat_user_tables WHERE relname = 'kanmon_state'").then(() => new Promise((r) => setTimeout(r, 1100))).then(() => pool.query("SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'kanmon_state'"));
      const updates = Number(rows[0]?.n_tup_upd ?? 0);
      figure('lockout.reserve — PostgreSQL', {
        'function called': fn,
        'reserve ops/s': Math.round(r['kanmon reserve'].ops),
        'reserve ÷ SELECT 1': `${((r['kanmon reserve'].ops / r['SELECT 1 floor (same pool)'].ops) * 100).toFixed(1)} %`,
        'HOT updates (n_tup_hot_upd ÷ n_tup_upd)': updates > 0 ? `${((Number(rows[0].n_tup_hot_upd) / updates) * 100).toFixed(1)} % of ${updates}` : 'n/a',
      });
    } finally {
      await pool.end();
      await server.stop();
    }
  }
}
