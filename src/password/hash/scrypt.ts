import { scrypt, timingSafeEqual } from 'node:crypto';
import { KanmonError } from '../../errors.js';
import { intParam, onlyParams, parsePhc } from './phc.js';

/**
 * A legacy scrypt hash in the PHC form `$scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt>$<hash>`
 * (as written by passlib, whose "ab64" uses `.` for `+`, and by RustCrypto's `scrypt`).
 * Verified with node:crypto's scrypt (RFC 7914); never written: kanmon rehashes it.
 */
export interface ScryptHash {
  readonly cost: number;
  readonly blockSize: number;
  readonly parallelization: number;
  readonly salt: Buffer;
  readonly key: Buffer;
}

/** Verification refuses more memory than this (128·N·r bytes), so a hostile stored value cannot exhaust the heap. */
const SCRYPT_MAX_MEMORY_BYTES = 256 * 1024 * 1024;
/** …and more work than this (128·N·r·p bytes mixed: p lanes run one after another), so it cannot hang a verify. */
const SCRYPT_MAX_WORK_BYTES = 1024 * 1024 * 1024;

/** A scrypt hash from its parameters (log2 N, r, p), bounded before anything is computed. */
export function scryptHash(ln: number, blockSize: number, parallelization: number, salt: Buffer, key: Buffer): ScryptHash {
  if (!(ln >= 1 && ln <= 24) || !(blockSize >= 1 && blockSize <= 64) || !(parallelization >= 1 && parallelization <= 64)) {
    throw new KanmonError('ERR_INVALID_HASH', 'scrypt parameters out of range (log2 N 1–24, r 1–64, p 1–64)');
  }
  if (128 * 2 ** ln * blockSize > SCRYPT_MAX_MEMORY_BYTES || 128 * 2 ** ln * blockSize * parallelization > SCRYPT_MAX_WORK_BYTES) {
    throw new KanmonError('ERR_UNSUPPORTED_HASH', `scrypt parameters need more than ${SCRYPT_MAX_MEMORY_BYTES} bytes or ${SCRYPT_MAX_WORK_BYTES} bytes of work to verify`, {
      details: { reason: 'cost_too_high' },
    });
  }
  if (salt.length === 0 || salt.length > 128) throw new KanmonError('ERR_INVALID_HASH', 'scrypt salt must be 1–128 bytes');
  if (key.length < 16 || key.length > 128) throw new KanmonError('ERR_INVALID_HASH', 'scrypt hash must be 16–128 bytes');
  return { cost: 2 ** ln, blockSize, parallelization, salt, key };
}

export function readScrypt(stored: string): ScryptHash {
  const phc = parsePhc(stored.replaceAll('.', '+'));
  if (phc.id !== 'scrypt') throw new KanmonError('ERR_UNSUPPORTED_HASH', 'not a scrypt hash');
  onlyParams(phc, ['ln', 'r', 'p']);
  return scryptHash(intParam(phc, 'ln', 1, 24), intParam(phc, 'r', 1, 64), intParam(phc, 'p', 1, 64), phc.salt, phc.hash);
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
