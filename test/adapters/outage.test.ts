/**
 * Issue 15 point 3 over HTTP (ASVS 5.0 V16.5 fail closed; no stack trace over HTTP): with the state store
 * down (a real Redis killed, a real PostgreSQL gone), the account repository rejecting, or the audit sink
 * never answering, every kanmon route answers the one 503 `service_unavailable` body with `Retry-After`,
 * the same bytes on Express and Fastify: never a 500, never a session cookie. Extends seams.test.ts
 * (issue 14 item 12: memory store faults on login, /me and logout) to every route and real servers.
 */
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { type KanmonStore, memoryStore } from '../../src/index.js';
import { postgresStore } from '../../src/postgres/index.js';
import { redisStore } from '../../src/redis/index.js';
import { type PostgresServer, type RedisServer, requireService, startPostgres, startRedis } from '../support/services.js';
import { type OutageWorld, type Prepared, outageWorld } from '../login/outage-world.js';
import { BUSINESS_DAY_10_JST, GOOD_PASSWORD, INTERNAL_IP, OTHER_GOOD_PASSWORD, OUTSIDE_IP } from '../login/support.js';
import type { AdapterUnderTest, RunningServer } from './behaviour.js';
import { LEAK_PATTERNS } from './hostile-inputs.js';
import type { Answer } from './kit.js';
import { expressAdapter, fastifyAdapter } from './servers.js';
import { nestExpressAdapter, nestFastifyAdapter } from './nest-servers.js';
import { type WireRequest, send } from './wire.js';

const adapters: readonly AdapterUnderTest[] = [expressAdapter, fastifyAdapter, nestExpressAdapter, nestFastifyAdapter];
const UNAVAILABLE_EN = '{"error":{"code":"service_unavailable","message":"The service is unavailable. Please try again later."}}';
const RELEVANT = ['content-type', 'content-language', 'cache-control', 'retry-after', 'set-cookie'];
const view = (a: Answer) => ({ status: a.status, ...Object.fromEntries(RELEVANT.map((h) => [h, a.headers[h]])), body: a.text });
// Requests come from 127.0.0.1: inside the internal networks, so a login needs no second factor.
const overrides = { access: { requireTls: false }, mfa: { internalNetworks: ['10.0.0.0/8', '127.0.0.0/8'] } };

const cleanup: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => undefined);
});

/** Every kanmon route, with what the healthy world prepared. */
const routes = (p: Prepared): ReadonlyArray<readonly [string, WireRequest]> => {
  const bearer = { authorization: `Bearer ${p.token}` };
  return [
    ['login', { method: 'POST', path: '/auth/login', body: { username: 'sato', password: GOOD_PASSWORD } }],
    ['verifyMfa', { method: 'POST', path: '/auth/mfa', body: { challenge: p.mfaChallenge, code: '123456' } }],
    ['enrollTotp', { method: 'POST', path: '/auth/totp/enroll', body: { challenge: p.mfaChallenge } }],
    ['confirmTotp', { method: 'POST', path: '/auth/totp/confirm', body: { challenge: p.mfaChallenge, code: '123456' } }],
    ['changePassword (challenge)', { method: 'POST', path: '/auth/password', body: { challenge: p.changeChallenge, currentPassword: GOOD_PASSWORD, newPassword: OTHER_GOOD_PASSWORD } }],
    ['requireSession', { path: '/me', headers: bearer }],
    ['logout', { method: 'POST', path: '/auth/logout', headers: { authorization: `Bearer ${p.other.token}` } }],
    ['requestPasswordReset', { method: 'POST', path: '/auth/password/reset/request', body: { username: 'sato' } }],
    ['completePasswordReset', { method: 'POST', path: '/auth/password/reset/complete', body: { token: p.resetToken, newPassword: OTHER_GOOD_PASSWORD } }],
    // Last: a change that got as far as the store revokes the challenges and sessions above.
    ['changePassword (session)', { method: 'POST', path: '/auth/password', headers: bearer, body: { currentPassword: GOOD_PASSWORD, newPassword: OTHER_GOOD_PASSWORD } }],
  ];
};

/**
 * One world per adapter on `makeStore`, prepared while healthy; then `breakIt`, then every route on both.
 * Each route answers the 503 body on both adapters, byte for byte, or (a route the fault does not touch) the
 * status `healthy` names, also the same on both.
 */
