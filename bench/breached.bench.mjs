// The breached-password filter at corpus scale (issue 22 item 6).
// - build an on-disk (format 2, blocked) filter from N synthetic SHA-1 lines, generated here as a stream
//   (never written as a corpus, never committed); RSS sampled at every chunk of every pass (≤ 256 MiB)
// - open it (full SHA-256 check, which also warms the page cache), then lookups/s from the page cache
//   (≥ 300,000/s) and RSS growth after opening (≤ 16 MiB)
// - FPR on 1,000,000 non-members (within 2× of the target)
// N: KANMON_BREACH_N (default 100,000,000); target FPR: KANMON_BREACH_FPR (default 1e-3).
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { buildBreachedPasswordFile, openBreachedPasswordFilter } from '../dist/index.js';
import { figure } from './harness.mjs';

const N = Number(process.env.KANMON_BREACH_N ?? 100_000_000);
const FPR = Number(process.env.KANMON_BREACH_FPR ?? 1e-3);
const MiB = 1024 * 1024;
// A full collection before each RSS reading, so that the build's garbage does not hide (or fake) the growth.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).toUpperCase().padStart(2, '0')).map((h) => [h.charCodeAt(0), h.charCodeAt(1)]);

/** sfc32: a small, fast, seeded PRNG; its 160-bit outputs stand in for SHA-1 digests (uniform, as SHA-1's are). */
function prng(seed) {
  let a = seed | 0;
  let b = (seed * 0x9e3779b9) | 0;
  let c = 0x6a09e667;
  let d = 1;
  const next = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i++) next();
  return next;
}

/** The next digest of `next` into `out` (20 bytes). */
function digestInto(next, out) {
  for (let w = 0; w < 5; w++) {
    const v = next();
    out[4 * w] = v >>> 24;
    out[4 * w + 1] = (v >>> 16) & 0xff;
    out[4 * w + 2] = (v >>> 8) & 0xff;
    out[4 * w + 3] = v & 0xff;
  }
  return out;
}

let peakRss = 0;
const sample = () => {
  const rss = process.memoryUsage.rss();
  if (rss > peakRss) peakRss = rss;
};

/** `count` HIBP lines (`<40 hex>:1\n`), 1 MiB a chunk, from seed `seed`: the same lines on every call. */
async function* corpus(seed, count) {
  const next = prng(seed);
  const digest = new Uint8Array(20);
  const LINE = 43;
  const perChunk = Math.floor(MiB / LINE);
  for (let done = 0; done < count; ) {
    const lines = Math.min(perChunk, count - done);
    const buf = Buffer.allocUnsafe(lines * LINE);
    for (let l = 0, p = 0; l < lines; l++) {
      digestInto(next, digest);
      for (let i = 0; i < 20; i++, p += 2) {
        const h = HEX[digest[i]];
        buf[p] = h[0];
        buf[p + 1] = h[1];
      }
      buf[p++] = 58;
      buf[p++] = 49;
      buf[p++] = 10;
    }
    done += lines;
    sample();
    yield buf;
  }
}

