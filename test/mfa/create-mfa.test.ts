/**
 * Issue 15 point 5, "a tenant named once per call path": `createMfa({ tenant, … })` names the tenant (and
 * the capabilities) once; every TOTP and recovery-code call made through it works in that tenant: its seals
 * (SEC-17), its replay guard (RFC 6238 §5.2) and its single-use records. The standalone functions given the
 * same tenant read and write the same things.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  consumeRecoveryCode,
  createKeyRing,
  createMfa,
  generateRecoveryCodes,
  openSecret,
  verifyTotp,
} from '../../src/index.js';
import { kanmonError } from '../support/errors.js';
import { manualClock, memoryState, policyWith, totpAt } from './support.js';

function setup(tenant = 'funabashi') {
  const policy = policyWith('funabashi');
  const keyRing = createKeyRing({ keys: [{ id: 'k1', secret: randomBytes(32) }], current: 'k1' });
  const clock = manualClock();
  const state = memoryState(policy, clock.now);
  const capabilities = { policy, keyRing, now: clock.now, ...state };
  return { capabilities, clock, keyRing, mfa: createMfa({ ...capabilities, tenant }) };
}

const base32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
function decodeBase32(text: string): Buffer {
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const ch of text) {
    value = (value << 5) | base32.indexOf(ch);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

describe('createMfa: the tenant named once', () => {
  it('enrols, confirms and verifies in its tenant; the seals and the replay guard are that tenant’s', async () => {
    const { mfa, capabilities, clock, keyRing } = setup();
    expect(mfa.tenant).toBe('funabashi');
    const enrolment = await mfa.enrollTotp({ account: 'u-42', label: '山田 太郎' });
    expect(enrolment.uri).toContain('%E5%B1%B1%E7%94%B0%20%E5%A4%AA%E9%83%8E');
    // sealed for funabashi (the standalone functions default to 'default')
    expect(() => openSecret(keyRing, enrolment.pendingSealedSecret, { tenant: 'funabashi', account: 'u-42', purpose: 'totp-pending' })).not.toThrow();
    const secret = decodeBase32(enrolment.secret);

    const confirmed = await mfa.confirmTotpEnrollment({ account: 'u-42', pendingSealedSecret: enrolment.pendingSealedSecret, code: totpAt(secret, clock.now()) });
    if (!confirmed.ok) throw new Error(JSON.stringify(confirmed));
    clock.advance(30_000);
    const code = totpAt(secret, clock.now());
    await expect(mfa.verifyTotp({ account: 'u-42', sealedSecret: confirmed.sealedSecret, code })).resolves.toEqual({ ok: true });
    // The same replay record as the standalone call in the same tenant: the code is spent there.
    await expect(verifyTotp({ account: 'u-42', tenant: 'funabashi', sealedSecret: confirmed.sealedSecret, code }, capabilities)).resolves.toEqual({
      ok: false,
      reason: 'replayed',
    });
  });

  it('recovery codes: hashed, used and counted in its tenant, once', async () => {
    const { mfa, capabilities } = setup();
    const codes = generateRecoveryCodes(3);
    const set = mfa.hashRecoveryCodes({ account: 'u-42', codes });
    await expect(mfa.consumeRecoveryCode({ account: 'u-42', set, code: codes[1] })).resolves.toEqual({ ok: true, remaining: 2 });
    await expect(mfa.recoveryCodesRemaining({ account: 'u-42', set })).resolves.toBe(2);
    await expect(consumeRecoveryCode({ account: 'u-42', tenant: 'funabashi', set, code: codes[1] }, capabilities)).resolves.toEqual({ ok: false, reason: 'already_used' });
    await expect(consumeRecoveryCode({ account: 'u-42', tenant: 'funabashi', set, code: codes[2] }, capabilities)).resolves.toEqual({ ok: true, remaining: 1 });
  });

  it('a secret of another tenant’s instance is refused with both tenants named', async () => {
    const { mfa, capabilities } = setup('funabashi');
    const chiba = createMfa({ ...capabilities, tenant: 'chiba' });
    const enrolment = await mfa.enrollTotp({ account: 'u-42' });
    const err = await chiba.confirmTotpEnrollment({ account: 'u-42', pendingSealedSecret: enrolment.pendingSealedSecret, code: '123456' }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'ERR_SEAL_INVALID', details: { sealedForTenant: 'funabashi', openedAsTenant: 'chiba' } });
  });

  it('a call naming another tenant is ERR_INVALID_ARGUMENT naming both; a bad tenant id is refused at construction', async () => {
    const { mfa, capabilities } = setup('funabashi');
    const untyped = (input: unknown) => mfa.verifyTotp(input as Parameters<typeof mfa.verifyTotp>[0]);
    const err = await untyped({ account: 'u-42', tenant: 'chiba', sealedSecret: null, code: '123456' }).then(
      () => null,
      (e: unknown) => e as Error & { code?: string },
    );
    expect(err?.code).toBe('ERR_INVALID_ARGUMENT');
    expect(err?.message).toContain('"funabashi"');
    expect(err?.message).toContain('"chiba"');
    // naming the same tenant again is harmless
    await expect(untyped({ account: 'u-42', tenant: 'funabashi', sealedSecret: null, code: '123456' })).resolves.toEqual({ ok: false, reason: 'not_enrolled' });
    for (const tenant of ['', 'a b', '.dot', undefined]) {
      expect(kanmonError(() => createMfa({ ...capabilities, tenant: tenant as string })).code).toBe('ERR_INVALID_ARGUMENT');
    }
  });
});
