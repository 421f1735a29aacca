/**
 * Issue 16 points 3–4 over HTTP, part of the shared adapter suite (behaviour.ts): `POST /auth/recovery-codes/regenerate`
 * answers new recovery codes once, behind step-up (ASVS 5.0 V7.5.1): a stale session is `401 reauth_required`, a
 * password-only session sends a code of its second factor (`403 factor_required` without it); every answer is a
 * coded, stack-free JSON body, the same on both adapters.
 */
import { generateSync } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdapterUnderTest, RunningServer } from './behaviour.js';
import { type Answer, PASSWORD, TENANT, type TestKanmon, cookiePair, request, testKanmon } from './kit.js';

const STEP = 30_000;

export function recoveryCodesBehaviour(adapter: AdapterUnderTest): void {
  describe(`issue 16: POST /auth/recovery-codes/regenerate behind step-up (kanmon/${adapter.name})`, () => {
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
    const passwordOnly = async (username: string) => {
      const answer = await post('/auth/login', { username, password: PASSWORD });
      expect(answer.status, answer.text).toBe(200);
      return cookiePair(answer.cookies[0] ?? '');
    };
    const codeOf = (secret: string) => generateSync({ secret, digits: 6, period: 30, epoch: Math.floor(main.clock.now() / 1000) });
    const expectCoded = (answer: Answer, status: number, code: string) => {
      expect(answer.status, answer.text).toBe(status);
      expect((answer.json() as { error: { code: string } }).error.code).toBe(code);
      expect(answer.text).not.toMatch(/\n\s+at |\.ts:\d+|file:\/\//);
    };
    /** First enrolment from a fresh session: the secret and the recovery codes. */
    async function enrol(cookie: string) {
      const started = await post('/auth/totp/enroll', {}, cookie);
      expect(started.status, started.text).toBe(200);
      const secret = new URL((started.json() as { uri: string }).uri).searchParams.get('secret') ?? '';
      main.clock.advance(STEP);
      const confirmed = await post('/auth/totp/confirm', { code: codeOf(secret) }, cookie);
      expect(confirmed.status, confirmed.text).toBe(200);
      main.clock.advance(STEP);
      return { secret, recoveryCodes: (confirmed.json() as { recoveryCodes: string[] }).recoveryCodes };
    }

    it('a password-only session: 403 factor_required, a wrong code 401 mfa_invalid, the right one 200 with ten new codes; the old codes are dead', async () => {
      const cookie = await passwordOnly('lock7');
      const first = await enrol(cookie);
      expectCoded(await post('/auth/recovery-codes/regenerate', {}, cookie), 403, 'factor_required');
      const wrong = codeOf(first.secret) === '000000' ? '111111' : '000000';
      expectCoded(await post('/auth/recovery-codes/regenerate', { currentCode: wrong }, cookie), 401, 'mfa_invalid');
      const answer = await post('/auth/recovery-codes/regenerate', { currentCode: codeOf(first.secret) }, cookie);
      expect(answer.status, answer.text).toBe(200);
      expect(answer.headers['cache-control']).toBe('no-store');
      const body = answer.json() as { status: string; recoveryCodes: string[] };
      expect(body.status).toBe('regenerated');
      expect(body.recoveryCodes).toHaveLength(10);
      expect(body.recoveryCodes.some((c) => first.recoveryCodes.includes(c))).toBe(false);
      // An old code no longer proves the factor; a new one does.
      expectCoded(await post('/auth/recovery-codes/regenerate', { currentCode: first.recoveryCodes[0] }, cookie), 401, 'mfa_invalid');
      expect((await post('/auth/recovery-codes/regenerate', { currentCode: body.recoveryCodes[0] }, cookie)).status).toBe(200);
    });

    it('a stale session: 401 reauth_required (with its message), before any code is looked at; no session: 401 session_required; a bad body: 400', async () => {
      const cookie = await passwordOnly('lock8');
      const { secret } = await enrol(cookie);
      main.clock.advance(main.kanmon.policy.session.reauthMaxAgeSeconds * 1000 + 1000);
      const code = codeOf(secret);
      const stale = await post('/auth/recovery-codes/regenerate', { currentCode: code }, cookie);
      expectCoded(stale, 401, 'reauth_required');
      expect((stale.json() as { error: { message: string } }).error.message).toBe('Please sign in again before making this change.');
      expectCoded(await post('/auth/recovery-codes/regenerate', {}), 401, 'session_required');
      expectCoded(await post('/auth/recovery-codes/regenerate', { currentCode: 123456 }, cookie), 400, 'invalid_request');
      expectCoded(await post('/auth/recovery-codes/regenerate', [], cookie), 400, 'invalid_request');
      // The code was not spent by the refusal: a fresh session regenerates with it.
      const fresh = await passwordOnly('lock8');
      expect((await post('/auth/recovery-codes/regenerate', { currentCode: code }, fresh)).status).toBe(200);
    });
  });
}
