import type { ContextSource, PasswordIssue } from '../issues.js';
import type { PasswordSettings, PreparedPassword } from '../internal/prepared.js';
import { countCodePoints } from '../normalize.js';

/** What the caller knows about the account, for the context rule. */
export interface ContextValues {
  readonly username?: string | undefined;
  readonly email?: string | undefined;
  readonly words?: readonly string[] | undefined;
}

/**
 * Context values shorter than this (in code points) are ignored: a two-letter
 * username would otherwise forbid every password containing those letters.
 * Words written wholly outside ASCII (`船橋`) count from two code points.
 */
export const MIN_CONTEXT_LENGTH = 3;
const MIN_CONTEXT_LENGTH_NON_ASCII = 2;

/** Separators that split a username or an e-mail local part into its parts. */
const SEPARATORS = /[\s._\-+@]+/u;

function isLongEnough(token: string): boolean {
  const length = countCodePoints(token);
  // eslint-disable-next-line no-control-regex
  if (!/[\u0000-\u007f]/.test(token)) return length >= MIN_CONTEXT_LENGTH_NON_ASCII;
  return length >= MIN_CONTEXT_LENGTH;
}

function reverse(text: string): string {
  return Array.from(text).reverse().join('');
}

/** The forms a value is looked for in: normalised, lower-cased, whole and split into parts. */
function tokensOf(value: string, normalization: PasswordSettings['normalization'], split: boolean): string[] {
  const whole = value.normalize(normalization).toLowerCase().trim();
  const tokens = new Set<string>();
  if (isLongEnough(whole)) tokens.add(whole);
  if (split) {
    for (const part of whole.split(SEPARATORS)) if (isLongEnough(part)) tokens.add(part);
  }
  return [...tokens];
}

/** Normalised policy words, computed once per (frozen) policy section. */
const policyWordCache = new WeakMap<object, readonly string[]>();

function policyWords(settings: PasswordSettings): readonly string[] {
  let words = policyWordCache.get(settings);
  if (!words) {
    words = settings.contextWords.flatMap((word) => tokensOf(word, settings.normalization, false));
    policyWordCache.set(settings, words);
  }
  return words;
}

function find(lower: string, tokens: readonly string[]): { reversed: boolean } | null {
  let reversedHit = false;
  for (const token of tokens) {
    if (lower.includes(token)) return { reversed: false };
    if (!reversedHit && lower.includes(reverse(token))) reversedHit = true;
  }
  return reversedHit ? { reversed: true } : null;
}

/**
 * `contains_context` (one per source) when the password contains, case-
 * insensitively and after the same normalisation, the username or one of its
 * parts, the e-mail local part or one of its parts, or a context word from the
 * policy (`contextWords`) or the caller (`words`), forwards or reversed.
 * The issue names the source, never the matched text.
 */
export function checkContext(input: PreparedPassword, settings: PasswordSettings, context: ContextValues): PasswordIssue[] {
  if (!settings.rejectContext) return [];
  const issues: PasswordIssue[] = [];
  const report = (source: ContextSource, tokens: readonly string[]) => {
    const hit = find(input.lower, tokens);
    if (hit) issues.push({ code: 'contains_context', source, reversed: hit.reversed });
  };
  if (context.username) report('username', tokensOf(context.username, settings.normalization, true));
  if (context.email) {
    const at = context.email.lastIndexOf('@');
    const local = at === -1 ? context.email : context.email.slice(0, at);
    report('email', tokensOf(local, settings.normalization, true));
  }
  const callerWords = context.words ? context.words.flatMap((word) => tokensOf(word, settings.normalization, false)) : [];
  const words = callerWords.length > 0 ? [...policyWords(settings), ...callerWords] : policyWords(settings);
  if (words.length > 0) report('word', words);
  return issues;
}
