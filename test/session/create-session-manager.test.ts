/**
 * IPC-11, IPC-12, RM-38 (idle logoff), RM-23 / FNB-3.1.4 (sessions die when a
 * password changes or leaks), SEC-17 (CRYPTREC algorithms), RFC 8725 §2.1/§3.1
 * (`alg: none` and algorithm confusion refused), SEC-29 (tenant isolation).
 */
import { createHmac, createPublicKey, randomBytes, webcrypto } from 'node:crypto';
import fc from 'fast-check';
import { SignJWT, decodeJwt, decodeProtectedHeader, importJWK } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  KanmonError,
  type KanmonStore,
  type SessionAlgorithm,
  type SessionStore,
  createKeyRing,
  createSessionManager,
  memoryStore,
} from '../../src/index.js';
import { redisStore } from '../../src/redis/index.js';
import { useRedisServer } from '../support/redis.js';
import { requireService } from '../support/services.js';

const MIN = 60_000;

/** A real memory store, counting the reads the session manager makes. */
function countingStore(store: KanmonStore = memoryStore()): SessionStore & { reads: number } {
  const counting = {
    reads: 0,
    readCounter(key: string) {
      counting.reads++;
      return store.readCounter(key);
    },
    increment: (key: string) => store.increment(key),
    consumeOnce: (key: string, ttlMs: number | null) => store.consumeOnce(key, ttlMs),
  };
  return counting;
}

function setup(algorithm: SessionAlgorithm = 'ES256', idleTimeoutMs = 15 * MIN, absoluteTimeoutMs = 60 * MIN) {
  let clock = Date.UTC(2026, 3, 1, 0, 0, 0);
  const keyRing = createKeyRing({ keys: [{ id: 'k1', secret: randomBytes(32) }], current: 'k1' });
  const store = countingStore();
  const options = { keyRing, store, idleTimeoutMs, absoluteTimeoutMs, algorithm, now: () => clock, refreshAfterMs: MIN };
  const sessions = createSessionManager(options);
  return {
    sessions,
    /** Another instance over the same keys and store, with its own (empty) verified-token cache: every check runs in full. */
    fresh: () => createSessionManager(options),
    keyRing,
    store,
    advance: (ms: number) => {
      clock += ms;
    },
  };
}

const alice = { tenant: 'funabashi', subject: 'alice', amr: ['pwd', 'otp'] as const, roles: ['admin'] };

describe('sessions: issue and verify', () => {
  for (const algorithm of ['ES256', 'EdDSA', 'HS256'] as const) {
    it(`round-trips with ${algorithm} and pins the header`, async () => {
      const { sessions, fresh } = setup(algorithm);
      const { token, session } = await sessions.issue(alice);
      expect(decodeProtectedHeader(token)).toMatchObject({ alg: algorithm, kid: 'k1', typ: 'kanmon-session+jwt' });
      expect(decodeJwt(token)).toMatchObject({ sub: 'alice', tenant: 'funabashi', amr: ['pwd', 'otp'] });
      expect(await sessions.verify(token, { tenant: 'funabashi' })).toEqual({ ok: true, session });
      expect(await fresh().verify(token, { tenant: 'funabashi' })).toEqual({ ok: true, session });
      expect(session.roles).toEqual(['admin']);
    });
  }

  it('never throws for any input (malformed tokens)', async () => {
    const { sessions } = setup();
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.anything()), async (token) => {
        const result = await sessions.verify(token, { tenant: 'funabashi' });
        expect(result.ok).toBe(false);
      }),
      { numRuns: 300 },
    );
    const r = await sessions.verify('a.b.c', { tenant: 'funabashi' });
    expect(r).toEqual({ ok: false, reason: 'malformed' });
  });
});

