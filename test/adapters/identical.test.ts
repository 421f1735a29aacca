/**
 * Both adapters answer the same request with the same status, the same
 * relevant headers and the same body bytes: the JSON error bodies are one
 * format, whichever framework the vendor picked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Answer, type RequestOptions, PASSWORD, TENANT, request, testKanmon } from './kit.js';
import type { RunningServer } from './behaviour.js';
import { expressAdapter, fastifyAdapter } from './servers.js';

const RELEVANT = ['content-type', 'content-length', 'content-language', 'cache-control', 'vary', 'retry-after', 'set-cookie', 'location'];
const view = (a: Answer) => ({ status: a.status, headers: Object.fromEntries(RELEVANT.map((h) => [h, a.headers[h]])), body: a.text });

describe('SEC-24, IPC-16: Express and Fastify give byte-identical answers', () => {
  let servers: RunningServer[] = [];

  beforeAll(async () => {
    // One Kanmon behind both (plain HTTP allowed here: the TLS refusal is compared on its own below).
    const open = await testKanmon({ access: { requireTls: false } });
    const strict = await testKanmon();
    servers = [
      await expressAdapter.serve(open.kanmon, { tenant: TENANT }, null),
      await fastifyAdapter.serve(open.kanmon, { tenant: TENANT }, null),
      await expressAdapter.serve(strict.kanmon, { tenant: TENANT }, null),
      await fastifyAdapter.serve(strict.kanmon, { tenant: TENANT }, null),
    ];
  });

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  const cases: [string, string, RequestOptions][] = [
    ['unknown user (ja)', '/auth/login', { method: 'POST', body: { username: 'ghost-1', password: PASSWORD } }],
    ['wrong password (en)', '/auth/login', { method: 'POST', body: { username: 'lock3', password: 'Wrong#1' }, headers: { 'accept-language': 'en' } }],
    ['malformed JSON', '/auth/login', { method: 'POST', body: '{"username"', headers: { 'content-type': 'application/json' } }],
    ['non-JSON body', '/auth/login', { method: 'POST', body: 'a=b', headers: { 'content-type': 'application/x-www-form-urlencoded' } }],
    ['too large', '/auth/login', { method: 'POST', body: { username: 'x', password: 'y'.repeat(40_000) } }],
    ['no session', '/me', {}],
    ['garbage session', '/me', { headers: { cookie: '__Host-kanmon=abc.def.ghi' } }],
    ['forged challenge', '/auth/mfa', { method: 'POST', body: { challenge: 'a.b.c', code: '123456' } }],
    ['logout without a session', '/auth/logout', { method: 'POST' }],
  ];

  it.each(cases)('%s', async (_name, path, options) => {
    const [viaExpress, viaFastify] = [await request(servers[0]!.port, path, options), await request(servers[1]!.port, path, options)];
    expect(view(viaFastify)).toEqual(view(viaExpress));
    expect(viaExpress.status).toBeGreaterThanOrEqual(204);
  });

  it('IPC-16: the plain-HTTP refusal', async () => {
    const options: RequestOptions = { method: 'POST', body: { username: 'yamada', password: PASSWORD }, headers: { 'accept-language': 'en' } };
    const [viaExpress, viaFastify] = [await request(servers[2]!.port, '/auth/login', options), await request(servers[3]!.port, '/auth/login', options)];
    expect(viaExpress.status).toBe(403);
    expect(view(viaFastify)).toEqual(view(viaExpress));
  });

  it('SEC-24: the lockout answer, Retry-After included', async () => {
    const wrong: RequestOptions = { method: 'POST', body: { username: 'lock4', password: 'Wrong#1' } };
    for (let i = 0; i < 6; i++) await request(servers[0]!.port, '/auth/login', wrong);
    const [viaExpress, viaFastify] = [await request(servers[0]!.port, '/auth/login', wrong), await request(servers[1]!.port, '/auth/login', wrong)];
    expect(viaExpress.status).toBe(429);
    expect(view(viaFastify)).toEqual(view(viaExpress));
  });
});
