import type { CharacterClass } from '../../policy/schema.js';
import type { PasswordIssue } from '../issues.js';
import type { PasswordSettings, PreparedPassword } from '../internal/prepared.js';

const UPPER = 1;
const LOWER = 2;
const DIGIT = 4;
const SYMBOL = 8;
const bits: Record<CharacterClass, number> = { upper: UPPER, lower: LOWER, digit: DIGIT, symbol: SYMBOL };

/**
 * The class of one UTF-16 unit: ASCII letters, digits, and ASCII punctuation
 * and space as symbols. Anything else (kana, kanji, accented letters) is in
 * no class.
 */
function classOf(unit: number): number {
  if (unit >= 0x41 && unit <= 0x5a) return UPPER;
  if (unit >= 0x61 && unit <= 0x7a) return LOWER;
  if (unit >= 0x30 && unit <= 0x39) return DIGIT;
  if (unit >= 0x20 && unit <= 0x7e) return SYMBOL;
  return 0;
}

/** Which of the four classes the password uses, as bits. */
function classesPresent(text: string): number {
  let present = 0;
  for (let i = 0; i < text.length && present !== 15; i++) present |= classOf(text.charCodeAt(i));
  return present;
}

function popcount(mask: number): number {
  return (mask & 1) + ((mask >> 1) & 1) + ((mask >> 2) & 1) + ((mask >> 3) & 1);
}

/**
 * `missing_class` for each class of `requiredClasses` the password lacks, and
 * `too_few_classes` when it uses fewer than `minClasses` of the four, unless
 * `requiredClasses` already demands at least that many (then the missing
 * classes say it all).
 */
export function checkClasses(input: PreparedPassword, settings: PasswordSettings): PasswordIssue[] {
  const issues: PasswordIssue[] = [];
  const present = classesPresent(input.normalized);
  for (const characterClass of settings.requiredClasses) {
    if ((present & bits[characterClass]) === 0) issues.push({ code: 'missing_class', characterClass });
  }
  const actual = popcount(present);
  if (actual < settings.minClasses && settings.requiredClasses.length < settings.minClasses) {
    issues.push({ code: 'too_few_classes', minimum: settings.minClasses, actual });
  }
  return issues;
}