describe('open with whileSigning: the login’s records while the token is signed (principle 5)', () => {
  const limited = () => {
    const store = memoryStore();
    const keyRing = createKeyRing({ keys: [{ id: 'k1', secret: randomBytes(32) }], current: 'k1' });
    return createSessionManager({ keyRing, store, idleTimeoutMs: 15 * MIN, absoluteTimeoutMs: 60 * MIN, maxConcurrent: { limit: 1, mode: 'refuse_new' }, now: () => Date.UTC(2026, 3, 1, 0, 0, 0) });
  };

  it('hands the admitted session to whileSigning and answers the token only after it has finished', async () => {
    const sessions = limited();
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const seen: { sessionId: string; evicted: readonly string[] }[] = [];
    let answered = false;
    const opening = sessions
      .open(alice, {
        whileSigning: async (session, evicted) => {
          seen.push({ sessionId: session.sessionId, evicted });
          await held;
        },
      })
      .then((r) => {
        answered = true;
        return r;
      });
    // The token is signed meanwhile; the answer still waits for the caller's records.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(seen).toHaveLength(1);
    expect(answered).toBe(false);
    release();
    const opened = await opening;
    if (!opened.ok) throw new Error('expected a session');
    expect(seen[0]).toEqual({ sessionId: opened.session.sessionId, evicted: [] });
    expect(await sessions.verify(opened.token, { tenant: 'funabashi' })).toMatchObject({ ok: true, session: { sessionId: opened.session.sessionId } });
  });

  for (const how of ['rejects', 'throws'] as const) {
    it(`when whileSigning ${how}, open fails with its error and the session does not count (no token was handed out)`, async () => {
      const sessions = limited();
      const failure = new Error('audit sink down');
      const whileSigning =
        how === 'rejects'
          ? () => Promise.reject(failure)
          : () => {
              throw failure;
            };
      await expect(sessions.open(alice, { whileSigning })).rejects.toBe(failure);
      expect(await sessions.list('funabashi', 'alice')).toEqual([]);
      // The limit is 1 under refuse_new: the failed login left no session behind to refuse the next one.
      const next = await sessions.open(alice);
      expect(next.ok).toBe(true);
    });
  }

  it('is not called for a refused login (refuse_new at the limit): nothing to record', async () => {
    const sessions = limited();
    expect((await sessions.open(alice)).ok).toBe(true);
    let calls = 0;
    const refused = await sessions.open(alice, {
      whileSigning: () => {
        calls++;
        return Promise.resolve();
      },
    });
    expect(refused).toEqual({ ok: false, reason: 'session_limit', limit: 1 });
    expect(calls).toBe(0);
  });
});

describe('idle and absolute timeouts (IPC-11, IPC-12, RM-38)', () => {
  it('idle timeout at its boundary: valid 1 ms before, expired at the deadline (cached or not)', async () => {
    const { sessions, advance, fresh } = setup('ES256', 15 * MIN, 60 * MIN);
    const { token } = await sessions.issue(alice);
    advance(15 * MIN - 1);
    expect((await sessions.verify(token, { tenant: 'funabashi' })).ok).toBe(true);
    expect((await fresh().verify(token, { tenant: 'funabashi' })).ok).toBe(true);
    advance(1);
    expect(await sessions.verify(token, { tenant: 'funabashi' })).toEqual({ ok: false, reason: 'expired_idle' }); // cached
    expect(await fresh().verify(token, { tenant: 'funabashi' })).toEqual({ ok: false, reason: 'expired_idle' }); // full check
  });

  it('rolling: activity moves the idle deadline, never past the absolute cap', async () => {
    const { sessions, advance } = setup('ES256', 15 * MIN, 40 * MIN);
    let { token } = await sessions.issue(alice);
    const deadlines: number[] = [];
    for (let i = 0; i < 6; i++) {
      advance(10 * MIN);
      const result = await sessions.verify(token, { tenant: 'funabashi' });
      if (!result.ok) {
        expect((i + 1) * 10).toBe(40); // the absolute cap: 40 minutes after login
        expect(result.reason).toBe('expired_absolute');
        return;
      }
      expect(result.refreshed).toBeDefined();
      token = result.refreshed!.token;
      deadlines.push(result.refreshed!.session.idleExpiresAt);
    }
    throw new Error(`the absolute cap did not end the session: ${deadlines.join(',')}`);
  });

  it('a refreshed token is capped at the absolute expiry', async () => {
    const { sessions, advance } = setup('ES256', 15 * MIN, 20 * MIN);
    const { token, session } = await sessions.issue(alice);
    advance(10 * MIN);
    const result = await sessions.verify(token, { tenant: 'funabashi' });
    expect(result.ok && result.refreshed?.session.idleExpiresAt).toBe(session.absoluteExpiresAt);
  });
});

