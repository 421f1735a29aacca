import type { PasswordIssue } from '../issues.js';
import type { PasswordSettings, PreparedPassword } from '../internal/prepared.js';
import { mostlyRuns } from './sequence.js';

/** Shortest piece that counts as a run: `aaa`, `123`, `qwe`. */
const MIN_RUN = 3;

/** Scratch for the KMP failure function (grown on demand; every slot read is written first). */
let failScratch = new Int32Array(256);

/**
 * Whether `text` is one piece written at least twice: its smallest period (KMP
 * failure function) is at most half its length (`abcabcab` has period 3). A
 * period `p` ≤ n/2 needs `text[p] === text[0]`: without such a unit in the first
 * half, the answer is no and the failure function is not computed.
 */
function repeatsAPiece(text: string): boolean {
  const n = text.length;
  const half = n >> 1;
  const first = text.charCodeAt(0);
  let candidate = false;
  for (let p = 1; p <= half; p++) {
    if (text.charCodeAt(p) === first) {
      candidate = true;
      break;
    }
  }
  if (!candidate) return false;
  if (failScratch.length < n) failScratch = new Int32Array(Math.max(n, failScratch.length * 2));
  const fail = failScratch;
  fail[0] = 0;
  for (let i = 1, k = 0; i < n; i++) {
    while (k > 0 && text.charCodeAt(i) !== text.charCodeAt(k)) k = fail[k - 1] as number;
    if (text.charCodeAt(i) === text.charCodeAt(k)) k++;
    fail[i] = k;
  }
  return (n - (fail[n - 1] as number)) * 2 <= n;
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
  if (repeatsAPiece(text)) return { code: 'repetitive_or_sequential' };
  return mostlyRuns(text, MIN_RUN, n >> 2) ? { code: 'repetitive_or_sequential' } : null;
}
