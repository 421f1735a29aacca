import { KanmonError } from '../../errors.js';
import { FILTER_HEADER_BYTES, expectedFpr, probe, readHeader } from './format.js';
import { sha1Utf8 } from './internal/sha1.js';

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
  const header = readHeader(bytes);
  const body = bytes.subarray(FILTER_HEADER_BYTES);
  const { bits, hashes, count } = header;
  const words = new Int32Array(5);
  const hex = /^[0-9A-Fa-f]{40}$/;
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
      let raw: Uint8Array;
      if (typeof digest === 'string') {
        if (!hex.test(digest)) throw new KanmonError('ERR_INVALID_ARGUMENT', 'a SHA-1 digest is 40 hexadecimal characters');
        raw = Buffer.from(digest, 'hex');
      } else if (digest instanceof Uint8Array && digest.length === 20) {
        raw = digest;
      } else {
        throw new KanmonError('ERR_INVALID_ARGUMENT', 'a SHA-1 digest is 20 bytes');
      }
      for (let i = 0; i < 5; i++) words[i] = (raw[4 * i]! << 24) | (raw[4 * i + 1]! << 16) | (raw[4 * i + 2]! << 8) | raw[4 * i + 3]!;
      return probe(body, bits, hashes, words, false);
    },
  });
}
