import { createHash } from 'node:crypto';
import { KanmonError } from '../../errors.js';

/**
 * The kanmon breached-password filter file (see docs/breached-passwords.md).
 *
 * A 64-byte header, little-endian, then the Bloom filter's bit array:
 *
 * | offset | size | field |
 * |---:|---:|---|
 * | 0 | 8 | magic `KANMONBF` |
 * | 8 | 2 | format version, `1` |
 * | 10 | 2 | hash scheme, `1` = {@link HASH_SCHEME_SHA1_KM48} |
 * | 12 | 2 | k, probes per entry (1–64) |
 * | 14 | 2 | reserved, `0` |
 * | 16 | 8 | m, bits in the array (1 – 2^48) |
 * | 24 | 8 | count, entries inserted |
 * | 32 | 32 | SHA-256 of bytes 0–31 and the body |
 * | 64 | ⌈m/8⌉ | body: bit i is bit (i mod 8) of byte ⌊i/8⌋ |
 *
 * The digest covers the header fields too, so any flipped byte, a truncation
 * or trailing bytes are refused at load (`ERR_INVALID_FILTER`).
 */
const FILTER_MAGIC = 'KANMONBF';
const FILTER_VERSION = 1;
export const FILTER_HEADER_BYTES = 64;
/**
 * Hash scheme 1: the key of an entry is SHA-1 of the password's UTF-8 bytes
 * (what Have I Been Pwned publishes). From the 20-byte digest, h1 = bytes 0–5
 * and h2 = bytes 6–11 as 48-bit big-endian integers; probe i is
 * (h1 + i·h2') mod m with h2' = (h2 mod m) or 1 when that is 0
 * (Kirsch–Mitzenmacher double hashing).
 */
const HASH_SCHEME_SHA1_KM48 = 1;
const MAX_FILTER_BITS = 2 ** 48;

interface FilterHeader {
  readonly version: number;
  readonly scheme: number;
  readonly hashes: number;
  readonly bits: number;
  readonly count: number;
}

export function bodyBytes(bits: number): number {
  return Math.ceil(bits / 8);
}

function digestOf(file: Uint8Array): Buffer {
  return createHash('sha256').update(file.subarray(0, 32)).update(file.subarray(FILTER_HEADER_BYTES)).digest();
}

/** Write the header into `file[0..64)` (the body must already be in place) and seal it with its SHA-256. */
export function writeHeader(file: Uint8Array, header: Omit<FilterHeader, 'version' | 'scheme'>): void {
  const view = new DataView(file.buffer, file.byteOffset, FILTER_HEADER_BYTES);
  file.set(new TextEncoder().encode(FILTER_MAGIC), 0);
  view.setUint16(8, FILTER_VERSION, true);
  view.setUint16(10, HASH_SCHEME_SHA1_KM48, true);
  view.setUint16(12, header.hashes, true);
  view.setUint16(14, 0, true);
  view.setBigUint64(16, BigInt(header.bits), true);
  view.setBigUint64(24, BigInt(header.count), true);
  file.set(digestOf(file), 32);
}

function invalid(message: string): KanmonError {
  return new KanmonError('ERR_INVALID_FILTER', `breached-password filter: ${message}`);
}

/** Check magic, version, scheme, sizes and the SHA-256; return the header. */
export function readHeader(file: Uint8Array): FilterHeader {
  if (!(file instanceof Uint8Array)) throw new KanmonError('ERR_INVALID_ARGUMENT', 'the filter must be a Uint8Array (e.g. from fs.readFileSync)');
  if (file.length < FILTER_HEADER_BYTES) throw invalid(`truncated: ${file.length} bytes, the header alone is ${FILTER_HEADER_BYTES}`);
  if (Buffer.from(file.subarray(0, 8)).toString('latin1') !== FILTER_MAGIC) throw invalid('not a kanmon filter (bad magic)');
  const view = new DataView(file.buffer, file.byteOffset, FILTER_HEADER_BYTES);
  const version = view.getUint16(8, true);
  if (version !== FILTER_VERSION) throw invalid(`format version ${version} is not supported (this kanmon reads ${FILTER_VERSION})`);
  const scheme = view.getUint16(10, true);
  if (scheme !== HASH_SCHEME_SHA1_KM48) throw invalid(`hash scheme ${scheme} is not supported`);
  const hashes = view.getUint16(12, true);
  const bits = Number(view.getBigUint64(16, true));
  const count = Number(view.getBigUint64(24, true));
  if (hashes < 1 || hashes > 64 || view.getUint16(14, true) !== 0) throw invalid('header fields out of range');
  if (bits < 1 || bits > MAX_FILTER_BITS || !Number.isSafeInteger(count)) throw invalid('header fields out of range');
  const expected = FILTER_HEADER_BYTES + bodyBytes(bits);
  if (file.length !== expected) throw invalid(`${file.length < expected ? 'truncated' : 'trailing bytes'}: ${file.length} bytes, expected ${expected}`);
  const stored = file.subarray(32, 64);
  const actual = digestOf(file);
  if (!actual.equals(stored)) throw invalid('SHA-256 mismatch: the file is corrupted');
  return { version, scheme, hashes, bits, count };
}

