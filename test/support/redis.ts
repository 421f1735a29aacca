import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { type RedisServer, startRedis } from './services.js';

/**
 * Call inside a `describe`: one redis-server (free port, temp dir) for the block,
 * and clients on it that are all closed, with the server, after the block.
 */
export function useRedisServer(): { client(): Redis } {
  let server: RedisServer | undefined;
  const clients: Redis[] = [];
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.quit()));
    await server?.stop();
  });
  return {
    client() {
      if (!server) throw new Error('the Redis server has not started yet');
      const client = new Redis(server.url);
      client.on('error', () => undefined); // ioredis reports lost connections as events
      clients.push(client);
      return client;
    },
  };
}
