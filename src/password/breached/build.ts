import { KanmonError } from '../../errors.js';
import { FILTER_HEADER_BYTES, bodyBytes, expectedFpr, filterSize, probe, writeHeader } from './format.js';
import { checkBuildOptions, countEntries, forEachEntry } from './internal/first-pass.js';
import { sha1Utf8, wordsToBytes } from './internal/sha1.js';

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
  const { fpr = 1e-6, minCount = 1, onProgress } = options;
  const asked = checkBuildOptions(source, options.format ?? 'auto', minCount);
  const { format: resolved, lines, entries, skipped } = await countEntries(source(), asked, minCount, (bytes, n) => onProgress?.({ pass: 1, lines: n, bytes }));

  // Pass 2: insert.
  const builder = createBreachedFilterBuilder({ expectedCount: entries, fpr });
  const secondLines = await forEachEntry(
    source(),
    resolved,
    minCount,
    (digest) => builder.addSha1(digest),
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
  return wordsToBytes(sha1Utf8(password, new Int32Array(5)), new Uint8Array(20));
}
