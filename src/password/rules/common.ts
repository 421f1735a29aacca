import type { PasswordIssue } from '../issues.js';
import { foldLeet, foldedCommonPasswords } from '../internal/blocklist.js';
import type { PasswordSettings, PreparedPassword } from '../internal/prepared.js';

function isLetter(unit: number): boolean {
  return unit >= 0x61 && unit <= 0x7a;
}

/** Shortest core that can decide a match (the list holds no entry shorter than this). */
const MIN_CORE = 4;

/**
 * `common` when the password is, or mostly is, a password from the shipped list
 * (49,193 entries taken from zxcvbn-ts; see `npm run build:blocklist`). The
 * password and the list are compared lower-cased with leet substitutions
 * undone (`P@ssw0rd`, `Tru5tN01` match): the whole password, and every core
 * left by cutting digits and symbols off its start and/or end
 * (`Password2024!` → `password`, `Tru5tN0!#827` → `tru5tn0!`) that is at least
 * half of the password.
 */
export function checkCommon(input: PreparedPassword, settings: PasswordSettings): PasswordIssue | null {
  if (!settings.rejectCommon) return null;
  const { entries, longest } = foldedCommonPasswords();
  const lower = input.lower;
  const length = lower.length;
  // A match (the whole, or a core of at least half) is no longer than the longest entry.
  if (length > 2 * longest) return null;
  const folded = foldLeet(lower);
  if (length <= longest && entries.has(folded)) return { code: 'common' };
  // The leading and trailing runs of non-letters: the `123!` of `Password123!`.
  let start = 0;
  while (start < length && !isLetter(lower.charCodeAt(start))) start++;
  let end = length;
  while (end > start && !isLetter(lower.charCodeAt(end - 1))) end--;
  if (start >= end) return null;
  const minSize = Math.max(MIN_CORE, Math.ceil(length / 2));
  for (let from = 0; from <= start; from++) {
    const last = Math.min(length, from + longest);
    for (let to = Math.max(end, from + minSize); to <= last; to++) {
      if (to - from === length) continue;
      if (entries.has(folded.slice(from, to))) return { code: 'common' };
    }
  }
  return null;
}
