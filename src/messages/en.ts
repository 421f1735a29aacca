import type { CharacterClass } from '../policy/schema.js';
import type { ContextSource, PasswordIssue, SequenceKind } from '../password/issues.js';
import { type MessageCatalog, type PasswordRule, SYMBOLS, sequenceExamples, unreachable } from './catalog.js';

const classLabel: Record<CharacterClass, string> = {
  upper: 'uppercase letter',
  lower: 'lowercase letter',
  digit: 'digit',
  symbol: 'symbol',
};

const classExample: Record<CharacterClass, string> = {
  upper: 'uppercase letter (A–Z)',
  lower: 'lowercase letter (a–z)',
  digit: 'digit (0–9)',
  symbol: 'symbol (such as !, # or %)',
};

const contextLabel: Record<ContextSource, string> = {
  username: 'your user ID',
  email: 'your e-mail address',
  word: 'the service name or other easily guessed words',
};

const sequenceLabel: Record<SequenceKind, string> = {
  alphabet: 'letters in alphabetical order (like abcd)',
  digits: 'consecutive digits (like 1234)',
  keyboard: 'keys next to each other on the keyboard (like qwer)',
};

function list(items: readonly string[], conjunction = 'and'): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} ${conjunction} ${items[items.length - 1]}`;
}

/** English messages, written to be shown to the user as they are. */
export const en: MessageCatalog = {
  issue(issue: PasswordIssue): string {
    switch (issue.code) {
      case 'invalid_type':
        return 'Enter a password.';
      case 'too_long':
        return `Use at most ${issue.maximum} characters.`;
      case 'too_short':
        return `Use at least ${issue.minimum} characters (currently ${issue.actual}).`;
      case 'control_character':
        return 'Control characters such as line breaks and tabs are not allowed.';
      case 'invalid_unicode':
        return 'The password contains a character that cannot be used. Please type it again.';
      case 'unassigned_code_point':
        return 'The password contains a code point that Unicode has not assigned to any character yet. Use other characters.';
      case 'non_ascii':
        return 'Use only ASCII letters, digits and symbols (no kanji, kana or other characters).';
      case 'missing_class':
        return `Include at least one ${classExample[issue.characterClass]}.`;
      case 'too_few_classes':
        return `Use at least ${issue.minimum} of the four kinds: uppercase letters, lowercase letters, digits and symbols (currently ${issue.actual}).`;
      case 'contains_context':
        return issue.reversed
          ? `Do not include ${contextLabel[issue.source]}, not even written backwards.`
          : `Do not include ${contextLabel[issue.source]}.`;
      case 'common':
        return 'This password is too common, or too close to a common one. Choose one that is harder to guess.';
      case 'repeated':
        return `Do not repeat the same character ${issue.maximum + 1} or more times in a row.`;
      case 'sequence':
        return `Do not use ${issue.maximum + 1} or more ${sequenceLabel[issue.kind]}.`;
      case 'repetitive_or_sequential':
        return 'Do not use a password made only of repeated or consecutive characters, such as "111111", "1234abcd" or "abcabc".';
      case 'date':
        return 'Do not use a password that is mostly a date, such as a birthday.';
      case 'breached':
        return 'This password has appeared in a data breach. Choose a different one.';
      case 'breached_unavailable':
        return 'The password could not be checked against the list of breached passwords, so it was not accepted. Try again later.';
      default:
        return unreachable(issue, 'password issue');
    }
  },

  rule(rule: PasswordRule): string {
    switch (rule.id) {
      case 'length':
        return `Use at least ${rule.minimum} characters (at most ${rule.maximum})`;
      case 'required_classes':
        return `Include at least ${list(rule.classes.map((c) => `one ${classLabel[c]}`))}`;
      case 'min_classes':
        return `Use at least ${rule.minimum} of the four kinds: uppercase letters, lowercase letters, digits and symbols`;
      case 'symbols':
        return `Symbols are ${SYMBOLS} and the space`;
      case 'ascii_only':
        return rule.fullWidthFolded
          ? 'Use ASCII letters, digits and symbols only (full-width letters, digits and symbols count as their ASCII forms)'
          : 'Use ASCII letters, digits and symbols only';
      case 'context':
        return 'Do not include your user ID, your e-mail address or the service name (not even written backwards)';
      case 'common':
        return 'Common passwords such as "password" or "qwerty123", and close variants such as "P@ssw0rd", are not allowed';
      case 'repeat':
        return `Do not repeat a character ${rule.maximum + 1} or more times in a row (like ${'a'.repeat(Math.min(rule.maximum + 1, 10))})`;
      case 'sequence': {
        const examples = sequenceExamples(rule.length);
        return examples.length > 0
          ? `Do not include runs of ${rule.length} or more characters such as ${list(examples, 'or')}`
          : `Do not include runs of ${rule.length} or more consecutive characters`;
      }
      case 'date':
        return 'Do not use a password made up mostly of a date, such as a birthday';
      case 'breached':
        return 'Passwords known from data breaches are not allowed';
      case 'history':
        return `Do not reuse any of your last ${rule.count} passwords`;
      case 'max_age':
        return `Change your password every ${rule.days} days`;
      case 'min_age':
        return `After a change, the password cannot be changed again for ${rule.days} day${rule.days === 1 ? '' : 's'}`;
      default:
        return unreachable(rule, 'password rule');
    }
  },
};
