/**
 * Issue 17, points 2 and 3: the per-account session index (listSessions, revokeSession,
 * revokeOtherSessions) and policy.session.maxConcurrent, on every store (memory, Redis, PostgreSQL).
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  type KanmonStore,
  type LoginResult,
  createAuditLog,
  createKanmon,
  createKeyRing,
  createPasswordHasher,
  memoryAccounts,
  memoryAuditSink,
  memoryStore,
  newAccount,
} from '../../src/index.js';
import { KanmonError } from '../../src/errors.js';
import { redisStore } from '../../src/redis/index.js';
import { BUSINESS_DAY_10_JST, GOOD_PASSWORD, makeWorld, testPolicy } from '../login/support.js';
import { useRedisServer } from '../support/redis.js';
import { onEveryStore } from '../support/stores.js';
import { requireService } from '../support/services.js';

const CHROME_WIN = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const SAFARI_IOS = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1';

type Authenticated = Extract<LoginResult, { status: 'authenticated' }>;
function authenticated(result: LoginResult): Authenticated {
  if (result.status !== 'authenticated') throw new Error(`expected authenticated, got ${JSON.stringify(result)}`);
  return result;
}

onEveryStore((storeName, makeStore) => {
  describe(`session list and revoke one (${storeName})`, () => {
    it('lists each login of the account with its device, address, methods and times; the caller’s own is current', async () => {
      const w = makeWorld(makeStore);
      await w.addUser('sato');
      const a = authenticated(await w.kanmon.login({ tenant: w.tenant, username: 'sato', password: GOOD_PASSWORD, clientIp: '10.1.2.3', tls: true, userAgent: CHROME_WIN }));
      w.clock.advance(5_000);
      const b = authenticated(await w.kanmon.login({ tenant: w.tenant, username: 'sato', password: GOOD_PASSWORD, clientIp: '10.9.8.7', tls: true, userAgent: SAFARI_IOS }));
      const listed = await w.kanmon.listSessions({ session: b.session });
      expect(listed).toEqual({
        ok: true,
        sessions: [
          { sessionId: a.session.sessionId, createdAt: BUSINESS_DAY_10_JST, lastSeenAt: BUSINESS_DAY_10_JST, clientIp: '10.1.2.3', device: 'Chrome on Windows', amr: ['pwd'], absoluteExpiresAt: a.session.absoluteExpiresAt, current: false },
          { sessionId: b.session.sessionId, createdAt: BUSINESS_DAY_10_JST + 5_000, lastSeenAt: BUSINESS_DAY_10_JST + 5_000, clientIp: '10.9.8.7', device: 'Safari on iOS', amr: ['pwd'], absoluteExpiresAt: b.session.absoluteExpiresAt, current: true },
        ],
      });
    });

    it('last seen moves only when the token is refreshed (at most once per refreshAfterMs), not on every verify', async () => {
      const w = makeWorld(makeStore);
      await w.addUser('sato');
      const a = authenticated(await w.kanmon.login({ tenant: w.tenant, username: 'sato', password: GOOD_PASSWORD, clientIp: '10.1.2.3', tls: true }));
      w.clock.advance(30_000);
      const early = await w.kanmon.sessions.verify(a.token, { tenant: w.tenant });
      expect(early.ok && early.refreshed).toBeFalsy();
      expect((await w.kanmon.sessions.list(w.tenant, a.session.subject))[0]?.lastSeenAt).toBe(BUSINESS_DAY_10_JST);
      w.clock.advance(31_000);
      const due = await w.kanmon.sessions.verify(a.token, { tenant: w.tenant });
      expect(due.ok && due.refreshed !== undefined).toBe(true);
      expect((await w.kanmon.sessions.list(w.tenant, a.session.subject))[0]?.lastSeenAt).toBe(BUSINESS_DAY_10_JST + 61_000);
    });

    it('revokeSession ends that session at its next request, the others keep working; audited', async () => {
      const w = makeWorld(makeStore);
      await w.addUser('sato');
      const login = async () => {
        w.clock.advance(1000);
        return w.kanmon.login({ tenant: w.tenant, username: 'sato', password: GOOD_PASSWORD, clientIp: '10.1.2.3', tls: true });
      };
      const [a, b, c] = [authenticated(await login()), authenticated(await login()), authenticated(await login())];
      await expect(w.kanmon.revokeSession({ session: a.session, sessionId: b.session.sessionId, clientIp: '10.1.2.3' })).resolves.toEqual({ ok: true });
      await expect(w.kanmon.sessions.verify(b.token, { tenant: w.tenant })).resolves.toEqual({ ok: false, reason: 'revoked' });
      expect((await w.kanmon.sessions.verify(a.token, { tenant: w.tenant })).ok).toBe(true);
      expect((await w.kanmon.sessions.verify(c.token, { tenant: w.tenant })).ok).toBe(true);
      const listed = await w.kanmon.listSessions({ session: a.session });
      expect(listed.ok && listed.sessions.map((s) => s.sessionId)).toEqual([a.session.sessionId, c.session.sessionId]);
      // once only: the second revoke finds nothing
      await expect(w.kanmon.revokeSession({ session: a.session, sessionId: b.session.sessionId })).resolves.toEqual({ ok: false, reason: 'not_found' });
      const revoked = w.events().filter((e) => e.type === 'auth.session.revoked');
      expect(revoked).toHaveLength(1);
      expect(revoked[0]).toMatchObject({ reason: 'user_revoke', target: a.session.subject, after: { sessionId: b.session.sessionId, by: a.session.sessionId } });
    });

    it('SEC-29 / ASVS 5.0 V7.4: an account sees and revokes only its own sessions (another account’s id is not_found and stays valid)', async () => {
      const w = makeWorld(makeStore);
      await w.addUser('sato');
      await w.addUser('suzuki');
      const mine = authenticated(await w.kanmon.login({ tenant: w.tenant, username: 'sato', password: GOOD_PASSWORD, clientIp: '10.1.2.3', tls: true }));
      const theirs = authenticated(await w.kanmon.login({ tenant: w.tenant, username: 'suzuki', password: GOOD_PASSWORD, clientIp: '10.1.2.4', tls: true }));
      await expect(w.kanmon.revokeSession({ session: mine.session, sessionId: theirs.session.sessionId })).resolves.toEqual({ ok: false, reason: 'not_found' });
      expect((await w.kanmon.sessions.verify(theirs.token, { tenant: w.tenant })).ok).toBe(true);
      const listed = await w.kanmon.listSessions({ session: mine.session });
      expect(listed.ok && listed.sessions.map((s) => s.sessionId)).toEqual([mine.session.sessionId]);
      // malformed ids are not_found, never a crash or a store key escape
      for (const bad of ['', '../x', 'a:b', 'x'.repeat(65), 42 as unknown as string]) {
        await expect(w.kanmon.revokeSession({ session: mine.session, sessionId: bad })).resolves.toEqual({ ok: false, reason: 'not_found' });
      }
    });

    it('revokeOtherSessions ends every other session of the account and keeps the caller’s', async () => {
      const w = makeWorld(makeStore);
      await w.addUser('sato');
      const login = () => w.kanmon.login({ tenant: w.tenant, username: 'sato', password: GOOD_PASSWORD, clientIp: '10.1.2.3', tls: true });
      const sessions = [authenticated(await login()), authenticated(await login()), authenticated(await login())];
      const me = sessions[1] as Authenticated;
      await expect(w.kanmon.revokeOtherSessions({ session: me.session })).resolves.toEqual({ ok: true, revoked: 2 });
      for (const s of sessions) expect((await w.kanmon.sessions.verify(s.token, { tenant: w.tenant })).ok).toBe(s === me);
      const events = w.events().filter((e) => e.type === 'auth.session.revoked');
      expect(events).toHaveLength(1);
      expect(events[0]?.reason).toBe('user_revoke_others');
      const ids = (events[0]?.after as { sessionIds: string[] }).sessionIds;
      expect([...ids].sort()).toEqual([sessions[0]?.session.sessionId, sessions[2]?.session.sessionId].sort());
    });

    it('logout and revokeAll (password change) take sessions off the list', async () => {
      const w = makeWorld(makeStore);
      await w.addUser('sato');
      const login = () => w.kanmon.login({ tenant: w.tenant, username: 'sato', password: GOOD_PASSWORD, clientIp: '10.1.2.3', tls: true });
      const [a, b] = [authenticated(await login()), authenticated(await login())];
      await w.kanmon.logout({ session: a.session });
      expect((await w.kanmon.sessions.list(w.tenant, a.session.subject)).map((s) => s.sessionId)).toEqual([b.session.sessionId]);
      await w.kanmon.sessions.revokeAll(w.tenant, b.session.subject);
      expect(await w.kanmon.sessions.list(w.tenant, b.session.subject)).toEqual([]);
    });
  });

  describe(`policy.session.maxConcurrent (${storeName})`, () => {
    for (const mode of ['evict_oldest', 'refuse_new'] as const) {
      it(`20 parallel logins of one account at limit 3 (${mode}) leave exactly 3 live sessions`, async () => {
        // The lockout counts attempts in flight (SEC-24): let 20 right passwords race past it, so the session limit decides.
        const w = makeWorld(makeStore, { session: { maxConcurrent: { limit: 3, mode } }, lockout: { maxFailures: 50 } });
        await w.addUser('sato');
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) => w.kanmon.login({ tenant: w.tenant, username: 'sato', password: GOOD_PASSWORD, clientIp: `10.1.3.${i + 1}`, tls: true })),
        );
        const issued = results.filter((r): r is Authenticated => r.status === 'authenticated');
        const verdicts = await Promise.all(issued.map((r) => w.kanmon.sessions.verify(r.token, { tenant: w.tenant })));
        const live = verdicts.filter((v) => v.ok);
        expect(live).toHaveLength(3);
        const subject = issued[0]?.session.subject as string;
        expect(await w.kanmon.sessions.list(w.tenant, subject)).toHaveLength(3);
        if (mode === 'refuse_new') {
          expect(issued).toHaveLength(3);
          expect(results.filter((r) => r.status === 'denied')).toEqual(Array.from({ length: 17 }, () => ({ status: 'denied', reason: 'session_limit', limit: 3 })));
          expect(w.events().filter((e) => e.type === 'auth.login.failure' && e.reason === 'session_limit')).toHaveLength(17);
        } else {
          expect(issued).toHaveLength(20);
          // the evicted are refused at their next request, as revoked
          expect(verdicts.filter((v) => !v.ok)).toEqual(Array.from({ length: 17 }, () => ({ ok: false, reason: 'revoked' })));
          // and each eviction is audited once, naming the sessions it ended
          const evictions = w.events().filter((e) => e.type === 'auth.session.revoked' && e.reason === 'session_limit');
          expect(evictions.flatMap((e) => (e.after as { sessionIds: string[] }).sessionIds)).toHaveLength(17);
        }
      });
    }

    it('refuse_new refuses logins only: a session issued otherwise (sessions.issue, a step-up’s replacement) ends the oldest instead of failing', async () => {
      const w = makeWorld(makeStore, { session: { maxConcurrent: { limit: 1, mode: 'refuse_new' } } });
      await w.addUser('sato');
      const first = authenticated(await w.kanmon.login({ tenant: w.tenant, username: 'sato', password: GOOD_PASSWORD, clientIp: '10.1.2.3', tls: true }));
      w.clock.advance(1000);
      const issued = await w.kanmon.sessions.issue({ tenant: w.tenant, subject: first.session.subject, amr: ['pwd'] });
      await expect(w.kanmon.sessions.verify(first.token, { tenant: w.tenant })).resolves.toEqual({ ok: false, reason: 'revoked' });
      expect((await w.kanmon.sessions.verify(issued.token, { tenant: w.tenant })).ok).toBe(true);
      expect((await w.kanmon.sessions.list(w.tenant, first.session.subject)).map((s) => s.sessionId)).toEqual([issued.session.sessionId]);
    });

    it('evict_oldest evicts the oldest session; refuse_new admits a login again once a session ends', async () => {
      const w = makeWorld(makeStore, { session: { maxConcurrent: { limit: 2, mode: 'evict_oldest' } } });
      await w.addUser('sato');
      const login = async () => {
        w.clock.advance(1000);
        return authenticated(await w.kanmon.login({ tenant: w.tenant, username: 'sato', password: GOOD_PASSWORD, clientIp: '10.1.2.3', tls: true }));
      };
      const [a, b, c] = [await login(), await login(), await login()];
      await expect(w.kanmon.sessions.verify(a.token, { tenant: w.tenant })).resolves.toEqual({ ok: false, reason: 'revoked' });
      expect((await w.kanmon.sessions.verify(b.token, { tenant: w.tenant })).ok).toBe(true);
      expect((await w.kanmon.sessions.verify(c.token, { tenant: w.tenant })).ok).toBe(true);

      const r = makeWorld(makeStore, { session: { maxConcurrent: { limit: 1, mode: 'refuse_new' } } });
      await r.addUser('sato');
      const first = authenticated(await r.kanmon.login({ tenant: r.tenant, username: 'sato', password: GOOD_PASSWORD, clientIp: '10.1.2.3', tls: true }));
      await expect(r.kanmon.login({ tenant: r.tenant, username: 'sato', password: GOOD_PASSWORD, clientIp: '10.1.2.3', tls: true })).resolves.toEqual({ status: 'denied', reason: 'session_limit', limit: 1 });
      await r.kanmon.logout({ session: first.session });
      expect((await r.kanmon.login({ tenant: r.tenant, username: 'sato', password: GOOD_PASSWORD, clientIp: '10.1.2.3', tls: true })).status).toBe('authenticated');
      // an idle-expired session no longer counts
      r.clock.advance(r.policy.session.idleTimeoutMs);
      expect((await r.kanmon.login({ tenant: r.tenant, username: 'sato', password: GOOD_PASSWORD, clientIp: '10.1.2.3', tls: true })).status).toBe('authenticated');
    });
  });
});

describe.skipIf(!requireService('redis'))('revoke one across instances (Redis, each instance with a warm verified-token cache)', () => {
  const redis = useRedisServer();

  it('a session revoked on instance A is refused on instance B at its next request; the others still work on both', async () => {
    const keyRing = createKeyRing({ keys: [{ id: 'k1', secret: randomBytes(32) }], current: 'k1' });
    const policy = testPolicy();
    const accounts = memoryAccounts();
    const tenant = `city-${randomBytes(4).toString('hex')}`;
    const now = () => Date.now();
    // two instances: each its own client, store, audit log and session manager (its own cache)
    const instance = () =>
      createKanmon({ policy, store: redisStore({ client: redis.client() }), accounts, keyRing, audit: createAuditLog({ sink: memoryAuditSink(), keyRing, stream: 'auth', now }), now });
    const a = instance();
    const b = instance();
    await accounts.create(newAccount({ id: 'u-1', tenant, username: 'sato', passwordHash: await createPasswordHasher({ policy, keyRing }).hash(GOOD_PASSWORD), passwordChangedAt: now() }));
    const login = async () => authenticated(await a.login({ tenant, username: 'sato', password: GOOD_PASSWORD, clientIp: '10.1.2.3', tls: true, userAgent: CHROME_WIN }));
    const sessions = [await login(), await login(), await login()];
    // warm both caches: every token verified on both instances (B checks the signatures once, then caches them)
    for (const k of [a, b]) for (const s of sessions) expect((await k.sessions.verify(s.token, { tenant })).ok).toBe(true);
    const [s0, s1, s2] = sessions as [Authenticated, Authenticated, Authenticated];

    await expect(a.revokeSession({ session: s0.session, sessionId: s1.session.sessionId })).resolves.toEqual({ ok: true });
    await expect(b.sessions.verify(s1.token, { tenant })).resolves.toEqual({ ok: false, reason: 'revoked' });
    await expect(a.sessions.verify(s1.token, { tenant })).resolves.toEqual({ ok: false, reason: 'revoked' });
    for (const k of [a, b]) for (const s of [s0, s2]) expect((await k.sessions.verify(s.token, { tenant })).ok).toBe(true);

    // and the other way round: revoked through B, refused on A
    await expect(b.revokeSession({ session: s2.session, sessionId: s0.session.sessionId })).resolves.toEqual({ ok: true });
    await expect(a.sessions.verify(s0.token, { tenant })).resolves.toEqual({ ok: false, reason: 'revoked' });
    const listed = await b.listSessions({ session: s2.session });
    expect(listed.ok && listed.sessions.map((s) => s.sessionId)).toEqual([s2.session.sessionId]);
  });
});

describe('a custom store without the entry lists (written against the older contract)', () => {
  /** The memory store with only the pre-issue-17 primitives: no entry lists. */
  const olderStore = (): KanmonStore => {
    const inner = memoryStore();
    const { addEntry: _a, listEntries: _l, removeEntry: _r, touchEntry: _t, ...rest } = inner;
    return { ...rest, name: 'legacy' };
  };

  it('logins and sessions keep working; listSessions is ERR_CAPABILITY_MISSING naming what is missing, never a crash', async () => {
    const w = makeWorld(olderStore);
    await w.addUser('sato');
    const a = authenticated(await w.kanmon.login({ tenant: w.tenant, username: 'sato', password: GOOD_PASSWORD, clientIp: '10.1.2.3', tls: true }));
    expect((await w.kanmon.sessions.verify(a.token, { tenant: w.tenant })).ok).toBe(true);
    const err = await w.kanmon.listSessions({ session: a.session }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KanmonError);
    expect((err as KanmonError).code).toBe('ERR_CAPABILITY_MISSING');
    expect((err as KanmonError).message).toContain("'legacy' store does not offer them");
    await expect(w.kanmon.revokeSession({ session: a.session, sessionId: a.session.sessionId })).rejects.toMatchObject({ code: 'ERR_CAPABILITY_MISSING' });
  });

  it('a maxConcurrent policy on it is refused when kanmon is built (ERR_CAPABILITY_MISSING)', () => {
    expect(() => makeWorld(olderStore, { session: { maxConcurrent: { limit: 2, mode: 'refuse_new' } } })).toThrow(expect.objectContaining({ code: 'ERR_CAPABILITY_MISSING' }) as Error);
  });
});

