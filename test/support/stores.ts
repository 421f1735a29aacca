import pg from 'pg';
import { afterAll, beforeAll, describe } from 'vitest';
import { type KanmonStore, memoryStore } from '../../src/index.js';
import { postgresStore } from '../../src/postgres/index.js';
import { redisStore } from '../../src/redis/index.js';
import { useRedisServer } from './redis.js';
import { type PostgresServer, requireService, startPostgres } from './services.js';

export type StoreName = 'memory' | 'redis' | 'postgres';
/** A store for one test world: the memory store runs on the world's clock; Redis and PostgreSQL keep time as they do in production. */
export type MakeStore = (now: () => number) => KanmonStore;

/**
 * Call at the top level of a test file: registers `suite` once per store —
 * memory, then Redis and PostgreSQL, each on its own server started for the
 * block (free port, temp dir) and stopped after it; without a server the
 * block skips loudly, or fails under KANMON_REQUIRE_SERVICES=1.
 * `makeStore` may be called only inside tests and hooks (the servers start in `beforeAll`).
 */
export function onEveryStore(suite: (name: StoreName, makeStore: MakeStore) => void): void {
  suite('memory', (now) => memoryStore({ now }));

  describe.skipIf(!requireService('redis'))('Redis', () => {
    const redis = useRedisServer();
    let client: ReturnType<typeof redis.client> | undefined;
    suite('redis', () => redisStore({ client: (client ??= redis.client()) }));
  });

  describe.skipIf(!requireService('postgres'))('PostgreSQL', () => {
    let server: PostgresServer | undefined;
    let pool: pg.Pool | undefined;
    beforeAll(async () => {
      server = await startPostgres();
      pool = new pg.Pool({ connectionString: server.connectionString, max: 8 });
      pool.on('error', () => undefined); // a server shutting down reports to idle clients
      await postgresStore({ pool }).migrate();
    });
    afterAll(async () => {
      await pool?.end();
      await server?.stop();
    });
    suite('postgres', () => {
      if (!pool) throw new Error('the PostgreSQL server has not started yet');
      return postgresStore({ pool });
    });
  });
}
