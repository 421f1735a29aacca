/**
 * Properties of checkPassword (fast-check): it never throws for any input, its
 * result is well-formed, and in NFKC mode it depends only on the NFKC form of
 * the password (full-width and half-width input are the same password).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkPassword, definePolicy, formatIssue, passwordIssueCodes } from '../../src/index.js';
import { countCodePoints } from '../../src/password/normalize.js';

const funabashi = definePolicy('funabashi');
const nist = definePolicy('nist-800-63b');
const wide = definePolicy('nist-800-63b', { password: { maxLength: 4096, minLength: 8, maxRepeat: 3, sequenceLength: 4, rejectDates: true } });
const policies = [funabashi, nist, wide];

/** One "character": any code point, a lone surrogate, or something NFKC changes. */
const unit = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((u) => String.fromCharCode(u)) },
  {
    weight: 2,
    arbitrary: fc.constantFrom('\u0000', 'Ａ', 'ｚ', '９', '！', '\u3000', '\uFDFA', '\u0301', 'e', '\u1100', '\u1161', '\u11A8', 'ﾊﾟ', '①', 'ﬁ', 'Ω', 'İ'),
  },
);
const anyString = (maxLength: number) => fc.string({ unit, maxLength });

describe('checkPassword properties', () => {
  it('never throws, for any string up to 10,000 code points, and always answers in shape', () => {
    fc.assert(
      fc.property(anyString(10_000), fc.constantFrom(...policies), (password, policy) => {
        const result = checkPassword(password, policy);
        expect(result.ok).toBe(result.issues.length === 0);
        for (const issue of result.issues) expect(passwordIssueCodes).toContain(issue.code);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws for short strings, where every rule runs, and every issue formats in both languages', () => {
    fc.assert(
      fc.property(anyString(64), fc.constantFrom(...policies), fc.string({ maxLength: 12 }), (password, policy, username) => {
        const result = checkPassword(password, policy, { username, email: `${username}@example.jp`, words: [username] });
        for (const issue of result.issues) {
          expect(formatIssue(issue, 'ja')).not.toMatch(/undefined|NaN|\{/);
          expect(formatIssue(issue, 'en')).not.toMatch(/undefined|NaN|\{/);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws for any JavaScript value as the password', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        const result = checkPassword(value, funabashi);
        if (typeof value !== 'string') {
          expect(result.issues).toHaveLength(1);
          expect(result.issues[0]).toMatchObject({ code: 'invalid_type', expected: 'string' });
        }
      }),
    );
  });

  it('NFKC mode: the result is the same for every NFKC-equivalent form of the input', () => {
    fc.assert(
      fc.property(anyString(300), fc.constantFrom(...policies), (password, policy) => {
        const expected = checkPassword(password.normalize('NFKC'), policy);
        expect(checkPassword(password, policy)).toEqual(expected);
        expect(checkPassword(password.normalize('NFKD'), policy)).toEqual(expected);
        expect(checkPassword(password.normalize('NFC'), policy)).toEqual(expected);
      }),
      { numRuns: 1000 },
    );
  });

  it('NFKC mode: full-width input gives exactly the result of its half-width form', () => {
    const toFullWidth = (s: string) =>
      s.replace(/[\x21-\x7e]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)).replace(/ /g, '\u3000');
    fc.assert(
      fc.property(fc.string({ unit: 'binary-ascii', maxLength: 40 }), fc.constantFrom(...policies), (ascii, policy) => {
        expect(checkPassword(toFullWidth(ascii), policy)).toEqual(checkPassword(ascii, policy));
      }),
      { numRuns: 1000 },
    );
  });

  it('too_long is exactly "more than maxLength code points after NFKC", even when refused before normalising', () => {
    const small = definePolicy('nist-800-63b', { password: { maxLength: 8, minLength: 1 } });
    fc.assert(
      fc.property(anyString(200), (password) => {
        const tooLong = countCodePoints(password.normalize('NFKC')) > 8;
        expect(checkPassword(password, small).issues.some((i) => i.code === 'too_long')).toBe(tooLong);
      }),
      { numRuns: 2000 },
    );
  });

  it('issues never contain the password', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', minLength: 12, maxLength: 40 }), (password) => {
        const json = JSON.stringify(checkPassword(password, funabashi, { username: password.slice(0, 5) }));
        expect(json.includes(password)).toBe(false);
      }),
    );
  });
});
