/**
 * SEC-23 / issue 20, bounded parameters: a stored hash is data an attacker with write access
 * (or a broken export) controls. An absurd cost is refused with a coded error BEFORE anything is
 * computed, and any string at all is a coded ERR_INVALID_HASH / ERR_UNSUPPORTED_HASH or a
 * verdict — never another throw, never a hang (fast-check).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Argon2Engine, argon2Engine, createPasswordHasher, definePolicy, isKanmonError, readImportHash } from '../../../src/index.js';

const policy = definePolicy('funabashi', { hashing: { argon2: { memoryKiB: 1024, iterations: 1, parallelism: 1 } } });
const salt = 'c29tZXNhbHRzb21lc2FsdA';
const tag = 'CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc';

function countingEngine(): Argon2Engine & { calls: number } {
  const real = argon2Engine('node-rs');
  const engine = { name: 'counting', calls: 0, hashRaw: (...a: Parameters<Argon2Engine['hashRaw']>) => (engine.calls++, real.hashRaw(...a)) };
  return engine;
}

async function rejection(p: Promise<unknown>): Promise<{ code: string; reason: unknown }> {
  try {
    await p;
  } catch (err) {
    if (isKanmonError(err)) return { code: err.code, reason: (err.details as { reason?: unknown } | undefined)?.reason };
    throw err;
  }
  throw new Error('resolved');
}

const aspnetV3 = (iterations: number): string => {
  const b = Buffer.alloc(13 + 16 + 32);
  b[0] = 1;
  b.writeUInt32BE(1, 1);
  b.writeUInt32BE(iterations >>> 0, 5);
  b.writeUInt32BE(16, 9);
  return b.toString('base64');
};

const ABSURD: ReadonlyArray<readonly [string, string]> = [
  ['Django PBKDF2, 10^9 iterations', `pbkdf2_sha256$1000000000$salt$${Buffer.alloc(32).toString('base64')}`],
  ['passlib PBKDF2, 10^9 rounds', `$pbkdf2-sha256$1000000000$c2FsdHNhbHQ$${tag.replaceAll('+', '.')}`],
  ['ASP.NET v3, 2^32-1 iterations', aspnetV3(0xffffffff)],
  ['imported Argon2id, m = 4 GiB', `imported$$argon2id$v=19$m=4194304,t=1,p=1$${salt}$${tag}`],
  ['imported Argon2id, 1 GiB × 1000 passes', `imported$$argon2id$v=19$m=1048576,t=1000,p=1$${salt}$${tag}`],
  ['Argon2id in the form kanmon writes, 1 GiB × 1000 passes (main handed it to the engine)', `$argon2id$v=19$m=1048576,t=1000,p=1$${salt}$${tag}`],
  ['PHC scrypt, N=2^17 r=8 p=64 (main computed its 8 GiB of work)', `$scrypt$ln=17,r=8,p=64$${salt}$${tag}`],
  ['Django Argon2id, m = 4 GiB', `argon2$argon2id$v=19$m=4194304,t=2,p=8$${salt}$${tag}`],
  ['Spring Argon2id, 1 GiB × 1000 passes', `{argon2}$argon2id$v=19$m=1048576,t=1000,p=1$${salt}$${tag}`],
  ['Django bcrypt, cost 31', 'bcrypt$$2b$31$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW'],
  ['Spring bcrypt, cost 31', '{bcrypt}$2a$31$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW'],
  ['Django scrypt, N=2^17 r=8 p=64 (8 GiB of work)', `scrypt$salt$131072$8$64$${Buffer.alloc(64).toString('base64')}`],
  ['Spring scrypt, N=2^24 r=64', `{scrypt}$184001$${Buffer.alloc(16).toString('base64')}$${Buffer.alloc(32).toString('base64')}`],
];

describe('SEC-23: an imported hash with an absurd cost is refused before computing', () => {
  it.each(ABSURD)('%s: ERR_UNSUPPORTED_HASH (cost_too_high), no KDF run, at once', async (_name, stored) => {
    const engine = countingEngine();
    const hasher = createPasswordHasher({ policy, engine });
    const started = performance.now();
    const answer = await rejection(hasher.verify(stored, 'password'));
    expect(answer.code).toBe('ERR_UNSUPPORTED_HASH');
    expect(engine.calls).toBe(0);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(readImportHash(stored)).toEqual({ ok: false, reason: 'cost_too_high' });
  });

  it.each(ABSURD)('%s: the error says why (details.reason = cost_too_high)', async (_name, stored) => {
    const hasher = createPasswordHasher({ policy });
    expect(await rejection(hasher.verify(stored, 'x'))).toEqual({ code: 'ERR_UNSUPPORTED_HASH', reason: 'cost_too_high' });
  });
});

/** Strings that look like every format (a known prefix, then anything), plus any string at all. */
const prefixes = [
  '$argon2id$v=19$', 'imported$$argon2id$v=19$m=', 'imported$$pbkdf2-sha256$i=', 'layered$md5$$argon2id$', 'pbkdf2_sha256$', 'pbkdf2_sha1$1$',
  'argon2$argon2id$v=19$', 'bcrypt_sha256$$2b$', 'bcrypt$$2b$0', 'scrypt$', '$pbkdf2$', '$pbkdf2-sha512$', '$pbkdf2-sha256$i=',
  '$2y$1', '$2b$', '$scrypt$ln=', '{bcrypt}', '{pbkdf2}', '{argon2}$argon2id$v=19$m=', '{scrypt}$', '{sha256}', 'AQAAAA', 'AAAB', '{"secretData":',
];
const anyStored = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 120 }),
  fc.tuple(fc.constantFrom(...prefixes), fc.string({ unit: fc.constantFrom(...'0123456789$=,.+/abcdefmtpiAQ'.split('')), maxLength: 120 })).map(([p, t]) => p + t),
  fc.base64String({ maxLength: 400 }),
);

const settle = <T>(p: Promise<T>, ms: number): Promise<T> =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms: a hang`)), ms).unref())]);

describe('issue 20 fuzz: any string as a stored hash is a coded error or a verdict, never a hang', () => {
  it('verify: { valid, needsRehash } or a KanmonError ERR_INVALID_HASH / ERR_UNSUPPORTED_HASH', async () => {
    const hasher = createPasswordHasher({ policy });
    await fc.assert(
      fc.asyncProperty(anyStored, fc.string({ maxLength: 20 }), async (stored, password) => {
        try {
          const verdict = await settle(hasher.verify(stored, password), 5000);
          expect(typeof verdict.valid).toBe('boolean');
          expect(typeof verdict.needsRehash).toBe('boolean');
        } catch (err) {
          if (!isKanmonError(err)) throw err;
          expect(['ERR_INVALID_HASH', 'ERR_UNSUPPORTED_HASH']).toContain(err.code);
        }
      }),
      { numRuns: 400 },
    );
  }, 120_000);

  it('readImportHash never throws: a format or a coded refusal', () => {
    fc.assert(
      fc.property(anyStored, (stored) => {
        const r = readImportHash(stored);
        expect(r.ok ? typeof r.format : r.reason).toMatch(/^[a-z]/);
      }),
      { numRuns: 3000 },
    );
  });
});
