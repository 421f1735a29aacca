/**
 * EXT-6: the file sink — JSON Lines, one file per stream per day (in the log's
 * zone), group commit, restart continues the chain, torn tails sealed.
 */
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createAuditLog } from '../../src/audit/create-audit-log.js';
import { fileAuditSink } from '../../src/audit/sinks/file/file-sink.js';
import { verifyAuditLog } from '../../src/audit/verify/verify-audit-log.js';
import { loginFailure, steppingClock, testKeyRing } from './support.js';

const keyRing = testKeyRing();
const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kanmon-audit-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('file sink', () => {
  it('writes one file per stream per day of the configured zone (JST midnight is 15:00Z)', async () => {
    const dir = tempDir();
    const times = [Date.UTC(2026, 3, 1, 14, 59, 59, 999), Date.UTC(2026, 3, 1, 15, 0, 0, 0), Date.UTC(2026, 3, 2, 1, 0, 0, 0)];
    let i = 0;
    const a = createAuditLog({ sink: fileAuditSink({ dir }), keyRing, stream: 'web-1', now: () => times[i++]! });
    for (const _ of times) await a.append(loginFailure);
    await a.close();
    const b = createAuditLog({ sink: fileAuditSink({ dir }), keyRing, stream: 'batch', now: () => times[0]! });
    await b.append(loginFailure);
    await b.close();
    expect(readdirSync(join(dir, 'web-1')).sort()).toEqual(['2026-04-01.jsonl', '2026-04-02.jsonl']);
    expect(readFileSync(join(dir, 'web-1', '2026-04-02.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
    expect(readdirSync(join(dir, 'batch'))).toEqual(['2026-04-01.jsonl']);
    const result = await verifyAuditLog(dir, keyRing);
    expect(result).toMatchObject({ ok: true, count: 4 });
    expect(result.streams.map((s) => s.stream).sort()).toEqual(['batch', 'web-1']);
  });

  it('group commit: 500 concurrent appends all resolve, in seq order on disk, every one durable before it resolves', async () => {
    const dir = tempDir();
    const log = createAuditLog({ sink: fileAuditSink({ dir }), keyRing, stream: 'web-1', now: steppingClock() });
    const onDisk = () => readdirSync(join(dir, 'web-1')).map((n) => readFileSync(join(dir, 'web-1', n), 'utf8').split('\n').length - 1).reduce((a, b) => a + b, 0);
    const receipts = await Promise.all(
      Array.from({ length: 500 }, (_, i) => log.append({ ...loginFailure, actor: `u${i}` }).then((r) => ({ ...r, linesWhenResolved: onDisk() }))),
    );
    expect(receipts.map((r) => r.seq)).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
    for (const r of receipts) expect(r.linesWhenResolved).toBeGreaterThanOrEqual(r.seq);
    await log.close();
    expect(await verifyAuditLog(dir, keyRing)).toMatchObject({ ok: true, count: 500 });
  });

  it('a restarted writer continues the same chain; head() is the anchor to keep', async () => {
    const dir = tempDir();
    const clock = steppingClock();
    const first = createAuditLog({ sink: fileAuditSink({ dir }), keyRing, stream: 'web-1', now: clock });
    expect(first.head()).toBeNull();
    await first.append(loginFailure);
    await first.append(loginFailure);
    const anchor = first.head()!;
    expect(anchor).toMatchObject({ stream: 'web-1', seq: 2 });
    await first.close();
    const second = createAuditLog({ sink: fileAuditSink({ dir }), keyRing, stream: 'web-1', now: clock });
    expect(await second.open()).toEqual({ resumedAfterSeq: 2, recovered: null });
    expect((await second.append(loginFailure)).seq).toBe(3);
    await second.close();
    expect(await verifyAuditLog(dir, keyRing, { anchors: [anchor, second.head()!] })).toMatchObject({ ok: true, count: 3 });
  });

  it('a torn tail is detected on start-up, reported, and sealed by a log.recovered record that names its bytes', async () => {
    const dir = tempDir();
    const clock = steppingClock();
    const first = createAuditLog({ sink: fileAuditSink({ dir }), keyRing, stream: 'web-1', now: clock });
    await first.append(loginFailure);
    await first.close();
    const file = join(dir, 'web-1', readdirSync(join(dir, 'web-1'))[0]!);
    const fragment = '{"v":1,"stream":"web-1","seq":2,"kid":"k1","ty';
    appendFileSync(file, fragment);
    // before restart, the tear is visible to verification
    expect((await verifyAuditLog(dir, keyRing)).firstBad).toMatchObject({ stream: 'web-1', seq: 2, reason: 'malformed', index: 1 });
    const alerts: string[] = [];
    const second = createAuditLog({ sink: fileAuditSink({ dir }), keyRing, stream: 'web-1', now: clock, onAlert: (a) => alerts.push(a.kind) });
    const opened = await second.open();
    expect(opened.recovered).toMatchObject({ bytes: fragment.length, location: expect.stringContaining('web-1/') as string });
    await second.append(loginFailure);
    await second.close();
    expect(alerts).toEqual(['recovered']);
    const lines = readFileSync(file, 'utf8').split('\n');
    expect(JSON.parse(lines[2]!)).toMatchObject({ seq: 2, type: 'log.recovered', reason: 'torn_tail', after: { tornBytes: fragment.length, afterSeq: 1 } });
    const result = await verifyAuditLog(dir, keyRing);
    expect(result).toMatchObject({ ok: true, count: 3 });
    expect(result.streams[0]!.recovered).toBe(1);
    // the sealed bytes are covered too: changing them afterwards is tampering
    writeFileSync(file, readFileSync(file, 'utf8').replace('"ty\n', '"tx\n'));
    expect((await verifyAuditLog(dir, keyRing)).firstBad).toMatchObject({ seq: 2, reason: 'malformed' });
  });

  it('a record in another stream\'s folder is reported as such', async () => {
    const dir = tempDir();
    const clock = steppingClock();
    for (const stream of ['a', 'b']) {
      const log = createAuditLog({ sink: fileAuditSink({ dir }), keyRing, stream, now: clock });
      await log.append(loginFailure);
      await log.close();
    }
    const name = readdirSync(join(dir, 'a'))[0]!;
    appendFileSync(join(dir, 'a', name), readFileSync(join(dir, 'b', name)));
    expect((await verifyAuditLog(dir, keyRing)).firstBad).toMatchObject({ stream: 'a', seq: 2, reason: 'stream_mismatch' });
  });

  it('a log of several MiB (lines that straddle the reader\'s chunks) verifies, and a change in a straddling line is found at its seq', async () => {
    const dir = tempDir();
    const log = createAuditLog({ sink: fileAuditSink({ dir, fsync: false }), keyRing, stream: 'big', now: steppingClock() });
    const event = { ...loginFailure, source: { ip: '10.0.0.8', userAgent: 'Mozilla/5.0 '.repeat(30) } };
    await Promise.all(Array.from({ length: 6000 }, () => log.append(event)));
    await log.close();
    const name = readdirSync(join(dir, 'big'))[0]!;
    const file = join(dir, 'big', name);
    const bytes = readFileSync(file);
    expect(bytes.length).toBeGreaterThan(3 << 20);
    for (const threads of [0, 1]) expect(await verifyAuditLog(dir, keyRing, { threads })).toMatchObject({ ok: true, count: 6000 });
    // the line that holds byte 2 MiB: it starts in one read and ends in the next, for any read size that divides 2 MiB
    const at = 2 << 20;
    const seq = bytes.subarray(0, at).toString('latin1').split('\n').length;
    expect(bytes[at]).not.toBe(0x0a);
    bytes[at] = bytes[at] === 0x20 ? 0x21 : 0x20;
    writeFileSync(file, bytes);
    for (const threads of [0, 1]) {
      expect(await verifyAuditLog(dir, keyRing, { threads })).toMatchObject({ ok: false, count: seq - 1, firstBad: { stream: 'big', seq } });
    }
  });

  it('a failed write rejects with ERR_AUDIT_WRITE and the log fails closed', async () => {
    const dir = tempDir();
    const broken = createAuditLog({ sink: fileAuditSink({ dir: join(dir, 'file-not-dir', 'x') }), keyRing, stream: 'w', now: steppingClock() });
    writeFileSync(join(dir, 'file-not-dir'), 'a file where the folder should be');
    await expect(broken.append(loginFailure)).rejects.toMatchObject({ code: 'ERR_AUDIT_WRITE' });
    await expect(broken.append(loginFailure)).rejects.toMatchObject({ code: 'ERR_AUDIT_WRITE' });
  });
});
