import { createHash } from 'node:crypto';
import { readSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { KanmonError } from '../../errors.js';
import { BLOCKED_HEADER_BYTES, BLOCKED_VERSION, BLOCK_BYTES, blockOf, blockedFpr, decodeBlockedHeader, inBlockKey, probeBlock } from './blocked.js';
import { type BreachedPasswordFilter, createBreachedPasswordFilter, sha1Argument } from './create-filter.js';
import { sha1Utf8 } from './internal/sha1.js';

/** Options for {@link openBreachedPasswordFilter}. */
export interface OpenBreachedFilterOptions {
  /**
   * `'full'`: read the whole body once and check its SHA-256 before answering (a flipped
   * byte anywhere is refused). `'header'`: check only the header's SHA-256 and the file's
   * size (truncation, trailing bytes), for a fast start; run {@link OpenedBreachedPasswordFilter.verify}
   * later. Either way RSS does not grow with the file: it is read in 1 MiB pieces.
   * @default 'full'
   */
  readonly verify?: 'full' | 'header' | undefined;
}

/** A filter opened from a file: close it when done (an on-disk filter holds a file descriptor). */
export interface OpenedBreachedPasswordFilter extends BreachedPasswordFilter {
  /** `true`: version 2, queried in the file (one 64-byte read per lookup); `false`: version 1, loaded into memory. */
  readonly onDisk: boolean;
  /** The file format version (1 or 2). */
  readonly version: 1 | 2;
  /** Re-read the body and check its SHA-256; rejects with `ERR_INVALID_FILTER` on a mismatch. */
  verify(): Promise<void>;
  /** Release the file; lookups afterwards throw `ERR_INVALID_ARGUMENT`. */
  close(): Promise<void>;
}

const invalid = (message: string) => new KanmonError('ERR_INVALID_FILTER', `breached-password filter: ${message}`);

async function checkBody(handle: FileHandle, bytes: number, expected: Uint8Array): Promise<void> {
  const hash = createHash('sha256');
  const chunk = Buffer.allocUnsafe(1 << 20);
  for (let position = BLOCKED_HEADER_BYTES; position < BLOCKED_HEADER_BYTES + bytes; ) {
    const { bytesRead } = await handle.read(chunk, 0, Math.min(chunk.length, BLOCKED_HEADER_BYTES + bytes - position), position);
    if (bytesRead === 0) throw invalid('truncated while reading');
    hash.update(chunk.subarray(0, bytesRead));
    position += bytesRead;
  }
  if (!hash.digest().equals(expected)) throw invalid('body SHA-256 mismatch: the file is corrupted');
}

/**
 * Open a filter file written by `kanmon breached build`. A version-2 file (the default of
 * `kanmon breached build` and {@link buildBreachedPasswordFile}) stays on disk: each lookup
 * reads its one 64-byte block with a positioned read (served from the page cache once warm),
 * so memory does not grow with the file. A version-1 file is read into memory, as
 * {@link createBreachedPasswordFilter} does. Refused with `ERR_INVALID_FILTER` at open: a
 * wrong magic or unsupported version, a corrupted header, a truncated or over-long file, and
 * (with the default `verify: 'full'`) any corrupted byte of the body.
 *
 * @example
 * ```ts
 * import { openBreachedPasswordFilter } from 'kanmon';
 * const breached = await openBreachedPasswordFilter('/var/lib/kanmon/pwned.bin');
 * breached.has('P@ssw0rd'); // true
 * await breached.close();
 * ```
 */
export async function openBreachedPasswordFilter(path: string, options: OpenBreachedFilterOptions = {}): Promise<OpenedBreachedPasswordFilter> {
  const mode = options.verify ?? 'full';
  if (mode !== 'full' && mode !== 'header') throw new KanmonError('ERR_INVALID_ARGUMENT', "verify must be 'full' or 'header'");
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const head = Buffer.alloc(BLOCKED_HEADER_BYTES);
    await handle.read(head, 0, Math.min(size, BLOCKED_HEADER_BYTES), 0);
    if (size < 16 || head.subarray(0, 8).toString('latin1') !== 'KANMONBF') throw invalid(size < 16 ? `truncated: ${size} bytes` : 'not a kanmon filter (bad magic)');
    const version = head.readUInt16LE(8);
    if (version !== BLOCKED_VERSION) {
      if (version !== 1) throw invalid(`format version ${version} is not supported (this kanmon reads 1 and 2)`);
      const memory = createBreachedPasswordFilter(await handle.readFile());
      await handle.close();
      const done = () => Promise.resolve();
      return Object.freeze({ ...memory, onDisk: false, version: 1, verify: done, close: done });
    }
    const { hashes, blocks, count, bodySha256 } = decodeBlockedHeader(head, size);
    if (mode === 'full') await checkBody(handle, blocks * BLOCK_BYTES, bodySha256);
    return onDisk(handle, hashes, blocks, count, bodySha256);
  } catch (error) {
    await handle.close();
    throw error;
  }
}

function onDisk(handle: FileHandle, hashes: number, blocks: number, count: number, bodySha256: Uint8Array): OpenedBreachedPasswordFilter {
  const fd = handle.fd;
  const block = new Uint8Array(BLOCK_BYTES);
  const words = new Int32Array(5);
  let closed = false;
  const lookup = (d: Int32Array): boolean => {
    if (closed) throw new KanmonError('ERR_INVALID_ARGUMENT', 'the breached-password filter is closed');
    const position = BLOCKED_HEADER_BYTES + blockOf(d, blocks) * BLOCK_BYTES;
    if (readSync(fd, block, 0, BLOCK_BYTES, position) !== BLOCK_BYTES) throw invalid('short read: the file was truncated after it was opened');
    return probeBlock(block, 0, inBlockKey(d), hashes, false);
  };
  return Object.freeze({
    count,
    bits: blocks * BLOCK_BYTES * 8,
    hashes,
    expectedFpr: blockedFpr(blocks, hashes, count),
    onDisk: true,
    version: 2,
    has: (password: string) => typeof password === 'string' && lookup(sha1Utf8(password, words)),
    hasSha1: (digest: Uint8Array | string) => lookup(sha1Argument(digest, words)),
    verify: () => checkBody(handle, blocks * BLOCK_BYTES, bodySha256),
    async close() {
      if (closed) return;
      closed = true;
      await handle.close();
    },
  });
}
