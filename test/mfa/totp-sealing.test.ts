/**
 * SEC-17 / SEC-28 / FNB-4.1 through the TOTP path: the stored secret is sealed
 * (AES-256-GCM) for its account; after a key rotation it still verifies and
 * comes back re-sealed under the current key; after the old key is destroyed
 * it is unreadable (crypto-shredding) with a coded error; a tampered value is
 * a coded error, never a silent pass.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createKeyRing, openSecret, sealSecret, verifyTotp } from '../../src/index.js';
import { memoryState, manualClock, policyWith, totpAt } from './support.js';

describe('sealed TOTP secrets', () => {
  it('rotation: an old seal verifies and is handed back re-sealed; after destroy(old) the old seal fails with ERR_KEY_DESTROYED', async () => {
    const policy = policyWith('funabashi');
    const keyRing = createKeyRing({ keys: [{ id: 'old', secret: randomBytes(32) }], current: 'old' });
    const clock = manualClock();
    const options = { policy, keyRing, now: clock.now, ...memoryState(policy, clock.now) };
    const secret = randomBytes(20);
    const binding = { tenant: 'city-a', account: 'u', purpose: 'totp' };
    const oldSeal = sealSecret(keyRing, secret, binding);

    keyRing.add({ id: 'new', secret: randomBytes(32) });
    keyRing.setCurrent('new');
    const result = await verifyTotp({ account: 'u', tenant: 'city-a', sealedSecret: oldSeal, code: totpAt(secret, clock.now()) }, options);
    expect(result.ok).toBe(true);
    const resealed = result.ok ? result.resealedSecret : undefined;
    expect(resealed).toMatch(/^kmn1\.new\./);
    expect(openSecret(keyRing, resealed!, binding)).toMatchObject({ keyId: 'new', needsReseal: false });

    keyRing.destroy('old');
    clock.advance(30_000);
    const code = totpAt(secret, clock.now());
    await expect(verifyTotp({ account: 'u', tenant: 'city-a', sealedSecret: oldSeal, code }, options)).rejects.toMatchObject({ code: 'ERR_KEY_DESTROYED' });
    // the re-sealed value carries on, and a current seal gets no resealedSecret
    await expect(verifyTotp({ account: 'u', tenant: 'city-a', sealedSecret: resealed, code }, options)).resolves.toEqual({ ok: true });
  });

  it('a tampered seal is ERR_SEAL_INVALID, whichever character changed', async () => {
    const policy = policyWith('funabashi', { lockout: { mfa: { maxFailures: 1000 } } });
    const keyRing = createKeyRing({ keys: [{ id: 'k', secret: randomBytes(32) }], current: 'k' });
    const clock = manualClock();
    const options = { policy, keyRing, now: clock.now, ...memoryState(policy, clock.now) };
    const secret = randomBytes(20);
    const sealed = sealSecret(keyRing, secret, { tenant: 'default', account: 'u', purpose: 'totp' });
    const code = totpAt(secret, clock.now());
    for (let i = 'kmn1.k.'.length; i < sealed.length; i += 3) {
      const flipped = sealed.slice(0, i) + (sealed[i] === 'A' ? 'B' : 'A') + sealed.slice(i + 1);
      await expect(verifyTotp({ account: 'u', sealedSecret: flipped, code }, options)).rejects.toMatchObject({ code: 'ERR_SEAL_INVALID' });
    }
    await expect(verifyTotp({ account: 'u', sealedSecret: sealed, code }, options)).resolves.toEqual({ ok: true });
  });
});
