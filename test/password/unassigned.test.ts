/**
 * PRECIS OpaqueString (RFC 8265 §4.2) over the FreeformClass (RFC 8264 §4.3):
 * "Unassigned" code points (RFC 8264 §9.12) are disallowed in passwords. Their
 * normalisation is not fixed until Unicode assigns them, so a password holding
 * one could hash differently after a Node/ICU upgrade and stop verifying.
 * kanmon refuses them with `unassigned_code_point`, whatever the running ICU
 * leaves unassigned (`\p{Cn}`), and never throws for any input.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkPassword, definePolicy, formatIssue } from '../../src/index.js';

const policies = {
  funabashi: definePolicy('funabashi'),
  nist: definePolicy('nist-800-63b'),
  // The rule does not depend on the other rules: everything else off.
  bare: definePolicy({ password: { minLength: 1, rejectContext: false, rejectCommon: false, maxRepeat: 0, sequenceLength: 0, rejectDates: false } }),
};

/**
 * U+0378 is unassigned in the Greek block (and has been since Unicode 1.1); U+FDD0 and
 * U+10FFFF are noncharacters, permanently general category Cn. The guard asserts the
 * running ICU still agrees, so the test cannot silently test nothing after an upgrade.
 */
const UNASSIGNED = ['\u0378', '\uFDD0', '\u{10FFFF}', '\u{E0000}'];

describe('RFC 8265 §4.2, RFC 8264 §9.12: unassigned code points are refused', () => {
  it('the samples are unassigned in this runtime (guard)', () => {
    for (const cp of UNASSIGNED) expect(/\p{Cn}/u.test(cp)).toBe(true);
  });

  it.each(UNASSIGNED.map((cp) => [`U+${cp.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`, cp]))(
    '%s inside an otherwise acceptable password → unassigned_code_point, under every preset',
    (_name, cp) => {
      for (const [name, policy] of Object.entries(policies)) {
        const strong = name === 'funabashi' ? `Kq7#vRt2!m${cp}Zp` : `correct horse ${cp} battery staple`;
        const result = checkPassword(strong, policy);
        expect(result.ok, name).toBe(false);
        // funabashi allows no non-ASCII at all (non_ascii too); the others refuse it for this reason only.
        if (name === 'funabashi') expect(result.issues, name).toContainEqual({ code: 'unassigned_code_point' });
        else expect(result.issues, name).toEqual([{ code: 'unassigned_code_point' }]);
      }
    },
  );

  it('assigned non-ASCII characters (kanji, kana, emoji, combining marks) are not refused', () => {
    for (const password of ['関門を通る合言葉です', 'ぱすわーど・カタカナ混在', 'café au lait 🐱🐱', 'e\u0301te\u0301 sans souci']) {
      expect(checkPassword(password, policies.bare).issues).toEqual([]);
    }
  });

  it('the message says what is wrong, in Japanese and English', () => {
    expect(formatIssue({ code: 'unassigned_code_point' }, 'ja')).toContain('未割り当て');
    expect(formatIssue({ code: 'unassigned_code_point' }, 'en')).toContain('not assigned');
  });

  it('checkPassword never throws and always reports a Cn code point, for any string around one (property)', () => {
    const cn = fc
      .integer({ min: 0, max: 0x10ffff })
      .filter((cp) => (cp < 0xd800 || cp > 0xdfff) && /\p{Cn}/u.test(String.fromCodePoint(cp)))
      .map((cp) => String.fromCodePoint(cp));
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), cn, fc.string({ unit: 'binary', maxLength: 40 }), fc.constantFrom(...Object.values(policies)), (before, bad, after, policy) => {
        const result = checkPassword(`${before}${bad}${after}`, policy);
        expect(result.ok).toBe(false);
        // too_long is reported alone (nothing else is checked), and a lone surrogate beside it is reported too.
        if (!result.issues.some((issue) => issue.code === 'too_long')) {
          expect(result.issues.map((issue) => issue.code)).toContain('unassigned_code_point');
        }
      }),
      { seed: 20261124, numRuns: 400 },
    );
  });
});
