import type { webcrypto } from 'node:crypto';
import type { JWK } from 'jose';
import type { KeyRing } from '../keys/key-ring.js';
import type { KanmonStore } from '../store/store.js';
import type { SessionAlgorithm } from './algorithms.js';

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
  /** The account's revocation epoch it was issued under (a later `revokeAll` revokes it); read by step-up. */
  readonly epoch?: number;
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