describe('revocation (RM-23, FNB-3.1.4)', () => {
  it('revokeAll (password change, compromise) kills every earlier session at once, even cached ones', async () => {
    const { sessions } = setup();
    const a = await sessions.issue(alice);
    const b = await sessions.issue(alice);
    expect((await sessions.verify(a.token, { tenant: 'funabashi' })).ok).toBe(true); // now cached
    await sessions.revokeAll('funabashi', 'alice');
    expect(await sessions.verify(a.token, { tenant: 'funabashi' })).toEqual({ ok: false, reason: 'revoked' });
    expect(await sessions.verify(b.token, { tenant: 'funabashi' })).toEqual({ ok: false, reason: 'revoked' });
    const fresh = await sessions.issue(alice);
    expect((await sessions.verify(fresh.token, { tenant: 'funabashi' })).ok).toBe(true);
  });

  it('logout ends one session only', async () => {
    const { sessions } = setup();
    const a = await sessions.issue(alice);
    const b = await sessions.issue(alice);
    await sessions.logout(a.session);
    expect(await sessions.verify(a.token, { tenant: 'funabashi' })).toEqual({ ok: false, reason: 'revoked' });
    expect((await sessions.verify(b.token, { tenant: 'funabashi' })).ok).toBe(true);
  });

  it('revocation state is read on every verify (the cache holds signatures, not decisions)', async () => {
    const { sessions, store } = setup();
    const { token } = await sessions.issue(alice);
    const before = store.reads;
    await sessions.verify(token, { tenant: 'funabashi' });
    await sessions.verify(token, { tenant: 'funabashi' });
    expect(store.reads - before).toBe(4); // epoch + logout mark, twice
  });

  it('an unreachable store answers unavailable, never a pass', async () => {
    const keyRing = createKeyRing({ keys: [{ id: 'k1', secret: randomBytes(32) }], current: 'k1' });
    const working = memoryStore();
    let down = false;
    const flaky: SessionStore = {
      increment: (key) => working.increment(key),
      consumeOnce: (key, ttl) => working.consumeOnce(key, ttl),
      readCounter: (key) => (down ? Promise.reject(new KanmonError('ERR_STORE_UNAVAILABLE', 'ECONNREFUSED')) : working.readCounter(key)),
    };
    const sessions = createSessionManager({ keyRing, store: flaky, idleTimeoutMs: MIN, absoluteTimeoutMs: 10 * MIN, now: () => 0 });
    const { token } = await sessions.issue(alice);
    down = true;
    expect(await sessions.verify(token, { tenant: 'funabashi' })).toEqual({ ok: false, reason: 'unavailable' });
  });
});

