/**
 * Malformed input (ARCHITECTURE principle 1): a code of the wrong length, with
 * non-digits, or not a string at all is a plain `invalid_code`, never a throw.
 * Full-width digits from a Japanese IME are the same code.
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sealSecret, verifyTotp } from '../../src/index.js';
import { secondFactorOf } from '../../src/mfa/internal/code-kind.js';
import { normaliseCode } from '../../src/mfa/internal/totp-core.js';
import { memoryState, manualClock, policyWith, testKeyRing, totpAt } from './support.js';

function setup() {
  const policy = policyWith('nist-800-63b', { lockout: { mfa: { maxFailures: 1000 } } });
  const keyRing = testKeyRing();
  const clock = manualClock();
  const secret = randomBytes(20);
  const sealedSecret = sealSecret(keyRing, secret, { tenant: 'default', account: 'u', purpose: 'totp' });
  const options = { policy, keyRing, now: clock.now, ...memoryState(policy, clock.now) };
  return { verify: (code: unknown) => verifyTotp({ account: 'u', sealedSecret, code }, options), code: totpAt(secret, clock.now()) };
}

describe('malformed codes are invalid_code', () => {
  it.each([
    ['too short', '12345'],
    ['too long', '1234567'],
    ['a letter', '12a456'],
    ['a sign', '-12345'],
    ['decimal point', '1234.5'],
    ['empty', ''],
    ['only spaces', '      '],
    ['huge', '1'.repeat(100_000)],
    ['a number, not a string', 123456],
    ['null', null],
    ['undefined', undefined],
    ['an object', { toString: () => '123456' }],
    ['Arabic-Indic digits', '١٢٣٤٥٦'],
  ])('%s', async (_name, input) => {
    const { verify } = setup();
    await expect(verify(input)).resolves.toEqual({ ok: false, reason: 'invalid_code' });
  });

  it('the right code with its last digit dropped or one added is refused', async () => {
    const { verify, code } = setup();
    await expect(verify(code.slice(0, 5))).resolves.toEqual({ ok: false, reason: 'invalid_code' });
    await expect(verify(`${code}0`)).resolves.toEqual({ ok: false, reason: 'invalid_code' });
  });

  it('full-width digits and a space in the middle are the same code', async () => {
    const { verify, code } = setup();
    const fullWidth = [...code].map((d) => String.fromCharCode(0xff10 + Number(d))).join('');
    await expect(verify(`${fullWidth.slice(0, 3)} ${fullWidth.slice(3)}`)).resolves.toEqual({ ok: true });
  });

  it('never throws, whatever the value (property)', async () => {
    const { verify } = setup();
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.anything(), fc.string({ unit: 'binary' }), fc.stringMatching(/^[0-9０-９ ]{0,12}$/)), async (input) => {
        const result = await verify(input);
        expect(result.ok === false && result.reason === 'invalid_code').toBe(true);
      }),
      { seed: 20260601, numRuns: 300 },
    );
  });
});

describe('the login flow decides "TOTP or recovery code" with the same normalisation (one code path)', () => {
  it.each([
    ['ASCII', '123456'],
    ['full-width', '１２３４５６'],
    ['an ideographic space', '123\u3000456'],
    ['full-width and an ideographic space', '１２３\u3000４５６'],
    ['a no-break space', '123\u00a0456'],
    ['eight digits', '12345678'],
    ['a wrong length is still a (wrong) TOTP code', '12345'],
  ])('%s → totp', (_name, code) => {
    expect(secondFactorOf(code)).toBe('totp');
  });

  it.each([
    ['a recovery code', '7K2M-QX9D-4RTB'],
    ['a full-width recovery code', '７Ｋ２Ｍ－ＱＸ９Ｄ－４ＲＴＢ'],
    ['a recovery code of digits only', '0123-4567-8901'],
    ['twelve full-width digits', '０１２３４５６７８９０１'],
    ['not a string', 123456],
    ['empty', ''],
  ])('%s → recovery_code', (_name, code) => {
    expect(secondFactorOf(code)).toBe('recovery_code');
  });

  it('whatever verifyTotp would read as a code of 6 or 8 digits goes to verifyTotp (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.string({ unit: 'binary' }), fc.stringMatching(/^[0-9０-９ \u3000\t]{0,14}$/)), (input) => {
        if (normaliseCode(input, 6) !== null || normaliseCode(input, 8) !== null) expect(secondFactorOf(input)).toBe('totp');
      }),
      { seed: 20261124, numRuns: 500 },
    );
  });
});
