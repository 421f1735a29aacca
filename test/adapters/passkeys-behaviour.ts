/**
 * Issue 18 over HTTP, part of the shared adapter suite (behaviour.ts): the passkey JSON routes answer the same on
 * both adapters. Registration from a session, a passwordless sign-in that sets the session cookie (amr hwk + user +
 * mfa), a replayed assertion refused as `401 passkey_invalid` with reason `challenge_reused` (W3C WebAuthn L3
 * §13.4.3; ja and en messages, no stack), the passkey as the second factor of a privileged login (SEC-13), and
 * malformed bodies refused as `400 invalid_request`. The assertions come from a software authenticator
 * (node:crypto P-256), checked by the real @simplewebauthn/server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdapterUnderTest, RunningServer } from './behaviour.js';
import { type Answer, PASSWORD, TENANT, type TestKanmon, cookiePair, request, testKanmon } from './kit.js';
import { SoftAuthenticator } from '../webauthn/support/authenticator.js';
import { okOf } from '../support/results.js';

const RP_ID = 'kanmon.example';
const ORIGIN = 'https://kanmon.example';

export function passkeysBehaviour(adapter: AdapterUnderTest): void {
  describe(`issue 18: the passkey routes (kanmon/${adapter.name})`, () => {
    let main: TestKanmon;
    let server: RunningServer;
    beforeAll(async () => {
      main = await testKanmon({ access: { requireTls: false }, webauthn: { enabled: true, rpId: RP_ID, origins: [ORIGIN], passwordless: true } });
      server = await adapter.serve(main.kanmon, { tenant: TENANT }, null);
    });
    afterAll(async () => {
      await server.close();
    });

    const post = (path: string, body: unknown, cookie?: string, lang = 'en') =>
      request(server.port, path, { method: 'POST', body, headers: { 'accept-language': lang, ...(cookie ? { cookie } : {}) } });
    const expectCoded = (answer: Answer, status: number, code: string) => {
      expect(answer.status, answer.text).toBe(status);
      expect((answer.json() as { error: { code: string } }).error.code).toBe(code);
      expect(answer.text).not.toMatch(/\n\s+at |\.ts:\d+|file:\/\//);
    };
    const newKey = () => new SoftAuthenticator({ origin: ORIGIN, rpId: RP_ID, counterStep: 0 });

    /** `username` (yamada unless said) signed in with the password, a passkey registered over HTTP. */
    async function registered(username = 'yamada') {
      const login = await post('/auth/login', { username, password: PASSWORD });
      expect(login.status, login.text).toBe(200);
      const cookie = cookiePair(login.cookies[0] ?? '');
      const start = await post('/auth/passkeys/register/start', {}, cookie);
      expect(start.status, start.text).toBe(200);
      const key = newKey();
      const { options } = start.json() as { options: { challenge: string; user: { id: string } } };
      const finish = await post('/auth/passkeys/register/finish', { response: key.create(options), label: 'office' }, cookie);
      expect(finish.status, finish.text).toBe(200);
      expect(finish.json()).toMatchObject({ status: 'registered', passkey: { id: key.id, label: 'office' } });
      const authTime = (login.json() as { session: { authTime: number } }).session.authTime;
      return { key, cookie, authTime };
    }

    it('registers a passkey from a session, signs in with it alone (cookie set, amr hwk + user + mfa), and refuses the replayed assertion (ja, en)', async () => {
      const { key } = await registered();
      const start = await post('/auth/passkeys/authenticate/start', {});
      expect(start.status, start.text).toBe(200);
      const assertion = key.get((start.json() as { options: { challenge: string } }).options);
      const signedIn = await post('/auth/passkeys/authenticate/finish', { response: assertion });
      expect(signedIn.status, signedIn.text).toBe(200);
      expect(signedIn.json()).toMatchObject({ status: 'authenticated', session: { subject: 'u-yamada', amr: ['hwk', 'user', 'mfa'] } });
      expect(signedIn.cookies).toHaveLength(1);
      const session = cookiePair(signedIn.cookies[0] ?? '');
      const me = await request(server.port, '/me', { headers: { cookie: session } });
      expect(me.status).toBe(200);

      const replay = await post('/auth/passkeys/authenticate/finish', { response: assertion });
      expectCoded(replay, 401, 'passkey_invalid');
      expect(replay.json()).toEqual({ error: { code: 'passkey_invalid', message: 'The passkey could not be verified. Please try again; if it keeps failing, check the device or security key you registered.', reason: 'challenge_reused' } });
      expect(replay.cookies).toEqual([]);
      const ja = await post('/auth/passkeys/authenticate/finish', { response: assertion }, undefined, 'ja');
      expect((ja.json() as { error: { message: string } }).error.message).toContain('パスキーを確認できませんでした');
    });

    it('SEC-13: the passkey as the second factor of a privileged login (the login challenge carried through start and finish)', async () => {
      // kanri (admin) has no session yet: its passkey is registered through kanmon directly, from an issued session.
      const { session } = await main.kanmon.sessions.issue({ tenant: TENANT, subject: 'u-kanri', amr: ['pwd', 'otp', 'mfa'], roles: ['admin'] });
      const key = newKey();
      const start = okOf(await main.kanmon.startPasskeyRegistration({ session }));
      okOf(await main.kanmon.finishPasskeyRegistration({ session, response: key.create(start.options) }));

      const login = await post('/auth/login', { username: 'kanri', password: PASSWORD });
      expect(login.json()).toMatchObject({ status: 'mfa_required', enrolled: true });
      const { challenge } = login.json() as { challenge: string };
      const options = await post('/auth/passkeys/authenticate/start', { challenge });
      expect(options.status, options.text).toBe(200);
      const done = await post('/auth/passkeys/authenticate/finish', { challenge, response: key.get((options.json() as { options: { challenge: string } }).options) });
      expect(done.status, done.text).toBe(200);
      expect((done.json() as { session: { amr: string[] } }).session.amr).toEqual(expect.arrayContaining(['pwd', 'hwk', 'mfa']));
    });

    it('malformed bodies and a missing session: coded, never a stack', async () => {
      expectCoded(await post('/auth/passkeys/authenticate/finish', { response: 'x' }), 400, 'invalid_request');
      expectCoded(await post('/auth/passkeys/authenticate/finish', {}), 400, 'invalid_request');
      expectCoded(await post('/auth/passkeys/authenticate/finish', { response: { id: 'AAAA', response: {} } }), 401, 'passkey_invalid');
      expectCoded(await post('/auth/passkeys/register/start', {}), 401, 'session_required');
      expectCoded(await post('/auth/passkeys/authenticate/start', { challenge: 'kc1.forged' }), 401, 'passkey_invalid');
    });

    const get = (path: string, cookie?: string, lang = 'en') => request(server.port, path, { headers: { 'accept-language': lang, ...(cookie ? { cookie } : {}) } });
    const maxAgeMs = () => main.kanmon.policy.session.reauthMaxAgeSeconds * 1000;
    /** A step-up with `key` over HTTP: start, then finish with its assertion. */
    async function stepUp(key: SoftAuthenticator, cookie: string) {
      const start = await post('/auth/passkeys/reauthenticate/start', {}, cookie);
      expect(start.status, start.text).toBe(200);
      const assertion = key.get((start.json() as { options: { challenge: string } }).options);
      return { assertion, answer: await post('/auth/passkeys/reauthenticate/finish', { response: assertion }, cookie) };
    }

    it('GET /auth/passkeys lists the account\'s passkeys (no key material, no counter); a missing session is 401 session_required', async () => {
      const { key, cookie } = await registered('lock1');
      const list = await get('/auth/passkeys', cookie);
      expect(list.status, list.text).toBe(200);
      const { passkeys } = list.json() as { passkeys: Record<string, unknown>[] };
      expect(passkeys).toHaveLength(1);
      expect(passkeys[0]).toMatchObject({ id: key.id, label: 'office', backedUp: false, lastUsedAt: null });
      expect(Object.keys(passkeys[0] ?? {}).sort()).toEqual(['aaguid', 'backedUp', 'createdAt', 'id', 'label', 'lastUsedAt', 'transports']);
      expect(list.text).not.toMatch(/publicKey|counter/);
      expectCoded(await get('/auth/passkeys'), 401, 'session_required');
    });

    it('SEC-13: step-up with a passkey (reauthenticate/start + finish): a new session cookie with hwk in its amr, the old cookie refused, the assertion not reusable', async () => {
      const { key, cookie, authTime } = await registered('lock2');
      main.clock.set(authTime + maxAgeMs() + 1000);
      const { assertion, answer } = await stepUp(key, cookie);
      expect(answer.status, answer.text).toBe(200);
      expect(answer.json()).toMatchObject({ status: 'reauthenticated', session: { subject: 'u-lock2', authTime: main.clock.now() } });
      expect((answer.json() as { session: { amr: string[] } }).session.amr).toEqual(expect.arrayContaining(['pwd', 'hwk']));
      const fresh = cookiePair(answer.cookies[0] ?? '');
      expect(fresh).not.toBe(cookie);
      expect((await get('/me', fresh)).status).toBe(200);
      expectCoded(await get('/me', cookie), 401, 'session_invalid');
      // W3C WebAuthn L3 §13.4.3: the same assertion again is refused, coded: on the new session its challenge is bound
      // to another session (challenge_mismatch); on the old one, the session is gone.
      const replay = await post('/auth/passkeys/reauthenticate/finish', { response: assertion }, fresh);
      expectCoded(replay, 401, 'passkey_invalid');
      expect((replay.json() as { error: { reason: string } }).error.reason).toBe('challenge_mismatch');
      expectCoded(await post('/auth/passkeys/reauthenticate/finish', { response: assertion }, cookie), 401, 'session_invalid');
    });

    it('SEC-13, ASVS 5.0 V7.5.1: rename and remove are allowed at exactly reauthMaxAgeSeconds, 401 reauth_required one second later (ja, en), and pass again after a passkey step-up', async () => {
      const { key, cookie, authTime } = await registered('lock3');
      main.clock.set(authTime + maxAgeMs());
      const renamed = await post('/auth/passkeys/rename', { credentialId: key.id, label: '庁舎のPC' }, cookie);
      expect(renamed.status, renamed.text).toBe(200);
      expect(renamed.json()).toEqual({ status: 'renamed' });
      expect(((await get('/auth/passkeys', cookie)).json() as { passkeys: { label: string }[] }).passkeys[0]?.label).toBe('庁舎のPC');

      main.clock.set(authTime + maxAgeMs() + 1000);
      const en = await post('/auth/passkeys/remove', { credentialId: key.id }, cookie);
      expectCoded(en, 401, 'reauth_required');
      expect(en.json()).toEqual({ error: { code: 'reauth_required', message: 'Please sign in again before making this change.' } });
      const ja = await post('/auth/passkeys/rename', { credentialId: key.id, label: 'x' }, cookie, 'ja');
      expect(ja.json()).toEqual({ error: { code: 'reauth_required', message: 'この操作には再度のログインが必要です。もう一度ログインしてから操作してください。' } });
      expect(((await get('/auth/passkeys', cookie)).json() as { passkeys: { label: string }[] }).passkeys[0]?.label).toBe('庁舎のPC');

      const { answer } = await stepUp(key, cookie);
      expect(answer.status, answer.text).toBe(200);
      const fresh = cookiePair(answer.cookies[0] ?? '');
      const removed = await post('/auth/passkeys/remove', { credentialId: key.id }, fresh);
      expect(removed.status, removed.text).toBe(200);
      expect(removed.json()).toEqual({ status: 'removed' });
      expect((await get('/auth/passkeys', fresh)).json()).toEqual({ passkeys: [] });
      // The removed key signs in no more.
      const start = await post('/auth/passkeys/authenticate/start', {});
      expectCoded(await post('/auth/passkeys/authenticate/finish', { response: key.get((start.json() as { options: { challenge: string } }).options) }), 401, 'passkey_invalid');
    });

    it('enumeration: another account\'s passkey id and an unknown id answer byte-identical 404 passkey_not_found (ja, en); the other account keeps its passkey', async () => {
      const other = await registered('lock4');
      const { cookie } = await registered('lock5');
      for (const lang of ['en', 'ja']) {
        for (const path of ['/auth/passkeys/rename', '/auth/passkeys/remove']) {
          const theirs = await post(path, { credentialId: other.key.id, label: 'mine' }, cookie, lang);
          const unknown = await post(path, { credentialId: 'A'.repeat(other.key.id.length), label: 'mine' }, cookie, lang);
          expectCoded(theirs, 404, 'passkey_not_found');
          expect(theirs.bytes.equals(unknown.bytes)).toBe(true);
          expect(theirs.headers['content-length']).toBe(unknown.headers['content-length']);
        }
      }
      expect(((await get('/auth/passkeys', other.cookie)).json() as { passkeys: { id: string; label: string }[] }).passkeys).toEqual([
        expect.objectContaining({ id: other.key.id, label: 'office' }),
      ]);
    });

    it('malformed management bodies: coded 400 invalid_request, never a stack', async () => {
      const { key, cookie } = await registered('lock6');
      expectCoded(await post('/auth/passkeys/rename', { credentialId: key.id }, cookie), 400, 'invalid_request');
      expectCoded(await post('/auth/passkeys/rename', { credentialId: key.id, label: 'x'.repeat(65) }, cookie), 400, 'invalid_request');
      expectCoded(await post('/auth/passkeys/rename', { credentialId: key.id, label: 'a\u0000b' }, cookie), 400, 'invalid_request');
      expectCoded(await post('/auth/passkeys/rename', { credentialId: key.id, label: '   ' }, cookie), 400, 'invalid_request');
      expectCoded(await post('/auth/passkeys/remove', { credentialId: 42 }, cookie), 400, 'invalid_request');
      expectCoded(await post('/auth/passkeys/remove', { credentialId: 'x'.repeat(2000) }, cookie), 400, 'invalid_request');
      expectCoded(await post('/auth/passkeys/remove', [key.id], cookie), 400, 'invalid_request');
      expectCoded(await post('/auth/passkeys/reauthenticate/finish', { response: 'x' }, cookie), 400, 'invalid_request');
      expectCoded(await post('/auth/passkeys/reauthenticate/finish', { response: { id: key.id, response: {} } }, cookie), 401, 'passkey_invalid');
      expectCoded(await post('/auth/passkeys/reauthenticate/start', {}), 401, 'session_required');
      expectCoded(await post('/auth/passkeys/remove', { credentialId: key.id }), 401, 'session_required');
      // Nothing above removed it.
      expect(((await get('/auth/passkeys', cookie)).json() as { passkeys: unknown[] }).passkeys).toHaveLength(1);
    });
  });
}
