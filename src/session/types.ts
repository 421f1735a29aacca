import type { webcrypto } from 'node:crypto';
import type { JWK } from 'jose';
import type { KeyRing } from '../keys/key-ring.js';
import type { EntryLists } from '../store/entries.js';
import type { KanmonStore } from '../store/store.js';
import type { SessionAlgorithm } from './algorithms.js';

/** How the user authenticated (RFC 8176 methods: `hwk` a hardware-bound key (a passkey), `user` user verification by the authenticator (PIN or biometric). */
export type AuthMethod = 'pwd' | 'otp' | 'cert' | 'hwk' | 'user' | 'mfa';

/**
 * The store primitives sessions use (every {@link KanmonStore} has them):
 * a per-account epoch counter (`increment` / `readCounter`: bumped on
 * password change, compromise, admin lock, logout-everywhere) and per-session
 * logout marks (`consumeOnce` with a TTL up to the session's absolute expiry,
 * read back with `readCounter`). Read on every verify; never cached.
 */
export type SessionStore = Pick<KanmonStore, 'increment' | 'readCounter' | 'consumeOnce'> &
  /** The per-account session index (list, revoke one, `maxConcurrent`) when the store has the entry lists (src/store/entries.ts). */
  Partial<EntryLists> &
  Partial<Pick<KanmonStore, 'name' | 'delete'>>;

/**
 * At most `limit` live sessions per account (`policy.session.maxConcurrent`): a new login evicts the oldest
 * session (`evict_oldest`: the evicted one is refused at its next request) or is refused (`refuse_new`: the
 * login answers `session_limit`). Atomic on every store.
 */
export interface MaxConcurrentSessions {
  /** 1–100 */
  readonly limit: number;
  readonly mode: 'evict_oldest' | 'refuse_new';
}

/** One live session of an account, as its session index holds it (`listSessions`). */
export interface SessionInfo {
  readonly sessionId: string;
  /** ms */
  readonly createdAt: number;
  /** ms: the last refresh of its token (moved at most once per `refreshAfterMs`), or its creation. */
  readonly lastSeenAt: number;
  /** The client address at login (resolved through trusted proxies), `null` when unknown. */
  readonly clientIp: string | null;
  /** From the User-Agent at login: `'Chrome on Windows'`, … or `'Unknown device'` (a hint: a client says what it likes). */
  readonly device: string;
  readonly amr: readonly AuthMethod[];
  /** ms */
  readonly absoluteExpiresAt: number;
}

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
  /**
   * At most this many live sessions per account (needs the store's entry lists: `ERR_CAPABILITY_MISSING`
   * otherwise). Without it the index still keeps at most 100 per account, evicting (and revoking) the oldest.
   * @default null
   */
  readonly maxConcurrent?: MaxConcurrentSessions | null;
  /** Verified-signature cache entries at most (never outlives a token's expiry; revocation is always read). @default 10_000 */
  readonly cacheSize?: number;
  /** Clock (epoch ms) for issue times and the idle and absolute deadlines. */
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
  /** The client address (for the session list); at most 64 characters are kept, else `null`. */
  readonly clientIp?: string | null | undefined;
  /** The User-Agent, turned into a device label (`'Chrome on Windows'`) for the session list. */
  readonly userAgent?: string | undefined;
}

/** The answer of {@link SessionManager.open}. */
export type OpenSessionResult =
  | ({ readonly ok: true; /** Sessions evicted to make room (`maxConcurrent` `evict_oldest`, or past 100): refused from now on. */ readonly evicted: readonly string[] } & IssuedSession)
  /** `maxConcurrent` in `refuse_new` mode, and the account has `limit` live sessions. */
  | { readonly ok: false; readonly reason: 'session_limit'; readonly limit: number };

/** Options of {@link SessionManager.open}. */
export interface OpenSessionOptions {
  /**
   * Called once the session is admitted (indexed), with the session and the ids of the sessions evicted to make
   * room, while its token is signed (on the thread pool, for the asymmetric algorithms): the login's records.
   */
  readonly whileSigning?: ((session: Session, evicted: readonly string[]) => Promise<unknown>) | undefined;
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

/** A signed session token and what it says. */
export interface IssuedSession {
  readonly token: string;
  readonly session: Session;
}

/** Answer of {@link SessionManager.verify}: the session (and a refreshed token when due), or why the token is refused. */
export type VerifySessionResult =
  | { readonly ok: true; readonly session: Session; /** A re-issued token with a new idle deadline, when due. */ readonly refreshed?: IssuedSession }
  | {
      readonly ok: false;
      readonly reason: 'malformed' | 'invalid_signature' | 'algorithm_not_allowed' | 'expired_idle' | 'expired_absolute' | 'revoked' | 'wrong_tenant' | 'unavailable';
    };

/** Issues, verifies and revokes signed sessions with idle and absolute expiry (from {@link createSessionManager}). */
export interface SessionManager {
  /**
   * Issue a session (and index it) that is not a new login: a replacement (step-up) or the app's own issuance.
   * It is never refused: when the account is at its limit the oldest session is ended to make room, whatever
   * the `maxConcurrent` mode. Logins go through {@link open}.
   */
  issue(input: IssueSessionInput): Promise<IssuedSession>;
  /**
   * Issue a session for a login, or answer `session_limit` (`maxConcurrent`, `refuse_new`); under `evict_oldest`
   * the oldest makes room. `options.whileSigning` is the login's own work once the session is admitted (its
   * records): it runs while the token is signed, and the token is answered only after it succeeded; when it
   * fails, the session is logged out and its error is the call's (a token never handed out counts for nothing).
   */
  open(input: IssueSessionInput, options?: OpenSessionOptions): Promise<OpenSessionResult>;
  /** The account's live sessions, oldest first. `ERR_CAPABILITY_MISSING` on a store without entry lists. */
  list(tenant: string, subject: string): Promise<readonly SessionInfo[]>;
  /**
   * Revoke one session of the account (its logout mark: refused on every instance at its next request).
   * @returns what it was, or `null` when the account has no such live session (another account's id included).
   */
  revoke(tenant: string, subject: string, sessionId: string): Promise<SessionInfo | null>;
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
