import { describe, expect, it } from 'vitest';
import { argon2Engine, createPasswordHasher, definePolicy } from '../../../src/index.js';
import { formatPbkdf2, derivePbkdf2 } from '../../../src/password/hash/pbkdf2.js';
import { readBcrypt, verifyBcrypt } from '../../../src/password/hash/bcrypt.js';
import { blowfishPiWords } from '../../../src/password/hash/internal/eks-blowfish.js';

const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64').replace(/=+$/, '');
const policy = definePolicy({ hashing: { argon2: { memoryKiB: 1024, iterations: 1, parallelism: 1 } } });

describe('RFC 9106 §5.3: Argon2id test vector', () => {
  // RFC 9106 §5.3 (Argon2id): m=32 KiB, t=3, p=4, tag 32 bytes, password 32×0x01,
  // salt 16×0x02, secret 8×0x03, associated data 12×0x04.
  const tag = hex('0d 64 0d f5 8d 78 76 6c 08 c0 37 a3 4a 8b 53 c9 d0 1e f0 45 2d 75 b6 5e b5 25 20 e9 6b 01 e6 59');

  it('node-argon2 (it exposes secret and associated data) reproduces the tag', async () => {
    // The Argon2Engine interface has no secret/AD (kanmon peppers with HMAC instead),
    // so the vector goes through the engine's package exactly as the adapter loads it.
    const argon2 = (await import('argon2')).default;
    const out = await argon2.hash(Buffer.alloc(32, 0x01), {
      raw: true,
      type: argon2.argon2id,
      memoryCost: 32,
      timeCost: 3,
      parallelism: 4,
      hashLength: 32,
      salt: Buffer.alloc(16, 0x02),
      secret: Buffer.alloc(8, 0x03),
      associatedData: Buffer.alloc(12, 0x04),
    });
    expect(out.toString('hex')).toBe(tag.toString('hex'));
  });

  it('@node-rs/argon2 exposes a secret but no associated data: both engines agree on the vector without AD', async () => {
    // @node-rs/argon2's Options carry `secret` but not associated data, so §5.3 itself
    // cannot be reached through it; the same inputs minus AD must give one tag in both.
    const rs = await import('@node-rs/argon2');
    const argon2 = (await import('argon2')).default;
    const common = { memoryCost: 32, timeCost: 3, parallelism: 4, salt: Buffer.alloc(16, 0x02), secret: Buffer.alloc(8, 0x03) };
    const a = await rs.hashRaw(Buffer.alloc(32, 0x01), { ...common, outputLen: 32 });
    const b = await argon2.hash(Buffer.alloc(32, 0x01), { ...common, raw: true, type: argon2.argon2id, hashLength: 32 });
    expect(a.toString('hex')).toBe(b.toString('hex'));
    expect(a.toString('hex')).not.toBe(tag.toString('hex')); // AD matters: the RFC tag needs it
  });
});

describe('Argon2 reference implementation vector (P-H-C/phc-winner-argon2 src/test.c, Argon2id v=0x13, no secret/AD)', () => {
  // hashtest(version, t=2, m=2^16, p=1, "password", "somesalt",
  //   "09316115d5cf24ed5a15a31a3ba326e5cf32edc24702987c02b6566f61913cf7",
  //   "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc")
  const encoded = '$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc';
  const tag = '09316115d5cf24ed5a15a31a3ba326e5cf32edc24702987c02b6566f61913cf7';

  for (const name of ['node-rs', 'node-argon2'] as const) {
    it(`${name}: the engine computes the published tag`, async () => {
      const out = await argon2Engine(name).hashRaw(Buffer.from('password'), Buffer.from('somesalt'), { memoryKiB: 65536, iterations: 2, parallelism: 1 }, 32);
      expect(out.toString('hex')).toBe(tag);
    });

    it(`${name}: the hasher verifies the published string, and nothing else`, async () => {
      const hasher = createPasswordHasher({ policy, engine: name });
      await expect(hasher.verify(encoded, 'password')).resolves.toEqual({ valid: true, needsRehash: true });
      await expect(hasher.verify(encoded, 'passwore')).resolves.toEqual({ valid: false, needsRehash: false });
    });
  }
});

describe('RFC 7914 §11: PBKDF2-HMAC-SHA-256 known answers', () => {
  it('P="passwd", S="salt", c=1, dkLen=64', async () => {
    const dk = await derivePbkdf2('sha256', Buffer.from('passwd'), Buffer.from('salt'), 1, 64);
    expect(dk.toString('hex')).toBe(
      hex(`55 ac 04 6e 56 e3 08 9f ec 16 91 c2 25 44 b6 05 f9 41 85 21 6d de 04 65 e6 8b 9d 57 c2 0d ac bc
           49 ca 9c cc f1 79 b6 45 99 16 64 b3 9d 77 ef 31 7c 71 b8 45 b1 e3 0b d5 09 11 20 41 d3 a1 97 83`).toString('hex'),
    );
  });

  it('P="Password", S="NaCl", c=80000, dkLen=64, verified through the hasher as $pbkdf2-sha256$', async () => {
    const dk = hex(`4d dc d8 f6 0b 98 be 21 83 0c ee 5e f2 27 01 f9 64 1a 44 18 d0 4c 04 14 ae ff 08 87 6b 34 ab 56
                    a1 d4 25 a1 22 58 33 54 9a db 84 1b 51 c9 b3 17 6a 27 2b de bb a1 d0 78 47 8f 62 b3 97 f3 3c 8d`);
    const stored = formatPbkdf2({ digest: 'sha256', iterations: 80_000, keyId: undefined, salt: Buffer.from('NaCl'), key: dk });
    expect(stored).toBe(`$pbkdf2-sha256$i=80000$TmFDbA$${b64(dk)}`);
    const hasher = createPasswordHasher({ policy: definePolicy({ cryptoProfile: 'cryptrec', hashing: { algorithm: 'pbkdf2-sha256' } }) });
    // 80,000 iterations is below the policy's 600,000: valid, and flagged for rehash.
    await expect(hasher.verify(stored, 'Password')).resolves.toEqual({ valid: true, needsRehash: true });
    await expect(hasher.verify(stored, 'password')).resolves.toEqual({ valid: false, needsRehash: false });
  });
});

