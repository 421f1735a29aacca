import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLockout, definePolicy } from '../../src/index.js';
import { type ReserveArgs, type SucceedArgs, type SucceedOp, failTransition, reserveTransition, resetTransition, storeKey, succeedTransition } from '../../src/store/index.js';
import type { RecordWrite, StoreRecord } from '../../src/store/store.js';
import { type PostgresStore, postgresStore } from '../../src/postgres/index.js';
import { type PostgresServer, requireService, startPostgres } from '../support/services.js';

/** A statement as the pool was asked to run it: its text and, for a prepared one, its name. */
interface Logged {
  readonly text: string;
  readonly name: string | undefined;
}

/**
 * The pool's query log: every statement any of its clients sends (`pool.query`
 * runs on a client too; BEGIN, COMMIT… included), recorded as the client is
 * asked to run it.
 */
function logPool(pool: pg.Pool): Logged[] {
  const log: Logged[] = [];
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...a: unknown[]) => unknown;
    (client as unknown as { query: (...a: unknown[]) => unknown }).query = (...a: unknown[]) => {
      const q = a[0] as string | { text: string; name?: string };
      log.push(typeof q === 'string' ? { text: q, name: undefined } : { text: q.text, name: q.name });
      return query(...a);
    };
  });
  return log;
}

