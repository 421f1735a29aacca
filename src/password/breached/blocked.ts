import { createHash } from 'node:crypto';
import { KanmonError } from '../../errors.js';

/**
 * Format version 2 of the breached-password filter: a blocked (cache-line) Bloom filter,
 * queried where it lies (see docs/breached-passwords.md). A lookup reads one 64-byte block.
 *
 * A 128-byte header, little-endian, then B blocks of 64 bytes:
 *
 * | offset | size | field |
 * |---:|---:|---|
 * | 0 | 8 | magic `KANMONBF` (as version 1) |
 * | 8 | 2 | format version, `2` |
 * | 10 | 2 | hash scheme, `2` = SHA-1, blocked 512 bits |
 * | 12 | 2 | k, bits set per entry in its block (1–64) |
 * | 14 | 2 | reserved, `0` |
 * | 16 | 8 | B, blocks (1 – 2^40) |
 * | 24 | 8 | count, entries inserted |
 * | 32 | 8 | the target false-positive rate (float64) |
 * | 40 | 24 | reserved, `0` |
 * | 64 | 32 | SHA-256 of the body |
 * | 96 | 32 | SHA-256 of bytes 0–95 |
 * | 128 | 64·B | body |
 *
 * Hash scheme 2: from the password's SHA-1 (20 bytes), block = (bytes 0–5 as a 48-bit
 * big-endian integer) mod B; key = bytes 6–9 (big-endian); bit i of the entry in its block is
 * the top 9 bits of fmix32((key + i·0x9E3779B9) mod 2^32), fmix32 being MurmurHash3's 32-bit
 * finaliser; bit j of a block is bit (j mod 8) of its byte ⌊j/8⌋. No rehash of the password:
 * the SHA-1 bits choose the block and seed the bits.
 */
export const BLOCKED_VERSION = 2;
const BLOCKED_SCHEME = 2;
export const BLOCKED_HEADER_BYTES = 128;
export const BLOCK_BYTES = 64;
const BLOCK_BITS = 512;
const MAX_BLOCKS = 2 ** 40;

export interface BlockedHeader {
  readonly hashes: number;
  readonly blocks: number;
  readonly count: number;
  readonly targetFpr: number;
}

function invalid(message: string): KanmonError {
  return new KanmonError('ERR_INVALID_FILTER', `breached-password filter: ${message}`);
}

/** The 128 header bytes for `header` and the body's SHA-256. */
export function encodeBlockedHeader(header: BlockedHeader, bodySha256: Uint8Array): Uint8Array {
  const out = new Uint8Array(BLOCKED_HEADER_BYTES);
  const view = new DataView(out.buffer);
  out.set(Buffer.from('KANMONBF', 'latin1'), 0);
  view.setUint16(8, BLOCKED_VERSION, true);
  view.setUint16(10, BLOCKED_SCHEME, true);
  view.setUint16(12, header.hashes, true);
  view.setBigUint64(16, BigInt(header.blocks), true);
  view.setBigUint64(24, BigInt(header.count), true);
  view.setFloat64(32, header.targetFpr, true);
  out.set(bodySha256, 64);
  out.set(createHash('sha256').update(out.subarray(0, 96)).digest(), 96);
  return out;
}

/**
 * Check a version-2 header (magic, version, scheme, ranges, its own SHA-256) and that
 * `fileBytes` is exactly header + body. Returns the header and the body's stored SHA-256.
 */
export function decodeBlockedHeader(head: Uint8Array, fileBytes: number): BlockedHeader & { readonly bodySha256: Uint8Array } {
  if (head.length < BLOCKED_HEADER_BYTES || fileBytes < BLOCKED_HEADER_BYTES) throw invalid(`truncated: ${fileBytes} bytes, the header alone is ${BLOCKED_HEADER_BYTES}`);
  const view = new DataView(head.buffer, head.byteOffset, BLOCKED_HEADER_BYTES);
  if (view.getUint16(8, true) !== BLOCKED_VERSION) throw invalid('not a version 2 filter');
  const sealed = createHash('sha256').update(head.subarray(0, 96)).digest();
  if (!sealed.equals(head.subarray(96, 128))) throw invalid('header SHA-256 mismatch: the file is corrupted');
  const scheme = view.getUint16(10, true);
  if (scheme !== BLOCKED_SCHEME) throw invalid(`hash scheme ${scheme} is not supported`);
  const hashes = view.getUint16(12, true);
  const blocks = Number(view.getBigUint64(16, true));
  const count = Number(view.getBigUint64(24, true));
  const targetFpr = view.getFloat64(32, true);
  if (hashes < 1 || hashes > 64 || blocks < 1 || blocks > MAX_BLOCKS || !Number.isSafeInteger(count)) throw invalid('header fields out of range');
  const expected = BLOCKED_HEADER_BYTES + blocks * BLOCK_BYTES;
  if (fileBytes !== expected) throw invalid(`${fileBytes < expected ? 'truncated' : 'trailing bytes'}: ${fileBytes} bytes, expected ${expected}`);
  return { hashes, blocks, count, targetFpr, bodySha256: head.slice(64, 96) };
}

