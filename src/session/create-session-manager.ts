import { createECDH, createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import { SignJWT, errors as joseErrors, exportJWK, importJWK, jwtVerify, type JWK, type JWTPayload } from 'jose';
import { KanmonError } from '../errors.js';
import type { KeyRing } from '../keys/key-ring.js';
import { assertTenant, trustedKey } from '../store/key.js';
import type { KanmonStore } from '../store/store.js';
import { type SessionAlgorithm, cryptrecSessionAlgorithms } from './algorithms.js';

export { cryptrecSessionAlgorithms };
export type { SessionAlgorithm };

/** How the user authenticated (RFC 8176 values). */
export type AuthMethod = 'pwd' | 'otp' | 'cert' | 'hwk' | 'mfa';

/**
 * The store primitives sessions use (every {@link KanmonStore} has them):
 * a per-account epoch counter (`increment` / `readCounter`: bumped on
 * password change, compromise, admin lock, logout-everywhere) and per-session
 * logout marks (`consumeOnce` with a TTL up to the session's absolute expiry,
 * read back with `readCounter`). Read on every verify; never cached.
 */
export type SessionStore = Pick<KanmonStore, 'increment' | 'readCounter' | 'consumeOnce'>;

/** Caller-supplied key pair for an algorithm kanmon cannot derive from the key ring (PS256). */
export interface SessionKeyPair {
  readonly privateKey: webcrypto.CryptoKey;
  readonly publicKey: webcrypto.CryptoKey;
}

/** Options for {@link createSessionManager}. */
export interface SessionManagerOptions {
  /** Signing keys: ES256, EdDSA and HS256 keys are derived from the ring's key ids (kid = key id). */
  readonly keyRing: KeyRing;
  /** Where epochs and logouts live: the same store as the lockout (memory, Redis, PostgreSQL). */
  readonly store: SessionStore;
  /** Log off after this long without a verified request (IPC-11, IPC-12, RM-38). */
  readonly idleTimeoutMs: number;
  /** Hard cap from authentication time. */
  readonly absoluteTimeoutMs: number;
  /** @default 'ES256' */
  readonly algorithm?: SessionAlgorithm;
  /** Restrict to CRYPTREC-listed algorithms (SEC-17). @default 'standard' */
  readonly cryptoProfile?: 'standard' | 'cryptrec';
  /** Key pairs by key id, required for PS256. */
  readonly keyPairs?: Readonly<Record<string, SessionKeyPair>>;
  /** `iss` and expected issuer. @default 'kanmon' */
  readonly issuer?: string;
  /** Re-issue a token once this much of its idle window has passed. @default 60_000 */
  readonly refreshAfterMs?: number;
  /** Verified-signature cache entries at most (never outlives a token's expiry; revocation is always read). @default 10_000 */
  readonly cacheSize?: number;
  readonly now: () => number;
}

/** What {@link SessionManager.issue} needs. */
export interface IssueSessionInput {
  readonly tenant: string;
  /** The account id. */
  readonly subject: string;
  readonly amr: readonly AuthMethod[];
  /** When the user authenticated (ms); defaults to now. */
  readonly authTime?: number;
  /** Roles at login, for `requireRole` guards. */
  readonly roles?: readonly string[];
}

/** A verified session. */
export interface Session {
  readonly tenant: string;
  readonly subject: string;
  readonly sessionId: string;
  readonly amr: readonly AuthMethod[];
  readonly roles: readonly string[];
  /** ms */
  readonly authTime: number;
  /** When it ends without activity (ms). */
  readonly idleExpiresAt: number;
  /** When it ends whatever happens (ms). */
  readonly absoluteExpiresAt: number;
}

export interface IssuedSession {
  readonly token: string;
  readonly session: Session;
}

export type VerifySessionResult =
  | { readonly ok: true; readonly session: Session; /** A re-issued token with a new idle deadline, when due. */ readonly refreshed?: IssuedSession }
  | {
      readonly ok: false;
      readonly reason: 'malformed' | 'invalid_signature' | 'algorithm_not_allowed' | 'expired_idle' | 'expired_absolute' | 'revoked' | 'wrong_tenant' | 'unavailable';
    };

export interface SessionManager {
  issue(input: IssueSessionInput): Promise<IssuedSession>;
  /** Verify a token for `tenant`; never throws for any token string. */
  verify(token: unknown, expected: { readonly tenant: string }): Promise<VerifySessionResult>;
  /** Log one session out. */
  logout(session: Session): Promise<void>;
  /** Revoke every session of an account (password change, compromise, admin lock, logout-everywhere). */
  revokeAll(tenant: string, subject: string): Promise<void>;
  /** The account's revocation epoch now (0 until the first `revokeAll`). Sessions issued under an older epoch are revoked. */
  epoch(tenant: string, subject: string): Promise<number>;
  /**
   * The public verification keys as a JWK Set (`kid`, `alg`, `use: 'sig'`), for
   * other services that verify session tokens themselves. Empty for HS256 (a
   * shared secret is never published).
   */
  publicJwks(): Promise<{ readonly keys: readonly JWK[] }>;
}

interface SessionClaims {
  sub: string;
  sid: string;
  tenant: string;
  auth_time: number;
  amr: AuthMethod[];
  roles: string[];
  ep: number;
  /** absolute expiry, seconds */
  aexp: number;
  /** idle expiry, ms precision (exp is seconds) */
  iexp: number;
}

type Claims = SessionClaims & JWTPayload;

/** A token whose signature checked out, and the key id that signed it. */
interface Verified {
  readonly claims: Claims;
  readonly kid: string;
}

interface Keys {
  sign: webcrypto.CryptoKey;
  verify: webcrypto.CryptoKey;
}

const b64u = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');

/** P-256 key from a ring subkey: the scalar is the HKDF output (re-derived in the ~2^-32 case it is out of range). */
async function deriveEs256(keyRing: KeyRing, kid: string): Promise<Keys> {
  for (let attempt = 0; ; attempt++) {
    const seed = keyRing.derive(kid, attempt === 0 ? 'session-es256' : `session-es256/${attempt}`);
    const ecdh = createECDH('prime256v1');
    try {
      ecdh.setPrivateKey(seed);
    } catch {
      continue;
    }
    const pub = ecdh.getPublicKey();
    const jwk: JWK = { kty: 'EC', crv: 'P-256', x: b64u(pub.subarray(1, 33)), y: b64u(pub.subarray(33, 65)) };
    return {
      sign: (await importJWK({ ...jwk, d: b64u(seed) }, 'ES256')) as webcrypto.CryptoKey,
      verify: (await importJWK(jwk, 'ES256')) as webcrypto.CryptoKey,
    };
  }
}

async function deriveEd25519(keyRing: KeyRing, kid: string): Promise<Keys> {
  const seed = keyRing.derive(kid, 'session-ed25519');
  const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  const jwk = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({ format: 'jwk' }) as JWK;
  return {
    sign: (await importJWK(jwk, 'EdDSA')) as webcrypto.CryptoKey,
    verify: (await importJWK({ kty: jwk.kty, crv: jwk.crv, x: jwk.x }, 'EdDSA')) as webcrypto.CryptoKey,
  };
}

async function deriveHs256(keyRing: KeyRing, kid: string): Promise<Keys> {
  const key = await webcrypto.subtle.importKey('raw', keyRing.derive(kid, 'session-hs256'), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
    'verify',
  ]);
  return { sign: key, verify: key };
}

