import { randomBytes } from 'node:crypto';
import { KanmonError } from '../errors.js';
import { guardedCalls } from '../store/guard.js';
import { type InProcessStore, isInProcessStore } from '../store/in-process.js';
import type { KanmonStore } from '../store/store.js';
import { assertTenant, trustedKey } from '../store/key.js';
import { cryptrecSessionAlgorithms } from './algorithms.js';
import { createSessionKeys } from './internal/keys.js';
import { type Verified, createSessionTokens, toSession } from './internal/tokens.js';
import { offerVerifyNow } from './internal/verify-now.js';
import { checkMaxConcurrent, createSessionIndex, toInfo } from './internal/session-index.js';
import type { IssueSessionInput, OpenSessionOptions, OpenSessionResult, SessionManager, SessionManagerOptions, VerifySessionResult } from './types.js';

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
    maxConcurrent: rawMaxConcurrent = null,
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
  /** The two revocation keys of a verified token, made once and kept with its cache entry. */
  const revocationKeys = (entry: Verified): readonly [string, string] =>
    (entry.revocationKeys ??= [epochKey(entry.claims.tenant, entry.claims.sub), logoutKey(entry.claims.tenant, entry.claims.sid)]);

  if (!Number.isSafeInteger(cacheSize) || cacheSize < 0) throw new KanmonError('ERR_INVALID_ARGUMENT', 'cacheSize must be an integer ≥ 0 (0 = no cache)');

  const keys = createSessionKeys(keyRing, algorithm, keyPairs);
  const tokens = createSessionTokens({ keyRing, keys, algorithm, issuer, cacheSize, now });
  const maxConcurrent = checkMaxConcurrent(rawMaxConcurrent);
  const index = createSessionIndex(store, maxConcurrent, now);
  /** Mark a session logged out until its absolute expiry (every instance refuses it at its next request). */
  const markOut = (tenant: string, sid: string, absoluteExpiresAt: number) =>
    store.consumeOnce(logoutKey(tenant, sid), Math.max(1000, absoluteExpiresAt - now() + 1000));

  /** `refuse`: answer `session_limit` under `refuse_new` (a login); else the oldest session makes room. */
  const openSession = async (input: IssueSessionInput, refuse: boolean, whileSigning?: OpenSessionOptions['whileSigning']): Promise<OpenSessionResult> => {
    const at = now();
    const authTime = input.authTime ?? at;
    const absolute = authTime + absoluteTimeoutMs;
    assertTenant(input.tenant);
    if (typeof input.subject !== 'string' || input.subject.length === 0) throw new KanmonError('ERR_INVALID_ARGUMENT', 'issue: subject must be a non-empty string');
    const sid = randomBytes(16).toString('base64url');
    const aexp = Math.floor(absolute / 1000);
    const iexp = Math.min(at + idleTimeoutMs, absolute);
    const [epoch, indexed] = await Promise.all([
      store.readCounter(epochKey(input.tenant, input.subject)),
      index.add({ ...input, sessionId: sid, at, idleExpiresAt: iexp, absoluteExpiresAt: aexp * 1000 }, refuse),
    ]);
    if (indexed.refused) return { ok: false, reason: 'session_limit', limit: maxConcurrent?.limit ?? 0 };
    // The sessions pushed out of the index end now: their tokens are refused at their next request.
    await Promise.all(indexed.evicted.map((e) => markOut(input.tenant, e.sessionId, e.absoluteExpiresAt)));
    const claims = { sub: input.subject, sid, tenant: input.tenant, auth_time: Math.floor(authTime / 1000), amr: [...input.amr], roles: [...(input.roles ?? [])], ep: epoch, aexp, iexp };
    const evicted = indexed.evicted.map((e) => e.sessionId);
    if (whileSigning === undefined) return { ok: true, evicted, ...(await tokens.sign(claims, at)) };
    // The token is signed (the thread pool's work for ES256/RS256/EdDSA) while the caller writes the login's
    // records on this thread: the login waits for the longer of the two, not for both in turn.
    const session = toSession(claims);
    // The caller's work starts on the next turn of the event loop: by then the signing has reached the thread pool.
    const signing = tokens.sign(claims, at);
    const during = new Promise<void>((resolve) => setImmediate(resolve)).then(() => whileSigning(session, evicted));
    const [issued, done] = await Promise.allSettled([signing, during]);
    if (issued.status === 'rejected' || done.status === 'rejected') {
      await manager.logout(session).catch(() => undefined);
      throw done.status === 'rejected' ? done.reason : (issued as PromiseRejectedResult).reason;
    }
    return { ok: true, evicted, ...issued.value };
  };

  const manager: SessionManager = {
    open: (input, options) => openSession(input, true, options?.whileSigning),

    async issue(input) {
      // Not a login (a replacement after a step-up, an app's own issuance): never refused; the oldest makes room.
      const opened = await openSession(input, false);
      if (!opened.ok) throw new KanmonError('ERR_INVALID_ARGUMENT', 'issue: refused'); // unreachable: only open() refuses
      return { token: opened.token, session: opened.session };
    },

    async list(tenant, subject) {
      assertTenant(tenant);
      return index.list(tenant, subject);
    },

    async revoke(tenant, subject, sessionId) {
      assertTenant(tenant);
      const lists = index.need('revokeSession');
      if (typeof sessionId !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(sessionId)) return null;
      const key = index.keyOf(tenant, subject);
      const entry = (await lists.listEntries(key, now())).find((e) => e.id === sessionId);
      const info = entry ? toInfo(entry) : null;
      if (!entry || !info) return null;
      // The mark first: once it is written the session is refused everywhere; the entry goes after.
      await markOut(tenant, sessionId, info.absoluteExpiresAt);
      await lists.removeEntry(key, sessionId, now());
      return info;
    },

    async verify(token, expected) {
      if (typeof token !== 'string' || token.length === 0) return { ok: false, reason: 'malformed' };
      const read = await tokens.read(token);
      if (!('claims' in read)) return read;
      const { claims, kid } = read;
      const [epochAt, logoutAt] = revocationKeys(read);
      /** The signing key is gone (destroyed: crypto-shredding, FNB-4.1): whatever was cached, the token is dead. */
      const keyGone = (): VerifySessionResult | null => {
        if (keyRing.has(kid)) return null;
        tokens.forget(token);
        keys.forgetDestroyed();
        return { ok: false, reason: 'invalid_signature' };
      };
      const gone = keyGone();
      if (gone) return gone;
      const at = now();
      if (at >= claims.aexp * 1000) return { ok: false, reason: 'expired_absolute' };
      if (at >= claims.iexp) {
        tokens.forget(token);
        return { ok: false, reason: claims.iexp >= claims.aexp * 1000 ? 'expired_absolute' : 'expired_idle' };
      }
      if (claims.tenant !== expected.tenant) return { ok: false, reason: 'wrong_tenant' };
      try {
        const [epoch, loggedOut] = await Promise.all([store.readCounter(epochAt), store.readCounter(logoutAt)]);
        if (loggedOut !== 0 || epoch !== claims.ep) {
          tokens.forget(token);
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
      const nextIdle = Math.min(at + idleTimeoutMs, absolute);
      const refreshed = await tokens.sign({ sub, sid, tenant, auth_time, amr, roles, ep, aexp, iexp: nextIdle }, at);
      // The index's last-seen moves here, at most once per refreshAfterMs: the hot path stays one read.
      await index.touch(tenant, sub, sid, at, nextIdle);
      return { ok: true, session, refreshed };
    },

    async logout(session) {
      assertTenant(session.tenant);
      // The mark only has to outlive the token; a later mark changes nothing.
      await markOut(session.tenant, session.sessionId, session.absoluteExpiresAt);
      // The session has ended with its mark; an index entry left by a failure only lists it until its idle deadline.
      await index.remove(session.tenant, session.subject, session.sessionId).catch(() => undefined);
    },

    async revokeAll(tenant, subject) {
      assertTenant(tenant);
      await store.increment(epochKey(tenant, subject));
      // Every session has ended with the epoch; entries left by a failure only list them until their idle deadline.
      await index.clear(tenant, subject).catch(() => undefined);
    },

    publicJwks: keys.publicJwks,

    async epoch(tenant, subject) {
      assertTenant(tenant);
      return store.readCounter(epochKey(tenant, subject));
    },
  };

  // Over an in-process store (the memory store), the HTTP guards may grant a request synchronously, with none of the
  // promise rounds of verify(): only on the path where verify() would grant without re-signing, and with the
  // revocation marks read from the store now, as verify() reads them. Anything else (not cached, a deadline, another
  // tenant, revoked, a refresh due, a store failure) is left to verify(), which answers it.
  const inProcess = isInProcessStore(store as KanmonStore) ? (store as InProcessStore) : guardedCalls(store, 1000).inProcess;
  const readNow = inProcess?.readCounterNow;
  if (inProcess && typeof readNow === 'function') {
    offerVerifyNow(manager, (token, tenant) => {
      const entry = tokens.cached(token);
      if (entry === undefined) return null;
      const { claims } = entry;
      const at = now();
      if (!keyRing.has(entry.kid) || at >= claims.aexp * 1000 || at >= claims.iexp || claims.tenant !== tenant || at - (claims.iat ?? 0) * 1000 >= refreshAfterMs) {
        return null;
      }
      const [epochAt, logoutAt] = revocationKeys(entry);
      try {
        if (readNow.call(inProcess, logoutAt) !== 0 || readNow.call(inProcess, epochAt) !== claims.ep) return null;
      } catch {
        return null;
      }
      return toSession(claims);
    });
  }
  return manager;
}
