/**
 * SEC-23, SEC-4 (issue 20): hashes made by the systems vendors run today verify as they are
 * and are upgraded to kanmon's form. Fixtures: test/vectors/foreign-hashes/ — made by the
 * real software (make.sh: Django 3.2, passlib 1.7.4, argon2-cffi 21.1, python-bcrypt 3.2,
 * PHP 8.2 password_hash) or, for systems not installable here, reproduced from their
 * published format and test vectors (spec.py names each source: dotnet/aspnetcore
 * PasswordHasherTest.cs, the Spring Security reference "Password Storage Format", Keycloak's
 * PasswordCredentialData/PasswordSecretData).
 */
import { describe, expect, it } from 'vitest';
import { type Argon2Engine, argon2Engine, createPasswordHasher, definePolicy, readImportHash } from '../../../src/index.js';
import { ALL_FOREIGN, FROM_SPECIFICATIONS, FULL_WIDTH, HALF_WIDTH, MADE_BY_SOFTWARE } from './foreign-fixtures.js';

const policy = definePolicy('funabashi', { hashing: { argon2: { memoryKiB: 1024, iterations: 1, parallelism: 1 } } });

/** The real engine, counting its calls (a spy: every tag is still computed by @node-rs/argon2). */
function countingEngine(): Argon2Engine & { calls: number } {
  const real = argon2Engine('node-rs');
  const engine = {
    name: 'counting',
    calls: 0,
    hashRaw: (...args: Parameters<Argon2Engine['hashRaw']>) => {
      engine.calls++;
      return real.hashRaw(...args);
    },
  };
  return engine;
}

/** What kanmon stores for a fixture: the value `readImportHash` hands back, or a layered wrap of a fast digest. */
async function storedFor(hasher: ReturnType<typeof createPasswordHasher>, stored: string): Promise<string> {
  const read = readImportHash(stored);
  if (!read.ok) throw new Error(`fixture refused: ${read.reason}`);
  return read.wrap ? hasher.hashLayered(read.wrap, stored) : read.stored!;
}

const verifiable = ALL_FOREIGN.filter((f) => f.format !== 'spring-sha256');

describe('SEC-23: a foreign hash made by the real software verifies, refuses a wrong password, and needs a rehash', () => {
  it.each(verifiable.map((f) => [f.format, f.software ?? f.source, f] as const))('%s (%s)', async (_format, _by, fixture) => {
    const hasher = createPasswordHasher({ policy });
    const stored = await storedFor(hasher, fixture.stored);
    expect(await hasher.verify(stored, fixture.password)).toEqual({ valid: true, needsRehash: true });
    expect(await hasher.verify(stored, 'x' + fixture.password)).toEqual({ valid: false, needsRehash: false });
    expect(hasher.needsRehash(stored)).toBe(true);
  });

  it('covers every format the issue names', () => {
    const formats = new Set(ALL_FOREIGN.map((f) => f.format));
    for (const f of [
      'django-pbkdf2-sha256', 'django-pbkdf2-sha1', 'django-argon2', 'django-bcrypt-sha256', 'django-bcrypt', 'django-scrypt',
      'passlib-pbkdf2-sha256', 'passlib-pbkdf2-sha512', 'passlib-pbkdf2-sha1', 'argon2id', 'bcrypt',
      'spring-bcrypt', 'spring-pbkdf2', 'spring-argon2', 'spring-scrypt', 'spring-sha256', 'aspnet-v2', 'aspnet-v3',
      'keycloak-pbkdf2-sha256', 'keycloak-pbkdf2-sha512', 'keycloak-argon2', 'md5', 'sha1', 'sha256', 'crypt-des',
    ]) expect(formats, f).toContain(f);
    expect(MADE_BY_SOFTWARE.filter((f) => f.software?.startsWith('PHP') && f.format !== 'crypt-des').map((f) => f.stored.slice(0, 4))).toEqual(['$2y$', '$arg', '$arg']);
  });

  it('Spring {sha256} (StandardPasswordEncoder) is refused as unsafe with its own code, and never verifies', async () => {
    const sha = FROM_SPECIFICATIONS.find((f) => f.format === 'spring-sha256')!;
    expect(readImportHash(sha.stored)).toEqual({ ok: false, reason: 'unsafe_hash' });
    expect(readImportHash('{noop}password')).toEqual({ ok: false, reason: 'unsafe_hash' });
    const hasher = createPasswordHasher({ policy });
    expect(await hasher.verify(sha.stored, sha.password)).toEqual({ valid: false, needsRehash: false, refused: 'unusable_hash' });
  });

  it('an unsalted fast digest or crypt(3) DES is never accepted as it is: only its layered wrap verifies', async () => {
    const hasher = createPasswordHasher({ policy });
    const weak = ALL_FOREIGN.filter((x) => ['md5', 'sha1', 'sha256', 'crypt-des'].includes(x.format));
    expect(weak.map((f) => f.format)).toEqual(['md5', 'sha1', 'sha256', 'crypt-des']);
    for (const f of weak) {
      expect(await hasher.verify(f.stored, f.password)).toMatchObject({ valid: false, refused: 'unusable_hash' });
      expect(readImportHash(f.stored)).toEqual({ ok: true, format: f.format, stored: null, wrap: f.format, weak: true });
      const layered = await hasher.hashLayered(f.format as 'md5', f.stored);
      const inner = f.format === 'crypt-des' ? `crypt-des\\$${f.stored.slice(0, 2).replace('.', '\\.')}` : f.format;
      expect(layered).toMatch(new RegExp(`^layered\\$${inner}\\$\\$argon2id\\$`));
      expect(layered).not.toContain(f.stored.slice(2));
    }
  });

  it('crypt(3) DES binds only the first 8 bytes: a wrap verifies any password sharing them (why the guide forces a change)', async () => {
    const hasher = createPasswordHasher({ policy });
    const des = ALL_FOREIGN.find((f) => f.format === 'crypt-des')!;
    const layered = await hasher.hashLayered('crypt-des', des.stored);
    expect(await hasher.verify(layered, des.password.slice(0, 8) + 'whatever')).toEqual({ valid: true, needsRehash: true });
    expect(await hasher.verify(layered, des.password.slice(0, 7))).toEqual({ valid: false, needsRehash: false });
  });
});

