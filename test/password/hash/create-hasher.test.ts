import { describe, expect, it, vi } from 'vitest';
import {
  type Argon2Engine,
  argon2Engine,
  canonicalArgon2,
  createKeyRing,
  createPasswordHasher,
  definePolicy,
} from '../../../src/index.js';
import type { PolicyOverrides } from '../../../src/index.js';
import { rejectionCode } from '../../support/errors.js';

/** Cheap Argon2 parameters for tests that are not about cost. */
const fast = { argon2: { memoryKiB: 1024, iterations: 1, parallelism: 1 } };
const policyOf = (overrides: PolicyOverrides = {}) => definePolicy({ ...overrides, hashing: { ...fast, ...overrides.hashing } });

function spyEngine(): Argon2Engine & { calls: number } {
  const real = argon2Engine('node-rs');
  const engine = {
    name: 'spy',
    calls: 0,
    hashRaw(...args: Parameters<Argon2Engine['hashRaw']>) {
      engine.calls++;
      return real.hashRaw(...args);
    },
  };
  return engine;
}

describe('SEC-23, FNB-3.1.2: Argon2id PHC strings', () => {
  it('hash writes $argon2id$v=19$m=…,t=…,p=…$salt$tag with the policy parameters (OWASP floor by default)', async () => {
    const hasher = createPasswordHasher({ policy: definePolicy('funabashi') });
    const stored = await hasher.hash('Correct-Horse-7');
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    await expect(hasher.verify(stored, 'Correct-Horse-7')).resolves.toEqual({ valid: true, needsRehash: false });
    await expect(hasher.verify(stored, 'Correct-Horse-8')).resolves.toEqual({ valid: false, needsRehash: false });
  });

  it('two hashes of one password differ (random salt)', async () => {
    const hasher = createPasswordHasher({ policy: policyOf() });
    expect(await hasher.hash('same')).not.toBe(await hasher.hash('same'));
  });

  it("re-encodes node-argon2's m,p,t order as m,t,p", async () => {
    const argon2 = (await import('argon2')).default;
    const native = await argon2.hash('pw', { type: argon2.argon2id, memoryCost: 1024, timeCost: 1, parallelism: 1 });
    expect(native).toMatch(/\$m=1024,p=1,t=1\$/);
    const canonical = canonicalArgon2(native);
    expect(canonical).toMatch(/\$m=1024,t=1,p=1\$/);
    expect(canonical.split('$').slice(-2)).toEqual(native.split('$').slice(-2));
  });
});

describe('SEC-4: each engine verifies the other engine’s hashes', () => {
  const policy = policyOf();
  const rs = createPasswordHasher({ policy, engine: 'node-rs' });
  const na = createPasswordHasher({ policy, engine: 'node-argon2' });

  it('kanmon+node-rs → kanmon+node-argon2 and back', async () => {
    const a = await rs.hash('Ünïcode パスワード 1!');
    const b = await na.hash('Ünïcode パスワード 1!');
    await expect(na.verify(a, 'Ünïcode パスワード 1!')).resolves.toEqual({ valid: true, needsRehash: false });
    await expect(rs.verify(b, 'Ünïcode パスワード 1!')).resolves.toEqual({ valid: true, needsRehash: false });
    await expect(na.verify(a, 'wrong')).resolves.toMatchObject({ valid: false });
    await expect(rs.verify(b, 'wrong')).resolves.toMatchObject({ valid: false });
  });

  it("the libraries' own strings: node-argon2's (m,p,t) through node-rs, @node-rs/argon2's through node-argon2", async () => {
    const argon2 = (await import('argon2')).default;
    const nodeRs = await import('@node-rs/argon2');
    const fromNa = await argon2.hash('secret', { type: argon2.argon2id, memoryCost: 1024, timeCost: 1, parallelism: 1 });
    const fromRs = await nodeRs.hash('secret', { memoryCost: 1024, timeCost: 1, parallelism: 1 });
    await expect(rs.verify(fromNa, 'secret')).resolves.toEqual({ valid: true, needsRehash: false });
    await expect(na.verify(fromRs, 'secret')).resolves.toEqual({ valid: true, needsRehash: false });
    // and the other way: each library's own verify accepts kanmon's strings
    const ours = await rs.hash('secret');
    await expect(argon2.verify(ours, 'secret')).resolves.toBe(true);
    await expect(nodeRs.verify(ours, 'secret')).resolves.toBe(true);
  });
});

