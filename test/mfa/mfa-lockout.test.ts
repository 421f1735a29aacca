/**
 * SEC-13 (privileged accounts: strengthened authentication that cannot be
 * guessed without limit): wrong codes count against the second-factor failure
 * counter; after `lockout.mfa.maxFailures` the account's MFA is locked for
 * `lockout.mfa.lockDurationMs`, and even the correct code is refused as
 * `locked` until the lock ends.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KanmonStore, createLockout, memoryStore, sealSecret, verifyTotp } from '../../src/index.js';
import { postgresStore } from '../../src/postgres/index.js';
import { redisStore } from '../../src/redis/index.js';
import { useRedisServer } from '../support/redis.js';
import { type PostgresServer, requireService, startPostgres } from '../support/services.js';
import { memoryState, manualClock, policyWith, testKeyRing, totpAt } from './support.js';

function setup() {
  const policy = policyWith('funabashi'); // lockout.mfa: 5 failures, 30 min
  const keyRing = testKeyRing();
  const clock = manualClock(1_750_000_000_000);
  const secret = randomBytes(20);
  const sealedSecret = sealSecret(keyRing, secret, { tenant: 'city-a', account: 'admin-1', purpose: 'totp' });
  const options = { policy, keyRing, now: clock.now, ...memoryState(policy, clock.now) };
  const verify = (code: string) => verifyTotp({ account: 'admin-1', tenant: 'city-a', sealedSecret, code }, options);
  const current = () => totpAt(secret, clock.now());
  const wrong = () => (current() === '000000' ? '111111' : '000000');
  return { policy, clock, verify, current, wrong };
}

describe('SEC-13: second-factor lockout', () => {
  it('after maxFailures wrong codes the correct code is refused as locked until the lock ends', async () => {
    const { policy, clock, verify, current, wrong } = setup();
    const { maxFailures, lockDurationMs } = policy.lockout.mfa;
    expect([maxFailures, lockDurationMs]).toEqual([5, 30 * 60_000]);
    for (let i = 0; i < maxFailures; i++) {
      await expect(verify(wrong())).resolves.toEqual({ ok: false, reason: 'invalid_code' });
    }
    await expect(verify(current())).resolves.toEqual({ ok: false, reason: 'locked', retryAfterMs: lockDurationMs });
    clock.advance(lockDurationMs - 1);
    await expect(verify(current())).resolves.toEqual({ ok: false, reason: 'locked', retryAfterMs: 1 });
    clock.advance(1);
    await expect(verify(current())).resolves.toEqual({ ok: true });
  });

  it('a correct code resets the count: four wrong, one right, four wrong again does not lock', async () => {
    const { clock, verify, current, wrong } = setup();
    for (let i = 0; i < 4; i++) await expect(verify(wrong())).resolves.toMatchObject({ reason: 'invalid_code' });
    await expect(verify(current())).resolves.toEqual({ ok: true });
    clock.advance(30_000);
    for (let i = 0; i < 4; i++) await expect(verify(wrong())).resolves.toMatchObject({ reason: 'invalid_code' });
    await expect(verify(current())).resolves.toEqual({ ok: true });
  });

  it('malformed codes count too: they are guesses', async () => {
    const { verify, current } = setup();
    for (const junk of ['', 'abcdef', '1234567', '12345', '１２３']) {
      await expect(verify(junk)).resolves.toEqual({ ok: false, reason: 'invalid_code' });
    }
    await expect(verify(current())).resolves.toMatchObject({ ok: false, reason: 'locked' });
  });

  it('200 concurrent guesses check at most maxFailures codes; the rest are refused as locked', async () => {
    const { verify } = setup();
    const guesses = Array.from({ length: 200 }, (_, i) => String(i * 4999).padStart(6, '0').slice(-6));
    const results = await Promise.all(guesses.map((g) => verify(g)));
    const checked = results.filter((r) => r.ok || r.reason === 'invalid_code' || r.reason === 'replayed').length;
    expect(checked).toBeLessThanOrEqual(5);
    expect(results.filter((r) => !r.ok && r.reason === 'locked').length).toBeGreaterThanOrEqual(195);
  });
});

/**
 * SEC-13 / RFC 6238 §5.2 (throttling) under concurrency: a right code inside a
 * burst of wrong ones must not reset the count of the wrong ones racing it. A
 * success forgives only itself and the failures that were over before it was
 * reserved, so whatever the interleaving at most `maxFailures` wrong codes are
 * checked before the lock; on every store.
 */
