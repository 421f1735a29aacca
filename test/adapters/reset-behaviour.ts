/**
 * The shared adapter behaviour of self-service password reset (ASVS 5.0 V6.4), run by adapterBehaviour() on
 * both adapters against a real HTTPS server and a real createKanmon:
 *   POST /auth/password/reset/request   { username }
 *   POST /auth/password/reset/complete  { token, newPassword, challenge?, code? }
 */
import { generateSync } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpAdapterOptions } from '../../src/http/create-http-core.js';
import type { Kanmon } from '../../src/login/types.js';
import { type TestCertificates, generateCertificates } from '../access/support/certificates.js';
import type { AdapterUnderTest, RunningServer } from './behaviour.js';
import { type Answer, PASSWORD, TENANT, type TestKanmon, request, testKanmon } from './kit.js';

const NEW_PASSWORD = 'Fz8#kQm2!vRw';
/** Headers that may differ between two otherwise identical answers: the brief allows Date; the connection's own. */
const VOLATILE = new Set(['date', 'connection', 'keep-alive']);
const stable = (answer: Answer) => ({
  status: answer.status,
  headers: Object.fromEntries(Object.entries(answer.headers).filter(([name]) => !VOLATILE.has(name))),
  body: answer.bytes.toString('base64'),
});
const error = (answer: Answer) => (answer.json() as { error: { code: string; message: string; issues?: { code: string }[] } }).error;

