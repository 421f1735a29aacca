import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KanmonStore, storeKey } from '../../src/index.js';
import { redisStore } from '../../src/redis/index.js';
import { KanmonError } from '../../src/errors.js';
import { type RedisServer, requireService, startRedis } from '../support/services.js';
import { storeContract } from './contract.js';

describe.skipIf(!requireService('redis'))('redisStore (real redis-server)', () => {
  let server: RedisServer;
  let client: Redis;
  let store: KanmonStore;
  beforeAll(async () => {
    server = await startRedis();
    client = new Redis(server.url, { lazyConnect: true });
    await client.connect();
    store = redisStore({ client });
  });
  afterAll(async () => {
    client?.disconnect();
    await server?.stop();
  });

  storeContract('redis', () => store, { customTransitions: false });

  it('writes keys as kanmon:{tenant}:namespace:… (hash tag on the tenant), with the prefix option honoured', async () => {
    await store.increment(storeKey('city-7', 'session', 'epoch', 'a:b'));
    await expect(client.get('kanmon:{city-7}:session:epoch:a%3Ab')).resolves.toBe('1');
    const other = redisStore({ client, prefix: 'app2' });
    await other.increment(storeKey('city-7', 'session', 'epoch', 'a:b'));
    await expect(client.get('app2:{city-7}:session:epoch:a%3Ab')).resolves.toBe('1');
    await expect(other.purgeTenant('city-7')).resolves.toBe(1);
    await expect(client.get('kanmon:{city-7}:session:epoch:a%3Ab')).resolves.toBe('1');
  });

  it('loads each script once and runs it by EVALSHA: one round trip per transition', async () => {
    const key = storeKey('city-8', 'lockout', 'pw', 'alice');
    const { reserveTransition } = await import('../../src/lockout/transitions.js');
    const args = { now: 1_800_000_000_000, maxFailures: 5, failureWindowMs: 1000, lockDurationMs: 1000, multiplier: 1, maxLockDurationMs: 1000, permanent: false, sources: [] };
    await store.update(reserveTransition, [key], args); // warm: the script is cached on the server now
    const monitor = await client.monitor();
    const seen: string[] = [];
    monitor.on('monitor', (_time: string, args: string[]) => seen.push(String(args[0]).toLowerCase()));
    await store.update(reserveTransition, [key], args);
    await new Promise((r) => setTimeout(r, 100));
    monitor.disconnect();
    // the script's own calls show up as well, so count only the client-issued commands
    expect(seen.filter((c) => c === 'evalsha' || c === 'eval')).toEqual(['evalsha']);
  });

  it('a store failure is ERR_STORE_UNAVAILABLE with the driver error as cause', async () => {
    const dead = new Redis({ port: 1, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    dead.on('error', () => undefined);
    const s = redisStore({ client: dead });
    const err = await s.increment(storeKey('x', 'y', 'z')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KanmonError);
    expect((err as KanmonError).code).toBe('ERR_STORE_UNAVAILABLE');
    expect((err as KanmonError).cause).toBeInstanceOf(Error);
    dead.disconnect();
  });

  it('refuses something that is not an ioredis client, and a bad prefix', () => {
    expect(() => redisStore({ client: {} as Redis })).toThrow(KanmonError);
    expect(() => redisStore({ client, prefix: 'a b' })).toThrow(/prefix/);
  });
});
