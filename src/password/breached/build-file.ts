import { createHash, randomBytes } from 'node:crypto';
import { closeSync, openSync, readSync, renameSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { KanmonError } from '../../errors.js';
import { BLOCKED_HEADER_BYTES, BLOCK_BYTES, blockOf, blockedSize, encodeBlockedHeader, inBlockKey, probeBlock } from './blocked.js';
import type { BreachedListFormat } from './build.js';
import { checkBuildOptions, countEntries, forEachEntry } from './internal/first-pass.js';

/** Options for {@link buildBreachedPasswordFile}. */
export interface BuildBreachedFileOptions {
  /** Target false-positive rate. @default 1e-6 */
  readonly fpr?: number | undefined;
  /** HIBP input only: skip hashes seen fewer than this many times. @default 1 */
  readonly minCount?: number | undefined;
  /** @default 'auto' */
  readonly format?: BreachedListFormat | undefined;
  /**
   * The most filter bytes held in memory at once (one partition). A larger filter is built
   * partition by partition through temporary files next to `output`. @default 64 MiB
   */
  readonly memoryBytes?: number | undefined;
  /**
   * Called per chunk read (pass 1 counts, pass 2 sorts entries into partitions) and per
   * partition written (pass 3: `bytes` of the filter written). Keep it cheap.
   */
  readonly onProgress?: ((progress: { pass: 1 | 2 | 3; lines: number; bytes: number }) => void) | undefined;
}

/** What {@link buildBreachedPasswordFile} wrote. */
export interface BuildBreachedFileResult {
  readonly path: string;
  readonly format: 'hibp' | 'plain';
  readonly lines: number;
  readonly count: number;
  readonly skipped: number;
  /** 64-byte blocks in the filter. */
  readonly blocks: number;
  readonly hashes: number;
  readonly expectedFpr: number;
  /** The file's size. */
  readonly fileBytes: number;
  /** Partitions built one after another (1: no temporary files). */
  readonly partitions: number;
}

const DEFAULT_MEMORY = 64 * 1024 * 1024;
/** Entries buffered per partition before a write: 8 bytes each, so 64 KiB per partition. */
const RECORDS_PER_FLUSH = 8192;
const MAX_PARTITIONS = 256;

/** How the blocks split into partitions of at most `memoryBytes` each (exported for tests). */
export function planPartitions(blocks: number, memoryBytes: number): { blocksPerPartition: number; partitions: number } {
  const blocksPerPartition = Math.max(1, Math.floor(memoryBytes / BLOCK_BYTES));
  const partitions = Math.ceil(blocks / blocksPerPartition);
  if (partitions > MAX_PARTITIONS) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', `the filter needs ${partitions} partitions of ${memoryBytes} bytes (at most ${MAX_PARTITIONS}): raise memoryBytes`);
  }
  return { blocksPerPartition, partitions };
}

/**
 * Build a version-2 (blocked, on-disk) filter file from a Have I Been Pwned SHA-1 download or
 * a plain password list, in bounded memory: at most `memoryBytes` of filter (one partition),
 * 64 KiB of buffer per partition (at most 256) and the stream's own chunks, whatever the
 * input's size. Pass 1 counts, pass 2 files each entry's block and bit key into its
 * partition's temporary file (8 bytes an entry), pass 3 fills each partition in memory and
 * writes it in place. The file appears at `output` only when complete (written to a
 * temporary name, then renamed). Open it with {@link openBreachedPasswordFilter}.
 *
 * @example
 * ```ts
 * import { createReadStream } from 'node:fs';
 * import { buildBreachedPasswordFile } from 'kanmon';
 * await buildBreachedPasswordFile(() => createReadStream('pwned-passwords-sha1.txt'), '/var/lib/kanmon/pwned.bin', { fpr: 1e-6 });
 * ```
 */
