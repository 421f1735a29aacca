import { timingSafeEqual } from 'node:crypto';
import { KanmonError } from '../../errors.js';
import { bcryptDigest } from './internal/eks-blowfish.js';

/** bcrypt reads at most this many key bytes; kanmon refuses longer input instead of truncating it. */
export const BCRYPT_MAX_BYTES = 72;
/** Highest cost kanmon verifies: 2^18 rounds already take seconds in JavaScript. */
const BCRYPT_MAX_COST = 18;

/** A parsed legacy bcrypt hash. Verified only; kanmon never writes bcrypt. */
export interface BcryptHash {
  readonly variant: '2a' | '2b' | '2y';
  readonly cost: number;
  readonly salt: Buffer;
  readonly digest: Buffer;
}

const STD = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const BCRYPT = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const toStd = new Map([...BCRYPT].map((c, i) => [c, STD[i]!]));

/** bcrypt's base64: its own alphabet, no padding. */
function decodeBcrypt64(text: string): Buffer {
  let std = '';
  for (const c of text) std += toStd.get(c) ?? '';
  return Buffer.from(std, 'base64');
}

const pattern = /^\$(2[aby])\$(\d\d)\$([./A-Za-z0-9]{22})([./A-Za-z0-9]{31})$/;

/** Parse `$2a$/$2b$/$2y$<cost>$<22-char salt><31-char hash>`. `$2x$` (the pre-2011 sign-extension bug) is unsupported. */
export function readBcrypt(stored: string): BcryptHash {
  if (/^\$2x\$/.test(stored)) throw new KanmonError('ERR_UNSUPPORTED_HASH', '$2x$ bcrypt hashes (crypt_blowfish sign-extension bug) are not supported');
  const m = pattern.exec(stored);
  if (!m) throw new KanmonError('ERR_INVALID_HASH', 'malformed bcrypt hash');
  const cost = Number(m[2]);
  if (cost < 4 || cost > 31) throw new KanmonError('ERR_INVALID_HASH', 'bcrypt cost must be 04–31');
  if (cost > BCRYPT_MAX_COST) throw new KanmonError('ERR_UNSUPPORTED_HASH', `bcrypt cost ${cost} is above the ${BCRYPT_MAX_COST} kanmon verifies`, { details: { reason: 'cost_too_high', cost, maximum: BCRYPT_MAX_COST } });
  return { variant: m[1] as BcryptHash['variant'], cost, salt: decodeBcrypt64(m[3]!).subarray(0, 16), digest: decodeBcrypt64(m[4]!).subarray(0, 23) };
}

/**
 * Verify `password` (its bytes, at most {@link BCRYPT_MAX_BYTES}) against a
 * bcrypt hash. For keys of at most 72 bytes `$2a$`, `$2b$` and `$2y$` compute the same.
 * The caller refuses longer input before calling.
 */
export async function verifyBcrypt(hash: BcryptHash, password: Uint8Array): Promise<boolean> {
  if (password.length > BCRYPT_MAX_BYTES) throw new KanmonError('ERR_INVALID_ARGUMENT', 'bcrypt input over 72 bytes must be refused before verification');
  // The key is the password and its terminating NUL, cut at 72 bytes.
  const key = new Uint8Array(Math.min(password.length + 1, BCRYPT_MAX_BYTES));
  key.set(password.subarray(0, key.length));
  const digest = await bcryptDigest(key, hash.salt, hash.cost);
  return timingSafeEqual(digest, hash.digest);
}
