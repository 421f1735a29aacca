/**
 * EXT-7, SEC-8.3, SEC-18, FNB-1.6.4: logs handed over promptly, with an
 * integrity proof that verifies on its own.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { auditCommand } from '../../src/cli/commands/audit.js';
import type { CliIo } from '../../src/cli/command.js';
import { runCli } from '../../src/cli/run.js';
import { createAuditLog } from '../../src/audit/create-audit-log.js';
import { exportAuditLog } from '../../src/audit/export.js';
import { fileAuditSink } from '../../src/audit/sinks/file/file-sink.js';
import { memoryAuditSink } from '../../src/audit/sinks/memory.js';
import { verifyAuditLog } from '../../src/audit/verify/verify-audit-log.js';
import { steppingClock, testKeyRing } from './support.js';

const keyRing = testKeyRing();
const hour = 3_600_000;
const start = Date.UTC(2026, 3, 1, 0, 0, 0); // 09:00 JST

/** 48 events, one per hour, alternating tenants, in two streams. */
async function sampleLog(sink = memoryAuditSink()) {
  const clock = steppingClock(start, hour);
  const logs = [createAuditLog({ sink, keyRing, stream: 'web-1', now: clock }), createAuditLog({ sink, keyRing, stream: 'web-2', now: clock })];
  for (let i = 0; i < 48; i++) {
    await logs[i % 3 === 0 ? 1 : 0]!.append({ type: i % 2 ? 'auth.login.failure' : 'auth.login.success', actor: `u${i}`, tenant: i % 2 ? 'city-a' : 'city-b' });
  }
  return sink; // not closed: the tests go on using the sink
}

