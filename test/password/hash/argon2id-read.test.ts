/**
 * Issue 22 (hasher verify overhead): `readArgon2idString` reads the plain `$argon2id$` form with one
 * regular expression. For every string, it answers exactly what the general reader
 * `readArgon2id(parsePhc(s))` answers: the same parsed hash, or the same error (code and message),
 * so stored hashes are accepted and refused (ERR_INVALID_HASH, ERR_UNSUPPORTED_HASH) as before.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readArgon2id, readArgon2idString } from '../../../src/password/hash/argon2id.js';
import { parsePhc } from '../../../src/password/hash/phc.js';

type Outcome = { ok: true; value: unknown } | { ok: false; code: unknown; message: string };
function outcome(read: () => unknown): Outcome {
  try {
    return { ok: true, value: read() };
  } catch (err) {
    return { ok: false, code: (err as { code?: unknown }).code, message: (err as Error).message };
  }
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64').replace(/=+$/, '');
const b64Char = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.split(''));
/** Base64 text: canonical of 0–300 bytes, or any run of base64 characters (non-canonical tails, lengths ≡ 1 mod 4). */
const b64Arb = fc.oneof(fc.uint8Array({ minLength: 0, maxLength: 300 }).map(b64), fc.array(b64Char, { minLength: 0, maxLength: 100 }).map((c) => c.join('')));
const numberText = fc.oneof(
  fc.integer({ min: 0, max: 5_000_000 }).map(String),
  fc.constantFrom('0', '00', '01', '8', '255', '256', '1000', '1001', '4194304', '4194305', '99999999999', '1e3', '-1', ''),
);
/** Each field valid most of the time, so the plain form (and each way out of it) is reached often. */
const often = <T>(valid: fc.Arbitrary<T>, other: fc.Arbitrary<T>) => fc.oneof({ arbitrary: valid, weight: 5 }, { arbitrary: other, weight: 1 });
const stringArb = fc
  .record({
    head: often(fc.constant('$argon2id$v=19'), fc.constantFrom('$argon2id', '$argon2i$v=19', '$argon2id$v=16', '$argon2id$v=019')),
    m: often(fc.integer({ min: 8, max: 4_194_304 }).map(String), numberText),
    t: often(fc.integer({ min: 1, max: 1000 }).map(String), numberText),
    p: often(fc.integer({ min: 1, max: 4 }).map(String), numberText),
    order: often(fc.constant('m,t,p'), fc.constantFrom('m,p,t', 't,m,p')),
    extra: often(fc.constant(''), fc.constantFrom(',keyid=azE', ',norm=nfc', ',norm=nfkc', ',data=YWI', ',x=1', ',m=1')),
    salt: often(fc.uint8Array({ minLength: 8, maxLength: 64 }).map(b64), b64Arb),
    tag: often(fc.uint8Array({ minLength: 4, maxLength: 256 }).map(b64), b64Arb),
    tail: often(fc.constant(''), fc.constantFrom('$', '$more', '\n', '=')),
  })
  .map(({ head, m, t, p, order, extra, salt, tag, tail }) => {
    const params = order.replace('m', `m=${m}`).replace('t', `t=${t}`).replace('p', `p=${p}`);
    return `${head}$${params}${extra}$${salt}$${tag}${tail}`;
  });

describe('readArgon2idString answers as readArgon2id(parsePhc(s)) (issue 22 fast path; ERR_INVALID_HASH / ERR_UNSUPPORTED_HASH kept)', () => {
  it('on 20,000 generated strings around the plain form: same hash or same error', () => {
    let accepted = 0;
    fc.assert(
      fc.property(stringArb, (s) => {
        const general = outcome(() => readArgon2id(parsePhc(s)));
        if (general.ok) accepted++;
        expect(outcome(() => readArgon2idString(s))).toEqual(general);
      }),
      { numRuns: 20_000 },
    );
    expect(accepted).toBeGreaterThan(2000); // the generator reaches valid hashes, not only refusals
  });

  it('the plain form kanmon writes is read with its parameters, salt and tag', () => {
    const salt = Buffer.alloc(16, 7);
    const tag = Buffer.alloc(32, 9);
    const s = `$argon2id$v=19$m=19456,t=2,p=1$${b64(salt)}$${b64(tag)}`;
    expect(readArgon2idString(s)).toEqual({ params: { memoryKiB: 19456, iterations: 2, parallelism: 1 }, keyId: undefined, normalization: 'NFKC', salt, tag });
  });

  it('bounds, non-canonical base64 and a string over 512 characters are refused as before', () => {
    const salt = b64(Buffer.alloc(16, 7));
    const tag = b64(Buffer.alloc(32, 9));
    for (const s of [
      `$argon2id$v=19$m=7,t=2,p=1$${salt}$${tag}`, // m below 8 × p
      `$argon2id$v=19$m=4194305,t=2,p=1$${salt}$${tag}`,
      `$argon2id$v=19$m=19456,t=1001,p=1$${salt}$${tag}`,
      `$argon2id$v=19$m=19456,t=2,p=256$${salt}$${tag}`,
      `$argon2id$v=19$m=19456,t=2,p=1$${salt.slice(0, -1)}B$${tag}`, // trailing bits set
      `$argon2id$v=19$m=19456,t=2,p=1$${b64(Buffer.alloc(7))}$${tag}`, // 7-byte salt
      `$argon2id$v=19$m=19456,t=2,p=1$${salt}$${b64(Buffer.alloc(300, 1))}`, // over 512 characters
    ]) {
      const general = outcome(() => readArgon2id(parsePhc(s)));
      expect(general.ok).toBe(false);
      expect(outcome(() => readArgon2idString(s))).toEqual(general);
    }
  });
});
