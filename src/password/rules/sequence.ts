import type { PasswordIssue, SequenceKind } from '../issues.js';
import type { PasswordSettings, PreparedPassword } from '../internal/prepared.js';

/**
 * The lines a sequence runs along, lower-case, each read forwards and
 * backwards. Keyboard lines cover the US and JIS (Japanese) layouts, shifted
 * and not, and the diagonal columns (`1qaz`, `2wsx`, …). At most 32 lines:
 * a line is one bit of a 32-bit mask.
 */
const lines: readonly (readonly [SequenceKind, string])[] = [
  ['digits', '0123456789'],
  ['alphabet', 'abcdefghijklmnopqrstuvwxyz'],
  ['keyboard', '`1234567890-='],
  ['keyboard', '~!@#$%^&*()_+'],
  ['keyboard', '1234567890-^\\'],
  ['keyboard', '!"#$%&\'()'],
  ['keyboard', 'qwertyuiop[]\\'],
  ['keyboard', 'qwertyuiop{}|'],
  ['keyboard', 'qwertyuiop@['],
  ['keyboard', "asdfghjkl;'"],
  ['keyboard', 'asdfghjkl:"'],
  ['keyboard', 'asdfghjkl;:]'],
  ['keyboard', 'asdfghjkl+*}'],
  ['keyboard', 'zxcvbnm,./'],
  ['keyboard', 'zxcvbnm<>?'],
  ['keyboard', 'zxcvbnm,./\\'],
  ['keyboard', '1qaz'],
  ['keyboard', '2wsx'],
  ['keyboard', '3edc'],
  ['keyboard', '4rfv'],
  ['keyboard', '5tgb'],
  ['keyboard', '6yhn'],
  ['keyboard', '7ujm'],
  ['keyboard', '8ik,'],
  ['keyboard', '9ol.'],
  ['keyboard', '0p;/'],
  ['keyboard', '!qaz'],
  ['keyboard', '@wsx'],
  ['keyboard', '#edc'],
  ['keyboard', '$rfv'],
  ['keyboard', '%tgb'],
];

/**
 * For each ordered pair of ASCII units, as `before * 128 + after`, the lines
 * (as bits) on which `after` directly follows `before`. The same pair read the
 * other way round gives the lines where the run goes backwards.
 */
const followsOn = new Uint32Array(128 * 128);
lines.forEach(([, line], index) => {
  for (let pos = 1; pos < line.length; pos++) {
    const pair = line.charCodeAt(pos - 1) * 128 + line.charCodeAt(pos);
    followsOn[pair] = (followsOn[pair] as number) | (1 << index);
  }
});

/**
 * Scratch space: per line (bit), the run forwards / backwards ending at the
 * previous unit. A slot is read only while its bit is active, and every bit
 * is written before it becomes active, so nothing needs clearing between calls.
 */
const forwardRuns = new Int32Array(lines.length);
const backwardRuns = new Int32Array(lines.length);

/** Extend the runs of every line in `mask`; returns the best as `run * 64 + line`. */
function grow(runs: Int32Array, mask: number, active: number, best: number): number {
  for (let bits = mask; bits !== 0; bits &= bits - 1) {
    const index = 31 - Math.clz32(bits & -bits);
    const run = (active & (1 << index)) !== 0 ? (runs[index] as number) + 1 : 2;
    runs[index] = run;
    const packed = run * 64 + (63 - index);
    if (packed > best) best = packed;
  }
  return best;
}

/** The longest run along any line, and its kind (the first line listed wins a tie). */
function longestSequence(text: string): { kind: SequenceKind; length: number } {
  let activeForward = 0;
  let activeBackward = 0;
  // Packed as run * 64 + (63 - line), so a longer run, then an earlier line, compares greater.
  let best = text.length > 0 ? 64 + 63 : 63;
  let previous = -1;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    let onForward = 0;
    let onBackward = 0;
    if (unit < 128 && previous >= 0 && previous < 128) {
      onForward = followsOn[previous * 128 + unit] as number;
      onBackward = followsOn[unit * 128 + previous] as number;
      if (onForward !== 0) best = grow(forwardRuns, onForward, activeForward, best);
      if (onBackward !== 0) best = grow(backwardRuns, onBackward, activeBackward, best);
    }
    activeForward = onForward;
    activeBackward = onBackward;
    previous = unit;
  }
  const line = 63 - (best % 64);
  return { kind: (lines[line] as readonly [SequenceKind, string])[0], length: Math.floor(best / 64) };
}

/**
 * `sequence` when the password (lower-cased) holds `sequenceLength` or more
 * characters in a row along the alphabet (`abcd`, `zyxw`), the digits
 * (`1234`, `9876`) or a keyboard line (`qwer`, `asdf`, `1qaz`, `!@#$`),
 * forwards or backwards.
 */
export function checkSequence(input: PreparedPassword, settings: PasswordSettings): PasswordIssue | null {
  if (settings.sequenceLength === 0) return null;
  const { kind, length } = longestSequence(input.lower);
  return length >= settings.sequenceLength ? { code: 'sequence', kind, maximum: settings.sequenceLength - 1, actual: length } : null;
}

/**
 * How many code units of `text` are covered by a run of at least `minRun`:
 * one unit repeated (`aaa`), or consecutive units along one line, forwards
 * or backwards (`123`, `cba`, `qwe`). Pieces shorter than `minRun` are not counted.
 */
export function coveredByRuns(text: string, minRun: number): number {
  const n = text.length;
  const covered = new Uint8Array(n);
  // Repeats: maximal runs of one unit.
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && text.charCodeAt(end) === text.charCodeAt(start)) end++;
    if (end - start >= minRun) covered.fill(1, start, end);
    start = end;
  }
  // Sequences: per line and direction, the run ending at each unit (as in longestSequence).
  const forward = new Int32Array(lines.length);
  const backward = new Int32Array(lines.length);
  let activeForward = 0;
  let activeBackward = 0;
  let previous = -1;
  const extend = (runs: Int32Array, mask: number, active: number, i: number) => {
    for (let bits = mask; bits !== 0; bits &= bits - 1) {
      const index = 31 - Math.clz32(bits & -bits);
      const run = (active & (1 << index)) !== 0 ? (runs[index] as number) + 1 : 2;
      runs[index] = run;
      if (run >= minRun) covered.fill(1, run === minRun ? i - run + 1 : i, i + 1);
    }
  };
  for (let i = 0; i < n; i++) {
    const unit = text.charCodeAt(i);
    let onForward = 0;
    let onBackward = 0;
    if (unit < 128 && previous >= 0 && previous < 128) {
      onForward = followsOn[previous * 128 + unit] as number;
      onBackward = followsOn[unit * 128 + previous] as number;
      extend(forward, onForward, activeForward, i);
      extend(backward, onBackward, activeBackward, i);
    }
    activeForward = onForward;
    activeBackward = onBackward;
    previous = unit;
  }
  let count = 0;
  for (let i = 0; i < n; i++) count += covered[i] as number;
  return count;
}
