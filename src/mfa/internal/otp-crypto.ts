import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { CryptoPlugin } from 'otplib';

const nodeNames: Readonly<Record<string, string>> = { sha1: 'sha1', sha256: 'sha256', sha512: 'sha512' };

/** Constant-time equality of two strings or byte arrays (length is not secret). */
function constantTimeEqual(a: string | Uint8Array, b: string | Uint8Array): boolean {
  const left = typeof a === 'string' ? Buffer.from(a, 'utf8') : a;
  const right = typeof b === 'string' ? Buffer.from(b, 'utf8') : b;
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * otplib's crypto plugin over `node:crypto`: HMAC from OpenSSL, randomness
 * from the operating system's CSPRNG, `timingSafeEqual` for comparisons.
 * otplib hands `hmac` an already normalised name (`sha1`, `sha256`, `sha512`).
 * No `algorithms` list: the plugin supports all three, and otplib filters that
 * list on every call when one is given.
 */
export const nodeOtpCrypto: CryptoPlugin = {
  name: 'kanmon-node',
  hmac(algorithm, key, data) {
    const name = nodeNames[algorithm];
    if (!name) throw new TypeError(`unsupported HMAC algorithm '${String(algorithm)}'`);
    return createHmac(name, key).update(data).digest();
  },
  randomBytes: (length) => randomBytes(length),
  constantTimeEqual,
};