describe('exportAuditLog', () => {
  it('exports a time range as the stored lines with a manifest that verifyAuditLog accepts on its own', async () => {
    const sink = await sampleLog();
    const { data, manifest } = await exportAuditLog({ source: sink, keyRing, now: () => start + 100 * hour, from: start + 10 * hour, to: start + 20 * hour });
    expect(manifest).toMatchObject({ format: 'kanmon-audit-export/1', fileFormat: 'jsonl', count: 10, from: start + 10 * hour, tenant: null, kid: 'k1' });
    expect(manifest.createdTime).toBe('2026-04-05T13:00:00.000+09:00');
    expect(manifest.streams.reduce((n, s) => n + s.count, 0)).toBe(10);
    for (const s of manifest.streams) expect(s.prevMac).not.toBeNull();
    expect(data.toString('utf8').trim().split('\n')).toHaveLength(10);
    expect(await verifyAuditLog({ jsonl: data, manifest }, keyRing)).toMatchObject({ ok: true, count: 10 });
  });

  it('a tenant filter keeps the chain verifiable across the other tenants\' records', async () => {
    const sink = await sampleLog();
    const { data, manifest } = await exportAuditLog({ source: sink, keyRing, now: () => start, tenant: 'city-a' });
    const records = data.toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as { tenant: string });
    expect(records).toHaveLength(24);
    expect(new Set(records.map((r) => r.tenant))).toEqual(new Set(['city-a']));
    expect(await verifyAuditLog({ jsonl: data, manifest }, keyRing)).toMatchObject({ ok: true, count: 24 });
  });

  it('tampering with an export, its manifest, or dropping its last line is detected', async () => {
    const sink = await sampleLog();
    const { data, manifest } = await exportAuditLog({ source: sink, keyRing, now: () => start, tenant: 'city-a' });
    const lines = data.toString('utf8').trim().split('\n');
    const dropMiddle = Buffer.from(lines.filter((_, i) => i !== 5).join('\n') + '\n');
    expect((await verifyAuditLog({ jsonl: dropMiddle, manifest }, keyRing)).ok).toBe(false);
    const dropLast = Buffer.from(lines.slice(0, -1).join('\n') + '\n');
    expect((await verifyAuditLog({ jsonl: dropLast, manifest }, keyRing)).firstBad).toMatchObject({ reason: 'truncated' });
    const edited = Buffer.from(data.toString('utf8').replace('"u1"', '"u0"'));
    expect((await verifyAuditLog({ jsonl: edited, manifest }, keyRing)).firstBad).toMatchObject({ reason: 'bad_mac' });
    expect((await verifyAuditLog({ jsonl: data, manifest: { ...manifest, count: 23 } }, keyRing)).firstBad).toMatchObject({ reason: 'manifest_mismatch' });
    const otherKey = testKeyRing(['k1'], 'k1');
    otherKey.add({ id: 'k9', secret: Buffer.alloc(32, 99) });
    expect((await verifyAuditLog({ jsonl: data, manifest: { ...manifest, kid: 'k9' } }, otherKey)).firstBad).toMatchObject({ reason: 'manifest_mismatch' });
  });

  it('CSV for Excel: UTF-8 BOM, a header, CRLF rows, Japanese text intact', async () => {
    const sink = memoryAuditSink();
    const log = createAuditLog({ sink, keyRing, stream: 'web-1', now: steppingClock() });
    await log.append({ type: 'admin.account.unlock', actor: '管理者', target: '田中 太郎', after: { locked: false } });
    const { data, manifest } = await exportAuditLog({ source: sink, keyRing, now: () => 0, format: 'csv' });
    expect([...data.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = data.toString('utf8').slice(1).split('\r\n');
    expect(rows[0]!.startsWith('time,ts,stream,seq,tenant,type,outcome,actor,target')).toBe(true);
    expect(rows[1]).toContain('"管理者","田中 太郎"');
    expect(rows[1]).toContain('"{""locked"":false}"');
    expect(manifest).toMatchObject({ fileFormat: 'csv', count: 1 });
  });

  it('the export itself is recorded as audit.exported (EXT-7)', async () => {
    const sink = await sampleLog();
    const log = createAuditLog({ sink, keyRing, stream: 'admin', now: () => start });
    const { manifest } = await exportAuditLog({ source: sink, keyRing, now: () => start, log, actor: 'auditor-1', tenant: 'city-b' });
    const line = sink.streams.get('admin')!.lines[0]!;
    expect(JSON.parse(line)).toMatchObject({ type: 'audit.exported', actor: 'auditor-1', after: { tenant: 'city-b', count: 24, sha256: manifest.sha256 } });
  });
});

describe('kanmon audit (CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kanmon-cli-audit-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const keysFile = join(dir, 'keys.json');
  writeFileSync(keysFile, JSON.stringify({ keys: [{ id: 'k1', secret: Buffer.alloc(32, 1).toString('base64') }], current: 'k1' }));

  function io(): CliIo & { out: () => string } {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let text = '';
    stdout.on('data', (c: Buffer) => (text += c.toString()));
    stderr.on('data', (c: Buffer) => (text += c.toString()));
    return { stdin: new PassThrough(), stdout, stderr, env: {}, lang: 'en', cwd: dir, out: () => text };
  }

  it('export then verify: exit 0; a tampered export: exit 1 naming the record', async () => {
    const logDir = join(dir, 'log');
    const sink = await sampleLog(fileAuditSink({ dir: logDir }) as never);
    await sink.close();
    const a = io();
    expect(await runCli(['audit', 'export', 'log', '--from', '2026-04-01', '--to', '2026-04-02', '--keys', keysFile, '-o', 'out.jsonl'], a, [auditCommand])).toBe(0);
    expect(a.out()).toContain('15 records written'); // 09:00 JST … 23:00 JST on April 1st
    const b = io();
    expect(await runCli(['audit', 'verify', 'out.jsonl', '--keys', keysFile], b, [auditCommand])).toBe(0);
    expect(b.out()).toContain('OK: 15 records verified');
    const file = join(dir, 'out.jsonl');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"u4"', '"u5"'));
    const c = io();
    expect(await runCli(['audit', 'verify', 'out.jsonl', '--keys', keysFile], c, [auditCommand])).toBe(1);
    expect(c.out()).toMatch(/TAMPERING DETECTED: stream web-1 seq \d+: bad_mac/);
  });

  it('verify a log directory against an anchor: a cut tail exits 1; no keys exits 2', async () => {
    const logDir = join(dir, 'log2');
    const log = createAuditLog({ sink: fileAuditSink({ dir: logDir }), keyRing, stream: 'web-1', now: steppingClock() });
    for (let i = 0; i < 3; i++) await log.append({ type: 'auth.login.success', actor: `u${i}` });
    await log.close();
    const head = log.head()!;
    const anchor = `${head.stream}:${head.seq}:${head.mac}`;
    expect(await runCli(['audit', 'verify', 'log2', '--anchor', anchor, '--keys', keysFile], io(), [auditCommand])).toBe(0);
    const name = join(logDir, 'web-1', '2026-04-01.jsonl');
    writeFileSync(name, readFileSync(name, 'utf8').split('\n').slice(0, 2).join('\n') + '\n');
    const cut = io();
    expect(await runCli(['audit', 'verify', 'log2', '--anchor', anchor, '--keys', keysFile], cut, [auditCommand])).toBe(1);
    expect(cut.out()).toContain('seq 3: truncated');
    const nokeys = io();
    expect(await runCli(['audit', 'verify', 'log2'], nokeys, [auditCommand])).toBe(2);
    expect(nokeys.out()).toContain('ERR_KEY_NOT_FOUND');
  });
});
