import type { PasswordIssue } from '../issues.js';
import type { PasswordSettings, PreparedPassword } from '../internal/prepared.js';
import { coveredByRuns } from './sequence.js';

/** Shortest piece that counts as a run: `aaa`, `123`, `qwe`. */
const MIN_RUN = 3;

/** The smallest period of `text` (KMP failure function): `abcabcab` → 3; `text.length` when it has none shorter. */
function smallestPeriod(text: string): number {
  const n = text.length;
  if (n === 0) return 0;
  const fail = new Int32Array(n);
  for (let i = 1, k = 0; i < n; i++) {
    while (k > 0 && text.charCodeAt(i) !== text.charCodeAt(k)) k = fail[k - 1] as number;
    if (text.charCodeAt(i) === text.charCodeAt(k)) k++;
    fail[i] = k;
  }
  return n - (fail[n - 1] as number);
}

/**
 * `repetitive_or_sequential` when the password *as a whole* is an expected
 * pattern rather than merely containing one (NIST SP 800-63B-4 §3.1.1.2,
 * second public draft: the blocklist of "commonly used, expected" values
 * includes "repetitive or sequential characters (e.g. 'aaaaaa', '1234abcd')",
 * while "prohibiting consecutively repeated characters" is a composition rule
 * verifiers SHALL NOT impose). It is, when lower-cased:
 * - one piece written at least twice (`abcabcabc`, `passwordpassword`, `111111`), or
 * - all but at most a quarter of it made of runs of 3 or more: one repeated
 *   character, or consecutive characters of the alphabet, the digits or a
 *   keyboard line, forwards or backwards (`1234567891234567`, `1234abcd`, `qweasdzxc`).
 *
 * Part of the blocklist: on when `rejectCommon` is. Not reported when the
 * password is already reported as `common`, or by the substring rules
 * (`maxRepeat`, `sequenceLength`): one reason is enough.
 */
export function checkPattern(input: PreparedPassword, settings: PasswordSettings, reported: readonly PasswordIssue[]): PasswordIssue | null {
  if (!settings.rejectCommon) return null;
  if (reported.some((issue) => issue.code === 'common' || issue.code === 'repeated' || issue.code === 'sequence')) return null;
  const text = input.lower;
  const n = text.length;
  if (n < 2) return null;
  if (smallestPeriod(text) * 2 <= n) return { code: 'repetitive_or_sequential' };
  const uncovered = n - coveredByRuns(text, MIN_RUN);
  return uncovered * 4 <= n ? { code: 'repetitive_or_sequential' } : null;
}
