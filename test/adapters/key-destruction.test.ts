/**
 * FNB-4.1, SEC-31 over HTTP, on both adapters: after the session key `k1` is
 * destroyed (rotation to `k2`, then `keyRing.destroy('k1')`), a session cookie
 * signed with `k1` that the server has already accepted (so its verified-token
 * cache holds it) is refused at the next request with 401 `session_invalid`,
 * and two minutes later it is still refused and no cookie with a fresh `k2`
 * token is handed out for it.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditLog, createKanmon, createKeyRing, createPasswordHasher, memoryAccounts, memoryAuditSink, memoryStore, newAccount } from '../../src/index.js';
import type { Kanmon } from '../../src/login/types.js';
import type { AdapterUnderTest, RunningServer } from './behaviour.js';
import { PASSWORD, TENANT, BUSINESS_DAY_10_JST, cookiePair, manualClock, request, testPolicy } from './kit.js';
import { expressAdapter, fastifyAdapter } from './servers.js';
import { nestExpressAdapter, nestFastifyAdapter } from './nest-servers.js';

const JWT_COOKIE = /=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+;/;

for (const adapter of [expressAdapter, fastifyAdapter, nestExpressAdapter, nestFastifyAdapter] as AdapterUnderTest[]) {
  describe(`FNB-4.1 / SEC-31: a destroyed session key over HTTP (kanmon/${adapter.name})`, () => {
    const clock = manualClock();
    const keyRing = createKeyRing({ keys: [{ id: 'k1', secret: randomBytes(32) }], current: 'k1' });
    let kanmon: Kanmon;
    let server: RunningServer;

    beforeAll(async () => {
      const policy = testPolicy({ access: { requireTls: false } });
      const hasher = createPasswordHasher({ policy, keyRing });
      const accounts = memoryAccounts([
        newAccount({ id: 'u-yamada', tenant: TENANT, username: 'yamada', passwordHash: await hasher.hash(PASSWORD), passwordChangedAt: BUSINESS_DAY_10_JST - 86_400_000, roles: ['staff'] }),
      ]);
      const audit = createAuditLog({ sink: memoryAuditSink(), keyRing, stream: 'test', now: clock.now, policy });
      kanmon = createKanmon({ policy, store: memoryStore({ now: clock.now }), accounts, keyRing, audit, now: clock.now, hasher });
      server = await adapter.serve(kanmon, { tenant: TENANT }, null);
    });
    afterAll(async () => {
      await server.close();
    });

    it('a cookie the server already accepted is refused at the next request, and never rolled into a k2 token', async () => {
      const login = await request(server.port, '/auth/login', { method: 'POST', body: { username: 'yamada', password: PASSWORD } });
      expect(login.status).toBe(200);
      const cookie = cookiePair(login.cookies[0] ?? '');
      expect((await request(server.port, '/me', { headers: { cookie } })).status).toBe(200);

      keyRing.add({ id: 'k2', secret: randomBytes(32) });
      keyRing.setCurrent('k2');
      keyRing.destroy('k1');

      const now = await request(server.port, '/me', { headers: { cookie, 'accept-language': 'en' } });
      expect(now.status).toBe(401);
      expect((now.json() as { error: { code: string } }).error.code).toBe('session_invalid');
      clock.advance(2 * 60_000);
      const later = await request(server.port, '/me', { headers: { cookie } });
      expect(later.status).toBe(401);
      expect((later.json() as { error: { code: string } }).error.code).toBe('session_invalid');
      expect(later.cookies.some((c) => JWT_COOKIE.test(c))).toBe(false);

      // A new login signs with k2 and works.
      const again = await request(server.port, '/auth/login', { method: 'POST', body: { username: 'yamada', password: PASSWORD } });
      expect((await request(server.port, '/me', { headers: { cookie: cookiePair(again.cookies[0] ?? '') } })).status).toBe(200);
    });
  });
}
