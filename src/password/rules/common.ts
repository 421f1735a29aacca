import type { PasswordIssue } from '../issues.js';
import { commonPasswords } from '../internal/blocklist.js';
import type { PasswordSettings, PreparedPassword } from '../internal/prepared.js';

/**
 * Common leet substitutions, undone. `1`, `!` and `|` stand for `i` or `l`;
 * both readings are tried.
 */
const LEET: Readonly<Record<string, string>> = {
  '0': 'o',
  '2': 'z',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '6': 'g',
  '7': 't',
  '8': 'b',
  '9': 'g',
  '@': 'a',
  $: 's',
  '+': 't',
  '(': 'c',
  '#': 'h',
};
const AMBIGUOUS = /[1!|]/g;
const LEET_CHARS = /[0-9@$+(#]/g;

function unleet(text: string, one: 'i' | 'l'): string {
  return text.replace(LEET_CHARS, (c) => LEET[c] ?? c).replace(AMBIGUOUS, one);
}

function isLetter(unit: number): boolean {
  return unit >= 0x61 && unit <= 0x7a;
}

/** Shortest core (in UTF-16 units; every list entry is ASCII) that can decide a match. */
const MIN_CORE = 4;

function known(list: ReadonlySet<string>, candidate: string): boolean {
  if (list.has(candidate)) return true;
  if (!/[0-9@$+(#1!|]/.test(candidate)) return false;
  return list.has(unleet(candidate, 'i')) || list.has(unleet(candidate, 'l'));
}

/**
 * `common` when the password is, or mostly is, a password from the shipped list
 * (at least 10,000 entries taken from zxcvbn-ts; see `npm run build:blocklist`):
 * compared lower-cased, as typed and with leet substitutions undone
 * (`P@ssw0rd` → `password`), whole, and with its leading and/or trailing digits
 * and symbols stripped (`Password2024!` → `password`) as long as what remains
 * is at least half of the password.
 */
export function checkCommon(input: PreparedPassword, settings: PasswordSettings): PasswordIssue | null {
  if (!settings.rejectCommon) return null;
  const list = commonPasswords();
  const lower = input.lower;
  if (known(list, lower)) return { code: 'common' };
  // Leading and trailing characters that are not letters: the `123!` of `Password123!`.
  let start = 0;
  while (start < lower.length && !isLetter(lower.charCodeAt(start))) start++;
  let end = lower.length;
  while (end > start && !isLetter(lower.charCodeAt(end - 1))) end--;
  if (start >= end) return null;
  const cores = new Set([lower.slice(start, end), lower.slice(start), lower.slice(0, end)]);
  for (const core of cores) {
    if (core === lower || core.length < MIN_CORE || core.length * 2 < lower.length) continue;
    if (known(list, core)) return { code: 'common' };
  }
  return null;
}
