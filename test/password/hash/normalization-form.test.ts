/**
 * The hash records the Unicode normalisation form it was computed over
 * (NIST SP 800-63B-4 §3.1.1.2: normalise before hashing; the verifier must
 * then normalise the same way). A hash carries `norm=nfc` when made under
 * `password.normalization: 'NFC'`; a hash without it was made over NFKC (the
 * default, and the only form kanmon used before it recorded one). Switching
 * the policy's form keeps old hashes verifying under their own form, flags them
 * for rehash, and the rehash is made in the new form.
 */
import { verify as nodeRsVerify } from '@node-rs/argon2';
import nodeArgon2 from 'argon2';
import { describe, expect, it } from 'vitest';
import { type Argon2Engine, argon2Engine, canonicalArgon2, createKeyRing, createPasswordHasher, definePolicy } from '../../../src/index.js';
import type { PolicyOverrides } from '../../../src/index.js';

const fast = { argon2: { memoryKiB: 1024, iterations: 1, parallelism: 1 } };
const policyWith = (normalization: 'NFKC' | 'NFC', overrides: PolicyOverrides = {}) =>
  definePolicy({ ...overrides, password: { normalization }, hashing: { ...fast, ...overrides.hashing } });

/** Typed with the IME in full-width mode; NFKC folds it to `Pass-Word-2026!`, NFC keeps it full-width. */
const FULL_WIDTH = 'Ｐａｓｓ－Ｗｏｒｄ－２０２６！';
const HALF_WIDTH = 'Pass-Word-2026!';

function countingEngine(): Argon2Engine & { calls: number } {
  const real = argon2Engine('node-rs');
  const engine = {
    name: 'counting',
    calls: 0,
    hashRaw(...args: Parameters<Argon2Engine['hashRaw']>) {
      engine.calls++;
      return real.hashRaw(...args);
    },
  };
  return engine;
}

