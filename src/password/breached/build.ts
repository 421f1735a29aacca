import { KanmonError } from '../../errors.js';
import { FILTER_HEADER_BYTES, bodyBytes, expectedFpr, filterSize, probe, writeHeader } from './format.js';
import { sha1Bytes, sha1Utf8 } from './internal/sha1.js';

/** Options for {@link createBreachedFilterBuilder}. */
export interface BreachedFilterBuilderOptions {
  /** How many entries will be added: sizes the filter. Adding more raises the false-positive rate. */
  readonly expectedCount: number;
  /** Target false-positive rate. @default 1e-6 */
  readonly fpr?: number | undefined;
}

/** Builds a breached-password filter file in memory, entry by entry (from {@link createBreachedFilterBuilder}). */
export interface BreachedFilterBuilder {
  /** Add a password (its UTF-8 bytes, as given). */
  addPassword(password: string): void;
  /** Add by SHA-1: 20 bytes. */
  addSha1(digest: Uint8Array): void;
  /** Entries added so far. */
  readonly count: number;
  /** Seal the header and return the file's bytes. The builder is spent afterwards. */
  finish(): Uint8Array;
}

/**
 * Build a filter in memory from entries you add; {@link buildBreachedPasswordFilter}
 * does it from a Have I Been Pwned download or a password list.
 *
 * @example
 * ```ts
 * import { writeFile } from 'node:fs/promises';
 * import { createBreachedFilterBuilder, createBreachedPasswordFilter } from 'kanmon';
 * const builder = createBreachedFilterBuilder({ expectedCount: 3 });
 * for (const leaked of ['P@ssw0rd', 'funabashi2024', 'qwerty123']) builder.addPassword(leaked);
 * const bytes = builder.finish();
 * await writeFile('local-breached.bin', bytes);
 * createBreachedPasswordFilter(bytes).has('P@ssw0rd'); // true
 * ```
 */
export function createBreachedFilterBuilder(options: BreachedFilterBuilderOptions): BreachedFilterBuilder {
  const { expectedCount, fpr = 1e-6 } = options ?? ({} as BreachedFilterBuilderOptions);
  const { bits, hashes } = filterSize(expectedCount, fpr);
  const file = new Uint8Array(FILTER_HEADER_BYTES + bodyBytes(bits));
  const body = file.subarray(FILTER_HEADER_BYTES);
  const words = new Int32Array(5);
  let count = 0;
  let done = false;
  const live = () => {
    if (done) throw new KanmonError('ERR_INVALID_ARGUMENT', 'the builder is finished');
  };
  return {
    get count() {
      return count;
    },
    addPassword(password) {
      live();
      probe(body, bits, hashes, sha1Utf8(password, words), true);
      count++;
    },
    addSha1(digest) {
      live();
      if (!(digest instanceof Uint8Array) || digest.length !== 20) throw new KanmonError('ERR_INVALID_ARGUMENT', 'a SHA-1 digest is 20 bytes');
      for (let i = 0; i < 5; i++) words[i] = (digest[4 * i]! << 24) | (digest[4 * i + 1]! << 16) | (digest[4 * i + 2]! << 8) | digest[4 * i + 3]!;
      probe(body, bits, hashes, words, true);
      count++;
    },
    finish() {
      live();
      done = true;
      writeHeader(file, { hashes, bits, count });
      return file;
    },
  };
}

/** What the input lines are. `auto` decides from the first non-empty line. */
export type BreachedListFormat = 'auto' | 'hibp' | 'plain';

/** Options for {@link buildBreachedPasswordFilter}. */
export interface BuildBreachedFilterOptions {
  /** Target false-positive rate. @default 1e-6 */
  readonly fpr?: number | undefined;
  /** HIBP input only: skip hashes seen fewer than this many times. @default 1 */
  readonly minCount?: number | undefined;
  /** @default 'auto' */
  readonly format?: BreachedListFormat | undefined;
  /** Called after each chunk read and at the end of each pass (pass 1 counts, pass 2 inserts): keep it cheap. */
  readonly onProgress?: ((progress: { pass: 1 | 2; lines: number; bytes: number }) => void) | undefined;
}

