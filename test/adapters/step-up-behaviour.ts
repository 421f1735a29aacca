/**
 * Issue 17 point 1 over HTTP, part of the shared adapter suite (behaviour.ts): `requireRecentAuth(maxAgeSeconds?)`
 * admits a session up to exactly its max age and answers `401 reauth_required` (stable code, ja/en message) one
 * second later, on the injected clock (SEC-13); `POST /auth/reauthenticate` proves the password or a code again
 * through the lockout (SEC-24) and sets the NEW session's cookie; the old cookie is refused. The same on both adapters.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdapterUnderTest, RunningServer } from './behaviour.js';
import { type Answer, PASSWORD, TENANT, type TestKanmon, cookiePair, request, testKanmon } from './kit.js';

export function stepUpBehaviour(adapter: AdapterUnderTest): void {
  describe(`issue 17: requireRecentAuth and POST /auth/reauthenticate (kanmon/${adapter.name})`, () => {
    let main: TestKanmon;
    let server: RunningServer;
    beforeAll(async () => {
      main = await testKanmon({ access: { requireTls: false } });
      server = await adapter.serve(main.kanmon, { tenant: TENANT }, null);
    });
    afterAll(async () => {
      await server.close();
    });

    const get = (path: string, cookie: string, lang = 'en') => request(server.port, path, { headers: { 'accept-language': lang, cookie } });
    const post = (path: string, body: unknown, cookie?: string) =>
      request(server.port, path, { method: 'POST', body, headers: { 'accept-language': 'en', ...(cookie ? { cookie } : {}) } });
    /** A password-only session (loopback is internal: no MFA asked), and when it authenticated. */
    const loggedIn = async (username: string) => {
      const answer = await post('/auth/login', { username, password: PASSWORD });
      expect(answer.status, answer.text).toBe(200);
      return { cookie: cookiePair(answer.cookies[0] ?? ''), authTime: (answer.json() as { session: { authTime: number } }).session.authTime };
    };
    const maxAgeMs = () => main.kanmon.policy.session.reauthMaxAgeSeconds * 1000;
    const expectCoded = (answer: Answer, status: number, code: string) => {
      expect(answer.status, answer.text).toBe(status);
      expect((answer.json() as { error: { code: string } }).error.code).toBe(code);
      expect(answer.text).not.toMatch(/\n\s+at |\.ts:\d+|file:\/\//);
    };

    it('SEC-13: requireRecentAuth() admits the session at exactly policy.session.reauthMaxAgeSeconds; one second later 401 reauth_required (ja and en)', async () => {
      const { cookie, authTime } = await loggedIn('lock1');
      main.clock.set(authTime + maxAgeMs());
      expect((await get('/recent', cookie)).status).toBe(200);
      main.clock.set(authTime + maxAgeMs() + 1000);
      const en = await get('/recent', cookie, 'en');
      expectCoded(en, 401, 'reauth_required');
      expect(en.json()).toEqual({ error: { code: 'reauth_required', message: 'Please sign in again before making this change.' } });
      const ja = await get('/recent', cookie, 'ja');
      expect(ja.json()).toEqual({ error: { code: 'reauth_required', message: 'この操作には再度のログインが必要です。もう一度ログインしてから操作してください。' } });
      // The session itself is still good: requireSession admits it.
      expect((await get('/me', cookie)).status).toBe(200);
    });

    it('SEC-13: requireRecentAuth(60): allowed at 60 s, 401 reauth_required at 61 s', async () => {
      const { cookie, authTime } = await loggedIn('lock2');
      main.clock.set(authTime + 60_000);
      expect((await get('/recent-60', cookie)).status).toBe(200);
      main.clock.set(authTime + 61_000);
      expectCoded(await get('/recent-60', cookie), 401, 'reauth_required');
    });

    it('POST /auth/reauthenticate { password }: 200 with a new session cookie; the guard admits it again; the old cookie is 401 session_invalid', async () => {
      const { cookie, authTime } = await loggedIn('lock3');
      main.clock.set(authTime + maxAgeMs() + 1000);
      expectCoded(await get('/recent', cookie), 401, 'reauth_required');
      const answer = await post('/auth/reauthenticate', { password: PASSWORD }, cookie);
      expect(answer.status, answer.text).toBe(200);
      expect(answer.headers['cache-control']).toBe('no-store');
      const body = answer.json() as { status: string; session: { authTime: number; subject: string }; token?: string };
      expect(body).toMatchObject({ status: 'reauthenticated', session: { subject: 'u-lock3', authTime: main.clock.now() } });
      expect(body.token).toBeUndefined();
      const renewed = cookiePair(answer.cookies[0] ?? '');
      expect(answer.cookies[0]).toMatch(/^__Host-kanmon=.+; .*HttpOnly/);
      expect(renewed).not.toBe(cookie);
      expect((await get('/recent', renewed)).status).toBe(200);
      expectCoded(await get('/me', cookie), 401, 'session_invalid');
    });

    it('SEC-24: wrong passwords are 401 invalid_credentials, then 429 locked with Retry-After; the login is locked too', async () => {
      const { cookie } = await loggedIn('lock4');
      const max = main.kanmon.policy.lockout.maxFailures;
      for (let i = 1; i < max; i++) expectCoded(await post('/auth/reauthenticate', { password: 'Wrong#Pass9x' }, cookie), 401, 'invalid_credentials');
      const locked = await post('/auth/reauthenticate', { password: 'Wrong#Pass9x' }, cookie);
      expectCoded(locked, 429, 'locked');
      expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
      expectCoded(await post('/auth/login', { username: 'lock4', password: PASSWORD }), 429, 'locked');
    });

    it('malformed: neither or both fields, a non-string, no session: coded 400 / 401, never a stack', async () => {
      const { cookie } = await loggedIn('lock5');
      expectCoded(await post('/auth/reauthenticate', {}, cookie), 400, 'invalid_request');
      expectCoded(await post('/auth/reauthenticate', { password: PASSWORD, code: '123456' }, cookie), 400, 'invalid_request');
      expectCoded(await post('/auth/reauthenticate', { password: 12345 }, cookie), 400, 'invalid_request');
      expectCoded(await post('/auth/reauthenticate', '[1,2]', cookie), 400, 'invalid_request');
      expectCoded(await post('/auth/reauthenticate', { password: PASSWORD }), 401, 'session_required');
      expectCoded(await post('/auth/reauthenticate', { code: '123456' }, cookie), 403, 'mfa_not_enrolled');
    });
  });
}
