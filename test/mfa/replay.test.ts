/**
 * RFC 6238 §5.2 ("the verifier MUST NOT accept the second attempt of the same
 * OTP after the successful validation has been issued for the first OTP"),
 * better-auth #10387 (a TOTP code accepted again inside its window), and the
 * window rule: at most ±1 step, a larger window refused under the Japanese presets.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { definePolicy, sealSecret, verifyTotp } from '../../src/index.js';
import type { Policy } from '../../src/index.js';
import { memoryState, manualClock, policyWith, testKeyRing, totpAt } from './support.js';

function setup(policy: Policy = policyWith('funabashi'), start = 1_700_000_000_000 - (1_700_000_000_000 % 30_000)) {
  const keyRing = testKeyRing();
  const clock = manualClock(start);
  const secret = randomBytes(20);
  const sealedSecret = sealSecret(keyRing, secret, { tenant: 'funabashi', account: 'u-1', purpose: 'totp' });
  const options = { policy, keyRing, now: clock.now, ...memoryState(policy, clock.now) };
  const verify = (code: string) => verifyTotp({ account: 'u-1', tenant: 'funabashi', sealedSecret, code }, options);
  const codeAt = (ms: number) => totpAt(secret, ms);
  return { clock, verify, codeAt, options, sealedSecret };
}

describe('RFC 6238 §5.2 / better-auth #10387: a code is accepted once', () => {
  it('is refused as replayed for the rest of its window, then as invalid', async () => {
    const { clock, verify, codeAt } = setup(policyWith('funabashi', { lockout: { mfa: { maxFailures: 50 } } }));
    const code = codeAt(clock.now());
    await expect(verify(code)).resolves.toEqual({ ok: true });
    // the rest of its own step and the whole next step (window 1)
    const stepStart = clock.now() - (clock.now() % 30_000);
    for (const offset of [0, 1_000, 29_999, 30_000, 59_999]) {
      clock.set(stepStart + offset);
      await expect(verify(code)).resolves.toEqual({ ok: false, reason: 'replayed' });
    }
    clock.advance(1); // two steps later: out of the window
    await expect(verify(code)).resolves.toEqual({ ok: false, reason: 'invalid_code' });
  });

  it('an older step’s code is refused once a later one was accepted', async () => {
    const { clock, verify, codeAt } = setup();
    const previous = codeAt(clock.now() - 30_000);
    await expect(verify(codeAt(clock.now()))).resolves.toEqual({ ok: true });
    await expect(verify(previous)).resolves.toEqual({ ok: false, reason: 'replayed' });
  });

  it('two concurrent verifies of one fresh code: exactly one ok, the other replayed', async () => {
    const { clock, verify, codeAt } = setup();
    for (let round = 0; round < 20; round++) {
      clock.advance(30_000);
      const code = codeAt(clock.now());
      const results = await Promise.all([verify(code), verify(code)]);
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(results.filter((r) => !r.ok && r.reason === 'replayed')).toHaveLength(1);
    }
  });

  it('fifty concurrent verifies of one code: one ok; the losers count as failures, so the rest meet the lock', async () => {
    const { clock, verify, codeAt } = setup(); // funabashi: lockout.mfa.maxFailures 5
    clock.advance(30_000);
    const code = codeAt(clock.now());
    const results = await Promise.all(Array.from({ length: 50 }, () => verify(code)));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    const reasons = results.flatMap((r) => (r.ok ? [] : [r.reason]));
    expect(new Set(reasons)).toEqual(new Set(['replayed', 'locked']));
    expect(reasons.filter((r) => r === 'replayed').length).toBeLessThanOrEqual(4);
  });
});

describe('a code whose digits repeat in a later step', () => {
  it('is refused the second time although it is also the next step’s code (§5.2: "the same OTP")', async () => {
    // Found by search: with this seed HOTP(58333333) = HOTP(58333334) = 376739.
    const secret = Buffer.from('cca14618410bc3c50a2c244391ad3fd69ec93421', 'hex');
    expect([totpAt(secret, 58_333_333 * 30_000), totpAt(secret, 58_333_334 * 30_000)]).toEqual(['376739', '376739']);
    const policy = policyWith('funabashi');
    const keyRing = testKeyRing();
    const clock = manualClock(58_333_333 * 30_000);
    const sealedSecret = sealSecret(keyRing, secret, { tenant: 'default', account: 'c', purpose: 'totp' });
    const options = { policy, keyRing, now: clock.now, ...memoryState(policy, clock.now) };
    const verify = () => verifyTotp({ account: 'c', sealedSecret, code: '376739' }, options);
    await expect(verify()).resolves.toEqual({ ok: true }); // step 58333333
    // the same digits are also step 58333334's code (inside window +1): still the same OTP, refused
    await expect(verify()).resolves.toEqual({ ok: false, reason: 'replayed' });
    clock.advance(30_000); // now in step 58333334 itself
    await expect(verify()).resolves.toEqual({ ok: false, reason: 'replayed' });
  });
});

describe('window: at most ±1 step', () => {
  it('window 1 accepts the previous and next step and refuses two steps either side', async () => {
    const cases: [number, boolean][] = [
      [-60_000, false],
      [60_000, false],
      [-30_000, true],
      [30_000, true],
    ];
    for (const [offset, accepted] of cases) {
      const { clock, verify, codeAt } = setup();
      await expect(verify(codeAt(clock.now() + offset))).resolves.toEqual(accepted ? { ok: true } : { ok: false, reason: 'invalid_code' });
    }
  });

  it('window 0 accepts only the current step', async () => {
    const policy = policyWith('funabashi', { mfa: { totp: { window: 0 } } });
    const a = setup(policy);
    await expect(a.verify(a.codeAt(a.clock.now() - 30_000))).resolves.toEqual({ ok: false, reason: 'invalid_code' });
    await expect(a.verify(a.codeAt(a.clock.now()))).resolves.toEqual({ ok: true });
  });

  it('a window above 1 under funabashi (and every Japanese preset) is ERR_INVALID_POLICY naming the field', () => {
    for (const preset of ['funabashi', 'remote-maintenance', 'external-service-common'] as const) {
      let error: unknown;
      try {
        definePolicy(preset, { mfa: { totp: { window: 2 } } });
      } catch (err) {
        error = err;
      }
      expect(error).toMatchObject({
        code: 'ERR_INVALID_POLICY',
        details: { issues: [{ path: 'mfa.totp.window', message: expect.stringContaining('at most 1') as string }] },
      });
    }
    // the same policy carried into definePolicy again keeps the rule
    const funabashi = definePolicy('funabashi');
    expect(() => definePolicy(funabashi, { mfa: { totp: { window: 3 } } })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_POLICY' }));
    // outside the Japanese presets a wider window is allowed (and still ≤ 10 by the schema)
    expect(definePolicy('nist-800-63b', { mfa: { totp: { window: 2 } } }).mfa.totp.window).toBe(2);
    expect(() => definePolicy('nist-800-63b', { mfa: { totp: { window: 11 } } })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_POLICY' }));
  });
});
