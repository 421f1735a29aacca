import { pbkdf2, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { KanmonError } from '../../errors.js';
import type { PasswordNormalization } from '../normalize.js';
import { type PhcString, encodeKeyId, formatPhc, intParam, keyIdParam, normalizationEntry, normalizationParam, onlyParams } from './phc.js';

const pbkdf2Async = promisify(pbkdf2);

/** The PBKDF2 PRFs kanmon writes: HMAC over SHA-256 or SHA-512, both CRYPTREC-listed. */
export type Pbkdf2Digest = 'sha256' | 'sha512';

/** Derived key length: the PRF's output size (no more: more costs the defender, not the attacker). */
export const PBKDF2_KEY_BYTES: Readonly<Record<Pbkdf2Digest, number>> = { sha256: 32, sha512: 64 };
export const PBKDF2_SALT_BYTES = 16;

/** A parsed `$pbkdf2-sha256$i=…$salt$hash` / `$pbkdf2-sha512$…` hash. */
interface Pbkdf2Hash {
  readonly digest: Pbkdf2Digest;
  readonly iterations: number;
  readonly keyId: string | undefined;
  /** The form the password was normalised to before hashing (`norm=`; absent = NFKC). @default 'NFKC' */
  readonly normalization?: PasswordNormalization | undefined;
  readonly salt: Buffer;
  readonly key: Buffer;
}

/** Read a parsed PHC string as PBKDF2 (`i=` iterations, optional `l=` length, optional `keyid=`, optional `norm=`). */
export function readPbkdf2(phc: PhcString): Pbkdf2Hash {
  const digest = phc.id === 'pbkdf2-sha256' ? 'sha256' : phc.id === 'pbkdf2-sha512' ? 'sha512' : undefined;
  if (!digest) throw new KanmonError('ERR_UNSUPPORTED_HASH', `'${phc.id}' is not a PBKDF2 kanmon reads`);
  if (phc.version !== undefined) throw new KanmonError('ERR_INVALID_HASH', 'pbkdf2 hashes carry no version');
  onlyParams(phc, ['i', 'l', 'keyid', 'norm']);
  const iterations = intParam(phc, 'i', 1, 100_000_000);
  if (phc.params.some(([n]) => n === 'l') && intParam(phc, 'l', 1, 1024) !== phc.hash.length) {
    throw new KanmonError('ERR_INVALID_HASH', 'pbkdf2 l= does not match the hash length');
  }
  if (phc.salt.length > 64) throw new KanmonError('ERR_INVALID_HASH', 'pbkdf2 salt must be at most 64 bytes'); // short salts verify (and are rehashed)
  if (phc.hash.length < 16 || phc.hash.length > 128) throw new KanmonError('ERR_INVALID_HASH', 'pbkdf2 hash must be 16–128 bytes');
  return { digest, iterations, keyId: keyIdParam(phc), normalization: normalizationParam(phc), salt: phc.salt, key: phc.hash };
}

/** Write `$pbkdf2-<digest>$i=<iterations>[,keyid=…][,norm=nfc]$<salt>$<hash>`. */
export function formatPbkdf2(hash: Pbkdf2Hash): string {
  const params: Array<[string, string | number]> = [['i', hash.iterations]];
  if (hash.keyId !== undefined) params.push(['keyid', encodeKeyId(hash.keyId)]);
  params.push(...normalizationEntry(hash.normalization));
  return formatPhc({ id: `pbkdf2-${hash.digest}`, params, salt: hash.salt, hash: hash.key });
}

/** PBKDF2-HMAC (RFC 8018 §5.2) on the libuv thread pool. */
export function derivePbkdf2(digest: Pbkdf2Digest, password: Uint8Array, salt: Uint8Array, iterations: number, length: number): Promise<Buffer> {
  return pbkdf2Async(password, salt, iterations, length, digest);
}

/** PBKDF2-HMAC over any PRF kanmon verifies in a foreign hash (SHA-1 only for reading old hashes, never for writing). */
export function derivePbkdf2Any(digest: Pbkdf2Digest | 'sha1', password: Uint8Array, salt: Uint8Array, iterations: number, length: number): Promise<Buffer> {
  return pbkdf2Async(password, salt, iterations, length, digest);
}

/** Recompute and compare in constant time. */
export async function verifyPbkdf2(hash: Pbkdf2Hash, password: Uint8Array): Promise<boolean> {
  const key = await derivePbkdf2(hash.digest, password, hash.salt, hash.iterations, hash.key.length);
  return timingSafeEqual(key, hash.key);
}