describe('forged tokens (RFC 8725)', () => {
  it("a cached token's signature on another payload (roles, subject, tenant changed) is refused, and the real token still verifies", async () => {
    // The verified-token cache is looked up by the signature segment (issue 22): only the whole token may match.
    const { sessions } = setup('ES256');
    const { token } = await sessions.issue({ ...alice, roles: ['staff'] });
    expect(await sessions.verify(token, { tenant: 'funabashi' })).toMatchObject({ ok: true, session: { roles: ['staff'] } });
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as Record<string, unknown>;
    for (const change of [{ roles: ['admin'] }, { sub: 'mallory' }, { tenant: 'other' }, { ep: 7 }]) {
      const forged = `${header}.${Buffer.from(JSON.stringify({ ...claims, ...change })).toString('base64url')}.${signature}`;
      expect(await sessions.verify(forged, { tenant: 'funabashi' })).toEqual({ ok: false, reason: 'invalid_signature' });
    }
    expect(await sessions.verify(`${header}.${payload}.${signature}`, { tenant: 'funabashi' })).toMatchObject({ ok: true, session: { subject: 'alice', roles: ['staff'] } });
  });

  it('alg none is refused', async () => {
    const { sessions } = setup();
    const { token } = await sessions.issue(alice);
    const [, payload] = token.split('.');
    const header = Buffer.from(JSON.stringify({ alg: 'none', kid: 'k1', typ: 'kanmon-session+jwt' })).toString('base64url');
    expect(await sessions.verify(`${header}.${payload}.`, { tenant: 'funabashi' })).toEqual({ ok: false, reason: 'algorithm_not_allowed' });
  });

  it('algorithm confusion: an HS256 token MACed with the real public key (JWK, PEM, raw point) is refused', async () => {
    const { sessions } = setup('ES256');
    const { token } = await sessions.issue(alice);
    const { keys } = await sessions.publicJwks();
    expect(keys).toHaveLength(1);
    const jwk = keys[0]!;
    expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256', kid: 'k1', alg: 'ES256', use: 'sig' });
    expect(jwk).not.toHaveProperty('d');
    const publicKey = createPublicKey({ key: { kty: 'EC', crv: jwk.crv!, x: jwk.x!, y: jwk.y! }, format: 'jwk' });
    const pem = publicKey.export({ format: 'pem', type: 'spki' });
    const point = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
    // The classic attack: switch alg to HS256 and MAC with what the verifier publishes.
    const [, payload] = token.split('.');
    for (const secret of [pem, JSON.stringify(jwk), point, publicKey.export({ format: 'der', type: 'spki' })]) {
      for (const alg of ['HS256', 'HS384', 'HS512']) {
        const header = Buffer.from(JSON.stringify({ alg, kid: 'k1', typ: 'kanmon-session+jwt' })).toString('base64url');
        const mac = createHmac(`sha${alg.slice(2)}`, secret).update(`${header}.${payload}`).digest('base64url');
        expect(await sessions.verify(`${header}.${payload}.${mac}`, { tenant: 'funabashi' })).toEqual({ ok: false, reason: 'algorithm_not_allowed' });
      }
    }
  });

  it('an algorithm that is allowed in general but not configured is refused (EdDSA token to an ES256 manager)', async () => {
    const keyRing = createKeyRing({ keys: [{ id: 'k1', secret: randomBytes(32) }], current: 'k1' });
    const store = memoryStore();
    const make = (algorithm: SessionAlgorithm) => createSessionManager({ keyRing, store, idleTimeoutMs: MIN, absoluteTimeoutMs: 10 * MIN, algorithm, now: () => 0 });
    const { token } = await make('EdDSA').issue(alice);
    expect(await make('ES256').verify(token, { tenant: 'funabashi' })).toEqual({ ok: false, reason: 'algorithm_not_allowed' });
    expect(await make('HS256').verify(token, { tenant: 'funabashi' })).toEqual({ ok: false, reason: 'algorithm_not_allowed' });
  });

  it('PS256 with caller-supplied key pairs; no pair for the current key is a coded error', async () => {
    const { privateKey, publicKey } = (await webcrypto.subtle.generateKey(
      { name: 'RSA-PSS', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
      true,
      ['sign', 'verify'],
    ));
    const keyRing = createKeyRing({ keys: [{ id: 'k1', secret: randomBytes(32) }], current: 'k1' });
    const base = { keyRing, store: memoryStore(), idleTimeoutMs: MIN, absoluteTimeoutMs: 10 * MIN, algorithm: 'PS256' as const, now: () => 0 };
    const sessions = createSessionManager({ ...base, keyPairs: { k1: { privateKey, publicKey } } });
    const { token } = await sessions.issue(alice);
    expect(decodeProtectedHeader(token).alg).toBe('PS256');
    expect((await sessions.verify(token, { tenant: 'funabashi' })).ok).toBe(true);
    expect((await sessions.publicJwks()).keys[0]).toMatchObject({ kty: 'RSA', alg: 'PS256', kid: 'k1' });
    await expect(createSessionManager(base).issue(alice)).rejects.toMatchObject({ code: 'ERR_KEY_NOT_FOUND' });
  });

  it('a token signed by another key ring is refused', async () => {
    const a = setup();
    const b = setup();
    const { token } = await b.sessions.issue(alice);
    expect(await a.sessions.verify(token, { tenant: 'funabashi' })).toEqual({ ok: false, reason: 'invalid_signature' });
  });

  it('a changed claim breaks the signature', async () => {
    const { sessions } = setup();
    const { token } = await sessions.issue(alice);
    const [h, p, s] = token.split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
    const tampered = Buffer.from(JSON.stringify({ ...claims, roles: ['admin', 'superuser'] })).toString('base64url');
    expect(await sessions.verify(`${h}.${tampered}.${s}`, { tenant: 'funabashi' })).toEqual({ ok: false, reason: 'invalid_signature' });
  });

  it("a token from another tenant is refused (SEC-29)", async () => {
    const { sessions } = setup();
    const { token } = await sessions.issue({ ...alice, tenant: 'chiba' });
    expect(await sessions.verify(token, { tenant: 'funabashi' })).toEqual({ ok: false, reason: 'wrong_tenant' });
  });

  it('a JWT of another kind (no kanmon typ, foreign key) is refused', async () => {
    const { sessions } = setup('HS256');
    const otherKey = await importJWK({ kty: 'oct', k: randomBytes(32).toString('base64url') }, 'HS256');
    const other = await new SignJWT({ sub: 'alice', tenant: 'funabashi' }).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).sign(otherKey);
    expect((await sessions.verify(other, { tenant: 'funabashi' })).ok).toBe(false);
  });
});

