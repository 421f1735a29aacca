import type { PasswordIssue, SequenceKind } from '../issues.js';
import type { PasswordSettings, PreparedPassword } from '../internal/prepared.js';

/**
 * The lines a sequence runs along, lower-case, each read forwards and
 * backwards. Keyboard lines cover the US and JIS (Japanese) layouts, shifted
 * and not, and the diagonal columns (`1qaz`, `2wsx`, …). At most 32 lines:
 * a line is one bit of a 32-bit mask.
 */
export const sequenceLines: readonly (readonly [SequenceKind, string])[] = [
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
sequenceLines.forEach(([, line], index) => {
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
const forwardRuns = new Int32Array(sequenceLines.length);
const backwardRuns = new Int32Array(sequenceLines.length);

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
  return { kind: (sequenceLines[line] as readonly [SequenceKind, string])[0], length: Math.floor(best / 64) };
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

/** Scratch for {@link mostlyRuns}: which units are covered (grown on demand, cleared per call). */
let coveredScratch = new Uint8Array(256);
const forwardCover = new Int32Array(sequenceLines.length);
const backwardCover = new Int32Array(sequenceLines.length);

/**
 * Whether at most `maxUncovered` code units of `text` lie outside every run of
 * at least `minRun`: one unit repeated (`aaa`), or consecutive units along one
 * line, forwards or backwards (`123`, `cba`, `qwe`). Pieces shorter than
 * `minRun` are not counted.
 *
 * One pass, no allocation: a unit's coverage is final once the pass is
 * `minRun - 1` units beyond it (a run covering it must have reached `minRun` by
 * then), so the pass stops as soon as more than `maxUncovered` units are final
 * and uncovered: at once for an ordinary password.
 */
export function mostlyRuns(text: string, minRun: number, maxUncovered: number): boolean {
  const n = text.length;
  if (coveredScratch.length < n) coveredScratch = new Uint8Array(Math.max(n, coveredScratch.length * 2));
  const covered = coveredScratch;
  covered.fill(0, 0, n);
  const lag = minRun - 1;
  let uncovered = 0;
  let activeForward = 0;
  let activeBackward = 0;
  let previous = -1;
  let same = 0;
  for (let i = 0; i < n; i++) {
    const unit = text.charCodeAt(i);
    // Repeats: the run of this one unit ending here.
    same = unit === previous ? same + 1 : 1;
    if (same >= minRun) covered.fill(1, same === minRun ? i - same + 1 : i, i + 1);
    // Sequences: per line and direction, the run ending here (as in longestSequence).
    let onForward = 0;
    let onBackward = 0;
    if (unit < 128 && previous >= 0 && previous < 128) {
      onForward = followsOn[previous * 128 + unit] as number;
      onBackward = followsOn[unit * 128 + previous] as number;
      for (let bits = onForward; bits !== 0; bits &= bits - 1) {
        const index = 31 - Math.clz32(bits & -bits);
        const run = (activeForward & (1 << index)) !== 0 ? (forwardCover[index] as number) + 1 : 2;
        forwardCover[index] = run;
        if (run >= minRun) covered.fill(1, run === minRun ? i - run + 1 : i, i + 1);
      }
      for (let bits = onBackward; bits !== 0; bits &= bits - 1) {
        const index = 31 - Math.clz32(bits & -bits);
        const run = (activeBackward & (1 << index)) !== 0 ? (backwardCover[index] as number) + 1 : 2;
        backwardCover[index] = run;
        if (run >= minRun) covered.fill(1, run === minRun ? i - run + 1 : i, i + 1);
      }
    }
    activeForward = onForward;
    activeBackward = onBackward;
    previous = unit;
    // The unit `lag` behind is settled: no later run can reach back to it.
    if (i >= lag && covered[i - lag] === 0 && ++uncovered > maxUncovered) return false;
  }
  for (let j = Math.max(0, n - lag); j < n; j++) {
    if (covered[j] === 0 && ++uncovered > maxUncovered) return false;
  }
  return true;
}
