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
    const sink = fileAuditSink({ dir });
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