export function resetBehaviour(adapter: AdapterUnderTest): void {
  describe(`kanmon/${adapter.name}: self-service password reset (ASVS 5.0 V6.4)`, () => {
    let certs: TestCertificates;
    let world: TestKanmon;
    const servers: RunningServer[] = [];
    let port = 0;

    const start = async (kanmon: Kanmon, options: Partial<HttpAdapterOptions> = {}) => {
      const running = await adapter.serve(kanmon, { tenant: TENANT, ...options }, { key: certs.serverKey, cert: certs.serverCert, ca: certs.caCert, requestCert: false });
      servers.push(running);
      return running.port;
    };
    const post = (path: string, body: unknown, headers: Record<string, string> = {}, on = port) =>
      request(on, path, { method: 'POST', body, headers, tls: { ca: certs.serverCert } });
    const ask = (username: string, headers: Record<string, string> = {}, on = port) => post('/auth/password/reset/request', { username }, headers, on);
    const complete = (body: Record<string, string>, on = port) => post('/auth/password/reset/complete', body, {}, on);
    const login = (username: string, password: string) => post('/auth/login', { username, password });
    const tokenOf = async (username: string) => {
      const before = world.deliveries.length;
      expect((await ask(username)).status).toBe(202);
      const token = world.deliveries[before]?.token;
      if (token === undefined) throw new Error(`no token delivered for ${username}`);
      return token;
    };

    beforeAll(async () => {
      certs = generateCertificates();
      world = await testKanmon({ recovery: { selfService: true, throttle: { maxRequestsPerAccount: 3, maxRequestsPerIp: 1000, windowMs: 60 * 60_000 } } });
      port = await start(world.kanmon);
    });
    afterAll(async () => {
      await Promise.all(servers.map((s) => s.close()));
    });

    it('enumeration: known, unknown, disabled and locked accounts get byte-identical answers (status, headers but Date, body): 202 requested', async () => {
      for (let i = 0; i < 5; i++) await login('lock9', 'Wrong#Password1');
      expect((await login('lock9', PASSWORD)).status).toBe(429); // locked indeed
      const answers = [await ask('yamada'), await ask('nobody-here'), await ask('taishoku'), await ask('lock9')];
      expect(answers[0]?.status).toBe(202);
      expect(answers[0]?.json()).toEqual({ status: 'requested' });
      for (const answer of answers.slice(1)) expect(stable(answer)).toEqual(stable(answers[0] as Answer));
      for (const answer of answers) expect(answer.cookies).toEqual([]);
      // The token went to the app's deliver for the two that may reset, in the request's language.
      expect(world.deliveries.slice(-2).map((d) => [d.accountId, d.lang])).toEqual([
        ['u-yamada', 'ja'],
        ['u-lock9', 'ja'],
      ]);
      const en = await ask('nobody-else', { 'accept-language': 'en' });
      expect(stable(en)).toEqual(stable(answers[0] as Answer)); // no language in the answer either
    });

    it('throttle: the 4th request for one account is 429 throttled with Retry-After in seconds', async () => {
      for (let i = 0; i < 3; i++) expect((await ask('lock8')).status).toBe(202);
      const refused = await ask('lock8', { 'accept-language': 'en' });
      expect(refused.status).toBe(429);
      expect(error(refused)).toEqual({ code: 'throttled', message: 'Too many attempts. Please try again later.' });
      expect(Number(refused.headers['retry-after'])).toBe(3600);
    });

    it('throttle: the request over the per-IP limit is 429 with Retry-After, whichever account it names', async () => {
      const tight = await testKanmon({ recovery: { selfService: true, throttle: { maxRequestsPerAccount: 3, maxRequestsPerIp: 2, windowMs: 10 * 60_000 } } });
      const on = await start(tight.kanmon);
      expect((await ask('yamada', {}, on)).status).toBe(202);
      expect((await ask('ghost', {}, on)).status).toBe(202);
      const refused = await ask('sato-unknown', {}, on);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers['retry-after'])).toBe(600);
    });

    it('complete: the token sets the new password (200 changed); the token is then spent (401 reset_token_invalid); the new password logs in', async () => {
      const token = await tokenOf('lock7');
      const done = await complete({ token, newPassword: NEW_PASSWORD });
      expect(done.status).toBe(200);
      expect(done.json()).toEqual({ status: 'changed' });
      expect(done.cookies).toEqual([]); // no session: the user logs in
      const again = await complete({ token, newPassword: NEW_PASSWORD });
      expect(again.status).toBe(401);
      expect(error(again).code).toBe('reset_token_invalid');
      expect((await login('lock7', NEW_PASSWORD)).status).toBe(200);
      expect((await login('lock7', PASSWORD)).status).toBe(401);
    });

    it('complete: a weak password is 422 password_rejected with coded issues, and the token still works', async () => {
      const token = await tokenOf('lock6');
      const weak = await complete({ token, newPassword: 'short' });
      expect(weak.status).toBe(422);
      expect(error(weak).code).toBe('password_rejected');
      expect(error(weak).issues?.map((i) => i.code)).toContain('too_short');
      expect((await complete({ token, newPassword: NEW_PASSWORD })).status).toBe(200);
    });

    it('ASVS 6.4.3: with TOTP enrolled the completion answers mfa_required; a wrong code is 401 mfa_invalid; a good code changes it; a replayed code is refused', async () => {
      // kanri (admin) enrols through its first login's challenge.
      const first = (await login('kanri', PASSWORD)).json() as { status: string; challenge: string };
      expect(first.status).toBe('mfa_required');
      const enrol = (await post('/auth/totp/enroll', { challenge: first.challenge })).json() as { uri: string };
      const params = new URL(enrol.uri).searchParams;
      const code = () => generateSync({ secret: params.get('secret') ?? '', digits: 6, period: 30, epoch: Math.floor(world.clock.now() / 1000) });
      expect((await post('/auth/totp/confirm', { challenge: first.challenge, code: code() })).status).toBe(200);
      world.clock.advance(60_000);

      const token = await tokenOf('kanri');
      const step = await complete({ token, newPassword: NEW_PASSWORD });
      expect(step.status).toBe(200);
      const { status, challenge } = step.json() as { status: string; challenge: string; expiresAt: number };
      expect(status).toBe('mfa_required');
      const wrong = await complete({ token, newPassword: NEW_PASSWORD, challenge, code: code() === '000000' ? '111111' : '000000' });
      expect(wrong.status).toBe(401);
      expect(error(wrong).code).toBe('mfa_invalid');
      const good = code();
      const done = await complete({ token, newPassword: NEW_PASSWORD, challenge, code: good });
      expect(done.status).toBe(200);
      expect(done.json()).toEqual({ status: 'changed' });

      const next = await tokenOf('kanri');
      const nextStep = (await complete({ token: next, newPassword: PASSWORD })).json() as { challenge: string };
      const replay = await complete({ token: next, newPassword: PASSWORD, challenge: nextStep.challenge, code: good });
      expect(replay.status).toBe(401);
      expect(error(replay).code).toBe('mfa_invalid');
      // The first reset held, the replayed one changed nothing: the new password is right (kanri then needs its code).
      expect((await login('kanri', NEW_PASSWORD)).json()).toMatchObject({ status: 'mfa_required' });
    });

    it('bad bodies are coded 400 invalid_request; a forged token is 401 reset_token_invalid', async () => {
      for (const [path, body] of [
        ['/auth/password/reset/request', {}],
        ['/auth/password/reset/request', { username: '' }],
        ['/auth/password/reset/request', { username: 42 }],
        ['/auth/password/reset/complete', { token: 'x' }],
        ['/auth/password/reset/complete', { token: 'x', newPassword: 'y', code: 7 }],
      ] as const) {
        const answer = await post(path, body);
        expect(answer.status, JSON.stringify(body)).toBe(400);
        expect(error(answer).code).toBe('invalid_request');
      }
      const forged = await complete({ token: `kr1.k1.dS15YW1hZGE.1.${'A'.repeat(43)}`, newPassword: NEW_PASSWORD });
      expect(forged.status).toBe(401);
      expect(error(forged).code).toBe('reset_token_invalid');
    });

    it('self-service off: 403 password_reset_off on both routes, with a message to ask an administrator', async () => {
      const off = await testKanmon();
      const on = await start(off.kanmon);
      const answer = await ask('yamada', { 'accept-language': 'en' }, on);
      expect(answer.status).toBe(403);
      expect(error(answer)).toEqual({ code: 'password_reset_off', message: 'Password reset is not available for this service. Contact your administrator.' });
      expect((await complete({ token: 'x', newPassword: NEW_PASSWORD }, on)).status).toBe(403);
      expect(off.deliveries).toEqual([]);
    });
  });
}