describe('SEC-17, FNB-2.4: cryptrec profile hashes with PBKDF2-HMAC-SHA-2', () => {
  it('pbkdf2-sha256 at 600,000 iterations and pbkdf2-sha512 at 210,000, verified and not flagged', async () => {
    for (const [algorithm, iterations, keyChars] of [
      ['pbkdf2-sha256', 600_000, 43],
      ['pbkdf2-sha512', 210_000, 86],
    ] as const) {
      const hasher = createPasswordHasher({ policy: definePolicy({ cryptoProfile: 'cryptrec', hashing: { algorithm } }) });
      const stored = await hasher.hash('Correct-Horse-7');
      expect(stored).toMatch(new RegExp(`^\\$${algorithm}\\$i=${iterations}\\$[A-Za-z0-9+/]{22}\\$[A-Za-z0-9+/]{${keyChars}}$`));
      await expect(hasher.verify(stored, 'Correct-Horse-7')).resolves.toEqual({ valid: true, needsRehash: false });
      await expect(hasher.verify(stored, 'Correct-Horse-8')).resolves.toEqual({ valid: false, needsRehash: false });
    }
  });
});

describe('SEC-4: needsRehash when algorithm, parameters or pepper key differ, and not otherwise', () => {
  const base = policyOf();
  const keyRing = () =>
    createKeyRing({
      keys: [
        { id: 'k1', secret: Buffer.alloc(32, 1) },
        { id: 'k2', secret: Buffer.alloc(32, 2) },
      ],
      current: 'k1',
    });

  it('same policy: no rehash', async () => {
    const hasher = createPasswordHasher({ policy: base });
    const stored = await hasher.hash('pw-1');
    expect(hasher.needsRehash(stored)).toBe(false);
    await expect(hasher.verify(stored, 'pw-1')).resolves.toEqual({ valid: true, needsRehash: false });
  });

  it.each([
    ['memory', { argon2: { memoryKiB: 2048, iterations: 1, parallelism: 1 } }],
    ['iterations', { argon2: { memoryKiB: 1024, iterations: 2, parallelism: 1 } }],
    ['parallelism', { argon2: { memoryKiB: 1024, iterations: 1, parallelism: 2 } }],
  ])('argon2 %s changed: rehash', async (_name, hashing) => {
    const stored = await createPasswordHasher({ policy: base }).hash('pw-1');
    const after = createPasswordHasher({ policy: definePolicy({ hashing }) });
    expect(after.needsRehash(stored)).toBe(true);
    await expect(after.verify(stored, 'pw-1')).resolves.toEqual({ valid: true, needsRehash: true });
    await expect(after.verify(stored, 'pw-2')).resolves.toEqual({ valid: false, needsRehash: false });
  });

  it('algorithm changed (argon2id → pbkdf2-sha256 → pbkdf2-sha512): rehash', async () => {
    const argon = await createPasswordHasher({ policy: base }).hash('pw-1');
    const sha256 = createPasswordHasher({ policy: definePolicy({ cryptoProfile: 'cryptrec', hashing: { ...fast, algorithm: 'pbkdf2-sha256' } }) });
    const sha512 = createPasswordHasher({ policy: definePolicy({ cryptoProfile: 'cryptrec', hashing: { ...fast, algorithm: 'pbkdf2-sha512' } }) });
    await expect(sha256.verify(argon, 'pw-1')).resolves.toEqual({ valid: true, needsRehash: true });
    const p256 = await sha256.hash('pw-1');
    expect(sha256.needsRehash(p256)).toBe(false);
    expect(sha512.needsRehash(p256)).toBe(true);
    expect(createPasswordHasher({ policy: base }).needsRehash(p256)).toBe(true);
  });

  it('pbkdf2 iterations changed: rehash', async () => {
    const before = createPasswordHasher({ policy: definePolicy({ cryptoProfile: 'cryptrec', hashing: { algorithm: 'pbkdf2-sha512' } }) });
    const after = createPasswordHasher({
      policy: definePolicy({ cryptoProfile: 'cryptrec', hashing: { algorithm: 'pbkdf2-sha512', pbkdf2: { iterationsSha512: 300_000 } } }),
    });
    const stored = await before.hash('pw-1');
    expect(before.needsRehash(stored)).toBe(false);
    expect(after.needsRehash(stored)).toBe(true);
  });

  it('pepper: the key id is in the string; rotation verifies old hashes and flags them; a new hash is not flagged', async () => {
    const ring = keyRing();
    const policy = policyOf({ hashing: { pepper: true } });
    const hasher = createPasswordHasher({ policy, keyRing: ring });
    const old = await hasher.hash('pw-1');
    expect(old).toMatch(/\$m=1024,t=1,p=1,keyid=azE\$/); // B64("k1")
    expect(hasher.needsRehash(old)).toBe(false);
    ring.setCurrent('k2');
    expect(hasher.needsRehash(old)).toBe(true);
    await expect(hasher.verify(old, 'pw-1')).resolves.toEqual({ valid: true, needsRehash: true });
    const fresh = await hasher.hash('pw-1');
    expect(fresh).toMatch(/keyid=azI\$/);
    await expect(hasher.verify(fresh, 'pw-1')).resolves.toEqual({ valid: true, needsRehash: false });
  });

  it('pepper turned on: an unpeppered hash is flagged; turned off: a peppered one is flagged', async () => {
    const ring = keyRing();
    const plain = await createPasswordHasher({ policy: base }).hash('pw-1');
    const peppered = createPasswordHasher({ policy: policyOf({ hashing: { pepper: true } }), keyRing: ring });
    await expect(peppered.verify(plain, 'pw-1')).resolves.toEqual({ valid: true, needsRehash: true });
    const withKey = await peppered.hash('pw-1');
    const off = createPasswordHasher({ policy: base, keyRing: ring });
    await expect(off.verify(withKey, 'pw-1')).resolves.toEqual({ valid: true, needsRehash: true });
  });

  it('the pepper really keys the hash: the same string under another key does not verify', async () => {
    const ring = keyRing();
    const hasher = createPasswordHasher({ policy: policyOf({ hashing: { pepper: true } }), keyRing: ring });
    const stored = await hasher.hash('pw-1');
    const forged = stored.replace('keyid=azE', 'keyid=azI'); // claims key k2
    await expect(hasher.verify(forged, 'pw-1')).resolves.toEqual({ valid: false, needsRehash: false });
    // Without the key ring the hash cannot be checked at all: a coded error, not a silent false.
    expect(await rejectionCode(createPasswordHasher({ policy: base }).verify(stored, 'pw-1'))).toBe('ERR_KEY_NOT_FOUND');
    ring.setCurrent('k2');
    ring.destroy('k1');
    expect(await rejectionCode(hasher.verify(stored, 'pw-1'))).toBe('ERR_KEY_DESTROYED');
  });

  it('legacy bcrypt and scrypt always need a rehash', () => {
    const hasher = createPasswordHasher({ policy: base });
    expect(hasher.needsRehash('$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW')).toBe(true);
    expect(hasher.needsRehash('$scrypt$ln=4,r=8,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA')).toBe(true);
  });
});

