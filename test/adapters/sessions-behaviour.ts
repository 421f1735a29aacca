/**
 * Issue 17 points 2–3 over HTTP, part of the shared adapter suite (behaviour.ts): `GET /auth/sessions`,
 * `POST /auth/sessions/revoke { sessionId }`, `POST /auth/sessions/revoke-others`, and a login refused by
 * `policy.session.maxConcurrent` (`refuse_new`: `409 session_limit`, ja and en); the same bytes on both adapters.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdapterUnderTest, RunningServer } from './behaviour.js';
import { type Answer, PASSWORD, TENANT, type TestKanmon, cookiePair, request, testKanmon } from './kit.js';

const CHROME_WIN = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';

interface Listed {
  sessionId: string;
  device: string;
  clientIp: string | null;
  current: boolean;
}

export function sessionsBehaviour(adapter: AdapterUnderTest): void {
  describe(`issue 17: the session list and revoke routes (kanmon/${adapter.name})`, () => {
    let main: TestKanmon;
    let server: RunningServer;
    beforeAll(async () => {
      main = await testKanmon({ access: { requireTls: false }, session: { maxConcurrent: { limit: 3, mode: 'refuse_new' } } });
      server = await adapter.serve(main.kanmon, { tenant: TENANT }, null);
    });
    afterAll(async () => {
      await server.close();
    });

    const call = (method: 'GET' | 'POST', path: string, cookie?: string, body?: unknown, lang = 'en') =>
      request(server.port, path, { method, ...(body === undefined ? {} : { body }), headers: { 'accept-language': lang, 'user-agent': CHROME_WIN, ...(cookie ? { cookie } : {}) } });
    const login = async (username: string) => {
      main.clock.advance(1000);
      const answer = await call('POST', '/auth/login', undefined, { username, password: PASSWORD });
      expect(answer.status, answer.text).toBe(200);
      return cookiePair(answer.cookies[0] ?? '');
    };
    const list = async (cookie: string) => {
      const answer = await call('GET', '/auth/sessions', cookie);
      expect(answer.status, answer.text).toBe(200);
      expect(answer.headers['cache-control']).toBe('no-store');
      return (answer.json() as { sessions: Listed[] }).sessions;
    };
    const expectCoded = (answer: Answer, status: number, code: string) => {
      expect(answer.status, answer.text).toBe(status);
      expect((answer.json() as { error: { code: string } }).error.code).toBe(code);
      expect(answer.text).not.toMatch(/\n\s+at |\.ts:\d+|file:\/\//);
    };

    it('GET /auth/sessions lists the account’s sessions with device and address; revoke one ends it at its next request', async () => {
      const [a, b] = [await login('lock1'), await login('lock1')];
      const listed = await list(a);
      expect(listed).toHaveLength(2);
      expect(listed.map((s) => s.current)).toEqual([true, false]);
      expect(listed[0]).toMatchObject({ device: 'Chrome on Windows', clientIp: '127.0.0.1' });
      const other = listed[1] as Listed;
      const revoked = await call('POST', '/auth/sessions/revoke', a, { sessionId: other.sessionId });
      expect(revoked.status, revoked.text).toBe(200);
      expect(revoked.json()).toEqual({ status: 'revoked' });
      expectCoded(await call('GET', '/me', b), 401, 'session_invalid');
      expect((await call('GET', '/me', a)).status).toBe(200);
      // again, or an id that is not the account's: 404 session_not_found
      expectCoded(await call('POST', '/auth/sessions/revoke', a, { sessionId: other.sessionId }), 404, 'session_not_found');
    });

    it('SEC-29: another account’s session id is 404 session_not_found and that session keeps working', async () => {
      const mine = await login('lock2');
      const theirs = await login('lock3');
      const theirId = ((await list(theirs))[0] as Listed).sessionId;
      expectCoded(await call('POST', '/auth/sessions/revoke', mine, { sessionId: theirId }), 404, 'session_not_found');
      expect((await call('GET', '/me', theirs)).status).toBe(200);
    });

    it('revoke-others keeps the caller’s session only; revoking one’s own session clears the cookie', async () => {
      const [a, b, c] = [await login('lock4'), await login('lock4'), await login('lock4')];
      const answer = await call('POST', '/auth/sessions/revoke-others', b);
      expect(answer.status, answer.text).toBe(200);
      expect(answer.json()).toEqual({ status: 'revoked', revoked: 2 });
      for (const [cookie, status] of [[a, 401], [b, 200], [c, 401]] as const) expect((await call('GET', '/me', cookie)).status).toBe(status);
      const own = ((await list(b))[0] as Listed).sessionId;
      const self = await call('POST', '/auth/sessions/revoke', b, { sessionId: own });
      expect(self.status).toBe(200);
      expect(self.cookies[0]).toMatch(/^__Host-kanmon=; Max-Age=0;/);
      expectCoded(await call('GET', '/me', b), 401, 'session_invalid');
    });

    it('no session: 401 session_required; a malformed body: 400 invalid_request', async () => {
      expectCoded(await call('GET', '/auth/sessions'), 401, 'session_required');
      expectCoded(await call('POST', '/auth/sessions/revoke-others'), 401, 'session_required');
      const cookie = await login('lock5');
      expectCoded(await call('POST', '/auth/sessions/revoke', cookie, { sessionId: 42 }), 400, 'invalid_request');
      expectCoded(await call('POST', '/auth/sessions/revoke', cookie, { sessionId: 'x'.repeat(65) }), 400, 'invalid_request');
      expectCoded(await call('POST', '/auth/sessions/revoke', cookie, { sessionId: '../../etc' }), 404, 'session_not_found');
    });

    it('maxConcurrent refuse_new: the fourth login is 409 session_limit, with a Japanese message by default', async () => {
      for (let i = 0; i < 3; i++) await login('lock6');
      const en = await call('POST', '/auth/login', undefined, { username: 'lock6', password: PASSWORD });
      expectCoded(en, 409, 'session_limit');
      expect((en.json() as { error: { message: string } }).error.message).toMatch(/maximum number of devices/);
      const ja = await call('POST', '/auth/login', undefined, { username: 'lock6', password: PASSWORD }, 'ja');
      expectCoded(ja, 409, 'session_limit');
      expect((ja.json() as { error: { message: string } }).error.message).toMatch(/上限/);
    });
  });
}
