/**
 * SEC-13 (privileged accounts: strengthened authentication that cannot be
 * guessed without limit): wrong codes count against the second-factor failure
 * counter; after `lockout.mfa.maxFailures` the account's MFA is locked for
 * `lockout.mfa.lockDurationMs`, and even the correct code is refused as
 * `locked` until the lock ends.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sealSecret, verifyTotp } from '../../src/index.js';
import { memoryState, manualClock, policyWith, testKeyRing, totpAt } from './support.js';

function setup() {
  const policy = policyWith('funabashi'); // lockout.mfa: 5 failures, 30 min
  const keyRing = testKeyRing();
  const clock = manualClock(1_750_000_000_000);
  const secret = randomBytes(20);
  const sealedSecret = sealSecret(keyRing, secret, { tenant: 'city-a', account: 'admin-1', purpose: 'totp' });
  const options = { policy, keyRing, now: clock.now, ...memoryState(policy, clock.now) };
  const verify = (code: string) => verifyTotp({ account: 'admin-1', tenant: 'city-a', sealedSecret, code }, options);
  const current = () => totpAt(secret, clock.now());
  const wrong = () => (current() === '000000' ? '111111' : '000000');
  return { policy, clock, verify, current, wrong };
}

describe('SEC-13: second-factor lockout', () => {
  it('after maxFailures wrong codes the correct code is refused as locked until the lock ends', async () => {
    const { policy, clock, verify, current, wrong } = setup();
    const { maxFailures, lockDurationMs } = policy.lockout.mfa;
    expect([maxFailures, lockDurationMs]).toEqual([5, 30 * 60_000]);
    for (let i = 0; i < maxFailures; i++) {
      await expect(verify(wrong())).resolves.toEqual({ ok: false, reason: 'invalid_code' });
    }
    await expect(verify(current())).resolves.toEqual({ ok: false, reason: 'locked', retryAfterMs: lockDurationMs });
    clock.advance(lockDurationMs - 1);
    await expect(verify(current())).resolves.toEqual({ ok: false, reason: 'locked', retryAfterMs: 1 });
    clock.advance(1);
    await expect(verify(current())).resolves.toEqual({ ok: true });
  });

  it('a correct code resets the count: four wrong, one right, four wrong again does not lock', async () => {
    const { clock, verify, current, wrong } = setup();
    for (let i = 0; i < 4; i++) await expect(verify(wrong())).resolves.toMatchObject({ reason: 'invalid_code' });
    await expect(verify(current())).resolves.toEqual({ ok: true });
    clock.advance(30_000);
    for (let i = 0; i < 4; i++) await expect(verify(wrong())).resolves.toMatchObject({ reason: 'invalid_code' });
    await expect(verify(current())).resolves.toEqual({ ok: true });
  });

  it('malformed codes count too: they are guesses', async () => {
    const { verify, current } = setup();
    for (const junk of ['', 'abcdef', '1234567', '12345', '１２３']) {
      await expect(verify(junk)).resolves.toEqual({ ok: false, reason: 'invalid_code' });
    }
    await expect(verify(current())).resolves.toMatchObject({ ok: false, reason: 'locked' });
  });

  it('200 concurrent guesses check at most maxFailures codes; the rest are refused as locked', async () => {
    const { verify } = setup();
    const guesses = Array.from({ length: 200 }, (_, i) => String(i * 4999).padStart(6, '0').slice(-6));
    const results = await Promise.all(guesses.map((g) => verify(g)));
    const checked = results.filter((r) => r.ok || r.reason === 'invalid_code' || r.reason === 'replayed').length;
    expect(checked).toBeLessThanOrEqual(5);
    expect(results.filter((r) => !r.ok && r.reason === 'locked').length).toBeGreaterThanOrEqual(195);
  });
});
