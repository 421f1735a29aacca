import { SignJWT, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { KeyRing } from '../../keys/key-ring.js';
import type { SessionAlgorithm } from '../algorithms.js';
import type { AuthMethod, IssuedSession, Session, VerifySessionResult } from '../types.js';
import type { SessionKeys } from './keys.js';

/** The claims of a session token. */
export interface SessionClaims {
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
export interface Verified {
  readonly claims: Claims;
  readonly kid: string;
  /** The store keys of the token's revocation marks (epoch, logout), made on its first verification and kept with it. */
  revocationKeys: readonly [epoch: string, logout: string] | null;
}

const sessionIdPattern = /^[A-Za-z0-9_-]{22}$/;

export const toSession = (c: SessionClaims): Session => ({
  tenant: c.tenant,
  subject: c.sub,
  sessionId: c.sid,
  amr: c.amr,
  roles: c.roles,
  authTime: c.auth_time * 1000,
  idleExpiresAt: c.iexp,
  absoluteExpiresAt: c.aexp * 1000,
  epoch: c.ep,
});

export interface SessionTokenOptions {
  readonly keyRing: KeyRing;
  readonly keys: SessionKeys;
  readonly algorithm: SessionAlgorithm;
  readonly issuer: string;
  readonly cacheSize: number;
  readonly now: () => number;
}

/** Session tokens as JWTs: signing with the ring's current key, and reading back with the signature check cached. */
export interface SessionTokens {
  sign(claims: SessionClaims, issuedAt: number): Promise<IssuedSession>;
  /** The verified claims, or why the token is refused (signature, algorithm, expiry by `exp`, shape); never throws. */
  read(token: string): Promise<Verified | VerifySessionResult>;
  /** Drop a token from the verified-signature cache. */
  forget(token: string): void;
  /** The cached verification of `token` (its signature checked), without any other check; `undefined` when not cached. */
  cached(token: string): Verified | undefined;
}

export function createSessionTokens({ keyRing, keys: { keysFor }, algorithm, issuer, cacheSize, now }: SessionTokenOptions): SessionTokens {
  // Verified-signature cache: token → claims and the key id that signed them, dropped at the token's idle
  // expiry. It never outlives the key: every use asks the key ring whether the key still exists.
  // Keyed by the signature segment and checked against the whole token: a lookup hashes that segment (86 characters
  // for ES256) instead of the whole token (≈ 450), a cost paid on every request since each request's token is a new string.
  const verified = new Map<string, { readonly token: string; readonly entry: Verified }>();
  const slot = (token: string): string => token.slice(token.lastIndexOf('.') + 1);
  const cachedEntry = (token: string): Verified | undefined => {
    const found = verified.get(slot(token));
    return found !== undefined && found.token === token ? found.entry : undefined;
  };
  const remember = (token: string, entry: Verified) => {
    if (cacheSize === 0) return;
    const key = slot(token);
    if (!verified.has(key) && verified.size >= cacheSize) {
      const oldest = verified.keys().next();
      if (!oldest.done) verified.delete(oldest.value);
    }
    verified.set(key, { token, entry });
  };

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
    remember(token, { claims: { ...claims, iss: issuer, iat: Math.floor(issuedAt / 1000), exp: Math.ceil(claims.iexp / 1000) }, kid, revocationKeys: null });
    return { token, session: toSession(claims) };
  };

  const read = async (token: string): Promise<Verified | VerifySessionResult> => {
    const cached = cachedEntry(token);
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
    const entry: Verified = { claims: c as Claims, kid, revocationKeys: null };
    remember(token, entry);
    return entry;
  };

  return {
    sign,
    read,
    forget(token) {
      const key = slot(token);
      if (verified.get(key)?.token === token) verified.delete(key);
    },
    cached: cachedEntry,
  };
}
