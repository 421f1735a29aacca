import type { CharacterClass } from '../policy/schema.js';
import type { PasswordIssue } from '../password/issues.js';

/** The languages kanmon writes messages in. */
export type MessageLang = 'ja' | 'en';

/** The languages, as a runtime list. */
export const messageLangs: readonly MessageLang[] = ['ja', 'en'];

/**
 * One rule of a password policy as a sign-up form shows it, as data.
 * `describePolicy` turns each into a sentence; `passwordRules` returns them.
 */
export type PasswordRule =
  | { readonly id: 'length'; readonly minimum: number; readonly maximum: number }
  | { readonly id: 'required_classes'; readonly classes: readonly CharacterClass[] }
  | { readonly id: 'min_classes'; readonly minimum: number }
  | { readonly id: 'symbols' }
  | { readonly id: 'ascii_only'; readonly fullWidthFolded: boolean }
  | { readonly id: 'context' }
  | { readonly id: 'common' }
  | { readonly id: 'repeat'; readonly maximum: number }
  | { readonly id: 'sequence'; readonly length: number }
  | { readonly id: 'date' }
  | { readonly id: 'breached' }
  | { readonly id: 'history'; readonly count: number }
  | { readonly id: 'max_age'; readonly days: number }
  | { readonly id: 'min_age'; readonly days: number };

/** The ids of {@link PasswordRule}. */
export type PasswordRuleId = PasswordRule['id'];

/** One language's texts: one `switch` over issue codes, one over rule ids. */
export interface MessageCatalog {
  issue(issue: PasswordIssue): string;
  rule(rule: PasswordRule): string;
}

/** The characters that count as symbols: ASCII punctuation, plus the space. */
export const SYMBOLS = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

/** `abcd`, `1234`, `qwer` cut to `length` characters, when that is short enough to read. */
export function sequenceExamples(length: number): readonly string[] {
  if (length < 2 || length > 10) return [];
  return ['abcdefghij', '1234567890', 'qwertyuiop'].map((line) => line.slice(0, length));
}

/** Replace `{name}` with the value of `name` in `params`; unknown names stay as they are. */
export function interpolate(template: string, params: object): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.hasOwn(params, name) ? String((params as Record<string, unknown>)[name]) : whole,
  );
}

/** Exhaustiveness guard for the `switch` statements. */
export function unreachable(value: never, what: string): never {
  throw new TypeError(`unknown ${what}: ${JSON.stringify(value)}`);
}