/** Answer of {@link buildBreachedPasswordFilter}: the filter file's bytes and what was read. */
export interface BuildBreachedFilterResult {
  readonly bytes: Uint8Array;
  readonly format: 'hibp' | 'plain';
  /** Lines read (one pass). */
  readonly lines: number;
  /** Entries in the filter. */
  readonly count: number;
  /** HIBP lines under `minCount`, and blank lines. */
  readonly skipped: number;
  readonly bits: number;
  readonly hashes: number;
  readonly expectedFpr: number;
}

const HEX = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX[65 + i] = 10 + i;
  HEX[97 + i] = 10 + i;
}

/** One line's verdict in HIBP form: its count (≥ 0), or −1 when it is not `<40 hex>[:<count>]`. */
function hibpLine(buf: Uint8Array, start: number, end: number, digest: Uint8Array | undefined): number {
  if (end - start < 40) return -1;
  for (let i = 0; i < 20; i++) {
    const hi = HEX[buf[start + 2 * i]!]!;
    const lo = HEX[buf[start + 2 * i + 1]!]!;
    if ((hi | lo) < 0) return -1;
    if (digest) digest[i] = (hi << 4) | lo;
  }
  let p = start + 40;
  if (p === end) return 1;
  if (buf[p] !== 58 /* : */ || p + 1 === end) return -1;
  let count = 0;
  for (p++; p < end; p++) {
    const d = buf[p]! - 48;
    if (d < 0 || d > 9) return -1;
    count = count * 10 + d;
  }
  return count;
}

type LineHandler = (buf: Uint8Array, start: number, end: number, lineNo: number) => void;

async function forEachLine(source: AsyncIterable<Uint8Array | string>, onLine: LineHandler, onBytes: (bytes: number, lines: number) => void): Promise<number> {
  let carry: Uint8Array | undefined;
  let lines = 0;
  let bytes = 0;
  for await (const piece of source) {
    const chunk = typeof piece === 'string' ? Buffer.from(piece, 'utf8') : piece;
    bytes += chunk.length;
    let buf: Uint8Array = chunk;
    let offset = 0;
    if (carry) {
      const merged = new Uint8Array(carry.length + chunk.length);
      merged.set(carry, 0);
      merged.set(chunk, carry.length);
      buf = merged;
      offset = 0;
      carry = undefined;
    }
    let nl = buf.indexOf(10, offset);
    while (nl >= 0) {
      const end = nl > offset && buf[nl - 1] === 13 ? nl - 1 : nl;
      onLine(buf, offset, end, ++lines);
      offset = nl + 1;
      nl = buf.indexOf(10, offset);
    }
    if (offset < buf.length) carry = buf.slice(offset);
    onBytes(bytes, lines);
  }
  if (carry && carry.length > 0) {
    const end = carry[carry.length - 1] === 13 ? carry.length - 1 : carry.length;
    onLine(carry, 0, end, ++lines);
  }
  onBytes(bytes, lines);
  return lines;
}

/**
 * Build a filter file from a Have I Been Pwned "Pwned Passwords" SHA-1
 * download (`<40 hex>:<count>` lines, any order, CRLF or LF) or a plain list
 * of passwords, one per line. Streams the input twice (first to count, then to
 * insert), so memory is the filter alone: `source` is called once per pass.
 * Nothing is downloaded: you supply the file (SEC-6.1).
 *
 * @example
 * ```ts
 * import { createReadStream } from 'node:fs';
 * import { buildBreachedPasswordFilter } from 'kanmon';
 * const { bytes } = await buildBreachedPasswordFilter(() => createReadStream('pwned-passwords-sha1.txt'), { minCount: 10 });
 * ```
 */