const sessionIdPattern = /^[A-Za-z0-9_-]{22}$/;

/**
 * Sessions as signed JWTs (jose) with an idle and an absolute deadline.
 *
 * - Algorithms are pinned: only the configured one verifies; `none`, other
 *   algorithms and key confusion (an HS256 token "signed" with a public key)
 *   are refused.
 * - Rolling: a verified token whose idle window is partly used comes back with
 *   `refreshed`, a new token whose idle deadline is moved, never past the
 *   absolute one.
 * - Revocation: a per-account epoch and per-session logout marks, read from the
 *   store on every verify. Only the signature check is cached (bounded, never
 *   past the token's own expiry), because it is the expensive part.
 * - Key destruction (crypto-shredding, FNB-4.1, SEC-31): every verify asks the
 *   key ring whether the key that signed the token still exists (a map lookup,
 *   no store round trip), cached or not, so `keyRing.destroy(kid)` ends every
 *   token that key signed at the next request, and such a token is never
 *   rolled into a new one. The ring is per process: see docs/sessions.md for
 *   telling every instance.
 *
 * @example
 * ```ts
 * import { createKeyRing, createSessionManager } from 'kanmon';
 * import { memoryStore } from 'kanmon';
 * const sessions = createSessionManager({
 *   keyRing: createKeyRing({ keys: [{ id: 'k1', secret: new Uint8Array(32).fill(1) }], current: 'k1' }),
 *   store: memoryStore(),
 *   idleTimeoutMs: 15 * 60_000,
 *   absoluteTimeoutMs: 8 * 60 * 60_000,
 *   now: () => Date.now(),
 * });
 * const { token } = await sessions.issue({ tenant: 'funabashi', subject: 'u-1', amr: ['pwd', 'otp'] });
 * const result = await sessions.verify(token, { tenant: 'funabashi' });
 * if (result.ok) console.log(result.session.subject);
 * ```
 */