function burstSuite(name: string, makeStore: (now: () => number) => KanmonStore) {
  describe(`SEC-13: a right code inside a burst (${name} store)`, () => {
    function fixture() {
      const policy = policyWith('funabashi'); // lockout.mfa: 5 failures, 30 min
      const keyRing = testKeyRing();
      const clock = manualClock(1_750_000_000_000);
      const store = makeStore(clock.now);
      const lockout = createLockout({ policy, store, now: clock.now });
      const tenant = `t-${randomBytes(6).toString('hex')}`;
      const secret = randomBytes(20);
      const sealedSecret = sealSecret(keyRing, secret, { tenant, account: 'admin-1', purpose: 'totp' });
      const options = { policy, keyRing, now: clock.now, store, lockout };
      const verify = (code: string) => verifyTotp({ account: 'admin-1', tenant, sealedSecret, code }, options);
      const valid = new Set([-30_000, 0, 30_000].map((dt) => totpAt(secret, clock.now() + dt)));
      const wrong = Array.from({ length: 100 }, (_, i) => String(i * 10_101).padStart(6, '0').slice(-6)).filter((c) => !valid.has(c));
      return { verify, right: () => totpAt(secret, clock.now()), wrong, lockout, tenant };
    }
    const checked = (results: readonly { ok: boolean; reason?: string }[]) => results.filter((r) => !r.ok && (r.reason === 'invalid_code' || r.reason === 'replayed')).length;

    for (const position of [0, 2, 3, 4, 5]) {
      it(`the right code at position ${position} of a burst of 12, then 12 more wrong: at most 5 wrong codes checked`, async () => {
        const { verify, right, wrong } = fixture();
        const codes = wrong.slice(0, 12);
        codes[position] = right();
        const first = await Promise.all(codes.map((c) => verify(c)));
        const second = await Promise.all(wrong.slice(12, 24).map((c) => verify(c)));
        expect(checked(first) + checked(second)).toBeLessThanOrEqual(5);
        expect(second.every((r) => !r.ok)).toBe(true);
      });
    }

    it('bursts with a right code in each, 20 rounds: wrong codes checked between locks never exceed 5', async () => {
      const { verify, right, wrong } = fixture();
      let wrongChecked = 0;
      for (let round = 0; round < 20; round++) {
        const codes = wrong.slice(round, round + 8);
        codes[round % 8] = right();
        const results = await Promise.all(codes.map((c) => verify(c)));
        wrongChecked += checked(results);
        if (results.some((r) => !r.ok && r.reason === 'locked')) break;
      }
      expect(wrongChecked).toBeLessThanOrEqual(5);
    });

    it('sequential typos are still forgiven: four wrong, one right, four wrong again does not lock', async () => {
      const { verify, right, wrong } = fixture();
      for (const c of wrong.slice(0, 4)) await expect(verify(c)).resolves.toMatchObject({ reason: 'invalid_code' });
      await expect(verify(right())).resolves.toEqual({ ok: true });
      for (const c of wrong.slice(4, 8)) await expect(verify(c)).resolves.toMatchObject({ reason: 'invalid_code' });
    });
  });
}

burstSuite('memory', (now) => memoryStore({ now }));

describe.skipIf(!requireService('redis'))('shared Redis', () => {
  const redis = useRedisServer();
  burstSuite('redis', () => redisStore({ client: redis.client() }));
});

describe.skipIf(!requireService('postgres'))('shared PostgreSQL', () => {
  let server: PostgresServer;
  const pools: pg.Pool[] = [];
  beforeAll(async () => {
    server = await startPostgres();
    const pool = new pg.Pool({ connectionString: server.connectionString, max: 8 });
    pool.on('error', () => undefined);
    pools.push(pool);
    await postgresStore({ pool }).migrate();
  });
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.end()));
    await server?.stop();
  });
  burstSuite('postgres', () => postgresStore({ pool: pools[0] as pg.Pool }));
});