/**
 * Set (`set = true`) or test the k probe bits of one SHA-1 digest given as
 * five big-endian words. Shared by builder and lookup so they cannot disagree.
 */
export function probe(body: Uint8Array, bits: number, hashes: number, d: Int32Array, set: boolean): boolean {
  return bits <= SMALL_FILTER_BITS ? probeSmall(body, bits, hashes, d, set) : probeLarge(body, bits, hashes, d, set);
}

/** Filters up to 2^30 bits (128 MiB): x + step < 2^31, so the probe loop stays in int32 arithmetic. */
const SMALL_FILTER_BITS = 2 ** 30;

/** h1 = digest bytes 0–5, h2 = bytes 6–11, as 48-bit big-endian integers (exact in float64). */
function h1h2(d: Int32Array): [number, number] {
  const w0 = d[0]! >>> 0;
  const w1 = d[1]! >>> 0;
  const w2 = d[2]! >>> 0;
  return [w0 * 65536 + (w1 >>> 16), (w1 & 0xffff) * 4294967296 + w2];
}

export function probeSmall(body: Uint8Array, bits: number, hashes: number, d: Int32Array, set: boolean): boolean {
  // h1h2() inlined: this is the hot path of every lookup.
  const w0 = d[0]! >>> 0;
  const w1 = d[1]! >>> 0;
  const h1 = w0 * 65536 + (w1 >>> 16);
  const h2 = (w1 & 0xffff) * 4294967296 + (d[2]! >>> 0);
  let x = h1 % bits | 0;
  const step = h2 % bits || 1;
  for (let i = 0; i < hashes; i++) {
    const mask = 1 << (x & 7);
    if (set) body[x >>> 3] = body[x >>> 3]! | mask;
    else if ((body[x >>> 3]! & mask) === 0) return false;
    x = (x + step) | 0;
    if (x >= bits) x = (x - bits) | 0;
  }
  return true;
}

/** The same probes in float64 arithmetic (exact below 2^53), for filters over 2^30 bits. */
export function probeLarge(body: Uint8Array, bits: number, hashes: number, d: Int32Array, set: boolean): boolean {
  const [h1, h2] = h1h2(d);
  let x = h1 % bits;
  const step = h2 % bits || 1;
  for (let i = 0; i < hashes; i++) {
    const byte = Math.floor(x / 8);
    const mask = 2 ** (x % 8);
    if (set) body[byte] = body[byte]! | mask;
    else if ((body[byte]! & mask) === 0) return false;
    x += step;
    if (x >= bits) x -= bits;
  }
  return true;
}

/** Optimal size for `count` entries at false-positive rate `fpr`: m = −n·ln p / (ln 2)², k = (m/n)·ln 2. */
export function filterSize(count: number, fpr: number): { bits: number; hashes: number } {
  if (!(fpr > 0 && fpr < 1)) throw new KanmonError('ERR_INVALID_ARGUMENT', 'fpr must be between 0 and 1 (e.g. 1e-6)');
  if (!Number.isSafeInteger(count) || count < 0) throw new KanmonError('ERR_INVALID_ARGUMENT', 'count must be a non-negative integer');
  const n = Math.max(count, 1);
  const bits = Math.max(64, Math.ceil((-n * Math.log(fpr)) / (Math.LN2 * Math.LN2)));
  if (bits > MAX_FILTER_BITS) throw new KanmonError('ERR_INVALID_ARGUMENT', 'the filter would exceed 2^48 bits; raise fpr');
  const hashes = Math.min(64, Math.max(1, Math.round((bits / n) * Math.LN2)));
  return { bits, hashes };
}

/** The expected false-positive rate of a filter: (1 − e^(−k·n/m))^k. */
export function expectedFpr(bits: number, hashes: number, count: number): number {
  return Math.pow(1 - Math.exp((-hashes * count) / bits), hashes);
}
