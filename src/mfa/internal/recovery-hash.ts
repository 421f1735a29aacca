import { randomBytes } from 'node:crypto';
import { keyedHash } from '../../keys/keyed-hash.js';
import { type KeyRing, keyRingForTenant } from '../../keys/key-ring.js';

/**
 * Crockford's base32 alphabet: digits and upper-case letters without I, L, O
 * and U, so nothing read aloud or copied by hand is ambiguous.
 */
const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** Characters per code, and per group when written out (`7K2M-QX9D-4RTB`). */
const CODE_CHARS = 12;
const GROUP = 4;
/** Bits of entropy per code: 12 characters × 5 bits. */
export const CODE_BITS = CODE_CHARS * 5;

/** One fresh code from the CSPRNG, grouped by four with hyphens. */
export function randomCode(): string {
  const bytes = randomBytes(8); // 64 random bits, of which the first 60 are used
  let value = bytes.readBigUInt64BE() >> 4n;
  let out = '';
  for (let i = 0; i < CODE_CHARS; i++) {
    if (i > 0 && i % GROUP === 0) out = `-${out}`;
    out = alphabet[Number(value & 31n)]! + out;
    value >>= 5n;
  }
  return out;
}

/** Characters people type between groups: ASCII and Unicode hyphens, the long-vowel mark, spaces. */
const separators = /[\s\-\u2010-\u2015\u2212\u30fc\uff70]/g;
const lookalikes: Readonly<Record<string, string>> = { O: '0', I: '1', L: '1' };

/**
 * A code as typed, in canonical form (12 alphabet characters, no separators):
 * NFKC (full-width input from an IME), upper case, separators dropped, Crockford's
 * look-alikes (O→0, I/L→1) mapped. `null` when it cannot be a code; never throws.
 */
export function canonicalCode(input: unknown): string | null {
  if (typeof input !== 'string' || input.length > 64) return null;
  const compact = input.normalize('NFKC').toUpperCase().replace(separators, '');
  if (compact.length !== CODE_CHARS) return null;
  let out = '';
  for (const ch of compact) {
    const c = lookalikes[ch] ?? ch;
    if (!alphabet.includes(c)) return null;
    out += c;
  }
  return out;
}

export const HASH_PREFIX = 'kmr1';

/**
 * `kmr1.<keyId>.<HMAC-SHA-256>` of a canonical code, keyed by the key ring's
 * `recovery` subkey of `keyId` and bound to tenant and account.
 */
export function recoveryHash(keyRing: KeyRing, keyId: string, tenant: string, account: string, canonical: string): string {
  return `${HASH_PREFIX}.${keyId}.${keyedHash(keyRingForTenant(keyRing, tenant), keyId, 'recovery', ['kanmon-recovery-v1', tenant, account, canonical])}`;
}
