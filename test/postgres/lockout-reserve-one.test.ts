/**
 * SEC-24 (CVE-2024-4629's race; a lock that forgets or misjudges an attempt is no lock): the one-key reservation
 * functions of the PostgreSQL store (`kanmon_lockout_reserve1_v3`, and `_v2` that databases migrated by the
 * previous version still answer through) decide exactly as the TypeScript `reserveTransition`: same answer, same
 * record and expiry left in the table, from any record a store may hold (current or pre-0.2 names, fields
 * missing, expired, locked, a lock count past the cap). Which function answers depends on what the database has:
 * `_v3`, else `_v2`, else `kanmon_lockout_reserve_v1`, else the transaction path; `migrate()` installs `_v3`.
 */
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ReserveArgs, failTransition, reserveTransition, resetTransition, storeKey, succeedTransition } from '../../src/store/index.js';
import type { RecordWrite, StoreRecord } from '../../src/store/store.js';
import { postgresStore } from '../../src/postgres/index.js';
import { stateSchemaSql } from '../../src/postgres/schema.js';
import { type PostgresServer, requireService, startPostgres } from '../support/services.js';

const v1 = 'kanmon_lockout_reserve_v1';
const v2 = 'kanmon_lockout_reserve1_v2';
const v3 = 'kanmon_lockout_reserve1_v3';

/** Every named (prepared) statement the pool's clients are asked to run, and the first word of every other one. */
function logPool(pool: pg.Pool): string[] {
  const log: string[] = [];
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...a: unknown[]) => unknown;
    (client as unknown as { query: (...a: unknown[]) => unknown }).query = (...a: unknown[]) => {
      const q = a[0] as string | { text: string; name?: string };
      log.push(typeof q === 'string' ? (q.trim().split(/\s/)[0] as string) : (q.name ?? (q.text.trim().split(/\s/)[0] as string)));
      return query(...a);
    };
  });
  return log;
}