describe('configuration', () => {
  it('the cryptrec profile refuses EdDSA (SEC-17) and allows ES256', () => {
    const keyRing = createKeyRing({ keys: [{ id: 'k1', secret: randomBytes(32) }], current: 'k1' });
    const base = { keyRing, store: memoryStore(), idleTimeoutMs: MIN, absoluteTimeoutMs: 10 * MIN, now: () => 0, cryptoProfile: 'cryptrec' as const };
    expect(() => createSessionManager({ ...base, algorithm: 'EdDSA' })).toThrow(KanmonError);
    expect(() => createSessionManager({ ...base, algorithm: 'ES256' })).not.toThrow();
    expect(() => createSessionManager({ ...base, algorithm: 'none' as never })).toThrow(KanmonError);
    expect(() => createSessionManager({ ...base, idleTimeoutMs: 20 * MIN })).toThrow(KanmonError);
  });

  it('key rotation: tokens signed by the old key still verify', async () => {
    const { sessions, keyRing, fresh } = setup();
    const old = await sessions.issue(alice);
    keyRing.add({ id: 'k2', secret: randomBytes(32) });
    keyRing.setCurrent('k2');
    const next = await sessions.issue(alice);
    expect(decodeProtectedHeader(next.token).kid).toBe('k2');
    const verifier = fresh();
    expect((await verifier.verify(old.token, { tenant: 'funabashi' })).ok).toBe(true);
    expect((await verifier.verify(next.token, { tenant: 'funabashi' })).ok).toBe(true);
    // A destroyed key verifies nothing any more.
    keyRing.destroy('k1');
    expect((await fresh().verify(old.token, { tenant: 'funabashi' })).ok).toBe(false);
  });
});

const hasRedis = requireService('redis');
describe.skipIf(!hasRedis)('sessions over a shared Redis store (two instances, each with its own verified-token cache)', () => {
  const redis = useRedisServer();

  function instances() {
    let clock = Date.UTC(2026, 3, 1);
    const keyRing = createKeyRing({ keys: [{ id: 'k1', secret: randomBytes(32) }], current: 'k1' });
    const make = () => {
      return createSessionManager({ keyRing, store: redisStore({ client: redis.client() }), idleTimeoutMs: 15 * MIN, absoluteTimeoutMs: 60 * MIN, now: () => clock });
    };
    const tenant = `t-${randomBytes(4).toString('hex')}`;
    return { a: make(), b: make(), tenant, advance: (ms: number) => (clock += ms) };
  }

  it('RM-23: a revokeAll on one instance ends a token the other instance has cached, at once', async () => {
    const { a, b, tenant } = instances();
    const { token } = await a.issue({ ...alice, tenant });
    expect((await b.verify(token, { tenant })).ok).toBe(true); // cached in b
    await a.revokeAll(tenant, 'alice');
    expect(await b.verify(token, { tenant })).toEqual({ ok: false, reason: 'revoked' });
    expect(await a.epoch(tenant, 'alice')).toBe(1);
  });

  it('a logout on one instance ends that session on the other; the idle deadline holds for a cached token', async () => {
    const { a, b, tenant, advance } = instances();
    const one = await a.issue({ ...alice, tenant });
    const two = await a.issue({ ...alice, tenant });
    expect((await b.verify(one.token, { tenant })).ok).toBe(true);
    expect((await b.verify(two.token, { tenant })).ok).toBe(true);
    await a.logout(one.session);
    expect(await b.verify(one.token, { tenant })).toEqual({ ok: false, reason: 'revoked' });
    expect((await b.verify(two.token, { tenant })).ok).toBe(true);
    advance(15 * MIN);
    expect(await b.verify(two.token, { tenant })).toEqual({ ok: false, reason: 'expired_idle' });
  });
});
