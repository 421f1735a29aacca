/**
 * OWASP ASVS 5.0 V6.3 (no account enumeration), V16 (no stack traces to the
 * client), SEC-24, over HTTP on both adapters: an account without a usable
 * password (stored `!`, `""`, `*`, `!!`, `null`, a `$6$` import, …) answers the
 * unknown user's 401 `invalid_credentials`, byte for byte, never a 500 with a
 * stack (before: `login` threw ERR_UNSUPPORTED_HASH / ERR_INVALID_HASH).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newAccount } from '../../src/index.js';
import type { RunningServer } from './behaviour.js';
import { type Answer, PASSWORD, TENANT, BUSINESS_DAY_10_JST, type TestKanmon, cookiePair, request, testKanmon } from './kit.js';
import { expressAdapter, fastifyAdapter } from './servers.js';
import { nestExpressAdapter, nestFastifyAdapter } from './nest-servers.js';
import { UNUSABLE_HASHES } from '../support/unusable-hashes.js';


/** Headers that differ between two otherwise identical answers. */
const VOLATILE = new Set(['date', 'connection', 'keep-alive']);
const stable = (answer: Answer) => ({
  status: answer.status,
  headers: Object.fromEntries(Object.entries(answer.headers).filter(([name]) => !VOLATILE.has(name))),
  body: answer.text,
});
const STACK = /\bat [\w.<>]+ \(|file:\/\/|node:internal|ERR_(UNSUPPORTED|INVALID)_HASH|KanmonError|<html/i;

for (const adapter of [expressAdapter, fastifyAdapter, nestExpressAdapter, nestFastifyAdapter]) {
  describe(`ASVS 5.0 V6.3: kanmon/${adapter.name}, an account without a usable password`, () => {
    let world: TestKanmon;
    let server: RunningServer;
    const login = (username: string, password = PASSWORD) =>
      request(server.port, '/auth/login', { method: 'POST', body: { username, password }, headers: { 'accept-language': 'en' } });

    beforeAll(async () => {
      world = await testKanmon({ access: { requireTls: false }, lockout: { maxFailures: 1000 } });
      for (const [i, [, stored]] of UNUSABLE_HASHES.entries()) {
        await world.accounts.create(
          newAccount({ id: `u-sso${i}`, tenant: TENANT, username: `sso${i}`, passwordHash: stored as string, passwordChangedAt: BUSINESS_DAY_10_JST - 86_400_000, roles: ['staff'] }),
        );
      }
      server = await adapter.serve(world.kanmon, { tenant: TENANT }, null);
    });
    afterAll(async () => {
      await server?.close();
    });

    it.each(UNUSABLE_HASHES.map(([name], i) => [name, i] as const))('stored %s: 401 invalid_credentials, byte-identical to an unknown user, no stack', async (_name, i) => {
      const [unusable, unknown] = [await login(`sso${i}`), await login(`nobody${i}`)];
      expect(unusable.status).toBe(401);
      const body = unusable.json() as { error: { code: string; message: unknown } };
      expect(Object.keys(body)).toEqual(['error']);
      expect(body.error.code).toBe('invalid_credentials');
      expect(typeof body.error.message).toBe('string');
      expect(unusable.text).not.toMatch(STACK);
      expect(unusable.cookies).toEqual([]);
      expect(stable(unusable)).toEqual(stable(unknown));
    });

    it('20 concurrent attempts against one: all 401, all identical', async () => {
      const answers = await Promise.all(Array.from({ length: 20 }, (_, n) => login('sso0', `Guess#${n}-x`)));
      expect(new Set(answers.map((a) => `${a.status} ${a.text}`)).size).toBe(1);
      expect(answers[0]!.status).toBe(401);
    });

    it('the password change of a signed-in account whose password was cleared (now SSO-only): 401 invalid_credentials, no stack', async () => {
      const signedIn = await login('yamada');
      expect(signedIn.status).toBe(200);
      const cookie = cookiePair(signedIn.cookies[0] ?? '');
      await world.accounts.update(TENANT, 'u-yamada', { passwordHash: '!' });
      const answer = await request(server.port, '/auth/password', {
        method: 'POST',
        body: { currentPassword: PASSWORD, newPassword: 'Tsuki#Hoshi-7319' },
        headers: { cookie, 'accept-language': 'en' },
      });
      expect(answer.status).toBe(401);
      expect((answer.json() as { error: { code: string } }).error.code).toBe('invalid_credentials');
      expect(answer.text).not.toMatch(STACK);
      expect((await world.accounts.findById(TENANT, 'u-yamada'))?.passwordHash).toBe('!');
    });
  });
}
