/**
 * EXT-6 (logs must survive and stay trustworthy): crash safety of the file
 * sink. A child process appends in a loop and is killed with SIGKILL at random
 * moments, 20 rounds. After each restart every acknowledged event is present
 * and verifies, a torn tail is reported and sealed, and nothing beyond what was
 * in flight is there.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readHead } from '../../src/audit/chain.js';
import { createAuditLog } from '../../src/audit/create-audit-log.js';
import { fileAuditSink } from '../../src/audit/sinks/file/file-sink.js';
import { readLines } from '../../src/audit/sinks/file/read.js';
import { verifyAuditLog } from '../../src/audit/verify/verify-audit-log.js';
import { createKeyRing } from '../../src/keys/key-ring.js';

const dist = resolve(import.meta.dirname, '../../dist/index.js');
const writer = resolve(import.meta.dirname, 'fixtures/crash-writer.mjs');
const keyRing = createKeyRing({ keys: [{ id: 'crash', secret: Buffer.alloc(32, 9) }], current: 'crash' });
const concurrency = 8;
const dir = mkdtempSync(join(tmpdir(), 'kanmon-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Round {
  opened: { resumedAfterSeq: number; recovered: { bytes: number; sha256: string; location: string } | null };
  acked: number[];
}

/**
 * Run the writer until `killAfterMs` after its first acks, then SIGKILL it. The acks are read from the
 * file the writer wrote them to synchronously (what stdout queued in the killed process would be lost).
 */
function runRound(killAfterMs: number): Promise<Round> {
  return new Promise((resolvePromise, reject) => {
    const ackFile = join(dir, 'acks.txt');
    const child = spawn(process.execPath, [writer, dist, dir, String(concurrency), ackFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    let progress = '';
    let err = '';
    let timer: NodeJS.Timeout | null = null;
    child.stdout.on('data', (chunk: Buffer) => {
      progress += chunk.toString('utf8');
      if (!timer && progress.includes('.')) timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    });
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal !== 'SIGKILL') return reject(new Error(`writer exited with ${String(code)}: ${err}`));
      const lines = readFileSync(ackFile, 'utf8').split('\n');
      lines.pop(); // a partial last line was cut by the kill: not an ack
      resolvePromise({
        opened: (JSON.parse(lines[0]!) as { opened: Round['opened'] }).opened,
        acked: lines.slice(1).filter((l) => l.startsWith('ack ')).map((l) => Number(l.slice(4))),
      });
    });
  });
}

async function storedSeqs(): Promise<number[]> {
  const seqs: number[] = [];
  for (const name of readdirSync(join(dir, 'crash')).sort()) {
    for await (const batch of readLines(join(dir, 'crash', name))) for (const line of batch) {
      const head = readHead(line.bytes);
      if (head) seqs.push(head.seq);
    }
  }
  return seqs;
}

/** Linux's page size on the machines the suite runs on (x86-64, arm64 with 4 KiB pages). */
const pageBytes = 4096;
/** Where a recovered tail ended in its file: its offset (`file@offset`) plus its length. */
const endOf = (recovered: { bytes: number; location?: string }): number => Number(recovered.location?.split('@').at(-1)) + recovered.bytes;

function newestFile(): string {
  return join(dir, 'crash', readdirSync(join(dir, 'crash')).sort().at(-1)!);
}

describe('EXT-6: crash safety of the file sink (SIGKILL, 20 rounds)', () => {
  it('every acknowledged event survives and verifies; torn tails are reported and sealed', async () => {
    expect(existsSync(dist), 'dist/ is built by npm test before vitest; run npm run build').toBe(true);
    const allAcked = new Set<number>();
    let tornBytes: number | null = null;
    let sealed = 0;
    for (let round = 0; round < 20; round++) {
      const { opened, acked } = await runRound(5 + Math.floor(Math.random() * 150));
      // the previous round's torn tail (if we made one) was found, reported with its size, and sealed; the kill
      // itself may tear the batch being written, but only where Linux stops a write when a fatal signal is
      // pending: at a page boundary of the file (then the tail ends there, before any fragment we appended)
      const recovered = opened.recovered;
      if (tornBytes !== null) {
        expect(recovered, `round ${round}`).not.toBeNull();
        const cutByKill = recovered!.bytes - tornBytes;
        expect(cutByKill === 0 || (cutByKill > 0 && (endOf(recovered!) - tornBytes) % pageBytes === 0), `round ${round}: ${JSON.stringify(recovered)}`).toBe(true);
        sealed++;
      } else if (recovered !== null) expect(endOf(recovered) % pageBytes, `round ${round}: ${JSON.stringify(recovered)}`).toBe(0);
      expect(acked.length).toBeGreaterThan(0);
      for (const seq of acked) allAcked.add(seq);

      const seqs = await storedSeqs();
      const present = new Set(seqs);
      // every acknowledged event is present
      for (const seq of allAcked) expect(present.has(seq), `acked seq ${seq} lost in round ${round}`).toBe(true);
      // seqs are 1..n without a hole, and nothing beyond what was in flight at the kill is there
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
      expect(seqs.length).toBeLessThanOrEqual(Math.max(...allAcked) + concurrency);
      // a power cut can leave half a line: in every third round simulate it
      if (round % 3 === 1) {
        const fragment = Buffer.from('{"v":1,"stream":"crash","seq":' + (seqs.length + 1) + ',"kid":"crash","type":"auth.login.fail', 'utf8');
        appendFileSync(newestFile(), fragment);
        tornBytes = fragment.length;
      } else tornBytes = null;
    }
    // restart once more to seal the last round's tear, then verify the whole log
    const log = createAuditLog({ sink: fileAuditSink({ dir }), keyRing, stream: 'crash', now: () => Date.now() });
    const opened = await log.open();
    if (tornBytes !== null) {
      expect(opened.recovered).toMatchObject({ bytes: tornBytes });
      sealed++;
    }
    await log.close();
    const result = await verifyAuditLog(dir, keyRing);
    expect(result.firstBad).toBeNull();
    expect(result.ok).toBe(true);
    expect(result.streams[0]).toMatchObject({ stream: 'crash', recovered: sealed });
    expect(sealed).toBeGreaterThanOrEqual(6);
    expect(result.count).toBeGreaterThanOrEqual(allAcked.size);
  }, 180_000);
});
