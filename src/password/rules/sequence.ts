import type { PasswordIssue, SequenceKind } from '../issues.js';
import type { PasswordSettings, PreparedPassword } from '../internal/prepared.js';

/**
 * The lines a sequence runs along, lower-case, each read forwards and
 * backwards. Keyboard lines cover the US and JIS (Japanese) layouts, shifted
 * and not, and the diagonal columns (`1qaz`, `2wsx`, …).
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

/** For each ASCII unit, the (line, position) pairs where it occurs: `[line0, pos0, line1, pos1, …]`. */
const positions: readonly (readonly number[])[] = (() => {
  const table: number[][] = Array.from({ length: 128 }, () => []);
  lines.forEach(([, line], index) => {
    for (let pos = 0; pos < line.length; pos++) table[line.charCodeAt(pos)]?.push(index, pos);
  });
  return table;
})();

/** The longest run along any line, and its kind (the first line listed wins a tie). */
export function longestSequence(text: string): { kind: SequenceKind; length: number } {
  const count = lines.length;
  const forward = new Int32Array(count);
  const backward = new Int32Array(count);
  const seenAt = new Int32Array(count).fill(-2);
  let best = 0;
  let bestLine = 0;
  let previous = -1;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    const at = unit < 128 ? positions[unit] : undefined;
    if (at) {
      for (let k = 0; k < at.length; k += 2) {
        const index = at[k] as number;
        const pos = at[k + 1] as number;
        const line = (lines[index] as readonly [SequenceKind, string])[1];
        const continues = seenAt[index] === i - 1;
        const f = continues && pos > 0 && line.charCodeAt(pos - 1) === previous ? (forward[index] as number) + 1 : 1;
        const b = continues && line.charCodeAt(pos + 1) === previous ? (backward[index] as number) + 1 : 1;
        forward[index] = f;
        backward[index] = b;
        seenAt[index] = i;
        const run = f > b ? f : b;
        if (run > best || (run === best && index < bestLine)) {
          best = run;
          bestLine = index;
        }
      }
    }
    previous = unit;
  }
  return { kind: (lines[bestLine] as readonly [SequenceKind, string])[0], length: best };
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