describe('an outage of the session index is a coded answer, never a throw', () => {
  it('listSessions / revokeSession / revokeOtherSessions answer unavailable; a login whose index write fails is denied unavailable', async () => {
    let failing = false;
    const flaky = (now: () => number): KanmonStore => {
      const inner = memoryStore({ now });
      const fail = <T>(run: () => Promise<T>): Promise<T> => (failing ? Promise.reject(new Error('ECONNRESET')) : run());
      return {
        ...inner,
        addEntry: (...a) => fail(() => inner.addEntry(...a)),
        listEntries: (...a) => fail(() => inner.listEntries(...a)),
        removeEntry: (...a) => fail(() => inner.removeEntry(...a)),
        touchEntry: (...a) => fail(() => inner.touchEntry(...a)),
      };
    };
    const w = makeWorld(flaky);
    await w.addUser('sato');
    const a = authenticated(await w.kanmon.login({ tenant: w.tenant, username: 'sato', password: GOOD_PASSWORD, clientIp: '10.1.2.3', tls: true }));
    failing = true;
    await expect(w.kanmon.listSessions({ session: a.session })).resolves.toEqual({ ok: false, reason: 'unavailable', retryAfterMs: 1000 });
    await expect(w.kanmon.revokeSession({ session: a.session, sessionId: a.session.sessionId })).resolves.toEqual({ ok: false, reason: 'unavailable', retryAfterMs: 1000 });
    await expect(w.kanmon.revokeOtherSessions({ session: a.session })).resolves.toEqual({ ok: false, reason: 'unavailable', retryAfterMs: 1000 });
    await expect(w.kanmon.login({ tenant: w.tenant, username: 'sato', password: GOOD_PASSWORD, clientIp: '10.1.2.3', tls: true })).resolves.toMatchObject({ status: 'denied', reason: 'unavailable' });
    // a verify never reads the index: the session still verifies
    expect((await w.kanmon.sessions.verify(a.token, { tenant: w.tenant })).ok).toBe(true);
  });
});