/** The block of a digest given as five big-endian words: (bytes 0–5) mod B. */
export function blockOf(d: Int32Array, blocks: number): number {
  return ((d[0]! >>> 0) * 65536 + ((d[1]! >>> 16) & 0xffff)) % blocks;
}

/** The 32 bits that place an entry's bits in its block: bytes 6–9, big-endian. */
export function inBlockKey(d: Int32Array): number {
  return ((d[1]! & 0xffff) << 16) | (d[2]! >>> 16);
}

/**
 * Set (`set = true`) or test the k bits of `key` (from {@link inBlockKey}) in the block at
 * `block[offset..offset+64)`: bit i is the top 9 bits of fmix32(key + i·0x9E3779B9)
 * (MurmurHash3's finaliser), so 2^32 distinct patterns and no arithmetic progressions.
 */
export function probeBlock(block: Uint8Array, offset: number, key: number, hashes: number, set: boolean): boolean {
  for (let i = 0; i < hashes; i++) {
    let h = (key + Math.imul(i, 0x9e3779b9)) | 0;
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    const x = h >>> 23;
    const at = offset + (x >>> 3);
    const mask = 1 << (x & 7);
    if (set) block[at] = block[at]! | mask;
    else if ((block[at]! & mask) === 0) return false;
  }
  return true;
}

/**
 * The expected false-positive rate of a blocked filter: entries per block are Poisson(n/B),
 * and with j entries in the block a query's k bits are all set with probability
 * (1 − (1 − 1/512)^(k·j))^k.
 */
export function blockedFpr(blocks: number, hashes: number, count: number): number {
  const lambda = count / blocks;
  const last = Math.ceil(lambda + 12 * Math.sqrt(lambda) + 30);
  let pmf = Math.exp(-lambda);
  let sum = 0;
  const keep = Math.pow(1 - 1 / BLOCK_BITS, hashes);
  for (let j = 0; j <= last; j++) {
    if (j > 0) pmf *= lambda / j;
    sum += pmf * Math.pow(1 - Math.pow(keep, j), hashes);
  }
  return sum;
}

/**
 * Blocks and k for `count` entries at false-positive rate `fpr`: starts from the classic
 * size and grows it by 1 % until the blocked filter's expected rate is at most `fpr`.
 */
export function blockedSize(count: number, fpr: number): { blocks: number; hashes: number; expectedFpr: number } {
  if (!(fpr > 0 && fpr < 1)) throw new KanmonError('ERR_INVALID_ARGUMENT', 'fpr must be between 0 and 1 (e.g. 1e-6)');
  if (!Number.isSafeInteger(count) || count < 0) throw new KanmonError('ERR_INVALID_ARGUMENT', 'count must be a non-negative integer');
  const n = Math.max(count, 1);
  let bitsPerEntry = -Math.log(fpr) / (Math.LN2 * Math.LN2);
  for (;;) {
    const blocks = Math.max(1, Math.ceil((n * bitsPerEntry) / BLOCK_BITS));
    if (blocks > MAX_BLOCKS) throw new KanmonError('ERR_INVALID_ARGUMENT', 'the filter would exceed 2^40 blocks; raise fpr');
    let best = { hashes: 1, expectedFpr: 1 };
    const ideal = Math.round(bitsPerEntry * Math.LN2);
    for (let k = Math.max(1, ideal - 4); k <= Math.min(64, ideal + 4); k++) {
      const rate = blockedFpr(blocks, k, n);
      if (rate < best.expectedFpr) best = { hashes: k, expectedFpr: rate };
    }
    if (best.expectedFpr <= fpr || bitsPerEntry > 200) return { blocks, ...best };
    bitsPerEntry *= 1.01;
  }
}
