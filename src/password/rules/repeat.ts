import type { PasswordIssue } from '../issues.js';
import type { PasswordSettings, PreparedPassword } from '../internal/prepared.js';

/** Longest run of one code point in `text` (a lone surrogate is a code point of its own, as the string iterator reads it). */
export function longestRun(text: string): number {
  let longest = 0;
  let run = 0;
  let previous = -1;
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i) as number;
    i += cp > 0xffff ? 2 : 1;
    run = cp === previous ? run + 1 : 1;
    previous = cp;
    if (run > longest) longest = run;
  }
  return longest;
}

/**
 * `repeated` when one character (case-insensitively) repeats more than
 * `maxRepeat` times in a row: with `maxRepeat: 3`, `aaa` passes and `aaaa` does not.
 */
export function checkRepeat(input: PreparedPassword, settings: PasswordSettings): PasswordIssue | null {
  if (settings.maxRepeat === 0) return null;
  const actual = longestRun(input.lower);
  return actual > settings.maxRepeat ? { code: 'repeated', maximum: settings.maxRepeat, actual } : null;
}
