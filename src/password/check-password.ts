import { KanmonError } from '../errors.js';
import type { PasswordIssue } from './issues.js';
import type { PasswordSettings, PreparedPassword } from './internal/prepared.js';
import { UTF16_UNITS_PER_NORMALIZED_CODE_POINT, countCodePoints, normalizePassword } from './normalize.js';
import { checkAscii } from './rules/ascii.js';
import { type BreachedPasswordFilter, checkBreached } from './rules/breached.js';
import { checkClasses } from './rules/classes.js';
import { checkCommon } from './rules/common.js';
import { checkContext } from './rules/context.js';
import { checkControlCharacters } from './rules/control-characters.js';
import { checkDate } from './rules/date.js';
import { checkMinLength, tooLong } from './rules/length.js';
import { checkPattern } from './rules/pattern.js';
import { checkRepeat } from './rules/repeat.js';
import { checkSequence } from './rules/sequence.js';
import { checkAssigned, checkWellFormed } from './rules/unicode.js';

/** What the caller knows about the account whose password is checked. */
export interface PasswordContext {
  /** The login id; it, and its parts split at `.`, `_`, `-`, `+`, `@` or spaces, must not appear in the password. */
  readonly username?: string | undefined;
  /** The e-mail address; its local part and the parts of it must not appear. */
  readonly email?: string | undefined;
  /** More words for this check only (the user's name, the department), added to `policy.password.contextWords`. */
  readonly words?: readonly string[] | undefined;
  /**
   * The offline breached-password filter (`createBreachedPasswordFilter`), consulted when
   * `policy.password.breached.offline` is on. It receives the normalised password.
   */
  readonly breachedFilter?: BreachedPasswordFilter | undefined;
}

/** The outcome of {@link checkPassword}: `ok`, or every issue found. */
export type PasswordCheckResult =
  | { readonly ok: true; readonly issues: readonly [] }
  | { readonly ok: false; readonly issues: readonly [PasswordIssue, ...PasswordIssue[]] };

/** What `checkPassword` needs of a policy: its validated `password` section (a `Policy` from `definePolicy`). */
export interface PasswordPolicy {
  readonly password: PasswordSettings;
}

const NO_ISSUES: readonly [] = [];
Object.freeze(NO_ISSUES);
const OK: PasswordCheckResult = Object.freeze({ ok: true, issues: NO_ISSUES });

function fail(issues: readonly [PasswordIssue, ...PasswordIssue[]]): PasswordCheckResult {
  return { ok: false, issues };
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function settingsOf(policy: unknown): PasswordSettings {
  const password = (policy as { password?: unknown } | null | undefined)?.password;
  if (typeof password !== 'object' || password === null || !Object.isFrozen(password) || typeof (password as PasswordSettings).maxLength !== 'number') {
    throw new KanmonError('ERR_INVALID_ARGUMENT', 'checkPassword: `policy` must be a policy built by definePolicy()');
  }
  return password as PasswordSettings;
}

function checkContextArgument(context: unknown): PasswordContext {
  if (context === undefined) return {};
  if (typeof context !== 'object' || context === null) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', 'checkPassword: `context` must be an object');
  }
  const { username, email, words, breachedFilter } = context as Record<string, unknown>;
  if (username !== undefined && username !== null && typeof username !== 'string') {
    throw new KanmonError('ERR_INVALID_ARGUMENT', 'checkPassword: `context.username` must be a string');
  }
  if (email !== undefined && email !== null && typeof email !== 'string') {
    throw new KanmonError('ERR_INVALID_ARGUMENT', 'checkPassword: `context.email` must be a string');
  }
  if (words !== undefined && (!Array.isArray(words) || !words.every((w) => typeof w === 'string'))) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', 'checkPassword: `context.words` must be an array of strings');
  }
  const hasMethod = typeof breachedFilter === 'object' && breachedFilter !== null && typeof Reflect.get(breachedFilter, 'has') === 'function';
  if (breachedFilter !== undefined && !hasMethod) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', 'checkPassword: `context.breachedFilter` must have a `has(password)` method');
  }
  return context;
}

/**
 * Check a password against the policy's password rules and report every issue,
 * not just the first. Never throws for any password value: a non-string gives
 * an `invalid_type` issue. Throws `KanmonError('ERR_INVALID_ARGUMENT')` only
 * for programmer mistakes: a policy not built by `definePolicy`, a malformed
 * `context`, or `breached.offline` switched on without a `breachedFilter`.
 *
 * Order of work: a string far too long is refused from its UTF-16 length alone;
 * then the password is normalised (`policy.password.normalization`) and
 * `too_long` is decided on its code points, reported alone; every other rule
 * runs on the normalised form. Issues carry codes and numbers, never the
 * password or any part of it.
 *
 * @example
 * ```ts
 * import { checkPassword, definePolicy, formatIssue } from 'kanmon';
 * const policy = definePolicy('funabashi');
 * const result = checkPassword('taro1985', policy, { username: 'taro' });
 * if (!result.ok) {
 *   // too_short, missing_class (upper, symbol), contains_context, …
 *   const messages = result.issues.map((issue) => formatIssue(issue, 'ja'));
 *   void messages;
 * }
 * ```
 */
export function checkPassword(password: unknown, policy: PasswordPolicy, context?: PasswordContext): PasswordCheckResult {
  const settings = settingsOf(policy);
  const ctx = checkContextArgument(context);
  if (settings.breached.offline && !ctx.breachedFilter) {
    throw new KanmonError(
      'ERR_INVALID_ARGUMENT',
      'checkPassword: policy.password.breached.offline is on but no `context.breachedFilter` was passed',
    );
  }
  if (typeof password !== 'string') {
    return fail([{ code: 'invalid_type', expected: 'string', received: typeName(password) }]);
  }
  // Far too long whatever normalisation does: refuse without touching the content.
  if (password.length > settings.maxLength * UTF16_UNITS_PER_NORMALIZED_CODE_POINT) return fail([tooLong(settings)]);

  const normalized = normalizePassword(password, settings.normalization);
  const length = countCodePoints(normalized);
  if (length > settings.maxLength) return fail([tooLong(settings)]);

  const input: PreparedPassword = { normalized, lower: normalized.toLowerCase(), length };
  const issues: PasswordIssue[] = [];
  const add = (issue: PasswordIssue | null) => {
    if (issue) issues.push(issue);
  };
  add(checkMinLength(input, settings));
  add(checkControlCharacters(input));
  add(checkWellFormed(input));
  add(checkAssigned(input));
  add(checkAscii(input, settings));
  issues.push(...checkClasses(input, settings));
  issues.push(...checkContext(input, settings, ctx));
  add(checkCommon(input, settings));
  add(checkRepeat(input, settings));
  add(checkSequence(input, settings));
  add(checkPattern(input, settings, issues));
  add(checkDate(input, settings));
  add(checkBreached(input, settings, ctx.breachedFilter));

  const [first, ...rest] = issues;
  return first ? fail([first, ...rest]) : OK;
}
