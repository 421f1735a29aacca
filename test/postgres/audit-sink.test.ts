/**
 * EXT-6 (prevent tampering, keep one year), SEC-18, SEC-27 against a real
 * PostgreSQL server: UPDATE and DELETE of recent rows are refused by the
 * database itself; batch inserts; verification, pruning and queries over SQL.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditLog } from '../../src/audit/create-audit-log.js';
import { exportAuditLog } from '../../src/audit/export.js';
import { findEvents } from '../../src/audit/query.js';
import { pruneAuditLog } from '../../src/audit/retention.js';
import { verifyAuditLog } from '../../src/audit/verify/verify-audit-log.js';
import { definePolicy } from '../../src/policy/define-policy.js';
import { auditSchemaSql, postgresAuditSink } from '../../src/postgres/audit-sink.js';
import { type PostgresServer, requireService, startPostgres } from '../support/services.js';
import { testKeyRing } from '../audit/support.js';

const available = requireService('postgres');
const keyRing = testKeyRing();
const day = 86_400_000;

describe.skipIf(!available)('postgresAuditSink (real PostgreSQL)', () => {
  let server: PostgresServer;
  let pool: pg.Pool;

  /** The database server's clock (epoch ms): what the retention trigger compares with. */
  async function databaseNow(): Promise<number> {
    const { rows } = await pool.query<{ t: string }>('SELECT (extract(epoch FROM now()) * 1000)::bigint AS t');
    return Number(rows[0]?.t);
  }
  /** A clock that reads the database server's time (offset measured once, then followed locally). */
  async function databaseClock(): Promise<() => number> {
    const offset = (await databaseNow()) - Date.now();
    return () => Date.now() + offset;
  }

  beforeAll(async () => {
    server = await startPostgres();
    pool = new pg.Pool({ connectionString: server.connectionString, max: 8 });
    pool.on('error', () => undefined); // the server's shutdown reaches idle clients
    const sink = postgresAuditSink({ pool, retentionDays: 365 });
    await sink.migrate();
    await sink.migrate(); // idempotent
  });
  afterAll(async () => {
    await pool?.end();
    await server?.stop();
  });

  it('the schema SQL is printable and names the guard', () => {
    const sql = auditSchemaSql({ retentionDays: 365 });
    expect(sql).toContain('CREATE TABLE IF NOT EXISTS kanmon_audit (');
    expect(sql).toContain('BEFORE UPDATE OR DELETE ON kanmon_audit');
    expect(() => auditSchemaSql({ table: 'x; DROP TABLE y' })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }) as Error);
  });

  it('batch inserts: 300 concurrent appends commit, and the chain verifies from the table', async () => {
    const sink = postgresAuditSink({ pool });
    const now = await databaseClock();
    const log = createAuditLog({ sink, keyRing, stream: 'pg-batch', now });
    const receipts = await Promise.all(Array.from({ length: 300 }, (_, i) => log.append({ type: 'auth.login.failure', actor: `u${i}`, reason: 'invalid_password' })));
    expect(receipts.map((r) => r.seq)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM kanmon_audit WHERE stream = 'pg-batch'`);
    expect(Number(rows[0]!.n)).toBe(300);
    expect(await verifyAuditLog(sink, keyRing, { anchors: [log.head()!] })).toMatchObject({ ok: true, count: 300 });
    // a restarted writer continues the chain from the table
    const again = createAuditLog({ sink: postgresAuditSink({ pool }), keyRing, stream: 'pg-batch', now });
    expect((await again.append({ type: 'auth.login.success', actor: 'u1' })).seq).toBe(301);
  });

  it('EXT-6: UPDATE, DELETE and TRUNCATE of recent rows are refused by the database itself', async () => {
    // "recent" by the clock the trigger reads
    const log = createAuditLog({ sink: postgresAuditSink({ pool }), keyRing, stream: 'pg-guard', now: await databaseClock() });
    await log.append({ type: 'admin.role.grant', actor: 'admin', target: 'tanaka', after: { roles: ['admin'] } });
    await expect(pool.query(`UPDATE kanmon_audit SET actor = 'someone-else' WHERE stream = 'pg-guard'`)).rejects.toMatchObject({
      code: '42501',
      message: expect.stringContaining('append-only') as string,
    });
    await expect(pool.query(`UPDATE kanmon_audit SET line = replace(line, 'admin', 'guest') WHERE stream = 'pg-guard'`)).rejects.toMatchObject({ code: '42501' });
    await expect(pool.query(`DELETE FROM kanmon_audit WHERE stream = 'pg-guard'`)).rejects.toMatchObject({
      code: '42501',
      message: expect.stringContaining('younger than the retention period') as string,
    });
    await expect(pool.query(`TRUNCATE kanmon_audit`)).rejects.toMatchObject({ code: '42501' });
    const { rows } = await pool.query<{ actor: string }>(`SELECT actor FROM kanmon_audit WHERE stream = 'pg-guard'`);
    expect(rows).toEqual([{ actor: 'admin' }]);
  });

  it('rows older than the retention period can be pruned, with a marker; the rest still verifies', async () => {
    const sink = postgresAuditSink({ pool });
    // The trigger ages rows by the database's own now(): date them by that clock, not
    // by this process's (under `faketime` in CI, or on another host, the two differ).
    const dbNow = await databaseNow();
    let now = dbNow - 500 * day;
    const log = createAuditLog({ sink, keyRing, stream: 'pg-old', now: () => now });
    for (let i = 0; i < 5; i++) {
      now = dbNow - (500 - i * 100) * day; // 500, 400, 300, 200, 100 days ago
      await log.append({ type: 'auth.login.success', actor: `u${i}` });
    }
    now = dbNow;
    await expect(pruneAuditLog({ sink, log, now: () => now, retentionDays: 365, before: now - 200 * day })).rejects.toMatchObject({ code: 'ERR_RETENTION' });
    // even a direct DELETE of a 300-day-old row is refused by the trigger
    await expect(pool.query(`DELETE FROM kanmon_audit WHERE stream = 'pg-old' AND seq = 3`)).rejects.toMatchObject({ code: '42501' });
    const { pruned } = await pruneAuditLog({ sink, log, now: () => now, retentionDays: 365 });
    expect(pruned.find((p) => p.stream === 'pg-old')).toMatchObject({ throughSeq: 2, count: 2 });
    const { rows } = await pool.query<{ seq: string }>(`SELECT seq FROM kanmon_audit WHERE stream = 'pg-old' ORDER BY seq`);
    expect(rows.map((r) => Number(r.seq))).toEqual([3, 4, 5, 6]);
    const result = await verifyAuditLog(sink, keyRing);
    expect(result.firstBad).toBeNull();
  });

  it('EXT-6, SEC-18: a retention shorter than the policy, or a legal hold, is refused; at the policy it prunes and verification reports the range', async () => {
    const policy = definePolicy('funabashi');
    const dbNow = await databaseNow();
    let now = dbNow - 1000 * day;
    const sink = postgresAuditSink({ pool });
    const log = createAuditLog({ sink, keyRing, stream: 'pg-policy', now: () => now });
    for (let i = 0; i < 10; i++) {
      now = dbNow - (1000 - i * 100) * day;
      await log.append({ type: 'auth.login.success', actor: `u${i}` });
    }
    now = dbNow;
    const rowsOf = async (table: string, stream: string) =>
      (await pool.query<{ seq: string }>(`SELECT seq FROM ${table} WHERE stream = $1 ORDER BY seq`, [stream])).rows.map((r) => Number(r.seq));
    await expect(pruneAuditLog({ sink, log, now: () => now, policy, retentionDays: 2 })).rejects.toMatchObject({
      code: 'ERR_RETENTION',
      details: { reason: 'below_policy', minimumDays: 365 },
    });
    expect(await rowsOf('kanmon_audit', 'pg-policy')).toHaveLength(10); // and no log.pruned marker
    const held = definePolicy('funabashi', { audit: { legalHold: true } });
    await expect(pruneAuditLog({ sink, log, now: () => now, policy: held })).rejects.toMatchObject({ code: 'ERR_RETENTION', details: { reason: 'legal_hold' } });
    expect(await rowsOf('kanmon_audit', 'pg-policy')).toHaveLength(10);

    const { pruned } = await pruneAuditLog({ sink, log, now: () => now, policy });
    expect(pruned.find((p) => p.stream === 'pg-policy')).toMatchObject({ throughSeq: 7, count: 7 }); // 1000…400 days ago
    expect(await rowsOf('kanmon_audit', 'pg-policy')).toEqual([8, 9, 10, 11]);
    const result = await verifyAuditLog(sink, keyRing);
    expect(result.firstBad).toBeNull();
    expect(result.streams.find((st) => st.stream === 'pg-policy')).toMatchObject({ firstSeq: 8, pruned: { throughSeq: 7, count: 7, before: now - 365 * day } });

    // a legal hold written into the database: the trigger refuses even a direct DELETE of a 1000-day-old row
    const holdSink = postgresAuditSink({ pool, table: 'kanmon_audit_hold', legalHold: true });
    await holdSink.migrate();
    now = dbNow - 1000 * day;
    const holdLog = createAuditLog({ sink: holdSink, keyRing, stream: 'pg-hold', now: () => now });
    await holdLog.append({ type: 'auth.login.success', actor: 'u0' });
    now = dbNow - 900 * day;
    await holdLog.append({ type: 'auth.login.success', actor: 'u1' });
    now = dbNow;
    await expect(pruneAuditLog({ sink: holdSink, log: holdLog, now: () => now, policy })).rejects.toMatchObject({ code: 'ERR_RETENTION', details: { reason: 'legal_hold' } });
    await expect(pool.query(`DELETE FROM kanmon_audit_hold WHERE stream = 'pg-hold' AND seq = 1`)).rejects.toMatchObject({
      code: '42501',
      message: expect.stringContaining('legal hold') as string,
    });
    expect(await rowsOf('kanmon_audit_hold', 'pg-hold')).toEqual([1, 2]);
  });

  it('SEC-27: findEvents runs as SQL (out of hours, type, actor, range); export verifies on its own', async () => {
    const sink = postgresAuditSink({ pool });
    const dbNow = await databaseClock();
    const base = dbNow() - 10 * day;
    let now = base;
    const log = createAuditLog({ sink, keyRing, stream: 'pg-query', now: () => now, tenant: 'city-q' });
    for (let h = 0; h < 24; h++) {
      now = base + h * 3_600_000;
      await log.append({ type: h % 3 ? 'auth.login.success' : 'admin.account.unlock', actor: h % 2 ? 'night-owl' : 'clerk', outOfHours: h >= 12 });
    }
    const night = await findEvents(sink, { outOfHours: true, tenant: 'city-q' });
    expect(night).toHaveLength(12);
    expect(night.every((r) => r.outOfHours)).toBe(true);
    const unlocks = await findEvents(sink, { type: 'admin.account.unlock', actor: 'clerk', from: base, to: base + 12 * 3_600_000, tenant: 'city-q' });
    expect(unlocks.map((r) => r.seq)).toEqual([1, 7]);
    const { data, manifest } = await exportAuditLog({ source: sink, keyRing, now: dbNow, tenant: 'city-q', from: base + 5 * 3_600_000 });
    expect(manifest.count).toBe(19);
    expect(await verifyAuditLog({ jsonl: data, manifest }, keyRing)).toMatchObject({ ok: true, count: 19 });
  });
});