export async function buildBreachedPasswordFile(
  source: () => AsyncIterable<Uint8Array | string>,
  output: string,
  options: BuildBreachedFileOptions = {},
): Promise<BuildBreachedFileResult> {
  if (typeof output !== 'string' || output === '') throw new KanmonError('ERR_INVALID_ARGUMENT', 'output must be a file path');
  const { fpr = 1e-6, minCount = 1, onProgress, memoryBytes = DEFAULT_MEMORY } = options;
  const asked = checkBuildOptions(source, options.format ?? 'auto', minCount);
  if (!Number.isSafeInteger(memoryBytes) || memoryBytes < BLOCK_BYTES) throw new KanmonError('ERR_INVALID_ARGUMENT', 'memoryBytes must be an integer ≥ 64');

  // Pass 1: the format and the count, which size the filter.
  const { format: resolved, lines, entries, skipped } = await countEntries(source(), asked, minCount, (bytes, n) => onProgress?.({ pass: 1, lines: n, bytes }));
  const { blocks, hashes, expectedFpr } = blockedSize(entries, fpr);
  const { blocksPerPartition, partitions } = planPartitions(blocks, memoryBytes);

  const temp = join(dirname(output), `.${basename(output)}.${process.pid}.${randomBytes(6).toString('hex')}`);
  const partPaths = partitions > 1 ? Array.from({ length: partitions }, (_, p) => `${temp}.part${p}`) : [];
  const partFds: number[] = [];
  let outFd: number | undefined;
  try {
    for (const path of partPaths) partFds.push(openSync(path, 'w+', 0o600));
    const single = partitions === 1 ? new Uint8Array(blocks * BLOCK_BYTES) : undefined;
    const pending = partitions > 1 ? Array.from({ length: partitions }, () => new Uint32Array(2 * RECORDS_PER_FLUSH)) : [];
    const fill = new Int32Array(partitions);
    const flush = (p: number) => {
      const buf = pending[p]!;
      writeSync(partFds[p]!, buf, 0, fill[p]! * 8);
      fill[p] = 0;
    };

    // Pass 2: each entry goes to its block (one partition) or its partition's file.
    let inserted = 0;
    const secondLines = await forEachEntry(
      source(),
      resolved,
      minCount,
      (_digest, words) => {
        inserted++;
        const block = blockOf(words, blocks);
        const key = inBlockKey(words);
        if (single) return void probeBlock(single, block * BLOCK_BYTES, key, hashes, true);
        const p = Math.floor(block / blocksPerPartition);
        const at = 2 * fill[p]!;
        const buffer = pending[p]!;
        buffer[at] = block - p * blocksPerPartition;
        buffer[at + 1] = key;
        if (++fill[p]! === RECORDS_PER_FLUSH) flush(p);
      },
      (bytes, n) => onProgress?.({ pass: 2, lines: n, bytes }),
    );
    if (secondLines !== lines || inserted !== entries) {
      throw new KanmonError('ERR_INVALID_ARGUMENT', 'the input changed between the two passes; source() must return the same data each time');
    }
    for (let p = 0; p < partitions && partitions > 1; p++) if (fill[p]! > 0) flush(p);
    pending.length = 0;

    // Pass 3: fill each partition in memory, write it where it lies in the file.
    outFd = openSync(temp, 'w', 0o644);
    const bodyHash = createHash('sha256');
    const records = new Uint32Array(2 * RECORDS_PER_FLUSH);
    const recordBytes = new Uint8Array(records.buffer);
    const part = single ?? new Uint8Array(blocksPerPartition * BLOCK_BYTES);
    let written = 0;
    for (let p = 0; p < partitions; p++) {
      const length = Math.min(blocksPerPartition, blocks - p * blocksPerPartition) * BLOCK_BYTES;
      const body = part.subarray(0, length);
      if (!single) {
        body.fill(0);
        const fd = partFds[p]!;
        for (let position = 0; ; ) {
          const got = readSync(fd, recordBytes, 0, recordBytes.length, position);
          if (got === 0) break;
          position += got;
          for (let r = 0; r < got / 4; r += 2) probeBlock(body, records[r]! * BLOCK_BYTES, records[r + 1]!, hashes, true);
        }
        closeSync(fd);
        partFds[p] = -1;
        unlinkSync(partPaths[p]!);
      }
      bodyHash.update(body);
      for (let off = 0; off < length; ) off += writeSync(outFd, body, off, length - off, BLOCKED_HEADER_BYTES + written + off);
      written += length;
      onProgress?.({ pass: 3, lines, bytes: written });
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const header = encodeBlockedHeader({ hashes, blocks, count: entries, targetFpr: fpr }, bodyHash.digest());
    writeSync(outFd, header, 0, header.length, 0);
    closeSync(outFd);
    outFd = undefined;
    renameSync(temp, output);
    return {
      path: output,
      format: resolved,
      lines,
      count: entries,
      skipped,
      blocks,
      hashes,
      expectedFpr,
      fileBytes: BLOCKED_HEADER_BYTES + blocks * BLOCK_BYTES,
      partitions,
    };
  } finally {
    for (const fd of partFds) if (fd >= 0) closeSync(fd);
    for (const path of partPaths) rmSync(path, { force: true });
    if (outFd !== undefined) closeSync(outFd);
    rmSync(temp, { force: true });
  }
}