export function createSessionManager(options: SessionManagerOptions): SessionManager {
  const {
    keyRing,
    store,
    idleTimeoutMs,
    absoluteTimeoutMs,
    algorithm = 'ES256',
    cryptoProfile = 'standard',
    keyPairs = {},
    issuer = 'kanmon',
    refreshAfterMs = 60_000,
    cacheSize = 10_000,
    now,
  } = options;

  if (!Number.isSafeInteger(idleTimeoutMs) || idleTimeoutMs <= 0 || !Number.isSafeInteger(absoluteTimeoutMs) || absoluteTimeoutMs < idleTimeoutMs) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', 'idleTimeoutMs must be a positive integer no larger than absoluteTimeoutMs');
  }
  if (!(['ES256', 'EdDSA', 'PS256', 'HS256'] as const).includes(algorithm)) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', `session algorithm '${String(algorithm)}' is not allowed`);
  }
  if (cryptoProfile === 'cryptrec' && !cryptrecSessionAlgorithms.includes(algorithm)) {
    throw new KanmonError('ERR_INVALID_POLICY', `session algorithm ${algorithm} is not on the CRYPTREC list; use ${cryptrecSessionAlgorithms.join(', ')}`);
  }

  if (!store || typeof store.readCounter !== 'function' || typeof store.increment !== 'function' || typeof store.consumeOnce !== 'function') {
    throw new KanmonError('ERR_INVALID_ARGUMENT', 'createSessionManager: store must be a kanmon store (memoryStore(), redisStore(), postgresStore())');
  }
  const epochKey = (tenant: string, subject: string) => trustedKey(tenant, 'session-epoch', subject);
  const logoutKey = (tenant: string, sid: string) => trustedKey(tenant, 'session-logout', sid);

  if (!Number.isSafeInteger(cacheSize) || cacheSize < 0) throw new KanmonError('ERR_INVALID_ARGUMENT', 'cacheSize must be an integer ≥ 0 (0 = no cache)');

  const keyCache = new Map<string, Promise<Keys>>();
  /** A key the ring no longer holds (destroyed: crypto-shredding) loses its derived keys here too. */
  const forgetDestroyed = () => {
    for (const kid of keyCache.keys()) if (!keyRing.has(kid)) keyCache.delete(kid);
  };
  const keysFor = (kid: string): Promise<Keys> => {
    if (!keyRing.has(kid)) {
      forgetDestroyed();
      return Promise.reject(new KanmonError(keyRing.isDestroyed(kid) ? 'ERR_KEY_DESTROYED' : 'ERR_KEY_NOT_FOUND', `session key '${kid}' is not usable`));
    }
    let keys = keyCache.get(kid);
    if (!keys) {
      if (algorithm === 'PS256') {
        const pair = keyPairs[kid];
        if (!pair) return Promise.reject(new KanmonError('ERR_KEY_NOT_FOUND', `no PS256 key pair for key id '${kid}'`));
        keys = Promise.resolve({ sign: pair.privateKey, verify: pair.publicKey });
      } else {
        keyRing.derive(kid, 'session'); // throws ERR_KEY_NOT_FOUND / ERR_KEY_DESTROYED synchronously
        keys = algorithm === 'ES256' ? deriveEs256(keyRing, kid) : algorithm === 'EdDSA' ? deriveEd25519(keyRing, kid) : deriveHs256(keyRing, kid);
      }
      keyCache.set(kid, keys);
    }
    return keys;
  };

  // Verified-signature cache: token → claims and the key id that signed them, dropped at the token's idle
  // expiry. It never outlives the key: every use asks the key ring whether the key still exists.
  const verified = new Map<string, Verified>();
  const remember = (token: string, entry: Verified) => {
    if (cacheSize === 0) return;
    if (verified.size >= cacheSize) {
      const oldest = verified.keys().next();
      if (!oldest.done) verified.delete(oldest.value);
    }
    verified.set(token, entry);
  };

  const toSession = (c: SessionClaims): Session => ({
    tenant: c.tenant,
    subject: c.sub,
    sessionId: c.sid,
    amr: c.amr,
    roles: c.roles,
    authTime: c.auth_time * 1000,
    idleExpiresAt: c.iexp,
    absoluteExpiresAt: c.aexp * 1000,
  });

  const sign = async (claims: SessionClaims, issuedAt: number): Promise<IssuedSession> => {
    const kid = keyRing.currentId;
    const keys = await keysFor(kid);
    const token = await new SignJWT({ ...claims })
      .setProtectedHeader({ alg: algorithm, kid, typ: 'kanmon-session+jwt' })
      .setIssuer(issuer)
      .setIssuedAt(Math.floor(issuedAt / 1000))
      .setExpirationTime(Math.ceil(claims.iexp / 1000))
      .sign(keys.sign);
    // A token this instance just signed needs no signature check on its first request.
    remember(token, { claims: { ...claims, iss: issuer, iat: Math.floor(issuedAt / 1000), exp: Math.ceil(claims.iexp / 1000) }, kid });
    return { token, session: toSession(claims) };
  };

  const readClaims = async (token: string): Promise<Verified | VerifySessionResult> => {
    const cached = verified.get(token);
    if (cached) return cached;
    const parts = token.split('.');
    if (parts.length !== 3 || token.length > 8192) return { ok: false, reason: 'malformed' };
    let header: { alg?: unknown; kid?: unknown };
    try {
      header = JSON.parse(Buffer.from(parts[0] ?? '', 'base64url').toString('utf8')) as { alg?: unknown; kid?: unknown };
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    if (typeof header !== 'object' || header === null) return { ok: false, reason: 'malformed' };
    if (header.alg !== algorithm) return { ok: false, reason: 'algorithm_not_allowed' };
    if (typeof header.kid !== 'string' || !keyRing.has(header.kid)) return { ok: false, reason: 'invalid_signature' };
    const kid = header.kid;
    let payload: JWTPayload;
    try {
      const keys = await keysFor(kid);
      ({ payload } = await jwtVerify(token, keys.verify, {
        algorithms: [algorithm],
        issuer,
        typ: 'kanmon-session+jwt',
        currentDate: new Date(now()),
        clockTolerance: 0,
      }));
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) {
        // The signature was good; say which deadline ended it.
        const { iexp, aexp } = err.payload as Partial<Claims>;
        const absolute = typeof iexp === 'number' && typeof aexp === 'number' && iexp >= aexp * 1000;
        return { ok: false, reason: absolute ? 'expired_absolute' : 'expired_idle' };
      }
      if (err instanceof joseErrors.JOSEAlgNotAllowed) return { ok: false, reason: 'algorithm_not_allowed' };
      if (err instanceof joseErrors.JWSSignatureVerificationFailed) return { ok: false, reason: 'invalid_signature' };
      return { ok: false, reason: 'malformed' };
    }
    const c = payload as Partial<Claims>;
    if (
      typeof c.sub !== 'string' ||
      typeof c.sid !== 'string' ||
      !sessionIdPattern.test(c.sid) ||
      typeof c.tenant !== 'string' ||
      typeof c.auth_time !== 'number' ||
      typeof c.aexp !== 'number' ||
      typeof c.iexp !== 'number' ||
      typeof c.ep !== 'number' ||
      !Array.isArray(c.amr) ||
      !Array.isArray(c.roles)
    ) {
      return { ok: false, reason: 'malformed' };
    }
    const entry: Verified = { claims: c as Claims, kid };
    remember(token, entry);
    return entry;
  };

  return {
    async issue(input) {
      const at = now();
      const authTime = input.authTime ?? at;
      const absolute = authTime + absoluteTimeoutMs;
      assertTenant(input.tenant);
      if (typeof input.subject !== 'string' || input.subject.length === 0) throw new KanmonError('ERR_INVALID_ARGUMENT', 'issue: subject must be a non-empty string');
      const epoch = await store.readCounter(epochKey(input.tenant, input.subject));
      return sign(
        {
          sub: input.subject,
          sid: randomBytes(16).toString('base64url'),
          tenant: input.tenant,
          auth_time: Math.floor(authTime / 1000),
          amr: [...input.amr],
          roles: [...(input.roles ?? [])],
          ep: epoch,
          aexp: Math.floor(absolute / 1000),
          iexp: Math.min(at + idleTimeoutMs, absolute),
        },
        at,
      );
    },

    async verify(token, expected) {
      if (typeof token !== 'string' || token.length === 0) return { ok: false, reason: 'malformed' };
      const read = await readClaims(token);
      if (!('claims' in read)) return read;
      const { claims, kid } = read;
      /** The signing key is gone (destroyed: crypto-shredding, FNB-4.1): whatever was cached, the token is dead. */
      const keyGone = (): VerifySessionResult | null => {
        if (keyRing.has(kid)) return null;
        verified.delete(token);
        forgetDestroyed();
        return { ok: false, reason: 'invalid_signature' };
      };
      const gone = keyGone();
      if (gone) return gone;
      const at = now();
      if (at >= claims.aexp * 1000) return { ok: false, reason: 'expired_absolute' };
      if (at >= claims.iexp) {
        verified.delete(token);
        return { ok: false, reason: claims.iexp >= claims.aexp * 1000 ? 'expired_absolute' : 'expired_idle' };
      }
      if (claims.tenant !== expected.tenant) return { ok: false, reason: 'wrong_tenant' };
      try {
        const [epoch, loggedOut] = await Promise.all([
          store.readCounter(epochKey(claims.tenant, claims.sub)),
          store.readCounter(logoutKey(claims.tenant, claims.sid)),
        ]);
        if (loggedOut !== 0 || epoch !== claims.ep) {
          verified.delete(token);
          return { ok: false, reason: 'revoked' };
        }
      } catch {
        return { ok: false, reason: 'unavailable' };
      }
      // Asked again after the store round trip: a key destroyed meanwhile neither passes nor rolls into a new token.
      const goneSince = keyGone();
      if (goneSince) return goneSince;
      const session = toSession(claims);
      const issuedAt = (claims.iat ?? 0) * 1000;
      if (at - issuedAt < refreshAfterMs) return { ok: true, session };
      const absolute = claims.aexp * 1000;
      const { sub, sid, tenant, auth_time, amr, roles, ep, aexp } = claims;
      const refreshed = await sign({ sub, sid, tenant, auth_time, amr, roles, ep, aexp, iexp: Math.min(at + idleTimeoutMs, absolute) }, at);
      return { ok: true, session, refreshed };
    },

    async logout(session) {
      assertTenant(session.tenant);
      // The mark only has to outlive the token; a later mark changes nothing.
      const ttlMs = Math.max(1000, session.absoluteExpiresAt - now() + 1000);
      await store.consumeOnce(logoutKey(session.tenant, session.sessionId), ttlMs);
    },

    async revokeAll(tenant, subject) {
      assertTenant(tenant);
      await store.increment(epochKey(tenant, subject));
    },

    async publicJwks() {
      if (algorithm === 'HS256') return { keys: [] };
      // Only keys the ring still holds: a destroyed key's tokens verify nowhere, so its public key is not published.
      const ids = (algorithm === 'PS256' ? Object.keys(keyPairs) : keyRing.ids()).filter((id) => keyRing.has(id));
      const keys: JWK[] = [];
      for (const kid of ids) {
        const { verify } = await keysFor(kid);
        keys.push({ ...(await exportJWK(verify)), kid, alg: algorithm, use: 'sig' });
      }
      return { keys };
    },

    async epoch(tenant, subject) {
      assertTenant(tenant);
      return store.readCounter(epochKey(tenant, subject));
    },
  };
}