describe('step-up and the session index', () => {
  it('reauthenticate at the refuse_new limit replaces the session (never session_limit, never a throw); the list shows the new one with its device', async () => {
    const w = makeWorld((now) => memoryStore({ now }), { session: { maxConcurrent: { limit: 1, mode: 'refuse_new' } } });
    await w.addUser('sato');
    const first = authenticated(await w.kanmon.login({ tenant: w.tenant, username: 'sato', password: GOOD_PASSWORD, clientIp: '10.1.2.3', tls: true, userAgent: CHROME_WIN }));
    w.clock.advance(1000);
    const renewed = await w.kanmon.reauthenticate({ session: first.session, password: GOOD_PASSWORD, clientIp: '10.1.2.3', tls: true, userAgent: SAFARI_IOS });
    if (!renewed.ok) throw new Error(JSON.stringify(renewed));
    await expect(w.kanmon.sessions.verify(first.token, { tenant: w.tenant })).resolves.toEqual({ ok: false, reason: 'revoked' });
    expect((await w.kanmon.sessions.verify(renewed.token, { tenant: w.tenant })).ok).toBe(true);
    const listed = await w.kanmon.listSessions({ session: renewed.session });
    expect(listed.ok && listed.sessions.map((s) => [s.sessionId, s.device, s.clientIp, s.current])).toEqual([[renewed.session.sessionId, 'Safari on iOS', '10.1.2.3', true]]);
  });
});
