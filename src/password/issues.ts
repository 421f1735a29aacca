import type { CharacterClass } from '../policy/schema.js';

/**
 * Every code a password issue can carry: the closed union `PasswordIssueCode`
 * as a runtime list, in the order `checkPassword` reports them.
 */
export const passwordIssueCodes = [
  'invalid_type',
  'too_long',
  'too_short',
  'control_character',
  'invalid_unicode',
  'unassigned_code_point',
  'non_ascii',
  'missing_class',
  'too_few_classes',
  'contains_context',
  'common',
  'repeated',
  'sequence',
  'repetitive_or_sequential',
  'date',
  'breached',
  'breached_unavailable',
] as const;

/** The closed union of password issue codes. */
export type PasswordIssueCode = (typeof passwordIssueCodes)[number];

/** Where a context match came from. The matched text itself is never reported. */
export type ContextSource = 'username' | 'email' | 'word';

/** What kind of run a `sequence` issue found. */
export type SequenceKind = 'alphabet' | 'digits' | 'keyboard';

/**
 * One thing wrong with a password, as data: a `code` and its parameters.
 * Issues never contain the password or any part of it, so they are safe to log.
 * Turn them into text with `formatIssue(issue, 'ja' | 'en')`.
 */
export type PasswordIssue =
  /** The value given was not a string (a JavaScript caller passed `undefined`, a number, …). */
  | { readonly code: 'invalid_type'; readonly expected: 'string'; readonly received: string }
  /** Longer than `maxLength` code points after normalisation. Reported alone: nothing else is checked. */
  | { readonly code: 'too_long'; readonly maximum: number }
  /** Shorter than `minLength` code points after normalisation. */
  | { readonly code: 'too_short'; readonly minimum: number; readonly actual: number }
  /** Contains control characters (Unicode category Cc: U+0000–U+001F, U+007F–U+009F, NUL included). */
  | { readonly code: 'control_character'; readonly count: number }
  /** Contains a lone surrogate: not well-formed Unicode, so it has no UTF-8 form to hash. */
  | { readonly code: 'invalid_unicode' }
  /**
   * Contains a code point this runtime's Unicode does not assign (general category Cn):
   * refused as PRECIS OpaqueString does (RFC 8265 §4.2, RFC 8264 §9.12), since a later
   * Node/ICU may normalise it differently and the password would stop verifying.
   */
  | { readonly code: 'unassigned_code_point' }
  /** Contains characters outside printable ASCII while the policy allows none (`allowNonAscii: false`). */
  | { readonly code: 'non_ascii' }
  /** A class in `requiredClasses` is absent. One issue per missing class. */
  | { readonly code: 'missing_class'; readonly characterClass: CharacterClass }
  /** Fewer than `minClasses` of the four classes (only when `requiredClasses` does not already imply it). */
  | { readonly code: 'too_few_classes'; readonly minimum: number; readonly actual: number }
  /** Contains the username, the e-mail local part or a context word, possibly reversed. */
  | { readonly code: 'contains_context'; readonly source: ContextSource; readonly reversed: boolean }
  /** Mostly a common password (after lower-casing and undoing leet substitutions). */
  | { readonly code: 'common' }
  /** A run of one character longer than `maxRepeat`. */
  | { readonly code: 'repeated'; readonly maximum: number; readonly actual: number }
  /** An ascending/descending or keyboard run longer than `maximum` (`sequenceLength − 1`). */
  | { readonly code: 'sequence'; readonly kind: SequenceKind; readonly maximum: number; readonly actual: number }
  /**
   * The password as a whole is repetitive or sequential (`111111111111111`, `1234567891234567`,
   * `abcabcabc`): an "expected" value for the blocklist (NIST SP 800-63B-4 §3.1.1.2). On with `rejectCommon`.
   */
  | { readonly code: 'repetitive_or_sequential' }
  /** Mostly a date (`19850412`, `2024-01-31`, `S60.4.12`, `昭和60年4月12日`). */
  | { readonly code: 'date' }
  /** The offline breached-password filter knows this password. */
  | { readonly code: 'breached' }
  /**
   * The offline breached-password filter could not be read (its file failed, was truncated or closed after it
   * was opened): the password is not accepted unchecked. An outage, not a fault of the password: the login flows
   * answer it as `unavailable`.
   */
  | { readonly code: 'breached_unavailable' };

/** The issue with the given code. */
export type PasswordIssueOf<C extends PasswordIssueCode> = Extract<PasswordIssue, { code: C }>;
