/**
 * The first pass both breached-list builders share (the in-memory filter and the on-disk file): the options checked
 * the same way, the input's format decided from its first non-empty line, and the entries counted (they size the
 * filter). The second pass reads the input again and must see the same lines.
 */
import { KanmonError } from '../../../errors.js';
import { forEachLine, hibpLine } from './lines.js';

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