export async function buildBreachedPasswordFilter(
  source: () => AsyncIterable<Uint8Array | string>,
  options: BuildBreachedFilterOptions = {},
): Promise<BuildBreachedFilterResult> {
  if (typeof source !== 'function') throw new KanmonError('ERR_INVALID_ARGUMENT', 'source must be a function returning a fresh stream for each pass');
  const { fpr = 1e-6, minCount = 1, onProgress } = options;
  let format = options.format ?? 'auto';
  if (!['auto', 'hibp', 'plain'].includes(format)) throw new KanmonError('ERR_INVALID_ARGUMENT', "format must be 'auto', 'hibp' or 'plain'");
  if (!Number.isSafeInteger(minCount) || minCount < 0) throw new KanmonError('ERR_INVALID_ARGUMENT', 'minCount must be a non-negative integer');
  if (minCount > 1 && format === 'plain') throw new KanmonError('ERR_INVALID_ARGUMENT', 'minCount applies to HIBP input (SHA1:COUNT lines), not to a plain list');

  const badLine = (lineNo: number) =>
    new KanmonError('ERR_INVALID_ARGUMENT', `line ${lineNo}: not a HIBP line (<40 hex digits>:<count>); pass format 'plain' for a list of passwords`);

  // Pass 1: decide the format, count what goes in.
  let entries = 0;
  let skipped = 0;
  const lines = await forEachLine(
    source(),
    (buf, start, end, lineNo) => {
      if (start === end) {
        skipped++;
        return;
      }
      if (format === 'auto') format = hibpLine(buf, start, end, undefined) >= 0 ? 'hibp' : 'plain';
      if (format === 'hibp') {
        const count = hibpLine(buf, start, end, undefined);
        if (count < 0) throw badLine(lineNo);
        if (count >= minCount) entries++;
        else skipped++;
      } else {
        entries++;
      }
    },
    (bytes, n) => onProgress?.({ pass: 1, lines: n, bytes }),
  );
  const resolved: 'hibp' | 'plain' = format === 'auto' ? 'hibp' : format;
  if (minCount > 1 && resolved === 'plain') throw new KanmonError('ERR_INVALID_ARGUMENT', 'minCount applies to HIBP input (SHA1:COUNT lines), not to a plain list');

  // Pass 2: insert.
  const builder = createBreachedFilterBuilder({ expectedCount: entries, fpr });
  const digest = new Uint8Array(20);
  const words = new Int32Array(5);
  let secondLines = 0;
  await forEachLine(
    source(),
    (buf, start, end, lineNo) => {
      secondLines = lineNo;
      if (start === end) return;
      if (resolved === 'hibp') {
        const count = hibpLine(buf, start, end, digest);
        if (count < 0) throw badLine(lineNo);
        if (count >= minCount) builder.addSha1(digest);
      } else {
        sha1Bytes(buf.subarray(start, end), words);
        for (let i = 0; i < 5; i++) {
          const w = words[i]!;
          digest[4 * i] = w >>> 24;
          digest[4 * i + 1] = (w >>> 16) & 0xff;
          digest[4 * i + 2] = (w >>> 8) & 0xff;
          digest[4 * i + 3] = w & 0xff;
        }
        builder.addSha1(digest);
      }
    },
    (bytes, n) => onProgress?.({ pass: 2, lines: n, bytes }),
  );
  if (secondLines !== lines || builder.count !== entries) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', 'the input changed between the two passes; source() must return the same data each time');
  }
  const bytes = builder.finish();
  const { bits, hashes } = filterSize(entries, fpr);
  return { bytes, format: resolved, lines, count: entries, skipped, bits, hashes, expectedFpr: expectedFpr(bits, hashes, entries) };
}

/** SHA-1 of `password`'s UTF-8 bytes as 20 bytes (the key HIBP and the filter use). */
export function sha1Digest(password: string): Uint8Array {
  const words = sha1Utf8(password, new Int32Array(5));
  const out = new Uint8Array(20);
  for (let i = 0; i < 5; i++) {
    const w = words[i]!;
    out[4 * i] = w >>> 24;
    out[4 * i + 1] = (w >>> 16) & 0xff;
    out[4 * i + 2] = (w >>> 8) & 0xff;
    out[4 * i + 3] = w & 0xff;
  }
  return out;
}
