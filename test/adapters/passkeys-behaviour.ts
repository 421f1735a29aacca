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

    /** yamada signed in with the password, a passkey registered over HTTP. */
    async function registered() {
      const login = await post('/auth/login', { username: 'yamada', password: PASSWORD });
      expect(login.status, login.text).toBe(200);
      const cookie = cookiePair(login.cookies[0] ?? '');
      const start = await post('/auth/passkeys/register/start', {}, cookie);
      expect(start.status, start.text).toBe(200);
      const key = newKey();
      const { options } = start.json() as { options: { challenge: string; user: { id: string } } };
      const finish = await post('/auth/passkeys/register/finish', { response: key.create(options), label: 'office' }, cookie);
      expect(finish.status, finish.text).toBe(200);
      expect(finish.json()).toMatchObject({ status: 'registered', passkey: { id: key.id, label: 'office' } });
      return { key, cookie };
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
  });
}