describe.skipIf(!requireService('postgres'))('postgresStore: one statement per lockout step (issue 22)', () => {
  let server: PostgresServer;
  let pool: pg.Pool;
  let log: Logged[];
  const t = 1_700_000_000_000;
  let store: PostgresStore;
  beforeAll(async () => {
    server = await startPostgres();
    pool = new pg.Pool({ connectionString: server.connectionString, max: 8 });
    pool.on('error', () => undefined);
    log = logPool(pool);
    store = postgresStore({ pool, now: () => t });
    await store.migrate();
  });
  afterAll(async () => {
    await pool?.end();
    await server?.stop();
  });

  const counted = async <R>(fn: () => Promise<R>): Promise<{ result: R; statements: Logged[] }> => {
    log.length = 0;
    const result = await fn();
    return { result, statements: [...log] };
  };

  // Issue 22 acceptance: reservation, reset and TOTP step in one round trip each, counted through the pool's query log.
  it('issue 22: lockout reserve, succeed (reset), admin unlock and the TOTP replay step are one prepared statement each', async () => {
    const tenant = 'count-1';
    const policy = definePolicy('funabashi', { lockout: { maxFailures: 3 } });
    const lockout = createLockout({ policy, store, tenant, now: () => t });

    const one = async (what: string, fn: () => Promise<unknown>, count = 1) => {
      const { result, statements } = await counted(fn);
      expect(statements, what).toHaveLength(count);
      for (const q of statements) expect(q.name, `${what}: a named (prepared) statement`).toMatch(/^kanmon_/);
      return result;
    };
    const r1 = await one('reserve', () => lockout.reserve('alice'));
    expect(r1).toMatchObject({ ok: true, failures: 1, remaining: 2 });
    await one('reserve with an IP (per-source throttles)', () => lockout.reserve({ account: 'alice', ip: '203.0.113.9' }));
    await one('succeed', () => lockout.succeed('alice', r1 as never));
    for (let i = 0; i < 3; i++) await lockout.reserve('bob');
    await expect(one('reserve while locked', () => lockout.reserve('bob'))).resolves.toMatchObject({ ok: false, reason: 'locked' });
    // an administrator's unlock resets both factors' records (password, second factor): one statement each
    await expect(one('admin unlock', () => lockout.adminUnlock('bob'), 2)).resolves.toEqual({ ok: true, wasLocked: true });
    const key = storeKey(tenant, 'lockout', 'pw', 'carol');
    await expect(one('reset transition', () => store.update(resetTransition, [key, storeKey(tenant, 'lockout', 'src', 'x')], { now: t }))).resolves.toEqual({ wasLocked: false, failures: 0 });
    const step = storeKey(tenant, 'mfa', 'totp-step', 'alice');
    await expect(one('TOTP step', () => store.advanceIfGreater(step, 56_666_666, 90_000))).resolves.toBe(true);
    await expect(one('TOTP replay', () => store.advanceIfGreater(step, 56_666_666, 90_000))).resolves.toBe(false);
  });

  it('a database migrated before the functions existed still works (the transaction path), and one statement again after migrate()', async () => {
    const tenant = 'count-2';
    const key = storeKey(tenant, 'lockout', 'pw', 'dave');
    const args: ReserveArgs = { now: t, maxFailures: 5, failureWindowMs: 60_000, lockDurationMs: 1000, multiplier: 1, maxLockDurationMs: 1000, permanent: false, sources: [] };
    await pool.query('DROP FUNCTION kanmon_lockout_reserve_v1');
    await pool.query('DROP FUNCTION kanmon_lockout_reserve1_v2');
    await pool.query('DROP FUNCTION kanmon_lockout_reserve1_v3');
    const s = postgresStore({ pool, now: () => t });
    await expect(s.update(reserveTransition, [key], args)).resolves.toMatchObject({ ok: true, failures: 1 });
    const old = await counted(() => s.update(reserveTransition, [key], args));
    expect(old.result).toMatchObject({ ok: true, failures: 2 });
    expect(old.statements.map((q) => q.text.trim().split(/\s/)[0])).toEqual(['BEGIN', 'INSERT', 'WITH', 'COMMIT']);
    await s.migrate();
    const now = await counted(() => s.update(reserveTransition, [key], args));
    expect(now.result).toMatchObject({ ok: true, failures: 3 });
    expect(now.statements).toHaveLength(1);
  });

  // Issue 22 item 1: kanmon 0.2's schema had an index on expires_at (every update non-HOT) and only the general
  // reserve function. Such a database keeps answering in one statement (the function it has); migrate() drops
  // the index, leaves room on each page (fillfactor) and installs the one-key functions, the newest of which goes on counting.
  it('issue 22: a database migrated by 0.2 (reserve_v1 only, the expires_at index) reserves in one statement; migrate() brings it up to date', async () => {
    const tenant = 'count-3';
    const key = storeKey(tenant, 'lockout', 'pw', 'erin');
    const args: ReserveArgs = { now: t, maxFailures: 5, failureWindowMs: 60_000, lockDurationMs: 1000, multiplier: 1, maxLockDurationMs: 1000, permanent: false, sources: [] };
    const indexes = async () => (await pool.query<{ indexname: string }>("SELECT indexname FROM pg_indexes WHERE tablename = 'kanmon_state' ORDER BY 1")).rows.map((r) => r.indexname);
    const options = async () => (await pool.query<{ reloptions: string[] | null }>("SELECT reloptions FROM pg_class WHERE relname = 'kanmon_state'")).rows[0]?.reloptions ?? null;
    // 0.2's state: its index, no fillfactor, no one-key function
    await pool.query('DROP FUNCTION kanmon_lockout_reserve1_v2');
    await pool.query('DROP FUNCTION kanmon_lockout_reserve1_v3');
    await pool.query('CREATE INDEX kanmon_state_expires_idx ON kanmon_state (expires_at) WHERE expires_at IS NOT NULL');
    await pool.query('ALTER TABLE kanmon_state RESET (fillfactor)');
    const s = postgresStore({ pool, now: () => t });
    await expect(s.update(reserveTransition, [key], args)).resolves.toMatchObject({ ok: true, failures: 1 });
    const old = await counted(() => s.update(reserveTransition, [key], args));
    expect(old.result).toMatchObject({ ok: true, failures: 2, remaining: 3 });
    expect(old.statements.map((q) => q.name)).toEqual(['kanmon_lockout_reserve_v1']);
    expect(await indexes()).toContain('kanmon_state_expires_idx');

    await s.migrate();
    expect(await indexes()).toEqual(['kanmon_state_pkey', 'kanmon_state_tenant_idx']);
    expect(await options()).toEqual(['fillfactor=80']);
    const now = await counted(() => s.update(reserveTransition, [key], args));
    expect(now.result).toMatchObject({ ok: true, failures: 3, remaining: 2 });
    expect(now.statements.map((q) => q.name)).toEqual(['kanmon_lockout_reserve1_v3']);
    // a reservation with per-source throttles still takes the general function
    const src = storeKey(tenant, 'lockout', 'ip', '203.0.113.1');
    const withSource = await counted(() => s.update(reserveTransition, [key, src], { ...args, sources: [{ limit: 9, windowMs: 1000 }] }));
    expect(withSource.result).toMatchObject({ ok: true, failures: 4 });
    expect(withSource.statements.map((q) => q.name)).toEqual(['kanmon_lockout_reserve_v1']);
  });

  // SEC-24 (CVE-2024-4629's race) on the one-key function's insert path: a key without a row is created with its
  // record, and a call that finds it created meanwhile locks it and counts again. Concurrent first attempts on a
  // fresh key over the whole pool: every attempt counted once (failures 1…n, each once), the lock at maxFailures.
  it('SEC-24: concurrent first reservations of fresh keys over a warm pool of 8 count 1…n exactly once each, and lock at maxFailures', async () => {
    const tenant = 'race-1';
    const policy = definePolicy('funabashi', { lockout: { maxFailures: 12 } });
    const lockout = createLockout({ policy, store, tenant, now: () => t });
    for (let k = 0; k < 10; k++) {
      // every connection of the pool open and idle, so the first attempts reach the server together
      await Promise.all(Array.from({ length: 8 }, () => pool.query('SELECT pg_sleep(0.01)')));
      const name = `frank-${k}`;
      const answers = await Promise.all(Array.from({ length: 16 }, () => lockout.reserve(name)));
      const counts = answers.map((a) => (a.ok ? a.failures : null)).filter((n) => n !== null);
      expect(counts.sort((x, y) => (x) - (y))).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
      expect(answers.filter((a) => a.ok && a.lockedNow)).toHaveLength(1);
      expect(answers.filter((a) => !a.ok && a.reason === 'locked')).toHaveLength(4);
      const rows = await pool.query<{ record: StoreRecord }>('SELECT record FROM kanmon_state WHERE key = $1', [storeKey(tenant, 'lockout', 'pw', name)]);
      expect(rows.rows.map((r) => r.record)).toEqual([expect.objectContaining({ failures: 12, lockCount: 1 })]);
    }
  });

  // SEC-24: the SQL twins of lockout.reserve, succeed and reset must decide exactly as the TypeScript
  // transitions do: same result, same rows left in the table (record and expiry: a TTL too short would
  // forget a lock; a placeholder left behind would be a record the TypeScript never wrote). Random
  // policies and sequences; the store's clock runs apart from the policy's (expiry is the store's, the
  // decisions the caller's), and records do expire between steps, so the model forgets them too.
  it('property: the SQL reserve, succeed and reset give the TypeScript transitions\' results, records and expiries', async () => {
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
      op: fc.constantFrom('reserve', 'reserve', 'reserve', 'reset', 'reset-all', 'succeed', 'succeed-admin', 'fail'),
      back: fc.integer({ min: 0, max: 4 }),
      sourceOps: fc.array(fc.constantFrom('clear', 'refund'), { minLength: 2, maxLength: 2 }),
    });
    const offset = -123_456_789; // the store's clock: apart from the policy's
    let run = 0;
    await fc.assert(
      fc.asyncProperty(policyArb, fc.array(stepArb, { minLength: 1, maxLength: 24 }), async (policy, steps) => {
        const tenant = `prop-${++run}`;
        let now = 1_800_000_000_000;
        const s = postgresStore({ pool, now: () => now + offset });
        const keys = [storeKey(tenant, 'lockout', 'pw', 'alice'), ...policy.sources.map((_, i) => storeKey(tenant, 'lockout', 'src', String(i)))];
        // the table as the TypeScript path would leave it: key → record and expires_at (store clock)
        const rows = new Map<string, { record: StoreRecord; expiresAt: number | null }>();
        const live = (k: string) => {
          const row = rows.get(k);
          return row && (row.expiresAt === null || row.expiresAt > now + offset) ? row.record : null;
        };
        const granted: { settled: number; at: number }[] = [];
        for (const step of steps) {
          now += step.dt;
          const used = step.op === 'reset' ? keys.slice(0, 1) : keys;
          const records = used.map(live);
          const settle = { now, maxFailures: policy.maxFailures, failureWindowMs: policy.failureWindowMs, multiplier: policy.multiplier, maxLockDurationMs: policy.maxLockDurationMs };
          let expected: { writes: readonly RecordWrite[]; result: unknown };
          let actual: unknown;
          if (step.op === 'reserve') {
            const args: ReserveArgs = { now, ...policy };
            expected = reserveTransition.apply(records, args);
            actual = await s.update(reserveTransition, used, args);
            if (expected.result && (expected.result as { ok: boolean }).ok) granted.push({ settled: (expected.result as { settled: number }).settled, at: now });
          } else if (step.op === 'fail') {
            const args = { ...settle, at: [granted.at(-1 - step.back)?.at ?? now] };
            expected = failTransition.apply(records.slice(0, 1), args);
            actual = await s.update(failTransition, used.slice(0, 1), args);
          } else if (step.op === 'succeed' || step.op === 'succeed-admin') {
            const ticket = step.op === 'succeed' ? granted.at(-1 - step.back) : undefined;
            const ops: SucceedOp[] = [{ kind: 'account', settled: ticket?.settled ?? null, at: ticket?.at ?? now }];
            policy.sources.forEach((src, i) => ops.push(step.sourceOps[i] === 'clear' ? { kind: 'clear' } : { kind: 'refund', at: ticket?.at ?? now, windowMs: src.windowMs }));
            const args: SucceedArgs = { ...settle, ops };
            expected = succeedTransition.apply(records, args);
            actual = await s.update(succeedTransition, used, args);
          } else {
            expected = resetTransition.apply(records, { now });
            actual = await s.update(resetTransition, used, { now });
          }
          expect(actual).toEqual(expected.result);
          const writes = step.op === 'fail' ? expected.writes : expected.writes;
          const touched = step.op === 'fail' ? used.slice(0, 1) : used;
          const allKeep = writes.every((w) => w.kind === 'keep');
          writes.forEach((w, i) => {
            const k = touched[i] as string;
            if (w.kind === 'set' && (w.ttlMs === null || w.ttlMs > 0)) rows.set(k, { record: w.record, expiresAt: w.ttlMs === null ? null : now + offset + w.ttlMs });
            else if (w.kind !== 'keep' || (!allKeep && records[i] === null)) rows.delete(k);
          });
          const table = await pool.query<{ key: string; record: StoreRecord | null; expires_at: string | null }>(
            'SELECT key, record, expires_at FROM kanmon_state WHERE tenant = $1 ORDER BY key',
            [tenant],
          );
          const got = Object.fromEntries(table.rows.map((r) => [r.key, { record: r.record, expiresAt: r.expires_at === null ? null : Number(r.expires_at) }]));
          expect(got, `after ${step.op}`).toEqual(Object.fromEntries([...rows.entries()].sort(([a], [b]) => (a < b ? -1 : 1))));
        }
      }),
      { numRuns: 80 },
    );
  });
});
