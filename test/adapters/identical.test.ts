/**
 * Both adapters answer the same request with the same status, the same
 * relevant headers and the same body bytes: the JSON error bodies are one
 * format, whichever framework the vendor picked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Answer, type RequestOptions, PASSWORD, TENANT, request, testKanmon } from './kit.js';
import type { RunningServer } from './behaviour.js';
import { expressAdapter, fastifyAdapter } from './servers.js';
import { nestExpressAdapter, nestFastifyAdapter } from './nest-servers.js';

const RELEVANT = ['content-type', 'content-length', 'content-language', 'cache-control', 'vary', 'retry-after', 'set-cookie', 'location'];
const view = (a: Answer) => ({ status: a.status, headers: Object.fromEntries(RELEVANT.map((h) => [h, a.headers[h]])), body: a.text });

const adapters = [expressAdapter, fastifyAdapter, nestExpressAdapter, nestFastifyAdapter];

describe('SEC-24, IPC-16: Express, Fastify and NestJS (on both platforms) give byte-identical answers', () => {
  /** One server per adapter over the open Kanmon (the first is Express, the reference), then one per adapter over the strict one. */
  const servers: RunningServer[] = [];
  const strictServers: RunningServer[] = [];

  beforeAll(async () => {
    // One Kanmon behind both (plain HTTP allowed here: the TLS refusal is compared on its own below).
    const open = await testKanmon({ access: { requireTls: false }, recovery: { selfService: true, throttle: { maxRequestsPerAccount: 100, maxRequestsPerIp: 1000 } } });
    const strict = await testKanmon();
    for (const adapter of adapters) servers.push(await adapter.serve(open.kanmon, { tenant: TENANT }, null));
    for (const adapter of adapters) strictServers.push(await adapter.serve(strict.kanmon, { tenant: TENANT }, null));
  });

  afterAll(async () => {
    await Promise.all([...servers, ...strictServers].map((s) => s.close()));
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
    ['password reset request (ja)', '/auth/password/reset/request', { method: 'POST', body: { username: 'yamada' } }],
    ['password reset request, unknown name (en)', '/auth/password/reset/request', { method: 'POST', body: { username: 'ghost-2' }, headers: { 'accept-language': 'en' } }],
    ['password reset completion, forged token', '/auth/password/reset/complete', { method: 'POST', body: { token: `kr1.k1.dS15YW1hZGE.1.${'A'.repeat(43)}`, newPassword: PASSWORD } }],
    ['password reset completion, malformed body', '/auth/password/reset/complete', { method: 'POST', body: { token: 7 } }],
  ];

  it.each(cases)('%s', async (_name, path, options) => {
    const answers: Answer[] = [];
    for (const server of servers) answers.push(await request(server.port, path, options));
    for (const [i, other] of answers.slice(1).entries()) expect(view(other), adapters[i + 1]!.name).toEqual(view(answers[0]!));
    expect(answers[0]!.status).toBeGreaterThanOrEqual(202); // no session answer (202: a reset request)
  });

  it('ASVS 5.0 V6.4 (enumeration): a reset request for a known, an unknown, a disabled and a locked account is the same answer on either adapter', async () => {
    for (let i = 0; i < 6; i++) await request(servers[0]!.port, '/auth/login', { method: 'POST', body: { username: 'lock5', password: 'Wrong#1' } });
    const ask = (server: RunningServer, username: string) => request(server.port, '/auth/password/reset/request', { method: 'POST', body: { username } });
    const answers = [await ask(servers[0]!, 'yamada')];
    // Each adapter answers each of the other kinds of account: unknown, disabled, locked.
    for (const server of servers) answers.push(await ask(server, `nobody-${server.port}`), await ask(server, 'taishoku'), await ask(server, 'lock5'));
    expect(answers[0]!.status).toBe(202);
    for (const answer of answers.slice(1)) expect(view(answer)).toEqual(view(answers[0]!));
  });

  it('IPC-16: the plain-HTTP refusal', async () => {
    const options: RequestOptions = { method: 'POST', body: { username: 'yamada', password: PASSWORD }, headers: { 'accept-language': 'en' } };
    const [viaExpress, ...others] = await Promise.all(strictServers.map((server) => request(server.port, '/auth/login', options)));
    expect(viaExpress!.status).toBe(403);
    for (const [i, other] of others.entries()) expect(view(other), adapters[i + 1]!.name).toEqual(view(viaExpress!));
  });

  it('SEC-24: the lockout answer, Retry-After included', async () => {
    const wrong: RequestOptions = { method: 'POST', body: { username: 'lock4', password: 'Wrong#1' } };
    for (let i = 0; i < 6; i++) await request(servers[0]!.port, '/auth/login', wrong);
    const answers: Answer[] = [];
    for (const server of servers) answers.push(await request(server.port, '/auth/login', wrong));
    expect(answers[0]!.status).toBe(429);
    expect(answers[0]!.headers['retry-after']).toMatch(/^[1-9]\d*$/);
    for (const [i, other] of answers.slice(1).entries()) expect(view(other), adapters[i + 1]!.name).toEqual(view(answers[0]!));
  });
});