describe('NIST SP 800-63B-4 §3.1.1.2: the normalisation form travels with the hash', () => {
  it('NFKC (the default) writes no marker: the plain PHC string; other Argon2 libraries verify it (given the NFKC form)', async () => {
    const stored = await createPasswordHasher({ policy: policyWith('NFKC') }).hash(FULL_WIDTH);
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=1024,t=1,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
    await expect(nodeRsVerify(stored, HALF_WIDTH)).resolves.toBe(true);
    await expect(nodeArgon2.verify(stored, HALF_WIDTH)).resolves.toBe(true);
  });

  it('the norm=nfc marker does not stop @node-rs/argon2 or node-argon2 from verifying the string (given the NFC form)', async () => {
    const stored = await createPasswordHasher({ policy: policyWith('NFC') }).hash(FULL_WIDTH);
    expect(stored).toContain(',norm=nfc$');
    await expect(nodeRsVerify(stored, FULL_WIDTH)).resolves.toBe(true);
    await expect(nodeArgon2.verify(stored, FULL_WIDTH)).resolves.toBe(true);
    await expect(nodeRsVerify(stored, HALF_WIDTH)).resolves.toBe(false);
  });

  it('NFC writes norm=nfc, after m,t,p (and keyid), kept in place by canonicalArgon2', async () => {
    const ring = createKeyRing({ keys: [{ id: 'k1', secret: Buffer.alloc(32, 1) }], current: 'k1' });
    const plain = await createPasswordHasher({ policy: policyWith('NFC') }).hash(FULL_WIDTH);
    expect(plain).toMatch(/^\$argon2id\$v=19\$m=1024,t=1,p=1,norm=nfc\$/);
    const peppered = await createPasswordHasher({ policy: policyWith('NFC', { hashing: { pepper: true } }), keyRing: ring }).hash(FULL_WIDTH);
    expect(peppered).toMatch(/^\$argon2id\$v=19\$m=1024,t=1,p=1,keyid=azE,norm=nfc\$/);
    expect(canonicalArgon2(peppered)).toBe(peppered);
    const pbkdf2 = await createPasswordHasher({ policy: definePolicy({ cryptoProfile: 'cryptrec', password: { normalization: 'NFC' }, hashing: { algorithm: 'pbkdf2-sha512' } }) }).hash(FULL_WIDTH);
    expect(pbkdf2).toMatch(/^\$pbkdf2-sha512\$i=210000,norm=nfc\$/);
  });

  it('NFKC → NFC: the full-width password made under NFKC still verifies, is flagged, and the rehash is in NFC', async () => {
    const before = createPasswordHasher({ policy: policyWith('NFKC') });
    const after = createPasswordHasher({ policy: policyWith('NFC') });
    const stored = await before.hash(FULL_WIDTH);
    expect(after.needsRehash(stored)).toBe(true);
    await expect(after.verify(stored, FULL_WIDTH)).resolves.toEqual({ valid: true, needsRehash: true });
    // Under its recorded form (NFKC) the half-width spelling is the same password, as it was when set.
    await expect(after.verify(stored, HALF_WIDTH)).resolves.toEqual({ valid: true, needsRehash: true });
    await expect(after.verify(stored, 'Pass-Word-2027!')).resolves.toEqual({ valid: false, needsRehash: false });

    const rehashed = await after.hash(FULL_WIDTH);
    expect(rehashed).toContain(',norm=nfc$');
    expect(after.needsRehash(rehashed)).toBe(false);
    await expect(after.verify(rehashed, FULL_WIDTH)).resolves.toEqual({ valid: true, needsRehash: false });
    // Now in NFC: the half-width spelling is another password.
    await expect(after.verify(rehashed, HALF_WIDTH)).resolves.toEqual({ valid: false, needsRehash: false });
  });

  it('NFC → NFKC: the full-width password made under NFC still verifies, is flagged, and the rehash is unmarked NFKC', async () => {
    const before = createPasswordHasher({ policy: policyWith('NFC') });
    const after = createPasswordHasher({ policy: policyWith('NFKC') });
    const stored = await before.hash(FULL_WIDTH);
    expect(after.needsRehash(stored)).toBe(true);
    await expect(after.verify(stored, FULL_WIDTH)).resolves.toEqual({ valid: true, needsRehash: true });
    // The NFC hash holds the full-width bytes: the half-width spelling was never this password.
    await expect(after.verify(stored, HALF_WIDTH)).resolves.toEqual({ valid: false, needsRehash: false });

    const rehashed = await after.hash(FULL_WIDTH);
    expect(rehashed).not.toContain('norm=');
    expect(after.needsRehash(rehashed)).toBe(false);
    await expect(after.verify(rehashed, HALF_WIDTH)).resolves.toEqual({ valid: true, needsRehash: false });
  });

  it('PBKDF2 (cryptrec) records and honours the form the same way', async () => {
    const cryptrec = (normalization: 'NFKC' | 'NFC') =>
      createPasswordHasher({ policy: definePolicy({ cryptoProfile: 'cryptrec', password: { normalization }, hashing: { algorithm: 'pbkdf2-sha512' } }) });
    const stored = await cryptrec('NFKC').hash(FULL_WIDTH);
    expect(stored).not.toContain('norm=');
    await expect(cryptrec('NFC').verify(stored, FULL_WIDTH)).resolves.toEqual({ valid: true, needsRehash: true });
    const nfc = await cryptrec('NFC').hash(FULL_WIDTH);
    await expect(cryptrec('NFKC').verify(nfc, FULL_WIDTH)).resolves.toEqual({ valid: true, needsRehash: true });
  });

  it('a hash without the marker, written before kanmon recorded the form, is read as NFKC (the documented assumption)', async () => {
    // Made by the engine directly over the NFKC bytes, as every earlier kanmon under the default policy did.
    const engine = argon2Engine('node-rs');
    const salt = Buffer.alloc(16, 7);
    const tag = await engine.hashRaw(Buffer.from(FULL_WIDTH.normalize('NFKC')), salt, fast.argon2, 32);
    const legacy = `$argon2id$v=19$m=1024,t=1,p=1$${salt.toString('base64').replace(/=+$/, '')}$${tag.toString('base64').replace(/=+$/, '')}`;
    const nfc = createPasswordHasher({ policy: policyWith('NFC') });
    await expect(nfc.verify(legacy, FULL_WIDTH)).resolves.toEqual({ valid: true, needsRehash: true });
  });

  it('one KDF run per verify whatever the recorded form, right or wrong password: timing says nothing about the account', async () => {
    const engine = countingEngine();
    const after = createPasswordHasher({ policy: policyWith('NFC'), engine });
    const nfkcHash = await createPasswordHasher({ policy: policyWith('NFKC') }).hash(FULL_WIDTH);
    const nfcHash = await createPasswordHasher({ policy: policyWith('NFC') }).hash(FULL_WIDTH);
    for (const [stored, password] of [
      [nfkcHash, FULL_WIDTH],
      [nfkcHash, 'Wrong-Password-1'],
      [nfcHash, FULL_WIDTH],
      [nfcHash, 'Wrong-Password-1'],
    ] as const) {
      engine.calls = 0;
      await after.verify(stored, password);
      expect(engine.calls).toBe(1);
    }
  });
});
