/**
 * Issue 15 point 5, "a tenant named once per call path (an error that names the tenant when it is the
 * cause)": a sealed value records the tenant it was sealed for, so opening it as another tenant says which
 * two tenants disagree instead of calling it tampered. The record is a label checked by AES-GCM's
 * associated data (SEC-17): a forged label never opens and is never reported as the sealing tenant.
 * Values sealed by kanmon 0.1 (no label) still open.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { KanmonError, createKeyRing, openSecret, sealSecret, verifyTotp } from '../../src/index.js';
import { manualClock, memoryState, policyWith, totpAt } from '../mfa/support.js';
import { kanmonError } from '../support/errors.js';

const ring = () => createKeyRing({ keys: [{ id: 'k1', secret: randomBytes(32) }], current: 'k1' });
const funabashi = { tenant: 'funabashi', account: 'u-42', purpose: 'totp' };

/**
 * Sealed by kanmon 0.1's sealSecret (src/keys/secret-box.ts before this change) under key `k2025` = 32 bytes of
 * 0x2a, binding { tenant: 'funabashi', account: 'u-42', purpose: 'totp' }: the RFC 6238 Appendix B SHA-1 seed
 * "12345678901234567890".
 */
const SEALED_BY_0_1 = 'kmn1.k2025.vuBcsmn4o7lYHUPZ.K-lznJ68TkNcbuRBUJGydKbFfg3jT0o0cJB1iyhBfeS9B9Y5';
const ring0_1 = () => createKeyRing({ keys: [{ id: 'k2025', secret: Buffer.alloc(32, 0x2a) }], current: 'k2025' });
const RFC_SEED = Buffer.from('12345678901234567890', 'ascii');

describe('issue 15: a sealed value names the tenant it was sealed for', () => {
  it('opened as another tenant: ERR_SEAL_INVALID whose message and details name both tenants', () => {
    const keyRing = ring();
    const sealed = sealSecret(keyRing, 'seed', funabashi);
    const err = kanmonError(() => openSecret(keyRing, sealed, { ...funabashi, tenant: 'chiba' }));
    expect(err.code).toBe('ERR_SEAL_INVALID');
    expect(err.message).toContain(`sealed for tenant "funabashi"`);
    expect(err.message).toContain(`opened as tenant "chiba"`);
    expect(err.details).toEqual({ sealedForTenant: 'funabashi', openedAsTenant: 'chiba' });
    // and with no tenant at all (single-tenant callers pass none)
    expect(kanmonError(() => openSecret(keyRing, sealed, { account: 'u-42', purpose: 'totp' })).details).toEqual({ sealedForTenant: 'funabashi', openedAsTenant: '' });
  });

  it('verifyTotp without the tenant the secret was enrolled under (it defaults to "default") names both tenants, not "tampered"', async () => {
    const policy = policyWith('funabashi');
    const keyRing = ring();
    const clock = manualClock();
    const options = { policy, keyRing, now: clock.now, ...memoryState(policy, clock.now) };
    const secret = randomBytes(20);
    const sealedSecret = sealSecret(keyRing, secret, funabashi);
    const code = totpAt(secret, clock.now());
    const err = await verifyTotp({ account: 'u-42', sealedSecret, code }, options).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(KanmonError);
    expect(err).toMatchObject({ code: 'ERR_SEAL_INVALID', details: { sealedForTenant: 'funabashi', openedAsTenant: 'default' } });
    expect((err as Error).message).not.toContain('tampered');
    // Nothing was counted: the right tenant still takes the code.
    await expect(verifyTotp({ account: 'u-42', tenant: 'funabashi', sealedSecret, code }, options)).resolves.toEqual({ ok: true });
  });

  it('another account or purpose in the same tenant is still tampering (no tenant is blamed)', () => {
    const keyRing = ring();
    const sealed = sealSecret(keyRing, 'seed', funabashi);
    for (const binding of [{ ...funabashi, account: 'u-43' }, { ...funabashi, purpose: 'totp-pending' }]) {
      const err = kanmonError(() => openSecret(keyRing, sealed, binding));
      expect(err.code).toBe('ERR_SEAL_INVALID');
      expect(err.details).toBeUndefined();
    }
  });

  it('the recorded tenant is authenticated: a label changed to the opener’s tenant, or to any other, never opens nor is reported as the sealing tenant', () => {
    const keyRing = ring();
    const sealed = sealSecret(keyRing, 'seed', funabashi);
    const [prefix, keyId, , nonce, body] = sealed.split('.');
    const relabel = (tenant: string) => [prefix, keyId, Buffer.from(tenant).toString('base64url'), nonce, body].join('.');
    const asChiba = kanmonError(() => openSecret(keyRing, relabel('chiba'), { ...funabashi, tenant: 'chiba' }));
    expect(asChiba.code).toBe('ERR_SEAL_INVALID');
    expect(asChiba.details).toBeUndefined();
    const elsewhere = kanmonError(() => openSecret(keyRing, relabel('ichikawa'), funabashi));
    expect(elsewhere.code).toBe('ERR_SEAL_INVALID');
    expect(elsewhere.message).not.toContain('ichikawa');
  });

  it('a value sealed by kanmon 0.1 (no tenant recorded) still opens, verifies a TOTP code and is re-sealed only when its key is old', async () => {
    const keyRing = ring0_1();
    const opened = openSecret(keyRing, SEALED_BY_0_1, funabashi);
    expect(opened.value.equals(RFC_SEED)).toBe(true);
    expect(opened).toMatchObject({ keyId: 'k2025', needsReseal: false });

    const policy = policyWith('funabashi');
    const clock = manualClock(59_000); // RFC 6238 Appendix B, T = 59 s
    const options = { policy, keyRing, now: clock.now, ...memoryState(policy, clock.now) };
    expect(totpAt(RFC_SEED, 59_000, 30, 8)).toBe('94287082');
    await expect(verifyTotp({ account: 'u-42', tenant: 'funabashi', sealedSecret: SEALED_BY_0_1, code: '287082' }, options)).resolves.toEqual({ ok: true });
  });

  it('a 0.1 value opened as another tenant: ERR_SEAL_INVALID naming the tenant it was opened as (0.1 recorded none)', () => {
    const err = kanmonError(() => openSecret(ring0_1(), SEALED_BY_0_1, { ...funabashi, tenant: 'chiba' }));
    expect(err.code).toBe('ERR_SEAL_INVALID');
    expect(err.message).toContain('opened as tenant "chiba"');
  });
});
