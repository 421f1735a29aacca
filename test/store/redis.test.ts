import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KanmonStore } from '../../src/index.js';
import { type ReserveArgs, type StoreRecord, type SucceedArgs, type SucceedOp, failTransition, reserveTransition, resetTransition, storeKey, succeedTransition } from '../../src/store/index.js';
import { redisStore } from '../../src/redis/index.js';
import { maxReserveVariants } from '../../src/redis/scripts.js';
import { KanmonError } from '../../src/errors.js';
import { isInProcessStore } from '../../src/store/in-process.js';
import { type RedisServer, requireService, startRedis } from '../support/services.js';
import { storeContract } from './contract.js';

describe.skipIf(!requireService('redis'))('redisStore (real redis-server)', () => {
  let server: RedisServer;
  let client: Redis;
  let store: KanmonStore;
  beforeAll(async () => {
    server = await startRedis();
    client = new Redis(server.url, { lazyConnect: true });
    await client.connect();
    store = redisStore({ client });
  });
  afterAll(async () => {
    client?.disconnect();
    await server?.stop();
  });

  storeContract('redis', () => store, { customTransitions: false });

  it('writes keys as kanmon:{tenant}:namespace:… (hash tag on the tenant), with the prefix option honoured', async () => {
    await store.increment(storeKey('city-7', 'session', 'epoch', 'a:b'));
    await expect(client.get('kanmon:{city-7}:session:epoch:a%3Ab')).resolves.toBe('1');
    const other = redisStore({ client, prefix: 'app2' });
    await other.increment(storeKey('city-7', 'session', 'epoch', 'a:b'));
    await expect(client.get('app2:{city-7}:session:epoch:a%3Ab')).resolves.toBe('1');
    await expect(other.purgeTenant('city-7')).resolves.toBe(1);
    await expect(client.get('kanmon:{city-7}:session:epoch:a%3Ab')).resolves.toBe('1');
  });

  it('offers no in-process shortcut (every call crosses the network)', () => {
    expect(isInProcessStore(store)).toBe(false);
  });

  it('loads each script once and runs it by EVALSHA: one round trip per transition', async () => {
    const key = storeKey('city-8', 'lockout', 'pw', 'alice');
    const { reserveTransition } = await import('../../src/lockout/transitions.js');
    const args = { now: 1_800_000_000_000, maxFailures: 5, failureWindowMs: 1000, lockDurationMs: 1000, multiplier: 1, maxLockDurationMs: 1000, permanent: false, sources: [] };
    await store.update(reserveTransition, [key], args); // warm: the script is cached on the server now
    const monitor = await client.monitor();
    const seen: string[] = [];
    monitor.on('monitor', (_time: string, args: string[]) => seen.push(String(args[0]).toLowerCase()));
    await store.update(reserveTransition, [key], args);
    await new Promise((r) => setTimeout(r, 100));
    monitor.disconnect();
    // the script's own calls show up as well, so count only the client-issued commands
    expect(seen.filter((c) => c === 'evalsha' || c === 'eval')).toEqual(['evalsha']);
  });

  // SEC-24: the Lua twin of lockout.reserve must decide exactly as the TypeScript transition does:
  // same result, same records, same TTLs (a TTL too short would forget a lock). Random policies and
  // attempt sequences; more distinct policies than the store keeps script variants for, so both the
  // per-policy variants and the generic script run.
  it('property: the reserve, succeed and reset scripts give the TypeScript transitions\' results, records and TTLs', async () => {
    const policyArb = fc.record({
      maxFailures: fc.integer({ min: 1, max: 5 }),
      failureWindowMs: fc.constantFrom(0, 1000, 4000),
      lockDurationMs: fc.constantFrom(1, 700, 3000),
      multiplier: fc.constantFrom(1, 1.5, 2),
      maxLockDurationMs: fc.constantFrom(2000, 9000),
      permanent: fc.boolean(),
      sources: fc.array(fc.record({ limit: fc.integer({ min: 1, max: 6 }), windowMs: fc.constantFrom(0, 1500) }), { maxLength: 2 }),
    });
    const stepArb = fc.record({
      dt: fc.constantFrom(0, 1, 699, 700, 1000, 1500, 4000, 20_000),
      op: fc.constantFrom('reserve', 'reserve', 'reserve', 'reset', 'reset-all', 'succeed', 'fail'),
      // succeed: which earlier reservation turned out right (from the end; beyond the list = none), and what each source key gets
      back: fc.integer({ min: 0, max: 4 }),
      sourceOps: fc.array(fc.constantFrom('clear', 'refund'), { minLength: 2, maxLength: 2 }),
    });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(policyArb, fc.array(stepArb, { minLength: 1, maxLength: 24 }), async (policy, steps) => {
        const t = `prop-${++run}`;
        const keys = [storeKey(t, 'lockout', 'pw', 'alice'), ...policy.sources.map((_, i) => storeKey(t, 'lockout', 'src', String(i)))];
        const model = new Map<string, StoreRecord>();
        const granted: { settled: number; at: number }[] = [];
        let now = 1_800_000_000_000;
        for (const step of steps) {
          now += step.dt;
          const used = step.op === 'reset' ? keys.slice(0, 1) : keys;
          const records = used.map((k) => model.get(k) ?? null);
          let expected;
          let actual;
          if (step.op === 'reserve') {
            expected = reserveTransition.apply(records, { now, ...policy } satisfies ReserveArgs);
            actual = await store.update(reserveTransition, used, { now, ...policy });
            if (actual.ok) granted.push({ settled: actual.settled, at: now });
          } else if (step.op === 'fail') {
            const at = granted.at(-1 - step.back)?.at ?? now;
            const args = { now, maxFailures: policy.maxFailures, failureWindowMs: policy.failureWindowMs, multiplier: policy.multiplier, maxLockDurationMs: policy.maxLockDurationMs, at: [at] };
            expected = failTransition.apply(records.slice(0, 1), args);
            actual = await store.update(failTransition, used.slice(0, 1), args);
          } else if (step.op === 'succeed') {
            const ticket = granted.at(-1 - step.back);
            const ops: SucceedOp[] = [{ kind: 'account', settled: ticket?.settled ?? null, at: ticket?.at ?? now }];
            policy.sources.forEach((src, i) => {
              ops.push(step.sourceOps[i] === 'clear' ? { kind: 'clear' } : { kind: 'refund', at: ticket?.at ?? now, windowMs: src.windowMs });
            });
            const args: SucceedArgs = { now, maxFailures: policy.maxFailures, failureWindowMs: policy.failureWindowMs, multiplier: policy.multiplier, maxLockDurationMs: policy.maxLockDurationMs, ops };
            expected = succeedTransition.apply(records, args);
            actual = await store.update(succeedTransition, used, args);
          } else {
            expected = resetTransition.apply(records, { now });
            actual = await store.update(resetTransition, used, { now });
          }
          expect(actual).toEqual(expected.result);
          for (const [i, w] of expected.writes.entries()) {
            const key = used[i] as string;
            if (w.kind === 'set') model.set(key, w.record);
            if (w.kind === 'delete') model.delete(key);
            await expect(store.read(key)).resolves.toEqual(model.get(key) ?? null);
            if (w.kind === 'set') {
              const pttl = await client.pttl(`kanmon:${key}`);
              if (w.ttlMs === null) expect(pttl).toBe(-1);
              else {
                expect(pttl).toBeLessThanOrEqual(w.ttlMs);
                expect(pttl).toBeGreaterThan(w.ttlMs - 2000);
              }
            }
          }
        }
      }),
      { numRuns: 80 },
    );
    // More distinct policies than variants were drawn: the generic script took the rest.
    const { reserveVariantCount } = await import('../../src/redis/store.js');
    expect(reserveVariantCount(store)).toBe(maxReserveVariants);
  });

  // Script variants are a per-client cache: policies used through one store (up to maxReserveVariants)
  // never push another store, on another client, onto the generic script (ARGV: the whole policy).
  it('each store keeps its own reserve script variants: another client\'s policies do not crowd it out', async () => {
    const other = new Redis(server.url, { lazyConnect: true });
    await other.connect();
    try {
      const busy = redisStore({ client: other });
      const base = { now: 1_800_000_000_000, failureWindowMs: 60_000, lockDurationMs: 1000, multiplier: 1, maxLockDurationMs: 1000, permanent: false, sources: [] };
      for (let i = 0; i < maxReserveVariants + 2; i++) await busy.update(reserveTransition, [storeKey('variants-1', 'lockout', 'pw', `u${i}`)], { ...base, maxFailures: 500 + i });
      const fresh = redisStore({ client });
      const monitor = await client.monitor();
      const seen: string[][] = [];
      monitor.on('monitor', (_time: string, args: string[]) => seen.push(args.map(String)));
      await fresh.update(reserveTransition, [storeKey('variants-2', 'lockout', 'pw', 'alice')], { ...base, maxFailures: 499 });
      await new Promise((r) => setTimeout(r, 100));
      monitor.disconnect();
      const runs = seen.filter((a) => ['evalsha', 'eval'].includes(a[0]?.toLowerCase() ?? ''));
      // EVALSHA sha numkeys key now (or EVAL script … on the first run): the policy is compiled into
      // this store's variant and only `now` is sent; the generic script would get the policy too (11)
      expect(runs.length).toBeGreaterThan(0);
      expect(runs.map((a) => a.length)).toEqual(runs.map(() => 5));
    } finally {
      other.disconnect();
    }
  });

  it('an account record written before settled existed (33 bytes: failures, lastAttemptAt, lockedUntil, lockCount) is read and counted on, as settled = 0', async () => {
    const key = storeKey('old-1', 'lockout', 'pw', 'alice');
    const old = Buffer.alloc(33);
    old[0] = 0x61;
    [2, 1_800_000_000_000, 0, 1].forEach((v, i) => old.writeDoubleLE(v, 1 + 8 * i));
    await client.set(`kanmon:${key}`, old);
    await expect(store.read(key)).resolves.toEqual({ failures: 2, lastAttemptAt: 1_800_000_000_000, lockedUntil: 0, lockCount: 1 });
    const args = { now: 1_800_000_000_010, maxFailures: 5, failureWindowMs: 60_000, lockDurationMs: 1000, multiplier: 1, maxLockDurationMs: 1000, permanent: false, sources: [] };
    await expect(store.update(reserveTransition, [key], args)).resolves.toMatchObject({ ok: true, failures: 3, settled: 0, lockCount: 1 });
    await expect(store.read(key)).resolves.toEqual({ failures: 3, lastAttemptAt: 1_800_000_000_010, lockedUntil: 0, lockCount: 1, settled: 0 });
  });

  it('a store failure is ERR_STORE_UNAVAILABLE with the driver error as cause', async () => {
    const dead = new Redis({ port: 1, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    dead.on('error', () => undefined);
    const s = redisStore({ client: dead });
    const err = await s.increment(storeKey('x', 'y', 'z')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KanmonError);
    expect((err as KanmonError).code).toBe('ERR_STORE_UNAVAILABLE');
    expect((err as KanmonError).cause).toBeInstanceOf(Error);
    dead.disconnect();
  });

  it('refuses something that is not an ioredis client, a bad prefix and a bad writeBatch', () => {
    expect(() => redisStore({ client: {} as Redis })).toThrow(KanmonError);
    expect(() => redisStore({ client, prefix: 'a b' })).toThrow(/prefix/);
    for (const writeBatch of [-1, 1.5, Number.NaN]) expect(() => redisStore({ client, writeBatch })).toThrow(/writeBatch/);
  });

  describe('write batching (many logins in one tick)', () => {
    const args = { now: 1_800_000_000_000, maxFailures: 1000, failureWindowMs: 60_000, lockDurationMs: 1000, multiplier: 1, maxLockDurationMs: 1000, permanent: false, sources: [] };
    const readsProcessed = async () => Number(/total_reads_processed:(\d+)/.exec(await client.info('stats'))?.[1]);
    const socket = () => (client as unknown as { stream: { writableCorked: number } }).stream;

    // SEC-24 under load: 40 reservations of one account started in one tick are
    // each counted exactly once, each answered on its own, and reach the server
    // in at most ceil(40 / 16) writes (the server's read count shows it).
    it('transitions of one tick go out in batches of writeBatch commands; each is counted and answered once', async () => {
      const key = storeKey('batch-1', 'lockout', 'pw', 'alice');
      const before = await readsProcessed();
      const pending = Array.from({ length: 40 }, () => store.update(reserveTransition, [key], args));
      // The user's own commands on the same client, in the same tick, join the batch in order.
      const own = client.set('batch-1-own', 'v').then(() => client.get('batch-1-own'));
      expect(socket().writableCorked).toBe(1);
      const results = await Promise.all(pending);
      const after = await readsProcessed();
      expect(results.map((r) => (r.ok ? r.failures : -1)).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      await expect(own).resolves.toBe('v');
      // 3 batches (16 + 16 + 8, the SET with the last) and the second INFO; the GET follows the SET's reply.
      expect(after - before).toBeLessThanOrEqual(5);
      expect(socket().writableCorked).toBe(0);
    });

    it('a lone transition is written before the tick ends; writeBatch 0 never corks the socket', async () => {
      const key = storeKey('batch-2', 'lockout', 'pw', 'alice');
      const lone = store.update(reserveTransition, [key], args);
      await new Promise<void>((resolve) => process.nextTick(resolve));
      expect(socket().writableCorked).toBe(0);
      await expect(lone).resolves.toMatchObject({ ok: true, failures: 1 });
      const unbatched = redisStore({ client, writeBatch: 0 });
      const pending = Array.from({ length: 20 }, () => unbatched.update(reserveTransition, [key], args));
      expect(socket().writableCorked).toBe(0);
      expect((await Promise.all(pending)).map((r) => (r.ok ? r.failures : -1)).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
    });
  });
});
