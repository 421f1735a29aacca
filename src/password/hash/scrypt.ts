import { scrypt, timingSafeEqual } from 'node:crypto';
import { KanmonError } from '../../errors.js';
import { intParam, onlyParams, parsePhc } from './phc.js';

/**
 * A legacy scrypt hash in the PHC form `$scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt>$<hash>`
 * (as written by passlib, whose "ab64" uses `.` for `+`, and by RustCrypto's `scrypt`).
 * Verified with node:crypto's scrypt (RFC 7914); never written: kanmon rehashes it.
 */
interface ScryptHash {
  readonly cost: number;
  readonly blockSize: number;
  readonly parallelization: number;
  readonly salt: Buffer;
  readonly key: Buffer;
}

/** Verification refuses more memory than this (128·N·r bytes), so a hostile stored value cannot exhaust the heap. */
const SCRYPT_MAX_MEMORY_BYTES = 256 * 1024 * 1024;

export function readScrypt(stored: string): ScryptHash {
  const phc = parsePhc(stored.replaceAll('.', '+'));
  if (phc.id !== 'scrypt') throw new KanmonError('ERR_UNSUPPORTED_HASH', 'not a scrypt hash');
  onlyParams(phc, ['ln', 'r', 'p']);
  const ln = intParam(phc, 'ln', 1, 24);
  const blockSize = intParam(phc, 'r', 1, 64);
  const parallelization = intParam(phc, 'p', 1, 64);
  if (128 * 2 ** ln * blockSize > SCRYPT_MAX_MEMORY_BYTES) {
    throw new KanmonError('ERR_UNSUPPORTED_HASH', `scrypt parameters need more than ${SCRYPT_MAX_MEMORY_BYTES} bytes to verify`);
  }
  if (phc.hash.length < 16 || phc.hash.length > 128) throw new KanmonError('ERR_INVALID_HASH', 'scrypt hash must be 16–128 bytes');
  return { cost: 2 ** ln, blockSize, parallelization, salt: phc.salt, key: phc.hash };
}

export function verifyScrypt(hash: ScryptHash, password: Uint8Array): Promise<boolean> {
  return new Promise((resolve, reject) => {
    scrypt(
      password,
      hash.salt,
      hash.key.length,
      { N: hash.cost, r: hash.blockSize, p: hash.parallelization, maxmem: 128 * hash.cost * hash.blockSize + 2 * 1024 * 1024 },
      (err, key) => {
        if (err) reject(new KanmonError('ERR_INVALID_HASH', 'scrypt parameters refused by node:crypto', { cause: err }));
        else resolve(timingSafeEqual(key, hash.key));
      },
    );
  });
}
