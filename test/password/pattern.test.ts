/**
 * NIST SP 800-63B-4 §3.1.1.2 (Password Verifiers): the blocklist of "commonly
 * used, expected, or compromised" values; the second public draft lists
 * "Repetitive or sequential characters (e.g. 'aaaaaa', '1234abcd')" among them,
 * and the same section forbids composition rules such as "prohibiting
 * consecutively repeated characters". So the `nist-800-63b` preset refuses a
 * password that *as a whole* is repetitive or sequential, and still accepts
 * one that merely contains a run.
 */
import { describe, expect, it } from 'vitest';
import { checkPassword, definePolicy } from '../../src/index.js';
import { checkPattern } from '../../src/password/rules/pattern.js';

const nist = definePolicy('nist-800-63b');
const funabashi = definePolicy('funabashi');

const prepared = (password: string) => ({ normalized: password, lower: password.toLowerCase(), length: [...password].length });

describe('NIST SP 800-63B-4 §3.1.1.2: the nist-800-63b preset refuses repetitive and sequential passwords', () => {
  it.each([
    ['one digit fifteen times', '111111111111111'],
    ['two digit runs', '1234567891234567'],
    ['the draft\'s own example, lengthened', '1234abcd1234abcd'],
    ['the draft\'s other example, lengthened', 'aaaaaaaaaaaaaaaa'],
    ['a piece written over and over', 'abcabcabcabcabc'],
    ['a word written twice', 'sunflowersunflower'],
    ['descending digits and letters', '9876543210zyxwvu'],
    ['keyboard rows and columns', 'qwertyasdfghzxcvbn'],
    ['a run with one stray character', '11111111111111x'],
    ['full-width digits (NFKC folds them first)', '１１１１１１１１１１１１１１１'],
  ])('%s: %s → repetitive_or_sequential', (_name, password) => {
    expect(checkPassword(password, nist)).toEqual({ ok: false, issues: [{ code: 'repetitive_or_sequential' }] });
  });

  it.each([
    ['a passphrase', 'correct horse battery staple'],
    ['a passphrase containing a run (a composition rule would refuse it; NIST says not to)', 'my dog aaaa likes 1234 walks'],
    ['a random string', 'Kq7#vRt2!mZpW4$h'],
    ['Japanese', 'せきしょをとおるひみつのあいことば'],
  ])('%s is accepted: %s', (_name, password) => {
    expect(checkPassword(password, nist)).toEqual({ ok: true, issues: [] });
  });

  it('the preset keeps the substring rules off (they are composition rules under §3.1.1.2)', () => {
    expect(nist.password.maxRepeat).toBe(0);
    expect(nist.password.sequenceLength).toBe(0);
    expect(nist.password.rejectCommon).toBe(true);
  });
});

describe('the rule (rules/pattern.ts)', () => {
  const settings = nist.password;

  it('is part of the blocklist: off when rejectCommon is off', () => {
    const off = definePolicy('nist-800-63b', { password: { rejectCommon: false } });
    expect(checkPassword('111111111111111', off)).toEqual({ ok: true, issues: [] });
    expect(checkPattern(prepared('111111111111111'), off.password, [])).toBeNull();
  });

  it('reports once: not when common, repeated or sequence already said why', () => {
    expect(checkPattern(prepared('111111111111111'), settings, [{ code: 'common' }])).toBeNull();
    expect(checkPattern(prepared('111111111111111'), settings, [{ code: 'repeated', maximum: 3, actual: 15 }])).toBeNull();
    expect(checkPattern(prepared('1234567891234567'), settings, [{ code: 'sequence', kind: 'digits', maximum: 3, actual: 9 }])).toBeNull();
    expect(checkPattern(prepared('111111111111111'), settings, [])).toEqual({ code: 'repetitive_or_sequential' });
  });

  it('a quarter of the password outside any run is the limit', () => {
    // 12 digits in runs + 4 others (a quarter of 16): refused; + 5 others (over a quarter of 17): accepted.
    expect(checkPattern(prepared('123456789012Kq7#'), settings, [])).toEqual({ code: 'repetitive_or_sequential' });
    expect(checkPattern(prepared('123456789012Kq7#W'), settings, [])).toBeNull();
  });

  it('under funabashi a whole-password repetition the substring rules miss (abab…) is refused too', () => {
    const result = checkPassword('Ab1#Ab1#Ab1#Ab1#', funabashi);
    expect(result.issues).toEqual([{ code: 'repetitive_or_sequential' }]);
  });

  it('never throws and stays linear on long input (4,096 code points)', () => {
    const long = definePolicy('nist-800-63b', { password: { maxLength: 4096 } });
    const started = performance.now();
    expect(checkPassword('ab'.repeat(2048), long).issues).toEqual([{ code: 'repetitive_or_sequential' }]);
    expect(checkPassword('qwertyuiop'.repeat(409), long).issues).toEqual([{ code: 'repetitive_or_sequential' }]);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