describe.skipIf(!requireService('postgres'))('postgresStore: the one-key reservation functions (issue 22)', () => {
  let server: PostgresServer;
  const pools: pg.Pool[] = [];
  /** A pool on a fresh database of the server, migrated, and its statement log. */
  const database = async (name: string) => {
    const admin = pools[0] as pg.Pool;
    await admin.query(`CREATE DATABASE ${name}`);
    const pool = new pg.Pool({ connectionString: server.connectionString.replace(/\/postgres$/, `/${name}`), max: 4 });
    pool.on('error', () => undefined);
    pools.push(pool);
    const log = logPool(pool);
    await postgresStore({ pool }).migrate();
    return { pool, log };
  };
  const t = 1_700_000_000_000;
  const args: ReserveArgs = { now: t, maxFailures: 5, failureWindowMs: 60_000, lockDurationMs: 1000, multiplier: 2, maxLockDurationMs: 8000, permanent: false, sources: [] };

  beforeAll(async () => {
    server = await startPostgres();
    const admin = new pg.Pool({ connectionString: server.connectionString, max: 2 });
    admin.on('error', () => undefined);
    pools.push(admin);
  });
  afterAll(async () => {
    for (const pool of pools) await pool.end();
    await server?.stop();
  });

  it('kanmon postgres schema and migrate() install _v3 and keep _v2 (and reserve_v1) for older clients', async () => {
    for (const name of [v1, v2, v3]) expect(stateSchemaSql).toContain(`CREATE OR REPLACE FUNCTION ${name}(`);
    const { pool } = await database('kanmon_installed');
    const { rows } = await pool.query<{ proname: string }>("SELECT proname FROM pg_proc WHERE proname LIKE 'kanmon_lockout_reserve%' ORDER BY 1");
    expect(rows.map((r) => r.proname).sort()).toEqual([v1, v2, v3].sort());
  });

  it('a database migrated by the previous version answers through _v2; after migrate() through _v3, the count going on', async () => {
    const { pool, log } = await database('kanmon_previous');
    await pool.query(`DROP FUNCTION ${v3}`); // the previous version's schema: _v2 and reserve_v1
    const store = postgresStore({ pool, now: () => t });
    const key = storeKey('mig', 'lockout', 'pw', 'sato');
    const call = async () => {
      log.length = 0;
      const result = await store.update(reserveTransition, [key], args);
      return { result, names: [...log] };
    };
    // the first call finds _v3 missing and answers through _v2; the next go to _v2 at once
    const expectCall = async (failures: number, names: string[]) => {
      const got = await call();
      expect(got.result).toMatchObject({ ok: true, failures });
      expect(got.names).toEqual(names);
    };
    await expectCall(1, [v3, v2]);
    await expectCall(2, [v2]);
    await store.migrate();
    await expectCall(3, [v3]);
    // a policy whose locks take more than 64 steps to reach their cap: _v2, which computes them itself
    log.length = 0;
    const slow = { ...args, multiplier: 1.01, lockDurationMs: 1, maxLockDurationMs: 9_000 };
    await expect(store.update(reserveTransition, [key], slow)).resolves.toMatchObject({ ok: true, failures: 4 });
    expect(log).toEqual([v2]);
  });

  it('the fallback chain: _v3 → _v2 → reserve_v1 → the transaction path, each answering alike', async () => {
    const { pool, log } = await database('kanmon_chain');
    const store = postgresStore({ pool, now: () => t });
    const key = storeKey('chain', 'lockout', 'pw', 'suzuki');
    const steps: [string | null, string[]][] = [
      [null, [v3]],
      [v3, [v3, v2]],
      [v2, [v2, v1]],
      [v1, [v1, 'BEGIN', 'INSERT', 'WITH', 'COMMIT']],
    ];
    let failures = 0;
    for (const [drop, names] of steps) {
      if (drop) await pool.query(`DROP FUNCTION ${drop}`);
      log.length = 0;
      await expect(store.update(reserveTransition, [key], args)).resolves.toMatchObject({ ok: true, failures: ++failures, remaining: 5 - failures });
      expect(log, `after dropping ${drop}`).toEqual(names);
    }
  });

  // Random policies (progressive locks whose lengths run to the cap in few or in more than 64 steps, permanent
  // locks), random stored records to start from, random steps: every reservation's answer, and the row it leaves,
  // compared with the TypeScript transition, on a database with _v3 and on one with only _v2.
  it('property: _v3 and _v2 give reserveTransition\'s answers, records and expiries from any stored record', async () => {
    const withV3 = await database('kanmon_prop_v3');
    const onlyV2 = await database('kanmon_prop_v2');
    await onlyV2.pool.query(`DROP FUNCTION ${v3}`);
    const offset = -123_456_789; // the store's clock: apart from the policy's
    let now = 1_800_000_000_000;
    const stores = [withV3, onlyV2].map(({ pool, log }) => ({ pool, log, store: postgresStore({ pool, now: () => now + offset }) }));

    const policyArb = fc.record({
      maxFailures: fc.integer({ min: 1, max: 5 }),
      failureWindowMs: fc.constantFrom(0, 1000, 4000),
      lockDurationMs: fc.constantFrom(1, 700, 3000),
      multiplier: fc.constantFrom(1, 1.5, 2, 1.05, 1.01),
      maxLockDurationMs: fc.constantFrom(2000, 9000),
      permanent: fc.boolean(),
    });
    const seedArb = fc.record({
      kind: fc.constantFrom('none', 'current', 'current', 'legacy', 'empty', 'value'),
      failures: fc.integer({ min: 0, max: 6 }),
      sinceAttempt: fc.constantFrom(0, 500, 999, 1000, 5000, 20_000),
      lockedUntil: fc.constantFrom('none', 'admin', 'past', 'now', 'soon', 'later'),
      lockCount: fc.constantFrom(0, 1, 2, 5, 23, 70),
      settled: fc.integer({ min: 0, max: 6 }),
      omit: fc.subarray(['failures', 'lastAttemptAt', 'lockedUntil', 'lockCount', 'settled']),
      expires: fc.constantFrom('never', 'past', 'future'),
    });
    const stepArb = fc.record({
      dt: fc.constantFrom(0, 1, 699, 700, 1000, 1500, 4000, 20_000),
      op: fc.constantFrom('reserve', 'reserve', 'reserve', 'reserve', 'succeed', 'reset', 'fail'),
    });
    const legacy = { failures: 'f', lastAttemptAt: 't', lockedUntil: 'u', lockCount: 'c', settled: 'g' } as const;
    let run = 0;

    await fc.assert(
      fc.asyncProperty(policyArb, seedArb, fc.array(stepArb, { minLength: 1, maxLength: 16 }), async (policy, seed, steps) => {
        const tenant = `prop-${++run}`;
        const key = storeKey(tenant, 'lockout', 'pw', 'alice');
        now += 100_000;
        // the seed row, as a store may hold it, and the model of the table: the record and expiry (store clock)
        let row: { record: StoreRecord | null; expiresAt: number | null; value: number | null } | null = null;
        if (seed.kind !== 'none') {
          // times as of the first step, so its boundaries (locked until exactly then, a window just over) are hit
          const at = now + (steps[0]?.dt ?? 0);
          const lockedUntil = { none: 0, admin: -1, past: at - 1, now: at, soon: at + 1, later: at + 2500 }[seed.lockedUntil];
          const fields = { failures: seed.failures, lastAttemptAt: at - seed.sinceAttempt, lockedUntil, lockCount: seed.lockCount, settled: Math.min(seed.settled, seed.failures) };
          const kept = Object.entries(fields).filter(([name]) => !seed.omit.includes(name));
          const record: StoreRecord | null =
            seed.kind === 'current' ? Object.fromEntries(kept) : seed.kind === 'legacy' ? Object.fromEntries([['f', seed.failures] as const, ...kept.map(([n, v]) => [legacy[n as keyof typeof legacy], v] as const)]) : seed.kind === 'empty' ? {} : null;
          const expiresAt = seed.expires === 'never' ? null : now + offset + (seed.expires === 'past' ? -1 : 60_000);
          row = { record, expiresAt, value: seed.kind === 'value' ? 7 : null };
        }
        for (const { pool } of stores) {
          if (row) await pool.query('INSERT INTO kanmon_state (key, tenant, record, value, expires_at) VALUES ($1, $2, $3, $4, $5)', [key, tenant, row.record, row.value, row.expiresAt]);
        }
        let lastGrant: { settled: number; at: number } | undefined;
        for (const [i, step] of steps.entries()) {
          now += step.dt;
          // a row without a record, an empty one (a placeholder) or an expired one holds nothing
          const live = row?.record && Object.keys(row.record).length > 0 && (row.expiresAt === null || row.expiresAt > now + offset) ? row.record : null;
          const settle = { now, maxFailures: policy.maxFailures, failureWindowMs: policy.failureWindowMs, multiplier: policy.multiplier, maxLockDurationMs: policy.maxLockDurationMs };
          let expected: { writes: readonly RecordWrite[]; result: unknown };
          let apply: (store: ReturnType<typeof postgresStore>) => Promise<unknown>;
          if (step.op === 'reserve') {
            const a: ReserveArgs = { now, ...policy, sources: [] };
            expected = reserveTransition.apply([live], a);
            apply = (s) => s.update(reserveTransition, [key], a);
            const r = expected.result as { ok: boolean; settled: number };
            if (r.ok) lastGrant = { settled: r.settled, at: now };
          } else if (step.op === 'succeed') {
            const a = { ...settle, ops: [{ kind: 'account' as const, settled: lastGrant?.settled ?? null, at: lastGrant?.at ?? now }] };
            expected = succeedTransition.apply([live], a);
            apply = (s) => s.update(succeedTransition, [key], a);
          } else if (step.op === 'fail') {
            const a = { ...settle, at: [lastGrant?.at ?? now] };
            expected = failTransition.apply([live], a);
            apply = (s) => s.update(failTransition, [key], a);
          } else {
            expected = resetTransition.apply([live], { now });
            apply = (s) => s.update(resetTransition, [key], { now });
          }
          const w = expected.writes[0] as RecordWrite;
          if (w.kind === 'set' && (w.ttlMs === null || w.ttlMs > 0)) row = { record: w.record, expiresAt: w.ttlMs === null ? null : now + offset + w.ttlMs, value: null };
          else if (w.kind === 'delete' || w.kind === 'set') row = null;
          for (const [d, { pool, store }] of stores.entries()) {
            const what = `${d === 0 ? 'with _v3' : 'only _v2'}, step ${i} (${step.op})`;
            const version = 'SELECT ctid::text AS v FROM kanmon_state WHERE key = $1';
            const before = (await pool.query<{ v: string }>(version, [key])).rows[0]?.v;
            expect(await apply(store), what).toEqual(expected.result);
            const { rows } = await pool.query<{ record: StoreRecord | null; value: string | null; expires_at: string | null; v: string }>('SELECT record, value, expires_at, ctid::text AS v FROM kanmon_state WHERE key = $1', [key]);
            const got = rows[0] ? { record: rows[0].record, expiresAt: rows[0].expires_at === null ? null : Number(rows[0].expires_at), value: rows[0].value === null ? null : Number(rows[0].value) } : null;
            expect(got, what).toEqual(row);
            // a refusal writes nothing: the row is the version it was (no new tuple)
            if (step.op === 'reserve' && (expected.result as { ok: boolean }).ok === false) expect(rows[0]?.v, `${what}: locked, no write`).toBe(before);
          }
        }
      }),
      { numRuns: 150 },
    );
    // The database with _v3 answered through it (and through _v2 for the policies with too many steps); the
    // other, after the one call that found _v3 missing, through _v2 alone.
    const count = (log: string[], name: string) => log.filter((n) => n === name).length;
    expect(count(withV3.log, v3)).toBeGreaterThan(100);
    expect(count(withV3.log, v2)).toBeGreaterThan(0);
    expect(count(onlyV2.log, v3)).toBe(1);
    expect(count(onlyV2.log, v2)).toBeGreaterThan(100);
  });
});
