/**
 * Issue 15 point 3, "one store-failure policy", at the Kanmon boundary (ASVS 5.0 V16.5.2/V16.5.4: fail
 * securely, fail closed): every Kanmon method answers an outage of the state store (a real Redis killed, a
 * real PostgreSQL gone), of the app's account repository (rejects) or of the audit sink (never answers,
 * bounded by dependencyTimeoutMs) as a coded `unavailable` result of its own result family, never a thrown
 * error, and never issues a session.
 */
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryStore } from '../../src/index.js';
import { postgresStore } from '../../src/postgres/index.js';
import { redisStore } from '../../src/redis/index.js';
import { type PostgresServer, type RedisServer, requireService, startPostgres, startRedis } from '../support/services.js';
import { DEPENDENCY_TIMEOUT_MS, type OutageWorld, everyMethod, isUnavailable, outageWorld } from './outage-world.js';
import { BUSINESS_DAY_10_JST, GOOD_PASSWORD, INTERNAL_IP, OUTSIDE_IP } from './support.js';
import { adminActor } from '../support/admin.js';

const places = { inside: INTERNAL_IP, outside: OUTSIDE_IP };
/**
 * What a store outage leaves working: calls that touch only the account repository, the device registry and the
 * audit log. No administrative call is among them since issue 17: each reads its actor's revocation epoch in the
 * store (SEC-13, a revoked administrator's session is refused), so it fails closed like `sessions.verify` does.
 */
const storeFree = {
  // An account without a second factor is answered from the account alone (an enrolled one: test/login/step-up.test.ts).
  regenerateRecoveryCodes: (result: unknown) => expect(result).toEqual({ ok: false, reason: 'not_enrolled' }),
};
const cleanup: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => undefined);
});

/** Call every method on the broken world: each answers (no throw) `unavailable`, except `healthy` ones, and no session is made. */
async function expectEveryMethodUnavailable(world: OutageWorld, breakIt: () => Promise<void>, healthy: Readonly<Record<string, (result: unknown) => void>> = {}) {
  const prepared = await world.prepare(places);
  const sessionsBefore = world.sessionsCreated();
  await breakIt();
  const answers: Record<string, unknown> = {};
  for (const [name, run] of everyMethod(world, prepared, INTERNAL_IP)) {
    let answer: unknown;
    try {
      answer = await run();
    } catch (err) {
      answer = { threw: err instanceof Error ? `${(err as { code?: string }).code ?? ''} ${err.message}` : String(err) };
    }
    answers[name] = answer;
    // Never a session or a token in an answer given during an outage.
    expect(JSON.stringify(answer)).not.toMatch(/"token"|"session"|"authenticated"/);
  }
  const wrong = Object.entries(answers).filter(([name, answer]) => {
    const check = healthy[name];
    if (!check) return !isUnavailable(answer);
    check(answer);
    return false;
  });
  expect(Object.fromEntries(wrong)).toEqual({});
  expect(world.sessionsCreated()).toBe(sessionsBefore);
  return answers;
}

