import { createHash, timingSafeEqual } from 'node:crypto';
import { type Argon2Engine, verifyArgon2id } from '../argon2id.js';
import { BCRYPT_MAX_BYTES, verifyBcrypt } from '../bcrypt.js';
import { derivePbkdf2Any } from '../pbkdf2.js';
import { verifyScrypt } from '../scrypt.js';
import type { ForeignHash } from './read.js';

/** The most password bytes a foreign hash holds without truncating (bcrypt: 72), or `undefined`. */
export function foreignMaxBytes(hash: ForeignHash): number | undefined {
  return hash.kdf.kind === 'bcrypt' && hash.prehash === undefined ? BCRYPT_MAX_BYTES : undefined;
}

/**
 * Whether `candidate` (one spelling of the password: as typed, or normalised) is the one
 * the foreign hash was made from. Its bytes are wiped after use.
 */
export async function verifyForeign(hash: ForeignHash, candidate: string, engine: Argon2Engine): Promise<boolean> {
  let bytes = Buffer.from(candidate, 'utf8');
  try {
    if (hash.prehash === 'sha256-hex') {
      const hex = Buffer.from(createHash('sha256').update(bytes).digest('hex'), 'utf8');
      bytes.fill(0);
      bytes = hex;
    }
    const max = foreignMaxBytes(hash);
    if (max !== undefined && bytes.length > max) return false;
    const { kdf } = hash;
    switch (kdf.kind) {
      case 'pbkdf2': {
        const key = await derivePbkdf2Any(kdf.digest, bytes, kdf.salt, kdf.iterations, kdf.key.length);
        return timingSafeEqual(key, kdf.key);
      }
      case 'argon2id':
        return await verifyArgon2id(engine, kdf.hash, bytes);
      case 'bcrypt':
        return await verifyBcrypt(kdf.hash, bytes);
      case 'scrypt':
        return await verifyScrypt(kdf.hash, bytes);
    }
  } finally {
    bytes.fill(0);
  }
}
