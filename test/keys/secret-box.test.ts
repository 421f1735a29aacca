/**
 * SEC-17, FNB-2.4 (CRYPTREC-listed encryption at rest: AES-256-GCM), SEC-28 / FNB-3.3
 * (key lifecycle: ids, rotation), FNB-4.1 / SEC-31 (destroying a key makes
 * what it sealed unreadable).
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createKeyRing, openSecret, sealSecret } from '../../src/index.js';
import { errorCode } from '../support/errors.js';

const k1 = randomBytes(32);
const k2 = randomBytes(32);
const alice = { tenant: 'funabashi', account: 'alice', purpose: 'totp' };

describe('createKeyRing', () => {
  it('refuses short, malformed or duplicate keys and an unknown current id', () => {
    expect(errorCode(() => createKeyRing({ keys: [{ id: 'a', secret: randomBytes(16) }], current: 'a' }))).toBe('ERR_INVALID_ARGUMENT');
    expect(errorCode(() => createKeyRing({ keys: [{ id: 'a.b', secret: k1 }], current: 'a.b' }))).toBe('ERR_INVALID_ARGUMENT');
    expect(errorCode(() => createKeyRing({ keys: [{ id: 'a', secret: 'not base64!' }], current: 'a' }))).toBe('ERR_INVALID_ARGUMENT');
    expect(errorCode(() => createKeyRing({ keys: [], current: 'a' }))).toBe('ERR_INVALID_ARGUMENT');
    expect(errorCode(() => createKeyRing({ keys: [{ id: 'a', secret: k1 }], current: 'b' }))).toBe('ERR_KEY_NOT_FOUND');
    const ring = createKeyRing({ keys: [{ id: 'a', secret: k1 }], current: 'a' });
    expect(errorCode(() => ring.add({ id: 'a', secret: k2 }))).toBe('ERR_INVALID_ARGUMENT');
  });

  it('accepts base64 and base64url secrets and copies the caller bytes', () => {
    const bytes = Buffer.from(k1);
    const ring = createKeyRing({ keys: [{ id: 'raw', secret: bytes }, { id: 'b64', secret: k1.toString('base64') }], current: 'raw' });
    ring.add({ id: 'b64url', secret: k1.toString('base64url') });
    const subkey = ring.derive('raw', 'seal');
    expect(ring.derive('b64', 'seal').equals(subkey)).toBe(true);
    expect(ring.derive('b64url', 'seal').equals(subkey)).toBe(true);
    bytes.fill(0);
    expect(ring.derive('raw', 'seal').equals(subkey)).toBe(true);
  });

  it('derives a different subkey per purpose', () => {
    const ring = createKeyRing({ keys: [{ id: 'a', secret: k1 }], current: 'a' });
    expect(ring.derive('a', 'seal').equals(ring.derive('a', 'audit-mac'))).toBe(false);
    expect(ring.derive('a', 'seal')).toHaveLength(32);
  });

  it('will not destroy the current key', () => {
    const ring = createKeyRing({ keys: [{ id: 'a', secret: k1 }], current: 'a' });
    expect(errorCode(() => ring.destroy('a'))).toBe('ERR_INVALID_ARGUMENT');
  });
});

describe('sealSecret / openSecret', () => {
  it('round-trips and records the key id', () => {
    const ring = createKeyRing({ keys: [{ id: 'k1', secret: k1 }], current: 'k1' });
    const sealed = sealSecret(ring, 'JBSWY3DPEHPK3PXP', alice);
    expect(sealed.startsWith('kmn1.k1.')).toBe(true);
    const opened = openSecret(ring, sealed, alice);
    expect(opened.value.toString()).toBe('JBSWY3DPEHPK3PXP');
    expect(opened).toMatchObject({ keyId: 'k1', needsReseal: false });
  });

  it('uses a fresh nonce each time', () => {
    const ring = createKeyRing({ keys: [{ id: 'k1', secret: k1 }], current: 'k1' });
    expect(sealSecret(ring, 'same', alice)).not.toBe(sealSecret(ring, 'same', alice));
  });

  it('a value sealed for account A does not open as account B, another purpose or another tenant', () => {
    const ring = createKeyRing({ keys: [{ id: 'k1', secret: k1 }], current: 'k1' });
    const sealed = sealSecret(ring, 'seed', alice);
    expect(errorCode(() => openSecret(ring, sealed, { ...alice, account: 'bob' }))).toBe('ERR_SEAL_INVALID');
    expect(errorCode(() => openSecret(ring, sealed, { ...alice, purpose: 'recovery' }))).toBe('ERR_SEAL_INVALID');
    expect(errorCode(() => openSecret(ring, sealed, { ...alice, tenant: 'chiba' }))).toBe('ERR_SEAL_INVALID');
  });

  it('any single-character change of the sealed string fails with a code (property)', () => {
    const ring = createKeyRing({ keys: [{ id: 'k1', secret: k1 }, { id: 'k9', secret: k2 }], current: 'k1' });
    const sealed = sealSecret(ring, 'a TOTP seed of twenty', alice);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';
    fc.assert(
      fc.property(fc.nat(sealed.length - 1), fc.constantFrom(...alphabet), (index, ch) => {
        fc.pre(sealed[index] !== ch);
        const tampered = sealed.slice(0, index) + ch + sealed.slice(index + 1);
        expect(['ERR_SEAL_INVALID', 'ERR_KEY_NOT_FOUND']).toContain(errorCode(() => openSecret(ring, tampered, alice)));
      }),
      { numRuns: 500 },
    );
    expect(errorCode(() => openSecret(ring, sealed.slice(0, -4), alice))).toBe('ERR_SEAL_INVALID');
    expect(errorCode(() => openSecret(ring, '', alice))).toBe('ERR_SEAL_INVALID');
    expect(errorCode(() => openSecret(ring, 42 as unknown as string, alice))).toBe('ERR_SEAL_INVALID');
  });

  it('rotation keeps old values readable and says they need re-sealing', () => {
    const ring = createKeyRing({ keys: [{ id: 'k1', secret: k1 }], current: 'k1' });
    const old = sealSecret(ring, 'seed', alice);
    ring.add({ id: 'k2', secret: k2 });
    ring.setCurrent('k2');
    const opened = openSecret(ring, old, alice);
    expect(opened).toMatchObject({ keyId: 'k1', needsReseal: true });
    const resealed = sealSecret(ring, opened.value, alice);
    expect(openSecret(ring, resealed, alice)).toMatchObject({ keyId: 'k2', needsReseal: false });
  });

  it('after destroy(key) what it sealed is unreadable (FNB-4.1 crypto-shredding)', () => {
    const ring = createKeyRing({ keys: [{ id: 'k1', secret: k1 }, { id: 'k2', secret: k2 }], current: 'k1' });
    const sealed = sealSecret(ring, 'seed', alice);
    ring.setCurrent('k2');
    ring.destroy('k1');
    expect(ring.isDestroyed('k1')).toBe(true);
    expect(ring.ids()).toEqual(['k2']);
    expect(errorCode(() => openSecret(ring, sealed, alice))).toBe('ERR_KEY_DESTROYED');
    expect(errorCode(() => ring.derive('k1', 'audit-mac'))).toBe('ERR_KEY_DESTROYED');
    expect(errorCode(() => ring.add({ id: 'k1', secret: k1 }))).toBe('ERR_INVALID_ARGUMENT');
    expect(errorCode(() => ring.setCurrent('k1'))).toBe('ERR_KEY_DESTROYED');
  });
});
