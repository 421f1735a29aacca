/**
 * FNB-4.1, SEC-31 (crypto-shredding: destroying a key makes what it protected
 * unusable) applied to session tokens: after `keyRing.destroy(kid)` a token that
 * key signed is refused at the next request by every instance that holds the
 * ring, including an instance whose verified-token cache already has the token,
 * and it is never rolled into a new token signed with the current key.
 *
 * Two session managers over one store are two instances (each with its own
 * verified-token cache); on memory and on a real Redis server.
 */
import { randomBytes } from 'node:crypto';
import { decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { type KanmonStore, type KeyRing, type SessionAlgorithm, createKeyRing, createSessionManager, memoryStore } from '../../src/index.js';
import { redisStore } from '../../src/redis/index.js';
import { useRedisServer } from '../support/redis.js';
import { requireService } from '../support/services.js';

const MIN = 60_000;
const alice = { subject: 'alice', amr: ['pwd'] as const, roles: ['staff'] };

function instances(store: KanmonStore, algorithm: SessionAlgorithm = 'ES256', keyRing: KeyRing = createKeyRing({ keys: [{ id: 'k1', secret: randomBytes(32) }], current: 'k1' })) {
  let clock = Date.UTC(2026, 3, 1, 0, 0, 0);
  const now = () => clock;
  const make = (ring: KeyRing = keyRing, over: KanmonStore = store) =>
    createSessionManager({ keyRing: ring, store: over, idleTimeoutMs: 15 * MIN, absoluteTimeoutMs: 8 * 60 * MIN, algorithm, refreshAfterMs: MIN, now });
  const tenant = `t-${randomBytes(4).toString('hex')}`;
  /** Rotation, then destruction of the old key: what an operator does to crypto-shred `k1`. */
  const shred = (ring: KeyRing = keyRing) => {
    if (!ring.has('k2')) ring.add({ id: 'k2', secret: randomBytes(32) });
    ring.setCurrent('k2');
    ring.destroy('k1');
  };
  return { a: make(), b: make(), make, keyRing, tenant, shred, advance: (ms: number) => (clock += ms) };
}

function destructionSuite(storeName: string, makeStore: () => KanmonStore) {
  describe(`FNB-4.1 / SEC-31: a destroyed session key ends its tokens on every instance (${storeName})`, () => {
    for (const algorithm of ['ES256', 'EdDSA', 'HS256'] as const) {
      it(`${algorithm}: both instances had the token cached; after destroy('k1') both refuse it at once, and two minutes later neither rolls it into a k2 token`, async () => {
        const { a, b, tenant, shred, advance } = instances(makeStore(), algorithm);
        const { token } = await a.issue({ ...alice, tenant });
        expect(decodeProtectedHeader(token).kid).toBe('k1');
        // Both instances have checked the signature once: it sits in both caches.
        expect((await a.verify(token, { tenant })).ok).toBe(true);
        expect((await b.verify(token, { tenant })).ok).toBe(true);

        shred();
        expect(await a.verify(token, { tenant })).toEqual({ ok: false, reason: 'invalid_signature' });
        expect(await b.verify(token, { tenant })).toEqual({ ok: false, reason: 'invalid_signature' });

        // Past refreshAfterMs: before the fix the caching instance answered ok with `refreshed`, a k2 token.
        advance(2 * MIN);
        for (const instance of [a, b]) {
          const late = await instance.verify(token, { tenant });
          expect(late).toEqual({ ok: false, reason: 'invalid_signature' });
          expect('refreshed' in late).toBe(false);
        }
      });
    }

    it('a token issued and kept in the cache of the instance that signed it (never verified before) is refused after destruction', async () => {
      const { a, tenant, shred, advance } = instances(makeStore());
      const { token } = await a.issue({ ...alice, tenant });
      shred();
      advance(2 * MIN);
      expect(await a.verify(token, { tenant })).toEqual({ ok: false, reason: 'invalid_signature' });
    });

    it('a key destroyed while a verify waits on the store is seen before the answer: no ok, no refreshed token', async () => {
      const base = makeStore();
      const keyRing = createKeyRing({ keys: [{ id: 'k1', secret: randomBytes(32) }], current: 'k1' });
      keyRing.add({ id: 'k2', secret: randomBytes(32) });
      let destroyDuringRead = false;
      // The real store; the destruction happens (as it would from another request) while the epoch read is in flight.
      const racing: KanmonStore = Object.create(base, {
        readCounter: {
          value: async (key: string) => {
            const value = await base.readCounter(key);
            if (destroyDuringRead && keyRing.has('k1')) {
              keyRing.setCurrent('k2');
              keyRing.destroy('k1');
            }
            return value;
          },
        },
      }) as KanmonStore;
      const { make, tenant, advance } = instances(base, 'ES256', keyRing);
      const instance = make(keyRing, racing);
      const { token } = await instance.issue({ ...alice, tenant });
      expect((await instance.verify(token, { tenant })).ok).toBe(true);
      advance(2 * MIN);
      destroyDuringRead = true;
      const result = await instance.verify(token, { tenant });
      expect(result).toEqual({ ok: false, reason: 'invalid_signature' });
      expect(keyRing.isDestroyed('k1')).toBe(true);
    });

    it('tokens of the surviving key keep working; the destroyed key is no longer published in the JWK Set', async () => {
      const { a, b, tenant, shred } = instances(makeStore());
      const old = await a.issue({ ...alice, tenant });
      shred();
      const next = await a.issue({ ...alice, tenant });
      expect(decodeProtectedHeader(next.token).kid).toBe('k2');
      expect((await b.verify(next.token, { tenant })).ok).toBe(true);
      expect((await b.verify(old.token, { tenant })).ok).toBe(false);
      expect((await a.publicJwks()).keys.map((k) => k.kid)).toEqual(['k2']);
    });

    it('instances with their own rings: each refuses once its own ring is told, and a ring rebuilt without k1 (restart) refuses from the start', async () => {
      const store = makeStore();
      const secret1 = randomBytes(32);
      const secret2 = randomBytes(32);
      const ringOf = () => createKeyRing({ keys: [{ id: 'k1', secret: secret1 }, { id: 'k2', secret: secret2 }], current: 'k1' });
      const ringA = ringOf();
      const ringB = ringOf();
      const { make, tenant, shred } = instances(store, 'ES256', ringA);
      const a = make(ringA);
      const b = make(ringB);
      const { token } = await a.issue({ ...alice, tenant });
      expect((await a.verify(token, { tenant })).ok).toBe(true);
      expect((await b.verify(token, { tenant })).ok).toBe(true);
      shred(ringA);
      shred(ringB);
      expect(await a.verify(token, { tenant })).toEqual({ ok: false, reason: 'invalid_signature' });
      expect(await b.verify(token, { tenant })).toEqual({ ok: false, reason: 'invalid_signature' });
      const restarted = make(createKeyRing({ keys: [{ id: 'k2', secret: secret2 }], current: 'k2' }));
      expect(await restarted.verify(token, { tenant })).toEqual({ ok: false, reason: 'invalid_signature' });
    });
  });
}

destructionSuite('memory', () => memoryStore());

const hasRedis = requireService('redis');
describe.skipIf(!hasRedis)('on a shared Redis store', () => {
  const redis = useRedisServer();
  destructionSuite('Redis', () => redisStore({ client: redis.client() }));
});