export default async function run() {
  const dir = await mkdtemp(join(tmpdir(), 'kanmon-breach-bench-'));
  const path = join(dir, 'filter.bin');
  try {
    sample();
    const rssBeforeBuild = process.memoryUsage.rss();
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const built = await buildBreachedPasswordFile(() => corpus(1, N), path, { fpr: FPR, onProgress: sample });
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const size = (await stat(path)).size;
    figure(`breached filter on disk: build from ${N.toLocaleString('en-US')} synthetic SHA-1 lines (generated in the bench), FPR target ${FPR}`, {
      'wall time': `${seconds.toFixed(1)} s (${Math.round(N / seconds).toLocaleString('en-US')} lines/s, three passes; the generator's own time included)`,
      'CPU time': `${((cpu.user + cpu.system) / 1e6).toFixed(1)} s`,
      'peak RSS during the build (sampled at every chunk and partition)': `${(peakRss / MiB).toFixed(1)} MiB (before the build ${(rssBeforeBuild / MiB).toFixed(1)} MiB; acceptance ≤ 256 MiB)`,
      'file size': `${size.toLocaleString('en-US')} bytes (${(size / MiB).toFixed(1)} MiB, ${((size * 8) / N).toFixed(2)} bits per entry)`,
      'blocks, k, partitions': `${built.blocks.toLocaleString('en-US')}, ${built.hashes}, ${built.partitions}`,
      'expected FPR': built.expectedFpr.toExponential(2),
    });

    const members = [];
    const nextMember = prng(1);
    for (let i = 0; i < 1 << 16; i++) members.push(digestInto(nextMember, new Uint8Array(20)));
    const outsiders = [];
    const nextOutsider = prng(2);
    for (let i = 0; i < 1 << 16; i++) outsiders.push(digestInto(nextOutsider, new Uint8Array(20)));
    const passwords = Array.from({ length: 1 << 16 }, (_, i) => `outsider-password-${i}`);

    gc();
    const rssBeforeOpen = process.memoryUsage.rss();
    const t1 = performance.now();
    const filter = await openBreachedPasswordFilter(path);
    const openSeconds = (performance.now() - t1) / 1000;
    gc();
    const rssAfterOpen = process.memoryUsage.rss();

    let missing = 0;
    for (const m of members) if (!filter.hasSha1(m)) missing++;
    const next = prng(3);
    const probe = new Uint8Array(20);
    let falsePositives = 0;
    for (let i = 0; i < 1_000_000; i++) if (filter.hasSha1(digestInto(next, probe))) falsePositives++;

    const rounds = 2_000_000;
    const cpu1 = process.cpuUsage();
    const t2 = performance.now();
    let found = 0;
    for (let i = 0; i < rounds; i++) if (filter.hasSha1((i & 1 ? members : outsiders)[(i >>> 1) & 0xffff])) found++;
    const lookupSeconds = (performance.now() - t2) / 1000;
    const lookupCpu = process.cpuUsage(cpu1);
    const t3 = performance.now();
    for (let i = 0; i < rounds; i++) if (filter.has(passwords[i & 0xffff])) found++;
    const hasSeconds = (performance.now() - t3) / 1000;
    gc();
    const rssAfter = process.memoryUsage.rss();
    await filter.close();

    figure(`breached filter on disk: ${N.toLocaleString('en-US')} entries, queried in the file (one 64-byte pread per lookup, page cache warm)`, {
      'open (header + full SHA-256 of the body)': `${openSeconds.toFixed(2)} s`,
      'hasSha1() lookups/s, half members (wall clock)': Math.round(rounds / lookupSeconds).toLocaleString('en-US'),
      'hasSha1() lookups per CPU-second': Math.round(rounds / ((lookupCpu.user + lookupCpu.system) / 1e6)).toLocaleString('en-US'),
      'has(password) lookups/s incl. SHA-1 (wall clock)': Math.round(rounds / hasSeconds).toLocaleString('en-US'),
      'RSS growth after a full GC: opening, then 4,000,000 lookups + 1,000,000 FPR probes': `${((rssAfterOpen - rssBeforeOpen) / MiB).toFixed(1)} MiB, then ${((rssAfter - rssAfterOpen) / MiB).toFixed(1)} MiB; ${((rssAfter - rssBeforeOpen) / MiB).toFixed(1)} MiB in all (acceptance ≤ 16 MiB; the file is ${(size / MiB).toFixed(1)} MiB)`,
      'members missing (of 65,536)': missing,
      'false positives on 1,000,000 non-members': `${falsePositives} (${(falsePositives / 1e6).toExponential(2)}; target ${FPR}, ratio ${(falsePositives / 1e6 / FPR).toFixed(2)})`,
      found,
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
