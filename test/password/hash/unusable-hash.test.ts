/**
 * OWASP ASVS 5.0 V6.3 (no account enumeration), SEC-23: an account whose stored
 * value is no password hash kanmon reads (SSO-only, not yet set, locked in an
 * imported `/etc/shadow`-style table, a scheme kanmon does not implement) has
 * no usable password. `verify` answers `refused: 'unusable_hash'` after the
 * same single dummy verification an unknown account gets, never a throw; a
 * hash of a scheme kanmon reads that is broken stays a coded error.
 */
import { describe, expect, it } from 'vitest';
import { type Argon2Engine, type Argon2Params, argon2Engine, createPasswordHasher, definePolicy } from '../../../src/index.js';
import { rejectionCode } from '../../support/errors.js';

const fast = { argon2: { memoryKiB: 1024, iterations: 1, parallelism: 1 } };

/** The real engine, recording each call's parameters: a spy, not a stand-in. */
function recordingEngine(): Argon2Engine & { calls: { params: Argon2Params; length: number }[] } {
  const real = argon2Engine('node-rs');
  const calls: { params: Argon2Params; length: number }[] = [];
  return {
    name: 'recording',
    calls,
    hashRaw(password, salt, params, length) {
      calls.push({ params, length });
      return real.hashRaw(password, salt, params, length);
    },
  };
}

/** Values with no usable password, as imported data holds them. */
const UNUSABLE_HASHES: readonly [string, unknown][] = [
  ['"!" (shadow: locked / no password)', '!'],
  ['"" (empty column)', ''],
  ['"*" (shadow: no password)', '*'],
  ['"!!" (useradd: never set)', '!!'],
  ['null', null],
  ['undefined', undefined],
  ['"!" before a real hash (shadow: locked account)', '!$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc'],
  ['Django unusable password', '!kT3mRz9VbXw2LqYp7HsD4nFgJcA8eU1oIiNtM6aS'],
  ['"*LK*" (Solaris locked)', '*LK*'],
  ['"SSO" (a marker of the importing app)', 'SSO'],
  ['plain text', 'plaintext'],
  ['"$" alone', '$'],
  ['$md5$ (a scheme kanmon does not implement)', '$md5$abc'],
  ['$6$ sha512-crypt', '$6$rounds=5000$usesomesillystri$D4IrlXatmP7rx3P3InaxBeoomnAihCKRVQP22JZ6EY47Wc6BkroIuUUBOov1i.S5KPgErtP/EN5mcO.ChWQW21'],
  ['$argon2i$ (not Argon2id)', '$argon2i$v=19$m=1024,t=1,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc'],
  ['$2x$ (the buggy bcrypt variant)', '$2x$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e'],
];

describe('ASVS 5.0 V6.3, SEC-23: a stored value with no usable password', () => {
  it.each(UNUSABLE_HASHES)('%s: refused as unusable_hash after one policy-cost verification, like an unknown account', async (_name, stored) => {
    const engine = recordingEngine();
    const hasher = createPasswordHasher({ policy: definePolicy({ hashing: fast }), engine });
    await expect(hasher.verify(stored as string, 'Correct-Horse-7')).resolves.toEqual({ valid: false, needsRehash: false, refused: 'unusable_hash' });
    const unusable = engine.calls.splice(0);
    await expect(hasher.dummyVerify('Correct-Horse-7')).resolves.toEqual({ valid: false, needsRehash: false });
    const unknown = engine.calls.splice(0);
    // Exactly one KDF run with the policy's parameters on both paths: same cost, same shape.
    expect(unusable).toEqual([{ params: fast.argon2, length: 32 }]);
    expect(unusable).toEqual(unknown);
  });

  it.each(UNUSABLE_HASHES)('%s: no password verifies, not even an empty one or the marker itself', async (_name, stored) => {
    const hasher = createPasswordHasher({ policy: definePolicy({ hashing: fast }) });
    for (const password of ['', '!', '*', String(stored)]) {
      await expect(hasher.verify(stored as string, password)).resolves.toMatchObject({ valid: false });
    }
  });

  it('needsRehash is true for it (it is not what hash() writes) and does not throw', () => {
    const hasher = createPasswordHasher({ policy: definePolicy({ hashing: fast }) });
    for (const [, stored] of UNUSABLE_HASHES) expect(hasher.needsRehash(stored as string)).toBe(true);
  });

  it('under the cryptrec profile the dummy is PBKDF2 at the policy iterations, as for an unknown account', async () => {
    const policy = definePolicy({ cryptoProfile: 'cryptrec', hashing: { algorithm: 'pbkdf2-sha256' } });
    const hasher = createPasswordHasher({ policy });
    const started = process.hrtime.bigint();
    await expect(hasher.verify('!', 'Correct-Horse-7')).resolves.toEqual({ valid: false, needsRehash: false, refused: 'unusable_hash' });
    const unusableMs = Number(process.hrtime.bigint() - started) / 1e6;
    // 600,000 PBKDF2 iterations cannot take under a few milliseconds: the dummy really ran.
    expect(unusableMs).toBeGreaterThan(5);
  });

  it('an over-long or malformed password is refused before the stored value is looked at, as for an unknown account', async () => {
    const engine = recordingEngine();
    const hasher = createPasswordHasher({ policy: definePolicy({ hashing: fast }), engine });
    await expect(hasher.verify('!', 'x'.repeat(10_000))).resolves.toEqual({ valid: false, needsRehash: false, refused: 'too_long' });
    await expect(hasher.dummyVerify('x'.repeat(10_000))).resolves.toEqual({ valid: false, needsRehash: false, refused: 'too_long' });
    expect(engine.calls).toEqual([]);
  });
});

describe('a hash of a scheme kanmon reads, but broken, is still a coded error (a fault to see, not an account state)', () => {
  const hasher = createPasswordHasher({ policy: definePolicy({ hashing: fast }) });
  it.each([
    ['truncated Argon2id', '$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHQ$CTFh!dXP', 'ERR_INVALID_HASH'],
    ['Argon2id missing p', '$argon2id$v=19$m=1024,t=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc', 'ERR_INVALID_HASH'],
    ['Argon2id with a trailing newline from an import', '$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc\n', 'ERR_INVALID_HASH'],
    ['Argon2id v=16', '$argon2id$v=16$m=1024,t=1,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc', 'ERR_UNSUPPORTED_HASH'],
    ['PBKDF2 with 0 iterations', '$pbkdf2-sha256$i=0$c2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc', 'ERR_INVALID_HASH'],
    ['bcrypt cut short', '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJ', 'ERR_INVALID_HASH'],
    ['an unknown norm= form', '$argon2id$v=19$m=1024,t=1,p=1,norm=nfd$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc', 'ERR_INVALID_HASH'],
  ])('%s → %s', async (_name, stored, code) => {
    expect(await rejectionCode(hasher.verify(stored, 'password'))).toBe(code);
  });
});
