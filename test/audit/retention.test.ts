/**
 * EXT-6: kept one year (policy audit.retentionDays, 365 in the Japanese
 * presets); pruning refuses anything younger and is itself audited with a
 * marker that keeps the chain verifiable.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createAuditLog } from '../../src/audit/create-audit-log.js';
import { pruneAuditLog } from '../../src/audit/retention.js';
import { fileAuditSink } from '../../src/audit/sinks/file/file-sink.js';
import { memoryAuditSink } from '../../src/audit/sinks/memory.js';
import { verifyAuditLog } from '../../src/audit/verify/verify-audit-log.js';
import { definePolicy } from '../../src/policy/define-policy.js';
import { testKeyRing } from './support.js';

const keyRing = testKeyRing();
const day = 86_400_000;
const start = Date.UTC(2025, 0, 1);

describe('EXT-6: retention', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kanmon-retention-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the Japanese presets keep audit records 365 days', () => {
    expect(definePolicy('external-service-common').audit.retentionDays).toBe(365);
  });

  it('refuses to prune anything younger than retentionDays (ERR_RETENTION), and prunes nothing then', async () => {
    const sink = memoryAuditSink();
    let now = start;
    const log = createAuditLog({ sink, keyRing, stream: 'web-1', now: () => now });
    await log.append({ type: 'auth.login.success', actor: 'a' });
    now = start + 400 * day;
    await expect(pruneAuditLog({ sink, log, now: () => now, retentionDays: 365, before: now - 364 * day })).rejects.toMatchObject({
      code: 'ERR_RETENTION',
      details: { retentionDays: 365 },
    });
    expect(sink.streams.get('web-1')!.lines).toHaveLength(1);
  });

  it('pruning writes a log.pruned marker first; what remains still verifies; a deletion without marker does not', async () => {
    const sink = memoryAuditSink();
    let now = start;
    const log = createAuditLog({ sink, keyRing, stream: 'web-1', now: () => now });
    for (let i = 0; i < 10; i++) {
      now = start + i * 50 * day;
      await log.append({ type: 'auth.login.success', actor: `u${i}` });
    }
    now = start + 600 * day;
    const anchor = log.head()!;
    const { pruned } = await pruneAuditLog({ sink, log, now: () => now, retentionDays: 365 });
    // records at day 0, 50, …, 200 are older than 600 - 365 = 235 days
    expect(pruned).toEqual([{ stream: 'web-1', throughSeq: 5, throughMac: expect.any(String) as string, count: 5 }]);
    const lines = sink.streams.get('web-1')!.lines;
    expect(lines).toHaveLength(6);
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ type: 'log.pruned', target: 'web-1', after: { throughSeq: 5, count: 5, retentionDays: 365 } });
    expect(await verifyAuditLog(sink, keyRing, { anchors: [anchor] })).toMatchObject({ ok: true, count: 6 });
    // someone deleting the next record too, without an audited prune, is caught
    lines.shift();
    expect((await verifyAuditLog(sink, keyRing)).firstBad).toMatchObject({ stream: 'web-1', seq: 6, reason: 'seq_gap' });
  });

  it('the file sink removes whole day files that are entirely past retention, never the newest', async () => {
    let now = start;
    const sink = fileAuditSink({ dir, now: () => now });
    const log = createAuditLog({ sink, keyRing, stream: 'web-1', now: () => now });
    for (let i = 0; i < 6; i++) {
      now = start + i * 100 * day;
      await log.append({ type: 'auth.login.success', actor: `u${i}` });
    }
    now = start + 700 * day;
    const { pruned } = await pruneAuditLog({ sink, log, now: () => now, retentionDays: 365 });
    expect(pruned).toMatchObject([{ stream: 'web-1', throughSeq: 4, count: 4 }]); // days 0, 100, 200, 300 < 335
    expect(readdirSync(join(dir, 'web-1'))).toHaveLength(3);
    expect(await verifyAuditLog(dir, keyRing)).toMatchObject({ ok: true, count: 3 });
    await log.close();
  });
});

describe('EXT-6, SEC-18: retention cannot be cut short (policy floor, legal hold, retainUntil) on the file sink', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  /** Ten records 100 days apart in their own day files; the clock then at day 1000. */
  async function tenDays(sinkOptions: { retentionDays?: number; legalHold?: boolean } = {}) {
    const dir = mkdtempSync(join(tmpdir(), 'kanmon-hold-'));
    dirs.push(dir);
    let now = start;
    const clock = () => now;
    const sink = fileAuditSink({ dir, now: clock, fsync: false, ...sinkOptions });
    const log = createAuditLog({ sink, keyRing, stream: 'web-1', now: clock });
    for (let i = 0; i < 10; i++) {
      now = start + i * 100 * day;
      await log.append({ type: 'auth.login.success', actor: `u${i}` });
    }
    now = start + 1000 * day;
    return { dir, sink, log, clock, files: () => readdirSync(join(dir, 'web-1')).length };
  }
  const policy = definePolicy('funabashi');

  it('a retention shorter than the policy (2 days against 365) is refused, before any marker is written or file removed', async () => {
    const { dir, sink, log, clock, files } = await tenDays();
    await expect(pruneAuditLog({ sink, log, now: clock, policy, retentionDays: 2 })).rejects.toMatchObject({
      code: 'ERR_RETENTION',
      details: { reason: 'below_policy', retentionDays: 2, minimumDays: 365 },
    });
    expect(files()).toBe(10);
    expect(log.head()!.seq).toBe(10); // no log.pruned
    expect(await verifyAuditLog(dir, keyRing)).toMatchObject({ ok: true, count: 10 });
    await log.close();
  });

  it('the sink refuses on its own: its retentionDays floor holds without a policy, and prune() called directly removes nothing', async () => {
    const { sink, log, clock, files } = await tenDays({ retentionDays: 365 });
    await expect(pruneAuditLog({ sink, log, now: clock, retentionDays: 2 })).rejects.toMatchObject({ code: 'ERR_RETENTION', details: { reason: 'below_policy' } });
    // bypassing pruneAuditLog: a plan for everything, with a 'before' of now
    const plans = await sink.planPrune!(clock());
    expect(plans[0]).toMatchObject({ throughSeq: 9 });
    await expect(sink.prune!(plans, clock())).rejects.toMatchObject({ code: 'ERR_RETENTION', details: { reason: 'too_recent' } });
    // a forged old 'before' with the same plan: only files entirely past the sink's retention go
    await sink.prune!(plans, clock() - 400 * day);
    expect(files()).toBe(3); // days 0…600 are older than 1000 - 365 = 635; 700, 800, 900 are kept
    await log.close();
  });

  it('a legal hold in the policy, or on the sink, refuses every prune (reason legal_hold)', async () => {
    const held = definePolicy('funabashi', { audit: { legalHold: true } });
    const a = await tenDays();
    await expect(pruneAuditLog({ sink: a.sink, log: a.log, now: a.clock, policy: held })).rejects.toMatchObject({ code: 'ERR_RETENTION', details: { reason: 'legal_hold' } });
    expect(a.files()).toBe(10);
    await a.log.close();
    const b = await tenDays({ legalHold: true });
    await expect(pruneAuditLog({ sink: b.sink, log: b.log, now: b.clock, policy })).rejects.toMatchObject({ code: 'ERR_RETENTION', details: { reason: 'legal_hold' } });
    await expect(b.sink.prune!(await b.sink.planPrune!(0 + start + 10 * day), start + 10 * day)).rejects.toMatchObject({ code: 'ERR_RETENTION' });
    expect(b.files()).toBe(10);
    await b.log.close();
  });

  it("a stream's retainUntil (a contract-long log) keeps it whole until that time, and is listed as held", async () => {
    const { sink, log, clock, files } = await tenDays();
    const until = new Date(clock() + 30 * day).toISOString();
    const contract = definePolicy('funabashi', { audit: { retainUntil: { 'web-1': until } } });
    const result = await pruneAuditLog({ sink, log, now: clock, policy: contract });
    expect(result).toEqual({ pruned: [], held: [{ stream: 'web-1', until: Date.parse(until) }] });
    expect(files()).toBe(10);
    await log.close();
  });

  it("at the policy's retention it prunes, and verification reports the pruned range", async () => {
    const { dir, sink, log, clock, files } = await tenDays();
    const { pruned } = await pruneAuditLog({ sink, log, now: clock, policy });
    expect(pruned).toMatchObject([{ stream: 'web-1', throughSeq: 7, count: 7 }]); // days 0…600 < 635
    expect(files()).toBe(4); // days 700, 800, 900 and the marker's day 1000
    const result = await verifyAuditLog(dir, keyRing);
    expect(result).toMatchObject({ ok: true, count: 4 });
    expect(result.streams[0]).toMatchObject({ stream: 'web-1', firstSeq: 8, pruned: { throughSeq: 7, count: 7, before: clock() - 365 * day } });
    await log.close();
  });
});
