import { randomBytes } from 'node:crypto';
import { KanmonError } from '../errors.js';
import type { KeyRing } from '../keys/key-ring.js';
import { CODE_BITS, canonicalCode, randomCode, recoveryHash } from './internal/recovery-hash.js';

/** Bits of entropy in each code from {@link generateRecoveryCodes} (60). */
export const RECOVERY_CODE_BITS = CODE_BITS;

/**
 * Fresh one-time recovery codes, to show the user once (print, write down).
 * Each is 12 characters of Crockford base32 from the CSPRNG (60 bits), in three
 * groups of four for reading aloud over the phone: `7K2M-QX9D-4RTB`. Entry is
 * forgiving: case, spaces, hyphens, full-width characters and O/0, I/L/1 do not matter.
 *
 * @param count How many codes. @default 10
 *
 * @example
 * ```ts
 * import { generateRecoveryCodes } from 'kanmon';
 * const codes = generateRecoveryCodes(); // ['7K2M-QX9D-4RTB', …] (10 codes)
 * ```
 */
export function generateRecoveryCodes(count = 10): string[] {
  if (!Number.isInteger(count) || count < 1 || count > 100) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', 'generateRecoveryCodes(count): count must be an integer from 1 to 100');
  }
  const codes = new Set<string>();
  while (codes.size < count) codes.add(randomCode());
  return [...codes];
}

/**
 * What to store on the account instead of the codes: their keyed hashes and
 * an id for this set (consumption is recorded per set, so a new set starts fresh).
 */
export interface RecoveryCodeSet {
  readonly setId: string;
  /** `kmr1.<keyId>.<HMAC-SHA-256>` per code, in the order generated. */
  readonly hashes: readonly string[];
}

/** Options for {@link hashRecoveryCodes}. */
export interface HashRecoveryCodesOptions {
  readonly keyRing: KeyRing;
  readonly account: string;
  /** @default '' */
  readonly tenant?: string;
}

/**
 * Hash recovery codes for storage: HMAC-SHA-256 under the key ring's current
 * key (subkey `recovery`), bound to tenant and account.
 *
 * Why a fast keyed hash and not Argon2id: a slow hash protects *low-entropy*
 * secrets (passwords) against offline guessing. These codes carry 60 bits from
 * the CSPRNG, and the HMAC key lives in the key ring, not in the database: a
 * stolen table alone gives nothing to test guesses against, and even with the
 * key, 2^59 HMACs per code on average is out of reach. A deterministic keyed hash
 * also lets a code be found by comparison in microseconds instead of ten
 * Argon2id runs per attempt, which would hand attackers a CPU-exhaustion lever.
 * Destroying the key (crypto-shredding) makes the hashes worthless.
 */
export function hashRecoveryCodes(codes: readonly string[], options: HashRecoveryCodesOptions): RecoveryCodeSet {
  const { keyRing, account, tenant = '' } = options;
  if (typeof account !== 'string' || account.length === 0 || typeof tenant !== 'string') {
    throw new KanmonError('ERR_INVALID_ARGUMENT', 'hashRecoveryCodes: account must be a non-empty string, tenant a string');
  }
  if (!Array.isArray(codes) || codes.length === 0) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', 'hashRecoveryCodes: codes must be a non-empty array');
  }
  const keyId = keyRing.currentId;
  const hashes = codes.map((code: unknown, i) => {
    const canonical = canonicalCode(code);
    if (canonical === null) throw new KanmonError('ERR_INVALID_ARGUMENT', `hashRecoveryCodes: code #${i} is not a recovery code`);
    return recoveryHash(keyRing, keyId, tenant, account, canonical);
  });
  if (new Set(hashes).size !== hashes.length) throw new KanmonError('ERR_INVALID_ARGUMENT', 'hashRecoveryCodes: codes repeat');
  return { setId: randomBytes(16).toString('base64url'), hashes };
}
