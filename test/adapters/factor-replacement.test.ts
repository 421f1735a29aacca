/**
 * ASVS 5.0 V7.5.1 / V6 over HTTP, on both adapters: the session of a staff
 * account let in with its password alone (loopback is the internal network
 * here) cannot replace the account's TOTP through `POST /auth/totp/enroll` and
 * `/auth/totp/confirm`. Replacing needs `currentCode` (a code of the current
 * app or a recovery code) and a session younger than
 * `policy.session.reauthMaxAgeSeconds`; the answers are coded, stack-free
 * JSON bodies.
 */
import { generateSync } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdapterUnderTest, RunningServer } from './behaviour.js';
import { type Answer, PASSWORD, TENANT, type TestKanmon, cookiePair, request, testKanmon } from './kit.js';
import { expressAdapter, fastifyAdapter } from './servers.js';
import { nestExpressAdapter, nestFastifyAdapter } from './nest-servers.js';

const STEP = 30_000;

for (const adapter of [expressAdapter, fastifyAdapter, nestExpressAdapter, nestFastifyAdapter] as AdapterUnderTest[]) {
  describe(`ASVS 5.0 V7.5.1: replacing the second factor over HTTP (kanmon/${adapter.name})`, () => {
    let main: TestKanmon;
    let server: RunningServer;

    beforeAll(async () => {
      main = await testKanmon({ access: { requireTls: false } });
      server = await adapter.serve(main.kanmon, { tenant: TENANT }, null);
    });
    afterAll(async () => {
      await server.close();
    });

    const post = (path: string, body: unknown, cookie?: string) =>
      request(server.port, path, { method: 'POST', body, headers: { 'accept-language': 'en', ...(cookie ? { cookie } : {}) } });
    /** A password-only session (loopback is internal: no MFA asked). */
    const passwordOnly = async (username = 'yamada') => {
      const answer = await post('/auth/login', { username, password: PASSWORD });
      expect(answer.status).toBe(200);
      expect((answer.json() as { session: { amr: string[] } }).session.amr).toEqual(['pwd']);
      return cookiePair(answer.cookies[0] ?? '');
    };
    const codeOf = (secret: string) => generateSync({ secret, digits: 6, period: 30, epoch: Math.floor(main.clock.now() / 1000) });
    const error = (answer: Answer) => (answer.json() as { error: { code: string; message: string } }).error;
    const expectCoded = (answer: Answer, status: number, code: string) => {
      expect(answer.status, answer.text).toBe(status);
      expect(error(answer).code).toBe(code);
      expect(answer.text).not.toMatch(/\n\s+at |\.ts:\d+|file:\/\//);
    };

    /** First enrolment from a fresh session (allowed without a code: there is no factor yet). */
    async function enrol(cookie: string, currentCode?: string) {
      const started = await post('/auth/totp/enroll', currentCode === undefined ? {} : { currentCode }, cookie);
      expect(started.status, started.text).toBe(200);
      const secret = new URL((started.json() as { uri: string }).uri).searchParams.get('secret') ?? '';
      main.clock.advance(STEP); // the first code of the new app is of a later step than any code just used
      const confirmed = await post('/auth/totp/confirm', { code: codeOf(secret) }, cookie);
      expect(confirmed.status, confirmed.text).toBe(200);
      const body = confirmed.json() as { status: string; recoveryCodes: string[] };
      expect(body.status).toBe('enrolled');
      expect(body.recoveryCodes).toHaveLength(10);
      main.clock.advance(STEP);
      return { secret, recoveryCodes: body.recoveryCodes };
    }

    it('a password-only session on an enrolled account: enrol 403 factor_required, a wrong code 401, confirm 403; the owner’s app and codes still work', async () => {
      const owner = await enrol(await passwordOnly('lock7'));
      const intruder = await passwordOnly('lock7');

      expectCoded(await post('/auth/totp/enroll', {}, intruder), 403, 'factor_required');
      const wrong = codeOf(owner.secret) === '000000' ? '111111' : '000000';
      expectCoded(await post('/auth/totp/enroll', { currentCode: wrong }, intruder), 401, 'mfa_invalid');
      expectCoded(await post('/auth/totp/enroll', { currentCode: 12345 }, intruder), 400, 'invalid_request');
      expectCoded(await post('/auth/totp/confirm', { code: codeOf(owner.secret) }, intruder), 403, 'mfa_not_enrolled');
      expect((await main.accounts.findById(TENANT, 'u-lock7'))?.totpPendingSecret).toBeNull();

      // The owner's factor is intact: a code of the app, and a recovery code, each still prove it.
      main.clock.advance(STEP);
      const byApp = await post('/auth/totp/enroll', { currentCode: codeOf(owner.secret) }, intruder);
      expect(byApp.status, byApp.text).toBe(200);
      const byRecovery = await post('/auth/totp/enroll', { currentCode: owner.recoveryCodes[0] }, intruder);
      expect(byRecovery.status, byRecovery.text).toBe(200);
    });

    it('with the current code and a fresh session: replaced, ten new recovery codes, the old app and old codes are dead', async () => {
      const cookie = await passwordOnly('lock8');
      const first = await enrol(cookie);
      const next = await enrol(cookie, codeOf(first.secret));
      expect(next.recoveryCodes.some((c) => first.recoveryCodes.includes(c))).toBe(false);

      const fresh = await passwordOnly('lock8');
      expectCoded(await post('/auth/totp/enroll', { currentCode: codeOf(first.secret) }, fresh), 401, 'mfa_invalid');
      expectCoded(await post('/auth/totp/enroll', { currentCode: first.recoveryCodes[1] }, fresh), 401, 'mfa_invalid');
      expect((await post('/auth/totp/enroll', { currentCode: codeOf(next.secret) }, fresh)).status).toBe(200);
      expect((await post('/auth/totp/enroll', { currentCode: next.recoveryCodes[0] }, fresh)).status).toBe(200);
    });

    it('a stale session gets 401 reauth_required on enrol and confirm; a replayed current code is 401 mfa_invalid', async () => {
      const owner = await enrol(await passwordOnly('lock9'));
      const stale = await passwordOnly('lock9');
      main.clock.advance(main.kanmon.policy.session.reauthMaxAgeSeconds * 1000 + 1000);
      expectCoded(await post('/auth/totp/enroll', { currentCode: codeOf(owner.secret) }, stale), 401, 'reauth_required');
      expectCoded(await post('/auth/totp/confirm', { code: codeOf(owner.secret) }, stale), 401, 'reauth_required');
      const body = error(await post('/auth/totp/enroll', {}, stale));
      expect(body.message).toBe('Please sign in again before making this change.');

      const fresh = await passwordOnly('lock9');
      const code = codeOf(owner.secret);
      expect((await post('/auth/totp/enroll', { currentCode: code }, fresh)).status).toBe(200);
      expectCoded(await post('/auth/totp/enroll', { currentCode: code }, fresh), 401, 'mfa_invalid');
    });
  });
}