describe('maxLength: refused before any hashing, never truncated', () => {
  it('a 1,000,000-character password is refused without calling the engine', async () => {
    const engine = spyEngine();
    const hasher = createPasswordHasher({ policy: policyOf(), engine });
    const normalize = vi.spyOn(String.prototype, 'normalize');
    const huge = 'a'.repeat(1_000_000);
    await expect(hasher.verify('$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc', huge)).resolves.toEqual({
      valid: false,
      needsRehash: false,
      refused: 'too_long',
    });
    await expect(hasher.dummyVerify(huge)).resolves.toMatchObject({ valid: false, refused: 'too_long' });
    await expect(hasher.hash(huge)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', details: { reason: 'too_long', maxLength: 128 } });
    expect(engine.calls).toBe(0);
    expect(normalize).not.toHaveBeenCalled(); // refused on its length alone, before normalising
    normalize.mockRestore();
  });

  it('exactly maxLength code points (astral characters count once) is accepted; one more is refused', async () => {
    const engine = spyEngine();
    const hasher = createPasswordHasher({ policy: policyOf({ password: { maxLength: 8, minLength: 1 } }), engine });
    const eight = '😀'.repeat(8); // 16 UTF-16 units, 8 code points
    const stored = await hasher.hash(eight);
    await expect(hasher.verify(stored, eight)).resolves.toEqual({ valid: true, needsRehash: false });
    await expect(hasher.verify(stored, eight + 'a')).resolves.toMatchObject({ refused: 'too_long' });
    expect(engine.calls).toBe(2);
  });

  it('NUL and control characters are hashed as their bytes: no truncation at NUL', async () => {
    const hasher = createPasswordHasher({ policy: policyOf() });
    const stored = await hasher.hash('abc\u0000def\u0007\u001b');
    await expect(hasher.verify(stored, 'abc\u0000def\u0007\u001b')).resolves.toMatchObject({ valid: true });
    await expect(hasher.verify(stored, 'abc')).resolves.toMatchObject({ valid: false });
    await expect(hasher.verify(stored, 'abc\u0000xyz\u0007\u001b')).resolves.toMatchObject({ valid: false });
  });

  it('the policy normalisation applies before hashing: full-width and half-width forms verify alike under NFKC', async () => {
    const hasher = createPasswordHasher({ policy: policyOf() });
    const stored = await hasher.hash('Ｐａｓｓ１２３');
    await expect(hasher.verify(stored, 'Pass123')).resolves.toMatchObject({ valid: true });
  });

  it('unpaired surrogates and non-strings are refused as malformed, not hashed', async () => {
    const engine = spyEngine();
    const hasher = createPasswordHasher({ policy: policyOf(), engine });
    const stored = '$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc';
    await expect(hasher.verify(stored, 'a\uD800b')).resolves.toMatchObject({ valid: false, refused: 'malformed' });
    await expect(hasher.verify(stored, ['x'] as unknown as string)).resolves.toMatchObject({ valid: false, refused: 'malformed' });
    expect(engine.calls).toBe(0);
  });
});

describe('bcrypt import: over 72 bytes is refused, not truncated', () => {
  const stored = '$2a$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui';
  const first72 = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

  it('the 72-byte key verifies and is flagged for rehash; the same key plus more is refused', async () => {
    const engine = spyEngine();
    const hasher = createPasswordHasher({ policy: policyOf(), engine });
    await expect(hasher.verify(stored, first72)).resolves.toEqual({ valid: true, needsRehash: true });
    // Openwall's vector: bcrypt itself would accept this (it ignores bytes past 72).
    await expect(hasher.verify(stored, first72 + 'chars after 72 are ignored')).resolves.toEqual({
      valid: false,
      needsRehash: false,
      refused: 'bcrypt_too_long',
    });
    expect(engine.calls).toBe(1); // the refusal costs one normal verify, so its timing does not reveal a bcrypt account
  });
});

describe('enumeration by timing: dummyVerify', () => {
  it('runs the policy KDF once with the policy parameters and answers invalid', async () => {
    const calls: unknown[] = [];
    const real = argon2Engine('node-rs');
    const engine: Argon2Engine = {
      name: 'recording',
      hashRaw: (password, salt, params, length) => {
        calls.push({ params, length });
        return real.hashRaw(password, salt, params, length);
      },
    };
    const hasher = createPasswordHasher({ policy: policyOf(), engine });
    await expect(hasher.dummyVerify('whatever')).resolves.toEqual({ valid: false, needsRehash: false });
    const stored = await hasher.hash('whatever');
    await hasher.verify(stored, 'whatever');
    expect(calls).toEqual([calls[1], calls[1], calls[1]]);
    expect(calls[0]).toEqual({ params: { memoryKiB: 1024, iterations: 1, parallelism: 1 }, length: 32 });
  });
});

describe('hashes of a scheme kanmon reads, but broken or refused, are coded errors', () => {
  const hasher = createPasswordHasher({ policy: policyOf() });
  it.each([
    ['$argon2id$v=16$m=1024,t=1,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc', 'ERR_UNSUPPORTED_HASH'],
    ['$argon2id$v=19$m=1024,t=1,p=1,data=YWQ$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc', 'ERR_UNSUPPORTED_HASH'],
    ['$argon2id$v=19$m=1024,t=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc', 'ERR_INVALID_HASH'],
    ['$argon2id$v=19$m=1024,t=1,p=1,x=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc', 'ERR_INVALID_HASH'],
    ['$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHQ$CTFh!dXP', 'ERR_INVALID_HASH'],
    ['$argon2id$v=19$m=99999999999,t=1,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc', 'ERR_INVALID_HASH'],
    ['$pbkdf2-sha256$i=0$c2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc', 'ERR_INVALID_HASH'],
    ['$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJ', 'ERR_INVALID_HASH'],
    ['$2a$31$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW', 'ERR_UNSUPPORTED_HASH'],
    ['$scrypt$ln=24,r=64,p=1$c2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc', 'ERR_UNSUPPORTED_HASH'],
  ])('%s → %s', async (stored, code) => {
    expect(await rejectionCode(hasher.verify(stored, 'password'))).toBe(code);
    expect(await rejectionCode(Promise.resolve().then(() => hasher.needsRehash(stored)))).toBe(code);
  });

  it('a stored Argon2 hash asking for more than 1 GiB is refused before the engine runs (a tampered row cannot exhaust memory)', async () => {
    const engine = spyEngine();
    const guarded = createPasswordHasher({ policy: policyOf(), engine });
    const stored = '$argon2id$v=19$m=4194304,t=1,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc';
    expect(await rejectionCode(guarded.verify(stored, 'password'))).toBe('ERR_UNSUPPORTED_HASH');
    expect(guarded.needsRehash(stored)).toBe(true);
    expect(engine.calls).toBe(0);
  });

  it('configuration mistakes throw at construction', () => {
    expect(() => createPasswordHasher({ policy: policyOf({ hashing: { pepper: true } }) })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    expect(() => createPasswordHasher({ policy: policyOf(), engine: 'bcrypt' as never })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    expect(() => createPasswordHasher({} as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });
});
