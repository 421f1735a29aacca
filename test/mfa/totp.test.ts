/**
 * SEC-13 / EXT-4: TOTP as the strengthened (second) factor. Enrolment makes a
 * fresh secret from the CSPRNG (≥ 160 bits), an otpauth:// Key URI with issuer
 * and account (Japanese labels percent-encoded from UTF-8), an SVG QR code, and
 * a sealed secret that is *pending*: it does not count as a second factor until
 * the first correct code confirms it.
 * SEC-4 (standard formats for migration): the Key URI alone is enough for another
 * RFC 6238 implementation (otplib, reading only the URI) to produce codes kanmon accepts.
 */
import { generateSync } from 'otplib';
import { describe, expect, it } from 'vitest';
import { KanmonError, confirmTotpEnrollment, enrollTotp, openSecret, verifyTotp } from '../../src/index.js';
import { memoryState, manualClock, policyWith, testKeyRing, totpAt } from './support.js';

const base32Alphabet = /^[A-Z2-7]+$/;

function decodeBase32(text: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const ch of text) {
    value = (value << 5) | alphabet.indexOf(ch);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

describe('enrollTotp', () => {
  it('makes a 160-bit base32 secret (256/512 for SHA-256/512), different every time', async () => {
    const keyRing = testKeyRing();
    const seen = new Set<string>();
    for (const [algorithm, bytes] of [['SHA1', 20], ['SHA256', 32], ['SHA512', 64]] as const) {
      const policy = policyWith('nist-800-63b', { mfa: { totp: { algorithm } } });
      for (let i = 0; i < 5; i++) {
        const e = await enrollTotp('u-1', policy, { keyRing });
        expect(e.secret).toMatch(base32Alphabet);
        expect(decodeBase32(e.secret)).toHaveLength(bytes);
        seen.add(e.secret);
      }
    }
    expect(seen.size).toBe(15);
  });

  it('writes a Key URI whose Japanese issuer and label round-trip through UTF-8 percent-encoding', async () => {
    const policy = policyWith('funabashi', { mfa: { totp: { issuer: '船橋市 電子申請' } } });
    const e = await enrollTotp({ id: 'u-42', label: '山田 太郎（市民課）' }, policy, { keyRing: testKeyRing() });
    const url = new URL(e.uri);
    expect(url.protocol).toBe('otpauth:');
    expect(url.host).toBe('totp');
    // label: issuer ':' account, each part encoded on its own; spaces are %20, never '+'
    expect(e.uri).toContain('/%E8%88%B9%E6%A9%8B%E5%B8%82%20%E9%9B%BB%E5%AD%90%E7%94%B3%E8%AB%8B:');
    expect(e.uri).not.toContain('+');
    const [issuerPart, accountPart] = url.pathname.slice(1).split(':');
    expect(decodeURIComponent(issuerPart!)).toBe('船橋市 電子申請');
    expect(decodeURIComponent(accountPart!)).toBe('山田 太郎（市民課）');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      secret: e.secret,
      issuer: '船橋市 電子申請',
      algorithm: 'SHA1',
      digits: '6',
      period: '30',
    });
  });

  it('refuses a colon in issuer or label (the Key URI separator) with a coded error', async () => {
    const policy = policyWith('funabashi');
    const keyRing = testKeyRing();
    await expect(enrollTotp({ id: 'u', label: 'a:b' }, policy, { keyRing })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(enrollTotp('u', policy, { keyRing, issuer: 'City:Hall' })).rejects.toBeInstanceOf(KanmonError);
  });

  it('draws the URI as an SVG QR code', async () => {
    const e = await enrollTotp('u-1', policyWith('funabashi'), { keyRing: testKeyRing() });
    expect(e.qrSvg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(e.qrSvg.trimEnd().endsWith('</svg>')).toBe(true);
    // a QR code of ≥ 100 characters needs at least version 5 (37 modules + 2×4 quiet zone)
    const size = Number(/viewBox="0 0 (\d+) \1"/.exec(e.qrSvg)?.[1]);
    expect(size).toBeGreaterThanOrEqual(45);
    expect(e.qrSvg).not.toContain(e.secret); // the secret is drawn, not written as text
  });

  it('seals the secret for this account as pending; it opens to the same bytes and to no other account', async () => {
    const keyRing = testKeyRing();
    const e = await enrollTotp({ id: 'u-1', tenant: 'funabashi' }, policyWith('funabashi'), { keyRing });
    expect(e.status).toBe('pending');
    expect(e.pendingSealedSecret).not.toContain(e.secret);
    const opened = openSecret(keyRing, e.pendingSealedSecret, { tenant: 'funabashi', account: 'u-1', purpose: 'totp-pending' });
    expect(opened.value.equals(decodeBase32(e.secret))).toBe(true);
    expect(() => openSecret(keyRing, e.pendingSealedSecret, { tenant: 'funabashi', account: 'u-2', purpose: 'totp-pending' })).toThrow(
      expect.objectContaining({ code: 'ERR_SEAL_INVALID' }),
    );
  });
});

describe('confirmTotpEnrollment: pending until the first correct code', () => {
  it('a pending secret is not a second factor; a wrong code does not confirm; the right one does, once', async () => {
    const policy = policyWith('funabashi');
    const keyRing = testKeyRing();
    const clock = manualClock();
    const options = { policy, keyRing, now: clock.now, ...memoryState(policy, clock.now) };
    const e = await enrollTotp('u-1', policy, { keyRing });
    const secret = decodeBase32(e.secret);
    const code = totpAt(secret, clock.now());

    // the pending value cannot be used to log in, even with the right code
    await expect(verifyTotp({ account: 'u-1', sealedSecret: e.pendingSealedSecret, code }, options)).resolves.toEqual({ ok: false, reason: 'not_enrolled' });
    await expect(verifyTotp({ account: 'u-1', sealedSecret: null, code }, options)).resolves.toEqual({ ok: false, reason: 'not_enrolled' });

    const wrong = code === '000000' ? '000001' : '000000';
    await expect(confirmTotpEnrollment({ account: 'u-1', pendingSealedSecret: e.pendingSealedSecret, code: wrong }, options)).resolves.toEqual({
      ok: false,
      reason: 'invalid_code',
    });
    const confirmed = await confirmTotpEnrollment({ account: 'u-1', pendingSealedSecret: e.pendingSealedSecret, code }, options);
    expect(confirmed.ok).toBe(true);
    if (!confirmed.ok) return;

    // the confirming code is spent; the next step's code logs in
    await expect(verifyTotp({ account: 'u-1', sealedSecret: confirmed.sealedSecret, code }, options)).resolves.toEqual({ ok: false, reason: 'replayed' });
    clock.advance(30_000);
    await expect(verifyTotp({ account: 'u-1', sealedSecret: confirmed.sealedSecret, code: totpAt(secret, clock.now()) }, options)).resolves.toEqual({ ok: true });
    // a confirmed value is not a pending one
    await expect(confirmTotpEnrollment({ account: 'u-1', pendingSealedSecret: confirmed.sealedSecret, code }, options)).resolves.toEqual({
      ok: false,
      reason: 'not_enrolled',
    });
  });

  it('another account’s pending or confirmed value is tampering, not "not enrolled"', async () => {
    const policy = policyWith('funabashi');
    const keyRing = testKeyRing();
    const clock = manualClock();
    const options = { policy, keyRing, now: clock.now, ...memoryState(policy, clock.now) };
    const e = await enrollTotp('alice', policy, { keyRing });
    await expect(confirmTotpEnrollment({ account: 'mallory', pendingSealedSecret: e.pendingSealedSecret, code: '123456' }, options)).rejects.toMatchObject({
      code: 'ERR_SEAL_INVALID',
    });
    await expect(verifyTotp({ account: 'mallory', sealedSecret: e.pendingSealedSecret, code: '123456' }, options)).rejects.toMatchObject({
      code: 'ERR_SEAL_INVALID',
    });
  });
});

describe('SEC-4: the enrolment is portable through its standard Key URI', () => {
  it.each(['SHA1', 'SHA256', 'SHA512'] as const)('%s: otplib, given only the parsed URI, makes codes verifyTotp accepts', async (algorithm) => {
    const policy = policyWith('nist-800-63b', { mfa: { totp: { algorithm, digits: 8, periodSeconds: 60 } } });
    const keyRing = testKeyRing();
    const clock = manualClock(1_760_000_000_000);
    const options = { policy, keyRing, now: clock.now, ...memoryState(policy, clock.now) };
    const e = await enrollTotp({ id: 'u-9', label: '佐藤 花子' }, policy, { keyRing });

    const params = new URL(e.uri).searchParams;
    const fromUri = (atMs: number) =>
      generateSync({
        secret: params.get('secret')!,
        algorithm: params.get('algorithm')!.toLowerCase() as 'sha1' | 'sha256' | 'sha512',
        digits: Number(params.get('digits')),
        period: Number(params.get('period')),
        epoch: Math.floor(atMs / 1000),
      });
    const confirmed = await confirmTotpEnrollment({ account: 'u-9', pendingSealedSecret: e.pendingSealedSecret, code: fromUri(clock.now()) }, options);
    expect(confirmed.ok).toBe(true);
    if (!confirmed.ok) return;
    clock.advance(60_000);
    await expect(verifyTotp({ account: 'u-9', sealedSecret: confirmed.sealedSecret, code: fromUri(clock.now()) }, options)).resolves.toEqual({ ok: true });
  });
});
