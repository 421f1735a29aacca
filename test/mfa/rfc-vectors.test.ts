/**
 * RFC 6238 Appendix B (TOTP test vectors, SHA-1 / SHA-256 / SHA-512, each with
 * its own seed) and RFC 4226 Appendix D (HOTP values for counts 0–9), checked
 * through kanmon's own verify path (sealed secret → verifyTotp) with an
 * injected clock.
 */
import { describe, expect, it } from 'vitest';
import { sealSecret, verifyTotp } from '../../src/index.js';
import { hotp, memoryState, manualClock, policyWith, testKeyRing } from './support.js';

// RFC 6238 Appendix B: the seeds are the ASCII digits "1234567890" repeated to the
// hash's output length (20, 32, 64 bytes), per the reference implementation.
const seeds = {
  SHA1: Buffer.from('12345678901234567890', 'ascii'),
  SHA256: Buffer.from('12345678901234567890123456789012', 'ascii'),
  SHA512: Buffer.from('1234567890123456789012345678901234567890123456789012345678901234', 'ascii'),
} as const;

// Time (s) | SHA1 | SHA256 | SHA512 (8 digits, T0 = 0, X = 30)
const appendixB: [number, string, string, string][] = [
  [59, '94287082', '46119246', '90693936'],
  [1111111109, '07081804', '68084774', '25091201'],
  [1111111111, '14050471', '67062674', '99943326'],
  [1234567890, '89005924', '91819424', '93441116'],
  [2000000000, '69279037', '90698825', '38618901'],
  [20000000000, '65353130', '77737706', '47863826'],
];

// RFC 4226 Appendix D: HOTP(K = "12345678901234567890", C = 0…9), 6 digits.
const appendixD = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];

describe('RFC 6238 Appendix B through verifyTotp', () => {
  for (const algorithm of ['SHA1', 'SHA256', 'SHA512'] as const) {
    const column = { SHA1: 1, SHA256: 2, SHA512: 3 }[algorithm];
    it.each(appendixB.map((row): [number, string] => [row[0], row[column] as string]))(`${algorithm} at T=%s s → %s`, async (seconds, expected) => {
      const policy = policyWith('nist-800-63b', { mfa: { totp: { algorithm, digits: 8, periodSeconds: 30, window: 0 } } });
      const keyRing = testKeyRing();
      const clock = manualClock(seconds * 1000);
      const sealedSecret = sealSecret(keyRing, seeds[algorithm], { tenant: 'default', account: 'rfc', purpose: 'totp' });
      const options = { policy, keyRing, now: clock.now, ...memoryState(policy, clock.now) };

      // one digit off is refused, then the vector is accepted
      const wrong = expected.slice(0, 7) + String((Number(expected[7]) + 1) % 10);
      await expect(verifyTotp({ account: 'rfc', sealedSecret, code: wrong }, options)).resolves.toEqual({ ok: false, reason: 'invalid_code' });
      await expect(verifyTotp({ account: 'rfc', sealedSecret, code: expected }, options)).resolves.toEqual({ ok: true });
    });
  }

  it('the test helper agrees with the RFC (it generates codes for the other suites)', () => {
    for (const [seconds, sha1, sha256, sha512] of appendixB) {
      const step = Math.floor(seconds / 30);
      expect([hotp(seeds.SHA1, step, 8, 'sha1'), hotp(seeds.SHA256, step, 8, 'sha256'), hotp(seeds.SHA512, step, 8, 'sha512')]).toEqual([sha1, sha256, sha512]);
    }
  });
});

describe('RFC 4226 Appendix D through verifyTotp', () => {
  it.each(appendixD.map((code, count): [number, string] => [count, code]))('count %i → %s', async (count, expected) => {
    const policy = policyWith('funabashi', { mfa: { totp: { window: 0 } } });
    const keyRing = testKeyRing();
    // any instant inside step `count` gives HOTP(K, count)
    const clock = manualClock(count * 30_000 + 29_999);
    const sealedSecret = sealSecret(keyRing, seeds.SHA1, { tenant: 't', account: 'rfc', purpose: 'totp' });
    const options = { policy, keyRing, now: clock.now, ...memoryState(policy, clock.now) };
    await expect(verifyTotp({ account: 'rfc', tenant: 't', sealedSecret, code: expected }, options)).resolves.toEqual({ ok: true });
    expect(hotp(seeds.SHA1, count)).toBe(expected);
  });
});
