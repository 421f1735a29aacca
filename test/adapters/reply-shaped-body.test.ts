/**
 * ASVS 5.0 V2.2.1 (input validated against what is expected) / OWASP API8: a JSON body is data, never an
 * answer. Before issue 15 the handlers told "a coded refusal" from "the body's fields" by the body's shape
 * (an object with a numeric `status`, `body` and `headers`), so a client could send a body shaped like a
 * reply and have the adapter send it back as the answer: its own status, headers (`Set-Cookie` included)
 * and bytes. Every route must read such a body as fields, on both adapters, and answer with kanmon's own
 * coded replies only.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { RunningServer } from './behaviour.js';
import { PASSWORD, TENANT, testKanmon } from './kit.js';
import { expressAdapter, fastifyAdapter } from './servers.js';
import { nestExpressAdapter, nestFastifyAdapter } from './nest-servers.js';
import { send } from './wire.js';

/** A body shaped like the core's reply object, with an injected header and a status kanmon never answers. */
const replyShaped = { status: 299, headers: { 'x-injected': 'yes', 'set-cookie': 'injected=1; Path=/' }, body: '{"forged":true}' };

/** Each body route and kanmon's own answer to such a body: its required fields are missing (enrolment has none, so it asks for a session). */
const routes = [
  { path: '/auth/login', status: 400, code: 'invalid_request' },
  { path: '/auth/mfa', status: 400, code: 'invalid_request' },
  { path: '/auth/password', status: 400, code: 'invalid_request' },
  { path: '/auth/totp/enroll', status: 401, code: 'session_required' },
  { path: '/auth/totp/confirm', status: 400, code: 'invalid_request' },
] as const;

describe('issue 15: a body shaped like a reply is read as fields, never sent back as the answer (both adapters)', () => {
  const running: RunningServer[] = [];
  afterAll(async () => {
    await Promise.all(running.map((r) => r.close()));
  });

  for (const adapter of [expressAdapter, fastifyAdapter, nestExpressAdapter, nestFastifyAdapter]) {
    it(`kanmon/${adapter.name}: every body route answers its own coded refusal, with none of the body's status, headers or bytes`, async () => {
      const { kanmon } = await testKanmon({ access: { requireTls: false } });
      const server = await adapter.serve(kanmon, { tenant: TENANT }, null);
      running.push(server);
      for (const { path, status, code } of routes) {
        const answer = await send(server.port, { method: 'POST', path, body: replyShaped });
        expect({ path, status: answer.status, code: (answer.json() as { error?: { code?: string } }).error?.code }).toEqual({ path, status, code });
        expect(answer.headers['x-injected']).toBeUndefined();
        expect(answer.cookies.join('\n')).not.toContain('injected');
        expect(answer.text).not.toContain('forged');
      }
    });

    it(`kanmon/${adapter.name}: reply-shaped extra fields next to real credentials are ignored: the login is decided on the credentials`, async () => {
      const { kanmon } = await testKanmon({ access: { requireTls: false } });
      const server = await adapter.serve(kanmon, { tenant: TENANT }, null);
      running.push(server);
      const answer = await send(server.port, { method: 'POST', path: '/auth/login', body: { ...replyShaped, username: 'yamada', password: PASSWORD } });
      expect(answer.status).toBe(200);
      expect((answer.json() as { status: string }).status).toBe('authenticated');
      expect(answer.headers['x-injected']).toBeUndefined();
      expect(answer.cookies.some((c) => c.startsWith('__Host-kanmon='))).toBe(true);
      expect(answer.cookies.join('\n')).not.toContain('injected');
    });
  }
});
