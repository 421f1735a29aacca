/**
 * Issue 22 item 6: the breached-password filter at corpus scale. Format version 2 (a blocked Bloom filter
 * queried in the file, one 64-byte read per lookup), built in bounded memory by partitions; version 1 (in
 * memory) kept for small lists. Corpora are generated here in a temporary directory (≤ 200,000 lines).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, truncate, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildBreachedPasswordFile,
  buildBreachedPasswordFilter,
  createBreachedPasswordFilter,
  openBreachedPasswordFilter,
} from '../../../src/index.js';
import { blockedFpr, blockedSize } from '../../../src/password/breached/blocked.js';
import { planPartitions } from '../../../src/password/breached/build-file.js';

const N = 200_000;
const FPR = 1e-3;
let dir: string;

function* lines(prefix: string, count: number): Generator<string> {
  for (let start = 0; start < count; start += 10_000) {
    let chunk = '';
    for (let i = start; i < Math.min(count, start + 10_000); i++) chunk += `${prefix}${i}\n`;
    yield chunk;
  }
}
const source = (prefix: string, count: number) => () => Readable.from(lines(prefix, count)) as AsyncIterable<string>;
const sha1Hex = (text: string) => createHash('sha1').update(text, 'utf8').digest('hex').toUpperCase();

async function expectRefused(path: string, message: RegExp, verify: 'full' | 'header' = 'full'): Promise<void> {
  const error: unknown = await openBreachedPasswordFilter(path, { verify }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toMatchObject({ code: 'ERR_INVALID_FILTER' });
  expect((error as Error).message).toMatch(message);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kanmon-breach-file-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('RM-23, FNB-3.1.4: on-disk breached-password filter (format version 2)', () => {
  let partitioned: string;

  it(`built from ${N.toLocaleString('en-US')} lines in partitions of 16 KiB: no false negatives, FPR on ${N.toLocaleString('en-US')} non-members within 2× of ${FPR}`, { timeout: 120_000 }, async () => {
    partitioned = join(dir, 'partitioned.bin');
    const result = await buildBreachedPasswordFile(source('member-', N), partitioned, { fpr: FPR, format: 'plain', memoryBytes: 16 * 1024 });
    expect(result).toMatchObject({ format: 'plain', lines: N, count: N, skipped: 0 });
    expect(result.partitions).toBe(Math.ceil((result.blocks * 64) / (16 * 1024)));
    expect(result.partitions).toBeGreaterThan(10);
    expect(result.expectedFpr).toBeLessThanOrEqual(FPR);
    // The temporary partition files are gone: only the filter is left.
    expect(await readdir(dir)).toEqual(['partitioned.bin']);

    const filter = await openBreachedPasswordFilter(partitioned);
    try {
      expect(filter).toMatchObject({ onDisk: true, version: 2, count: N });
      let missing = 0;
      for (let i = 0; i < N; i++) if (!filter.has(`member-${i}`)) missing++;
      expect(missing).toBe(0);
      let falsePositives = 0;
      for (let i = 0; i < N; i++) if (filter.has(`outsider-${i}`)) falsePositives++;
      expect(falsePositives / N).toBeLessThanOrEqual(2 * FPR);
      expect(falsePositives / N).toBeGreaterThanOrEqual(FPR / 2);
      expect(filter.hasSha1(sha1Hex('member-7'))).toBe(true);
    } finally {
      await filter.close();
    }
  });

  it('the partitioned build writes the same bytes as a build held in one partition (the partitioning loses nothing)', { timeout: 120_000 }, async () => {
    const whole = join(dir, 'whole.bin');
    const result = await buildBreachedPasswordFile(source('member-', N), whole, { fpr: FPR, format: 'plain' });
    expect(result.partitions).toBe(1);
    expect((await readFile(whole)).equals(await readFile(partitioned))).toBe(true);
  });

  it('the same file serves from memory too: createBreachedPasswordFilter(readFileSync(…)) reads version 2', async () => {
    const filter = createBreachedPasswordFilter(await readFile(partitioned));
    expect([filter.has('member-0'), filter.has(`member-${N - 1}`), filter.count]).toEqual([true, true, N]);
  });

  it('HIBP input (SHA1:COUNT, CRLF) with minCount, and lookups by digest', async () => {
    const path = join(dir, 'hibp.bin');
    const rows = Array.from({ length: 3000 }, (_, i) => `${sha1Hex(`pw${i}`)}:${i}`).join('\r\n') + '\r\n';
    const result = await buildBreachedPasswordFile(() => Readable.from([rows]), path, { minCount: 10, fpr: 1e-4, memoryBytes: 1024 });
    expect(result).toMatchObject({ format: 'hibp', count: 2990, skipped: 10 });
    const filter = await openBreachedPasswordFilter(path);
    expect([filter.has('pw5'), filter.has('pw10'), filter.has('pw2999'), filter.hasSha1(createHash('sha1').update('pw100').digest())]).toEqual([false, true, true, true]);
    expect(() => filter.hasSha1('xyz')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    await filter.close();
    expect(() => filter.has('pw10')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });

  it('a failing source leaves neither the output nor temporary files behind', async () => {
    const sub = await mkdtemp(join(dir, 'fail-'));
    let pass = 0;
    const flaky = () => {
      pass++;
      return Readable.from(pass === 1 ? ['a\nb\nc\n'] : ['a\nb\n']) as AsyncIterable<string>;
    };
    await expect(buildBreachedPasswordFile(flaky, join(sub, 'out.bin'), { memoryBytes: 64 })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    expect(await readdir(sub)).toEqual([]);
  });
});

describe('bounded memory: the build plan', () => {
  it('splits the blocks into partitions of at most memoryBytes, and refuses a plan of more than 256 partitions', () => {
    expect(planPartitions(1000, 64 * 100)).toEqual({ blocksPerPartition: 100, partitions: 10 });
    expect(planPartitions(1000, 64 * 1000)).toEqual({ blocksPerPartition: 1000, partitions: 1 });
    expect(() => planPartitions(10_000, 64)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    // 10^9 entries at 1e-6 with the default 64 MiB: under the 256-partition limit.
    const { blocks } = blockedSize(1e9, 1e-6);
    expect(planPartitions(blocks, 64 * 1024 * 1024).partitions).toBeLessThanOrEqual(256);
  });

  it('sizes the blocked filter so that its expected FPR meets the target (10^8 entries at 1e-3 fit in 256 MiB)', () => {
    for (const fpr of [1e-2, 1e-3, 1e-6]) {
      const { blocks, hashes, expectedFpr } = blockedSize(100_000, fpr);
      expect(expectedFpr).toBeLessThanOrEqual(fpr);
      expect(expectedFpr).toBeGreaterThan(fpr / 1.5);
      expect(blockedFpr(blocks, hashes, 100_000)).toBe(expectedFpr);
    }
    expect(blockedSize(1e8, 1e-3).blocks * 64).toBeLessThan(256 * 1024 * 1024);
  });
});

describe('SEC: a truncated, corrupted or foreign filter file is refused at open with ERR_INVALID_FILTER', () => {
  let good: Buffer;
  const path = () => join(dir, 'bad.bin');
  beforeAll(async () => {
    const built = join(dir, 'small.bin');
    await buildBreachedPasswordFile(source('s-', 5000), built, { fpr: 1e-3, format: 'plain' });
    good = await readFile(built);
  });

  it('truncation (by one byte, to the header alone, inside the header) and trailing bytes are refused, whatever verify says', async () => {
    for (const length of [good.length - 1, good.length - 64, 128, 100, 0]) {
      await writeFile(path(), good);
      await truncate(path(), length);
      await expectRefused(path(), /truncated/, 'header');
      await expectRefused(path(), /truncated/);
    }
    await writeFile(path(), good);
    await appendFile(path(), Buffer.from([0]));
    await expectRefused(path(), /trailing bytes/, 'header');
  });

  it('a flipped bit in the header is refused, whatever verify says', async () => {
    for (const offset of [12, 16, 24, 32, 70, 100]) {
      const bad = Buffer.from(good);
      bad[offset]! ^= 0x01;
      await writeFile(path(), bad);
      await expectRefused(path(), /header SHA-256 mismatch/, 'header');
    }
  });

  it("a flipped bit in the body is refused at open (verify: 'full', the default); with verify: 'header' it opens and verify() rejects", async () => {
    const bad = Buffer.from(good);
    bad[bad.length - 10]! ^= 0x80;
    await writeFile(path(), bad);
    await expectRefused(path(), /body SHA-256 mismatch/);
    expect(() => createBreachedPasswordFilter(bad)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_FILTER' }));
    const fast = await openBreachedPasswordFilter(path(), { verify: 'header' });
    await expect(fast.verify()).rejects.toMatchObject({ code: 'ERR_INVALID_FILTER' });
    await fast.close();
  });

  it('an unknown version or a foreign file is refused', async () => {
    const v3 = Buffer.from(good);
    v3.writeUInt16LE(3, 8);
    await writeFile(path(), v3);
    await expectRefused(path(), /format version 3 is not supported/);
    await writeFile(path(), Buffer.from('SHA1:COUNT not a filter at all'));
    await expectRefused(path(), /bad magic/);
  });
});

describe('the small-list path: format version 1, built and held in memory', () => {
  it('a version-1 file still opens (read into memory) and answers as before', async () => {
    const built = await buildBreachedPasswordFilter(source('v1-', 2000), { fpr: 1e-6, format: 'plain' });
    const path = join(dir, 'v1.bin');
    await writeFile(path, built.bytes);
    const filter = await openBreachedPasswordFilter(path);
    expect(filter).toMatchObject({ onDisk: false, version: 1, count: 2000, hashes: built.hashes, bits: built.bits });
    expect([filter.has('v1-0'), filter.has('v1-1999'), filter.has('v1-2000')]).toEqual([true, true, false]);
    await filter.close();
    const bad = Buffer.from(built.bytes);
    bad[200]! ^= 1;
    await writeFile(path, bad);
    await expectRefused(path, /SHA-256 mismatch/);
    await truncate(path, 1000);
    await expectRefused(path, /truncated/);
  });
});
