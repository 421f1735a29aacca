import type { CharacterClass } from '../../../policy/schema.js';
import { characterClasses } from '../../../policy/schema.js';
import { type Check, type Settings, item, on, unset, weak } from './evidence.js';

/** Password checks: length, composition, expiry and history, guessable strings, the breached filter. */

/** kanmon's reading of "change periodically" (RM-22, RM-36): at least once a year. */
const MAX_PASSWORD_AGE_DAYS = 365;
/**
 * A periodic change is a change only if the old password cannot come straight
 * back: at least a day between changes (RM-22, RM-36), or the history is
 * cycled through in minutes.
 */
const MIN_PASSWORD_AGE_DAYS = 1;
/**
 * kanmon's reading of "never use the initial password" (IPC-4) with ASVS 5.0 V6.4's "expire after a short
 * period": an issued password stops working within a week (Cognito's default for temporary passwords).
 */
const MAX_ISSUED_VALIDITY_HOURS = 7 * 24;
/** Longest run of one character a "hard to guess" rule may still allow (IPC-4, FNB-3.1.3): `aaaaa` is guessed. */
const MAX_REPEAT_RUN = 4;
/** Sequences (`abcde`, `12345`, `qwert`) of this length or more must be refused (IPC-4, FNB-3.1.3). */
const MAX_SEQUENCE_LENGTH = 5;

/** The classes a password must contain under this policy (required ones, or all four when minClasses is 4). */
function effectiveClasses(s: Settings): CharacterClass[] {
  const set = new Set<CharacterClass>(s.password.requiredClasses);
  if (s.password.minClasses >= characterClasses.length) for (const c of characterClasses) set.add(c);
  return characterClasses.filter((c) => set.has(c));
}

export const minLength =
  (min: number): Check =>
  (s) => [
    item('password.minLength', s.password.minLength, `>= ${min}`, s.password.minLength < min ? weak('below_minimum', { path: 'password.minLength', value: s.password.minLength, min }) : undefined),
  ];

/** Every listed class must be required. */
export const classes =
  (required: readonly CharacterClass[]): Check =>
  (s) => {
    const have = effectiveClasses(s);
    const missing = required.filter((c) => !have.includes(c));
    return [
      item('password.requiredClasses', s.password.requiredClasses, required.join(' + ')),
      item('password.minClasses', s.password.minClasses, undefined, missing.length ? weak('classes_missing', { missing: missing.join(', ') }) : undefined),
    ];
  };

/** FNB-3.1.3: upper and lower case both, digits or symbols mixed in. */
export const mixedCase: Check = (s) => {
  const have = effectiveClasses(s);
  const missing: string[] = (['upper', 'lower'] as const).filter((c) => !have.includes(c));
  if (!have.includes('digit') && !have.includes('symbol')) missing.push('digit | symbol');
  return [
    item('password.requiredClasses', s.password.requiredClasses, 'upper + lower + (digit | symbol)'),
    item('password.minClasses', s.password.minClasses, undefined, missing.length ? weak('classes_missing', { missing: missing.join(', ') }) : undefined),
  ];
};

/** EXT-5: the system controls complexity: a rule over at least `min` classes. */
export const composition =
  (min: number): Check =>
  (s) => {
    const enforced = Math.max(effectiveClasses(s).length, s.password.minClasses);
    return [
      item('password.requiredClasses', s.password.requiredClasses),
      item('password.minClasses', s.password.minClasses, `>= ${min} classes`, enforced < min ? weak('composition_missing', { min, actual: enforced }) : undefined),
    ];
  };

export const passwordExpiry: Check = (s) => {
  const days = s.password.maxAgeDays;
  const finding =
    days === null
      ? weak('expiry_off', {})
      : days > MAX_PASSWORD_AGE_DAYS
        ? weak('above_maximum', { path: 'password.maxAgeDays', value: days, max: MAX_PASSWORD_AGE_DAYS })
        : undefined;
  return [item('password.maxAgeDays', days, `<= ${MAX_PASSWORD_AGE_DAYS}`, finding)];
};

/** IPC-4: an issued password that is never changed stops working after a short period. */
export const issuedValidity: Check = (s) => {
  const hours = s.password.issuedValidityHours;
  const finding =
    hours === null
      ? weak('issued_never_expires', {})
      : hours > MAX_ISSUED_VALIDITY_HOURS
        ? weak('above_maximum', { path: 'password.issuedValidityHours', value: hours, max: MAX_ISSUED_VALIDITY_HOURS })
        : undefined;
  return [item('password.issuedValidityHours', hours, `<= ${MAX_ISSUED_VALIDITY_HOURS}`, finding)];
};

export const history: Check = (s) => [
  item('password.history', s.password.history, '>= 1', s.password.history < 1 ? weak('below_minimum', { path: 'password.history', value: s.password.history, min: 1 }) : undefined),
];

/** RM-22, RM-36: a change that cannot bring the old password straight back (with an expiry in force). */
export const minimumAge: Check = (s) => {
  const p = s.password;
  const finding =
    p.maxAgeDays !== null && p.minAgeDays < MIN_PASSWORD_AGE_DAYS
      ? weak('below_minimum', { path: 'password.minAgeDays', value: p.minAgeDays, min: MIN_PASSWORD_AGE_DAYS })
      : undefined;
  return [item('password.minAgeDays', p.minAgeDays, `>= ${MIN_PASSWORD_AGE_DAYS}`, finding)];
};

/** A rule that counts something (a run, a sequence) and is off at 0 or never bites above `max`. */
const boundedRule =
  (path: 'password.maxRepeat' | 'password.sequenceLength', max: number): Check =>
  (s) => {
    const value = path === 'password.maxRepeat' ? s.password.maxRepeat : s.password.sequenceLength;
    const finding = value === 0 ? weak('rule_off', { path, max }) : value > max ? weak('above_maximum', { path, value, max }) : undefined;
    return [item(path, value, `1–${max}`, finding)];
  };

/** IPC-4, FNB-3.1.3: the rules against easily guessed strings (runs, sequences, dates) are on and bite. */
export const guessable: Check = (s) => [
  ...boundedRule('password.maxRepeat', MAX_REPEAT_RUN)(s),
  ...boundedRule('password.sequenceLength', MAX_SEQUENCE_LENGTH)(s),
  ...on('password.rejectDates')(s),
];

/** RM-23, RM-36: an offline breached-password filter, built by the deployer. */
export const breachedFilter: Check = (s) => [
  item('password.breached.offline', s.password.breached.offline, 'true', s.password.breached.offline ? undefined : unset('filter_off', {})),
];