describe('issue 20: the typed-form retry for imported hashes; kanmon\'s own keep the single normalised path', () => {
  const fullWidth = MADE_BY_SOFTWARE.filter((f) => f.password === FULL_WIDTH);

  it.each(fullWidth.map((f) => [f.format, f.software!, f] as const))('a full-width password hashed by %s (%s) verifies; the rehash verifies full- and half-width', async (_f, _s, fixture) => {
    const hasher = createPasswordHasher({ policy });
    const stored = await storedFor(hasher, fixture.stored);
    expect(await hasher.verify(stored, FULL_WIDTH)).toEqual({ valid: true, needsRehash: true });
    // The old system hashed the typed bytes: the half-width spelling is another password to it.
    expect(await hasher.verify(stored, HALF_WIDTH)).toEqual({ valid: false, needsRehash: false });
    const rehashed = await hasher.hash(FULL_WIDTH);
    expect(await hasher.verify(rehashed, FULL_WIDTH)).toEqual({ valid: true, needsRehash: false });
    expect(await hasher.verify(rehashed, HALF_WIDTH)).toEqual({ valid: true, needsRehash: false });
  });

  it('includes argon2-cffi and Django', () => {
    expect(fullWidth.map((f) => f.software!.split(' ')[0])).toEqual(expect.arrayContaining(['argon2-cffi', 'Django', 'PHP']));
  });

  it('a hash the old system made over the normalised form verifies too (typed bytes first, then NFKC)', async () => {
    const hasher = createPasswordHasher({ policy });
    const half = MADE_BY_SOFTWARE.find((f) => f.format === 'django-pbkdf2-sha256' && f.password !== FULL_WIDTH)!;
    // The user types the same password in full width; the old system had stored its half-width form.
    const typed = [...half.password].map((c) => (c >= '!' && c <= '~' ? String.fromCodePoint(c.codePointAt(0)! + 0xfee0) : c)).join('');
    expect(typed.normalize('NFKC')).toBe(half.password);
    expect(await hasher.verify(half.stored, typed)).toEqual({ valid: true, needsRehash: true });
  });

  it("kanmon's own Argon2id: one computation for a wrong full-width guess; an imported one: two (typed, then normalised)", async () => {
    const engine = countingEngine();
    const hasher = createPasswordHasher({ policy, engine });
    const own = await hasher.hash(HALF_WIDTH);
    const imported = await storedFor(hasher, MADE_BY_SOFTWARE.find((f) => f.software?.startsWith('argon2-cffi') && f.password === FULL_WIDTH)!.stored);
    engine.calls = 0;
    expect(await hasher.verify(own, 'Ｗｒｏｎｇ１２３！')).toEqual({ valid: false, needsRehash: false });
    expect(engine.calls).toBe(1);
    engine.calls = 0;
    expect(await hasher.verify(imported, 'Ｗｒｏｎｇ１２３！')).toEqual({ valid: false, needsRehash: false });
    expect(engine.calls).toBe(2);
    engine.calls = 0;
    expect(await hasher.verify(imported, 'wrong-ascii')).toEqual({ valid: false, needsRehash: false });
    expect(engine.calls).toBe(1); // typed === normalised: one spelling, one computation
  });
});
