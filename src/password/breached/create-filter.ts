import { KanmonError } from '../../errors.js';
import { FILTER_HEADER_BYTES, expectedFpr, probe, readHeader } from './format.js';
import { sha1Utf8 } from './internal/sha1.js';
import { BLOCKED_HEADER_BYTES, BLOCKED_VERSION, BLOCK_BYTES, blockOf, blockedFpr, decodeBlockedHeader, inBlockKey, probeBlock } from './blocked.js';
import { createHash } from 'node:crypto';

/** A loaded breached-password filter. Immutable; safe to share across requests. */
export interface BreachedPasswordFilter {
  /**
   * Whether `password` (its UTF-8 bytes, exactly as given) is in the list.
   * `false` is certain; `true` is wrong with probability about {@link expectedFpr}.
   */
  has(password: string): boolean;
  /** The same lookup by SHA-1 digest (20 bytes, or 40 hex characters as in the HIBP files). */
  hasSha1(digest: Uint8Array | string): boolean;
  /** Entries inserted. */
  readonly count: number;
  /** Bits in the array (m). */
  readonly bits: number;
  /** Probes per entry (k). */
  readonly hashes: number;
  /** The false-positive rate this filter's size and count give. */
  readonly expectedFpr: number;
}

/**
 * Load a filter written by `kanmon breached build` (or {@link createBreachedFilterBuilder}):
 * the header and its SHA-256 are checked once here, so a flipped byte, a
 * truncated or over-long file is refused with `ERR_INVALID_FILTER`. The bytes
 * are used in place, not copied: do not modify them afterwards.
 * Offline by design (SEC-6.1); the measure for leaked passwords of RM-23, FNB-3.1.4.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { createBreachedPasswordFilter } from 'kanmon';
 * const breached = createBreachedPasswordFilter(readFileSync('/etc/kanmon/pwned.bin'));
 * breached.has('P@ssw0rd'); // true
 * ```
 */
export function createBreachedPasswordFilter(bytes: Uint8Array): BreachedPasswordFilter {
  if (bytes instanceof Uint8Array && bytes.length >= 10 && bytes[8] === BLOCKED_VERSION && bytes[9] === 0 && Buffer.from(bytes.subarray(0, 8)).toString('latin1') === 'KANMONBF') {
    return blockedInMemory(bytes);
  }
  const header = readHeader(bytes);
  const body = bytes.subarray(FILTER_HEADER_BYTES);
  const { bits, hashes, count } = header;
  const words = new Int32Array(5);
  return Object.freeze({
    count,
    bits,
    hashes,
    expectedFpr: expectedFpr(bits, hashes, count),
    has(password: string): boolean {
      if (typeof password !== 'string') return false;
      return probe(body, bits, hashes, sha1Utf8(password, words), false);
    },
    hasSha1(digest: Uint8Array | string): boolean {
      return probe(body, bits, hashes, sha1Argument(digest, words), false);
    },
  });
}

const HEX40 = /^[0-9A-Fa-f]{40}$/;

/** A digest argument (20 bytes or 40 hex characters) as five big-endian words in `out`. */
export function sha1Argument(digest: Uint8Array | string, out: Int32Array): Int32Array {
  let raw: Uint8Array;
  if (typeof digest === 'string') {
    if (!HEX40.test(digest)) throw new KanmonError('ERR_INVALID_ARGUMENT', 'a SHA-1 digest is 40 hexadecimal characters');
    raw = Buffer.from(digest, 'hex');
  } else if (digest instanceof Uint8Array && digest.length === 20) {
    raw = digest;
  } else {
    throw new KanmonError('ERR_INVALID_ARGUMENT', 'a SHA-1 digest is 20 bytes');
  }
  return digestWords(raw, out);
}

function digestWords(raw: Uint8Array, out: Int32Array): Int32Array {
  for (let i = 0; i < 5; i++) out[i] = (raw[4 * i]! << 24) | (raw[4 * i + 1]! << 16) | (raw[4 * i + 2]! << 8) | raw[4 * i + 3]!;
  return out;
}

/** A version-2 (blocked) filter held in memory: header and body SHA-256 checked here. */
function blockedInMemory(bytes: Uint8Array): BreachedPasswordFilter {
  const { hashes, blocks, count, bodySha256 } = decodeBlockedHeader(bytes, bytes.length);
  const body = bytes.subarray(BLOCKED_HEADER_BYTES);
  if (!createHash('sha256').update(body).digest().equals(bodySha256)) {
    throw new KanmonError('ERR_INVALID_FILTER', 'breached-password filter: body SHA-256 mismatch: the file is corrupted');
  }
  const words = new Int32Array(5);
  const lookup = (d: Int32Array) => probeBlock(body, blockOf(d, blocks) * BLOCK_BYTES, inBlockKey(d), hashes, false);
  return Object.freeze({
    count,
    bits: blocks * BLOCK_BYTES * 8,
    hashes,
    expectedFpr: blockedFpr(blocks, hashes, count),
    has: (password: string) => typeof password === 'string' && lookup(sha1Utf8(password, words)),
    hasSha1: (digest: Uint8Array | string) => lookup(sha1Argument(digest, words)),
  });
}
