/**
 * Properties (fast-check, seeded so every run checks the same cases):
 * - a freshly generated code verifies exactly once (RFC 6238 §5.2);
 * - a code is accepted exactly when it is one of the 2·window + 1 codes around
 *   now, so a random 6-digit string gets through with probability
 *   (2·window + 1) / 10^6 and never systematically (e.g. a fixed string, a
 *   prefix match, a length confusion).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sealSecret, verifyTotp } from '../../src/index.js';
import { memoryState, manualClock, policyWith, testKeyRing, totpAt } from './support.js';

const policy = policyWith('funabashi', { lockout: { mfa: { maxFailures: 1000 } } }); // window 1
const keyRing = testKeyRing();
// 2001-09-09 … 2096: any instant a server may see
const instant = fc.integer({ min: 1_000_000_000_000, max: 4_000_000_000_000 });
const secretBytes = fc.uint8Array({ minLength: 20, maxLength: 20 });

function fixture(secret: Uint8Array, at: number) {
  const clock = manualClock(at);
  const sealedSecret = sealSecret(keyRing, secret, { tenant: 'default', account: 'p', purpose: 'totp' });
  const options = { policy, keyRing, now: clock.now, ...memoryState(policy, clock.now) };
  return { clock, verify: (code: string) => verifyTotp({ account: 'p', sealedSecret, code }, options) };
}

describe('TOTP properties', () => {
  it('a freshly generated code verifies exactly once, wherever its step lies in the window', async () => {
    await fc.assert(
      fc.asyncProperty(secretBytes, instant, fc.constantFrom(-30_000, 0, 30_000), async (secret, at, offset) => {
        const { verify } = fixture(secret, at);
        const code = totpAt(secret, at + offset);
        expect(await verify(code)).toEqual({ ok: true });
        expect(await verify(code)).toEqual({ ok: false, reason: 'replayed' });
      }),
      { seed: 6238, numRuns: 200 },
    );
  });

  it('a code is accepted if and only if it is one of the window’s codes', async () => {
    let randomAccepted = 0;
    let randomTried = 0;
    await fc.assert(
      fc.asyncProperty(
        secretBytes,
        instant,
        fc.oneof(fc.stringMatching(/^\d{6}$/), fc.constantFrom('000000', '123456', '999999')),
        async (secret, at, code) => {
          const windowCodes = [-30_000, 0, 30_000].map((d) => totpAt(secret, at + d));
          const { verify } = fixture(secret, at);
          const result = await verify(code);
          randomTried++;
          if (result.ok) randomAccepted++;
          expect(result.ok).toBe(windowCodes.includes(code));
        },
      ),
      { seed: 4226, numRuns: 3000 },
    );
    // 3000 random codes × 3/10^6 ≈ 0.009 expected acceptances: more than 2 would be a systematic accept
    expect(randomTried).toBe(3000);
    expect(randomAccepted).toBeLessThanOrEqual(2);
  });
});