async function everyRouteUnavailable(makeStore: () => KanmonStore, breakIt: (worlds: readonly OutageWorld[]) => Promise<void>, healthy: Readonly<Record<string, number>> = {}) {
  const worlds: OutageWorld[] = [];
  const servers: RunningServer[] = [];
  const prepared: Prepared[] = [];
  const seen: unknown[][] = [];
  for (const adapter of adapters) {
    const world = await outageWorld(makeStore(), overrides, () => BUSINESS_DAY_10_JST);
    const errors: unknown[] = [];
    const server = await adapter.serve(world.kanmon, { tenant: world.tenant, onError: (err) => errors.push(err) }, null);
    running(server);
    worlds.push(world);
    servers.push(server);
    seen.push(errors);
    prepared.push(await world.prepare({ inside: INTERNAL_IP, outside: OUTSIDE_IP }));
  }
  const sessionsBefore = worlds.map((w) => w.sessionsCreated());
  await breakIt(worlds);
  const statuses: Record<string, number> = {};
  for (const [index, [name]] of routes(prepared[0] as Prepared).entries()) {
    const answers: Answer[] = [];
    for (const [i, server] of servers.entries()) {
      const request = routes(prepared[i] as Prepared)[index]?.[1] as WireRequest;
      answers.push(await send(server.port, { ...request, headers: { 'accept-language': 'en', ...request.headers } }));
    }
    const [viaExpress, viaFastify] = answers as [Answer, Answer];
    // The same bytes (a healthy route's answer may hold a fresh secret: the same status there).
    if (healthy[name] === undefined) expect(view(viaFastify), name).toEqual(view(viaExpress));
    else expect(viaFastify.status, name).toBe(viaExpress.status);
    expect(viaExpress.status, `${name}: never a 500`).not.toBe(500);
    expect(viaExpress.cookies.filter((c) => !/=;|Max-Age=0/i.test(c)), `${name}: no session cookie`).toEqual([]);
    const everything = `${viaExpress.text}\n${JSON.stringify(viaExpress.headers)}`;
    for (const leak of [...LEAK_PATTERNS, /ECONNREFUSED|10\.9\.8\.7/]) expect(everything, name).not.toMatch(leak);
    statuses[name] = viaExpress.status;
    if (healthy[name] === undefined) {
      expect(viaExpress.text, name).toBe(UNAVAILABLE_EN);
      expect(Number(viaExpress.headers['retry-after']), name).toBeGreaterThan(0);
    }
  }
  expect(statuses).toEqual(Object.fromEntries(routes(prepared[0] as Prepared).map(([name]) => [name, healthy[name] ?? 503])));
  expect(worlds.map((w) => w.sessionsCreated())).toEqual(sessionsBefore);
  return { seen };
}

const servers: RunningServer[] = [];
const running = (server: RunningServer) => servers.push(server);
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

describe('issue 15 point 3 (ASVS V16.5 fail closed): every route answers an outage with the one 503 body, the same on Express and Fastify', () => {
  it('the account repository rejects: 503 on every route that reads an account; the app still sees the error (onError)', async () => {
    const { seen } = await everyRouteUnavailable(
      () => memoryStore({ now: () => BUSINESS_DAY_10_JST }),
      (worlds) => {
        for (const w of worlds) w.faults.accounts = true;
        return Promise.resolve();
      },
      // Ending a session and checking one read no account.
      { logout: 204, requireSession: 200 },
    );
    for (const errors of seen) expect(errors.length).toBeGreaterThan(0);
    for (const errors of seen) for (const err of errors) expect(err).toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
  });

  it('the audit sink never answers: 503 within the timeout on every route that audits', async () => {
    await everyRouteUnavailable(
      () => memoryStore({ now: () => BUSINESS_DAY_10_JST }),
      (worlds) => {
        for (const w of worlds) w.faults.sinkHangs = true;
        return Promise.resolve();
      },
      // Starting an enrolment and checking a session write no audit record and grant nothing new.
      { enrollTotp: 200, requireSession: 200 },
    );
  });

  describe.skipIf(!requireService('redis'))('Redis', () => {
    it('the Redis server is killed (SIGKILL): 503 on every route', { timeout: 90_000 }, async () => {
      const server: RedisServer = await startRedis();
      const client = new Redis(server.url);
      client.on('error', () => undefined);
      cleanup.push(() => server.stop(), () => Promise.resolve(client.disconnect()));
      await everyRouteUnavailable(() => redisStore({ client }), () => server.kill());
    });
  });

  describe.skipIf(!requireService('postgres'))('PostgreSQL', () => {
    it('the PostgreSQL server is gone (connection refused): 503 on every route', { timeout: 90_000 }, async () => {
      const server: PostgresServer = await startPostgres();
      const pool = new pg.Pool({ connectionString: server.connectionString, max: 4 });
      pool.on('error', () => undefined);
      cleanup.push(() => server.stop(), () => pool.end());
      await postgresStore({ pool }).migrate();
      await everyRouteUnavailable(() => postgresStore({ pool }), () => server.kill());
    });
  });
});
