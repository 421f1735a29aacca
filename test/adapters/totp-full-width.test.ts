/**
 * RFC 6238 codes typed with a Japanese IME in full-width mode, over HTTP on
 * both adapters (docs/mfa.md: full-width digits and spaces are accepted).
 * Before, the flow sent `１２３４５６` to the recovery-code check: 401
 * `mfa_invalid` for the right code, and the second-factor lock after five tries.
 */
import { generateSync } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from './behaviour.js';
import { TENANT, type TestKanmon, PASSWORD, request, testKanmon } from './kit.js';
import { expressAdapter, fastifyAdapter } from './servers.js';
import { nestExpressAdapter, nestFastifyAdapter } from './nest-servers.js';

/** What an IME in full-width mode types for printable ASCII; a space becomes U+3000. */
const fullWidth = (text: string) => [...text].map((c) => (c === ' ' ? '\u3000' : c >= '!' && c <= '~' ? String.fromCharCode(c.charCodeAt(0) + 0xfee0) : c)).join('');

for (const adapter of [expressAdapter, fastifyAdapter, nestExpressAdapter, nestFastifyAdapter]) {
  describe(`kanmon/${adapter.name}: POST /auth/mfa with a full-width TOTP code`, () => {
    let world: TestKanmon;
    let server: RunningServer;
    let code: () => string;
    let recoveryCodes: string[];
    const post = (path: string, body: unknown) => request(server.port, path, { method: 'POST', body, headers: { 'accept-language': 'en' } });
    const challenge = async () => {
      const answer = await post('/auth/login', { username: 'kanri', password: PASSWORD });
      const body = answer.json() as { status: string; challenge: string };
      expect(body.status).toBe('mfa_required');
      return body.challenge;
    };

    beforeAll(async () => {
      world = await testKanmon({ access: { requireTls: false } });
      server = await adapter.serve(world.kanmon, { tenant: TENANT }, null);
      const first = await challenge();
      const enrol = await post('/auth/totp/enroll', { challenge: first });
      const params = new URL((enrol.json() as { uri: string }).uri).searchParams;
      code = () => generateSync({ secret: params.get('secret') ?? '', digits: Number(params.get('digits')), period: Number(params.get('period')), epoch: Math.floor(world.clock.now() / 1000) });
      const confirmed = await post('/auth/totp/confirm', { challenge: first, code: code() });
      expect(confirmed.status).toBe(200);
      recoveryCodes = (confirmed.json() as { recoveryCodes: string[] }).recoveryCodes;
    });
    afterAll(async () => {
      await server?.close();
    });

    it('full-width digits with an ideographic space: 200 and a session cookie', async () => {
      world.clock.advance(60_000);
      const typed = fullWidth(`${code().slice(0, 3)} ${code().slice(3)}`);
      const answer = await post('/auth/mfa', { challenge: await challenge(), code: typed });
      expect(answer.status, answer.text).toBe(200);
      const body = answer.json() as { status: string; session: { amr: string[] } };
      expect(body.status).toBe('authenticated');
      expect(body.session.amr).toEqual(expect.arrayContaining(['otp', 'mfa']) as unknown);
      expect(answer.cookies).toHaveLength(1);
    });

    it('the same code again, full-width: 401 mfa_invalid (replayed), not a new session', async () => {
      const answer = await post('/auth/mfa', { challenge: await challenge(), code: fullWidth(code()) });
      expect(answer.status).toBe(401);
      expect((answer.json() as { error: { code: string } }).error.code).toBe('mfa_invalid');
    });

    it('a full-width recovery code: 200', async () => {
      const answer = await post('/auth/mfa', { challenge: await challenge(), code: fullWidth(recoveryCodes[0]!) });
      expect(answer.status, answer.text).toBe(200);
    });
  });
}