describe('RFC 7914 §12: scrypt test vector, as a legacy $scrypt$ hash', () => {
  it('P="password", S="NaCl", N=1024, r=8, p=16, dkLen=64 verifies and is always rehashed', async () => {
    const dk = hex(`fd ba be 1c 9d 34 72 00 78 56 e7 19 0d 01 e9 fe 7c 6a d7 cb c8 23 78 30 e7 73 76 63 4b 37 31 62
                    2e af 30 d9 2e 22 a3 88 6f f1 09 27 9d 98 30 da c7 27 af b9 4a 83 ee 6d 83 60 cb df a2 cc 06 40`);
    const stored = `$scrypt$ln=10,r=8,p=16$TmFDbA$${b64(dk)}`;
    const hasher = createPasswordHasher({ policy });
    await expect(hasher.verify(stored, 'password')).resolves.toEqual({ valid: true, needsRehash: true });
    await expect(hasher.verify(stored, 'passwort')).resolves.toEqual({ valid: false, needsRehash: false });
    // passlib writes its base64 with '.' for '+': the same hash in that spelling verifies too.
    await expect(hasher.verify(stored.replaceAll('+', '.'), 'password')).resolves.toEqual({ valid: true, needsRehash: true });
  });
});

describe('bcrypt (legacy import): Openwall crypt_blowfish and jBCrypt vectors', () => {
  // Openwall crypt_blowfish 1.3 wrapper.c `tests[]` (https://www.openwall.com/crypt/).
  const openwall: Array<[string, string | Uint8Array]> = [
    ['$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW', 'U*U'],
    ['$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK', 'U*U*'],
    ['$2a$05$XXXXXXXXXXXXXXXXXXXXXOAcXxm9kjPGEMsLznoKqmqw7tc8WCx4a', 'U*U*U'],
    ['$2a$05$CCCCCCCCCCCCCCCCCCCCC.7uG0VCzI2bS7j6ymqJi9CdcdxiRTWNy', ''],
    ['$2y$05$/OK.fbVrR/bpIqNJ5ianF.Sa7shbm4.OzKpvFnX1pQLmQW96oUlCq', Uint8Array.of(0xa3)],
    ['$2a$05$/OK.fbVrR/bpIqNJ5ianF.Sa7shbm4.OzKpvFnX1pQLmQW96oUlCq', Uint8Array.of(0xa3)],
    ['$2y$05$/OK.fbVrR/bpIqNJ5ianF.o./n25XVfn6oAPaUvHe.Csk4zRfsYPi', hex('ffa33334ffffffa3333435')],
    ['$2y$05$/OK.fbVrR/bpIqNJ5ianF.nRht2l/HRhr6zmCp9vYUvvsqynflf9e', hex('ffa3333435')],
  ];
  // jBCrypt TestBCrypt (Damien Miller), cost 6.
  const jbcrypt: Array<[string, string]> = [
    ['$2a$06$DCq7YPn5Rq63x1Lad4cll.TV4S6ytwfsfvkgY8jIucDrjc8deX1s.', ''],
    ['$2a$06$m0CrhHm10qJ3lXRY.5zDGO3rS2KdeeWLuGmsfGlMfOxih58VYVfxe', 'a'],
    ['$2a$06$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0i', 'abc'],
    ['$2a$06$.rCVZVOThsIa97pEDOxvGuRRgzG64bvtJ0938xuqzv18d3ZpQhstC', 'abcdefghijklmnopqrstuvwxyz'],
    ['$2a$06$fPIsBO8qRqkjj273rfaOI.HtSV9jLDpTbZn782DC6/t7qT67P6FfO', '~!@#$%^&*()      ~!@#$%^&*()PNBFRD'],
  ];

  it('the Blowfish constants are π: P[0..1] = 243f6a88 85a308d3, S0[0] = d1310ba6, S3[255] = 3ac372e6', () => {
    const pi = blowfishPiWords();
    expect([pi[0]! >>> 0, pi[1]! >>> 0, pi[18]! >>> 0, pi[1041]! >>> 0].map((w) => w.toString(16))).toEqual(['243f6a88', '85a308d3', 'd1310ba6', '3ac372e6']);
  });

  it.each([...openwall, ...jbcrypt])('%s verifies its password and not a changed one', async (stored, password) => {
    const bytes = typeof password === 'string' ? Buffer.from(password) : Buffer.from(password);
    const hash = readBcrypt(stored);
    await expect(verifyBcrypt(hash, bytes)).resolves.toBe(true);
    await expect(verifyBcrypt(hash, Buffer.concat([bytes, Buffer.from('x')]))).resolves.toBe(false);
  });

  it('$2b$ and $2y$ spell the same hash as $2a$ for keys under 72 bytes', async () => {
    for (const variant of ['2b', '2y']) {
      await expect(verifyBcrypt(readBcrypt(`$${variant}$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW`), Buffer.from('U*U'))).resolves.toBe(true);
    }
  });
});