describe('issue 15 point 3 (ASVS V16.5 fail closed): every Kanmon method answers an outage as `unavailable`, never a throw, never a session', () => {
  it('the account repository rejects (its database is gone): every method that reads an account answers unavailable; the error is the non-enumerable cause', async () => {
    const world = await outageWorld(memoryStore({ now: () => BUSINESS_DAY_10_JST }));
    const answers = await expectEveryMethodUnavailable(
      world,
      () => {
        // The app's database holds its accounts and its registered devices.
        world.faults.accounts = true;
        world.faults.devices = 'rejects';
        return Promise.resolve();
      },
      {
        // logout touches no account: it still ends the session.
        logout: (result) => expect(result).toEqual({ ok: true }),
      },
    );
    const login = answers.login as { cause?: { code?: string; cause?: { message?: string } } };
    expect(login.cause?.code).toBe('ERR_STORE_UNAVAILABLE');
    expect(login.cause?.cause?.message).toContain('accounts.find');
    expect(Object.keys(login)).toEqual(['status', 'reason', 'retryAfterMs']);
    expect(JSON.stringify(login)).not.toContain('ECONNREFUSED');
  });

  it(`the audit sink never answers: every method answers unavailable within the guard's timeout (${DEPENDENCY_TIMEOUT_MS} ms), no session`, async () => {
    const world = await outageWorld(memoryStore({ now: () => BUSINESS_DAY_10_JST }));
    const started = { at: 0 };
    await expectEveryMethodUnavailable(
      world,
      () => {
        world.faults.sinkHangs = true;
        started.at = performance.now();
        return Promise.resolve();
      },
      // Starting an enrolment grants nothing and writes no audit record (confirmTotp does, and is refused).
      {
        enrollTotp: (result) => expect(result).toMatchObject({ status: 'pending' }),
        // sato has no second factor: refused without an audit record (nothing was tried).
        regenerateRecoveryCodes: (result) => expect(result).toEqual({ ok: false, reason: 'not_enrolled' }),
      },
    );
    // 17 methods, each bounded by the timeout (not hanging): well under 17 × 10 timeouts.
    expect(performance.now() - started.at).toBeLessThan(17 * 10 * DEPENDENCY_TIMEOUT_MS);
  });

  it(`the device registry never answers: registerDevice, revokeDevice and a login presenting a device token answer unavailable within the guard's timeout (${DEPENDENCY_TIMEOUT_MS} ms), no session`, async () => {
    const world = await outageWorld(memoryStore({ now: () => BUSINESS_DAY_10_JST }));
    const prepared = await world.prepare(places);
    const sessionsBefore = world.sessionsCreated();
    world.faults.devices = 'hangs';
    const started = performance.now();
    const { kanmon, tenant } = world;
    const answers = {
      registerDevice: await kanmon.registerDevice({ tenant, ...(await adminActor(kanmon, tenant, 'u-admin')), accountId: 'u-sato' }),
      revokeDevice: await kanmon.revokeDevice({ tenant, ...(await adminActor(kanmon, tenant, 'u-admin')), deviceId: prepared.device.deviceId }),
      login: await kanmon.login({ tenant, username: 'sato', password: GOOD_PASSWORD, clientIp: INTERNAL_IP, tls: true, deviceId: prepared.device.token }),
    };
    expect(Object.entries(answers).filter(([, answer]) => !isUnavailable(answer))).toEqual([]);
    expect(answers.login).toMatchObject({ status: 'denied', reason: 'unavailable' });
    expect(answers.revokeDevice).toMatchObject({ ok: false, reason: 'unavailable' });
    expect(performance.now() - started).toBeLessThan(3 * 10 * DEPENDENCY_TIMEOUT_MS);
    expect(world.sessionsCreated()).toBe(sessionsBefore);
  });

  describe.skipIf(!requireService('redis'))('Redis', () => {
    it('the Redis server is killed (SIGKILL): every method answers unavailable, no session', { timeout: 60_000 }, async () => {
      const server: RedisServer = await startRedis();
      const client = new Redis(server.url);
      client.on('error', () => undefined);
      cleanup.push(() => server.stop(), () => Promise.resolve(client.disconnect()));
      const world = await outageWorld(redisStore({ client }));
      await expectEveryMethodUnavailable(world, () => server.kill(), storeFree);
    });
  });

  describe.skipIf(!requireService('postgres'))('PostgreSQL', () => {
    it('the PostgreSQL server is gone (connection refused): every method answers unavailable, no session', { timeout: 60_000 }, async () => {
      const server: PostgresServer = await startPostgres();
      const pool = new pg.Pool({ connectionString: server.connectionString, max: 4 });
      pool.on('error', () => undefined);
      cleanup.push(() => server.stop(), () => pool.end());
      const store = postgresStore({ pool });
      await store.migrate();
      const world = await outageWorld(store);
      await expectEveryMethodUnavailable(world, () => server.kill(), storeFree);
    });
  });
});
