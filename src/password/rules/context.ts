import type { ContextSource, PasswordIssue } from '../issues.js';
import type { PasswordSettings, PreparedPassword } from '../internal/prepared.js';

/** What the caller knows about the account, for the context rule. */
interface ContextValues {
  readonly username?: string | undefined;
  readonly email?: string | undefined;
  readonly words?: readonly string[] | undefined;
}

/**
 * Context values shorter than this (in code points) are ignored: a two-letter
 * username would otherwise forbid every password containing those letters.
 * Words written wholly outside ASCII (`船橋`) count from two code points.
 */
const MIN_CONTEXT_LENGTH = 3;
const MIN_CONTEXT_LENGTH_NON_ASCII = 2;

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** `text` reversed by code point. */
function reverse(text: string): string {
  if (!isAscii(text)) return Array.from(text).reverse().join('');
  // A plain array: `fromCharCode.apply` reads it faster than a typed array.
  const units: number[] = new Array<number>(text.length);
  for (let i = 0, j = text.length - 1; j >= 0; i++, j--) units[i] = text.charCodeAt(j);
  return String.fromCharCode.apply(null, units);
}

/** Add `value` unless it is too short to count; whether it is long enough (present already or not). */
function addToken(tokens: string[], value: string): boolean {
  let ascii = true;
  let someAscii = false;
  for (let i = 0; i < value.length; i++) {
    if (value.charCodeAt(i) > 0x7f) ascii = false;
    else someAscii = true;
  }
  const length = ascii ? value.length : Array.from(value).length;
  if (length < (someAscii ? MIN_CONTEXT_LENGTH : MIN_CONTEXT_LENGTH_NON_ASCII)) return false;
  if (!tokens.includes(value)) tokens.push(value);
  return true;
}

/** Separators that split a username or an e-mail local part into its parts. */
function isSeparator(unit: number): boolean {
  return unit === 0x2e || unit === 0x5f || unit === 0x2d || unit === 0x2b || unit === 0x40 || unit === 0x20 || unit === 0x09;
}

/** The forms a value is looked for in: normalised, lower-cased, whole and (for ids) split into parts. */
function addTokens(tokens: string[], value: string, normalization: PasswordSettings['normalization'], split: boolean): void {
  // NFKC and NFC leave ASCII unchanged: skip the call for the usual login id.
  const whole = (isAscii(value) ? value : value.normalize(normalization)).toLowerCase().trim();
  if (!split) {
    addToken(tokens, whole);
    return;
  }
  // A part that counts makes the whole redundant: a password holding the whole (forwards or reversed) holds
  // that part too, so the whole is looked for only when no part counts.
  let partCounts = false;
  let from = 0;
  for (let i = 0; i <= whole.length; i++) {
    if (i === whole.length || isSeparator(whole.charCodeAt(i))) {
      if (i > from && (from > 0 || i < whole.length) && addToken(tokens, whole.slice(from, i))) partCounts = true;
      from = i + 1;
    }
  }
  if (!partCounts) addToken(tokens, whole);
}

/** Normalised policy words, computed once per (frozen) policy section. */
const policyWordCache = new WeakMap<object, readonly string[]>();

function policyWords(settings: PasswordSettings): readonly string[] {
  let words = policyWordCache.get(settings);
  if (!words) {
    const tokens: string[] = [];
    for (const word of settings.contextWords) addTokens(tokens, word, settings.normalization, false);
    words = tokens;
    policyWordCache.set(settings, words);
  }
  return words;
}

/** The lower-cased password, and its reverse once first needed: a token reversed in it is the token in its reverse. */
interface Haystack {
  readonly forward: string;
  reversed: string | null;
}

/** The issue for `source` when a token occurs forwards, or else reversed, in the password. */
function find(haystack: Haystack, source: ContextSource, tokens: readonly string[]): PasswordIssue | null {
  if (tokens.length === 0) return null;
  for (const token of tokens) if (haystack.forward.includes(token)) return { code: 'contains_context', source, reversed: false };
  haystack.reversed ??= reverse(haystack.forward);
  for (const token of tokens) if (haystack.reversed.includes(token)) return { code: 'contains_context', source, reversed: true };
  return null;
}

function idTokens(value: string, normalization: PasswordSettings['normalization']): string[] {
  const tokens: string[] = [];
  addTokens(tokens, value, normalization, true);
  return tokens;
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
  const add = (issue: PasswordIssue | null) => {
    if (issue) issues.push(issue);
  };
  const lower: Haystack = { forward: input.lower, reversed: null };
  if (context.username) add(find(lower, 'username', idTokens(context.username, settings.normalization)));
  if (context.email) {
    const at = context.email.lastIndexOf('@');
    add(find(lower, 'email', idTokens(at === -1 ? context.email : context.email.slice(0, at), settings.normalization)));
  }
  let words = policyWords(settings);
  if (context.words && context.words.length > 0) {
    const tokens = [...words];
    for (const word of context.words) addTokens(tokens, word, settings.normalization, false);
    words = tokens;
  }
  add(find(lower, 'word', words));
  return issues;
}
