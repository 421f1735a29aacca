/**
 * The passes both breached-list builders share (the in-memory filter and the on-disk file): the options checked
 * the same way; pass 1 decides the input's format from its first non-empty line and counts the entries (they size
 * the filter); pass 2 reads the input again and hands each entry's SHA-1 to the builder.
 */
import { KanmonError } from '../../../errors.js';
import { forEachLine, hibpLine } from './lines.js';
import { bytesToWords, sha1Bytes, wordsToBytes } from './sha1.js';

/** What the input lines are. `auto` decides from the first non-empty line. */
export type ListFormat = 'auto' | 'hibp' | 'plain';

/** The coded refusal of a line that is not `<40 hex digits>:<count>` in a HIBP list. */
export function badHibpLine(lineNo: number): KanmonError {
  return new KanmonError('ERR_INVALID_ARGUMENT', `line ${lineNo}: not a HIBP line (<40 hex digits>:<count>); pass format 'plain' for a list of passwords`);
}

/** Checks `source`, `format` and `minCount` as both builders take them; answers the format asked for. */
export function checkBuildOptions(source: unknown, format: unknown, minCount: number): ListFormat {
  if (typeof source !== 'function') throw new KanmonError('ERR_INVALID_ARGUMENT', 'source must be a function returning a fresh stream for each pass');
  if (typeof format !== 'string' || !['auto', 'hibp', 'plain'].includes(format)) throw new KanmonError('ERR_INVALID_ARGUMENT', "format must be 'auto', 'hibp' or 'plain'");
  if (!Number.isSafeInteger(minCount) || minCount < 0) throw new KanmonError('ERR_INVALID_ARGUMENT', 'minCount must be a non-negative integer');
  checkMinCountFits(format as ListFormat, minCount);
  return format as ListFormat;
}

function checkMinCountFits(format: ListFormat, minCount: number): void {
  if (minCount > 1 && format === 'plain') throw new KanmonError('ERR_INVALID_ARGUMENT', 'minCount applies to HIBP input (SHA1:COUNT lines), not to a plain list');
}

/** What the first pass found. */
export interface FirstPass {
  readonly format: 'hibp' | 'plain';
  /** Lines read (the second pass must read as many). */
  readonly lines: number;
  /** Entries that go in the filter. */
  readonly entries: number;
  /** HIBP lines under `minCount`, and blank lines. */
  readonly skipped: number;
}

/** Pass 1: the format and the count of what goes in; `onProgress(bytes, lines)` as the input is read. */
export async function countEntries(
  input: AsyncIterable<Uint8Array | string>,
  asked: ListFormat,
  minCount: number,
  onProgress: (bytes: number, lines: number) => void,
): Promise<FirstPass> {
  let format = asked;
  let entries = 0;
  let skipped = 0;
  const lines = await forEachLine(
    input,
    (buf, start, end, lineNo) => {
      if (start === end) return void skipped++;
      if (format === 'auto') format = hibpLine(buf, start, end, undefined) >= 0 ? 'hibp' : 'plain';
      if (format === 'plain') return void entries++;
      const count = hibpLine(buf, start, end, undefined);
      if (count < 0) throw badHibpLine(lineNo);
      if (count >= minCount) entries++;
      else skipped++;
    },
    onProgress,
  );
  const resolved = format === 'auto' ? 'hibp' : format;
  checkMinCountFits(resolved, minCount);
  return { format: resolved, lines, entries, skipped };
}

/**
 * Pass 2: `onEntry(digest, words)` for every entry that goes in (the SHA-1 as 20 bytes and as five big-endian words,
 * both filled; reused between calls). Answers the number of lines read, which must equal pass 1's.
 */
export function forEachEntry(
  input: AsyncIterable<Uint8Array | string>,
  format: 'hibp' | 'plain',
  minCount: number,
  onEntry: (digest: Uint8Array, words: Int32Array) => void,
  onProgress: (bytes: number, lines: number) => void,
): Promise<number> {
  const digest = new Uint8Array(20);
  const words = new Int32Array(5);
  return forEachLine(
    input,
    (buf, start, end, lineNo) => {
      if (start === end) return;
      if (format === 'plain') {
        wordsToBytes(sha1Bytes(buf.subarray(start, end), words), digest);
      } else {
        const count = hibpLine(buf, start, end, digest);
        if (count < 0) throw badHibpLine(lineNo);
        if (count < minCount) return;
        bytesToWords(digest, words);
      }
      onEntry(digest, words);
    },
    onProgress,
  );
}
