import { KanmonError } from '../errors.js';
import type { PasswordIssue, PasswordIssueCode, PasswordIssueOf } from '../password/issues.js';
import { type MessageCatalog, type MessageLang, interpolate } from './catalog.js';
import { en } from './en.js';
import { ja } from './ja.js';

/**
 * Your own texts for some issue codes. A string may name the issue's
 * parameters in braces (`'{minimum}文字以上にしてください'`); a function gets the issue.
 */
export type IssueMessageOverrides = {
  readonly [C in PasswordIssueCode]?: string | ((issue: PasswordIssueOf<C>) => string);
};

const catalogs: Readonly<Record<MessageLang, MessageCatalog>> = { ja, en };

/** The catalog of `lang`; throws `ERR_INVALID_ARGUMENT` for any other value. */
export function catalogOf(lang: unknown): MessageCatalog {
  if (lang !== 'ja' && lang !== 'en') {
    throw new KanmonError('ERR_INVALID_ARGUMENT', `unknown message language ${JSON.stringify(lang)}; expected 'ja' or 'en'`);
  }
  return catalogs[lang];
}

/**
 * The text of one password issue in Japanese or English, ready to show the
 * user. The text never contains the password.
 *
 * @param overrides Replace the text of any code, as a template or a function.
 *
 * @example
 * ```ts
 * import { checkPassword, definePolicy, formatIssue } from 'kanmon';
 * const result = checkPassword('short', definePolicy('funabashi'));
 * const lines = result.issues.map((issue) =>
 *   formatIssue(issue, 'ja', { too_short: 'パスワードが短すぎます（{minimum}文字以上）' }),
 * );
 * void lines;
 * ```
 */
export function formatIssue(issue: PasswordIssue, lang: MessageLang, overrides?: IssueMessageOverrides): string {
  const catalog = catalogOf(lang);
  const override = overrides?.[issue.code] as string | ((issue: PasswordIssue) => string) | undefined;
  if (typeof override === 'function') return override(issue);
  if (typeof override === 'string') return interpolate(override, issue);
  try {
    return catalog.issue(issue);
  } catch (cause) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', `formatIssue: not a password issue (code ${JSON.stringify((issue as { code?: unknown } | null)?.code)})`, { cause });
  }
}
