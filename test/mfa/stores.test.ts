/**
 * RFC 6238 §5.2 / better-auth #10387 on every store: two concurrent verifies
 * of one fresh code → exactly one `ok`, on memory, Redis and PostgreSQL (the
 * shared stores from two separate instances: their own client, store and
 * lockout); a recovery code is consumed exactly once under concurrency; the
 * second-factor lock is shared by every instance.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  consumeRecoveryCode,
  createLockout,
  generateRecoveryCodes,
  hashRecoveryCodes,
  memoryStore,
  sealSecret,
  verifyTotp,
} from '../../src/index.js';
import type { KanmonStore, Policy } from '../../src/index.js';
import { postgresStore } from '../../src/postgres/index.js';
import { redisStore } from '../../src/redis/index.js';
import { useRedisServer } from '../support/redis.js';
import { type PostgresServer, requireService, startPostgres } from '../support/services.js';
import { manualClock, policyWith, testKeyRing, totpAt } from './support.js';

/** One application instance: its own store object (and connection) over the shared backend. */
interface Instance {
  readonly store: KanmonStore;
}

function suite(name: string, makeInstances: () => Instance[] | Promise<Instance[]>) {
  describe(`${name} store`, () => {
    let instances: Instance[];
    beforeAll(async () => {
      instances = await makeInstances();
    });

    function fixture(policy: Policy = policyWith('funabashi', { lockout: { mfa: { maxFailures: 1000 } } })) {
      const keyRing = testKeyRing();
      const clock = manualClock(1_750_000_000_000);
      const tenant = `t-${randomBytes(6).toString('hex')}`;
      const opts = instances.map(({ store }) => ({ policy, keyRing, now: clock.now, store, lockout: createLockout({ policy, store, now: clock.now }) }));
      return { keyRing, clock, tenant, opts };
    }

    it('two concurrent verifies of one fresh code, from two instances: exactly one ok (30 rounds)', async () => {
      const { keyRing, clock, tenant, opts } = fixture();
      const secret = randomBytes(20);
      const sealedSecret = sealSecret(keyRing, secret, { tenant, account: 'u-1', purpose: 'totp' });
      for (let round = 0; round < 30; round++) {
        clock.advance(30_000);
        const code = totpAt(secret, clock.now());
        const results = await Promise.all([0, 1].map((i) => verifyTotp({ account: 'u-1', tenant, sealedSecret, code }, opts[i % opts.length]!)));
        expect(results.filter((r) => r.ok)).toHaveLength(1);
        expect(results.filter((r) => !r.ok && r.reason === 'replayed')).toHaveLength(1);
      }
    });

    it('twenty concurrent verifies of one code across instances: exactly one ok; it stays replayed for its window', async () => {
      const { keyRing, clock, tenant, opts } = fixture();
      const secret = randomBytes(20);
      const sealedSecret = sealSecret(keyRing, secret, { tenant, account: 'u-2', purpose: 'totp' });
      const code = totpAt(secret, clock.now());
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => verifyTotp({ account: 'u-2', tenant, sealedSecret, code }, opts[i % opts.length]!)));
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      clock.advance(30_000);
      await expect(verifyTotp({ account: 'u-2', tenant, sealedSecret, code }, opts[0]!)).resolves.toEqual({ ok: false, reason: 'replayed' });
    });

    it('a recovery code raced by twenty requests across instances is consumed exactly once', async () => {
      const { keyRing, tenant, opts } = fixture();
      const codes = generateRecoveryCodes();
      const set = hashRecoveryCodes(codes, { keyRing, account: 'u-3', tenant });
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => consumeRecoveryCode({ account: 'u-3', tenant, set, code: codes[7] }, opts[i % opts.length]!)),
      );
      expect(results.filter((r) => r.ok)).toEqual([{ ok: true, remaining: 9 }]);
      expect(results.filter((r) => !r.ok && r.reason === 'already_used')).toHaveLength(19);
    });

    it('SEC-13: the second-factor lock set through one instance holds on the other', async () => {
      const { keyRing, clock, tenant, opts } = fixture(policyWith('funabashi'));
      const secret = randomBytes(20);
      const sealedSecret = sealSecret(keyRing, secret, { tenant, account: 'u-4', purpose: 'totp' });
      const right = totpAt(secret, clock.now());
      const wrong = right === '000000' ? '111111' : '000000';
      const results = await Promise.all(Array.from({ length: 40 }, (_, i) => verifyTotp({ account: 'u-4', tenant, sealedSecret, code: wrong }, opts[i % opts.length]!)));
      expect(results.filter((r) => !r.ok && r.reason === 'invalid_code').length).toBeLessThanOrEqual(5);
      await expect(verifyTotp({ account: 'u-4', tenant, sealedSecret, code: right }, opts[opts.length - 1]!)).resolves.toMatchObject({ ok: false, reason: 'locked' });
    });
  });
}

suite('memory', () => {
  const store = memoryStore();
  return [{ store }, { store }];
});

const hasRedis = requireService('redis');
describe.skipIf(!hasRedis)('shared Redis', () => {
  const redis = useRedisServer();
  suite('redis', () => [{ store: redisStore({ client: redis.client() }) }, { store: redisStore({ client: redis.client() }) }]);
});

const hasPostgres = requireService('postgres');
describe.skipIf(!hasPostgres)('shared PostgreSQL', () => {
  let server: PostgresServer;
  const pools: pg.Pool[] = [];
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.end()));
    await server?.stop();
  });
  suite('postgres', async () => {
    for (let i = 0; i < 2; i++) {
      const pool = new pg.Pool({ connectionString: server.connectionString, max: 8 });
      pool.on('error', () => undefined); // a server shutting down reports to idle clients
      pools.push(pool);
    }
    const stores = pools.map((pool) => postgresStore({ pool }));
    await stores[0]!.migrate();
    return stores.map((store) => ({ store }));
  });
});
