import { createHmac } from 'node:crypto';
import type { KeyPurpose, KeyRing } from './key-ring.js';

/** Each part as its UTF-8 length (4 bytes, big-endian) then its bytes: no two lists of parts give the same input. */
function lengthPrefixed(parts: readonly string[]): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const bytes = Buffer.from(part, 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(bytes.length);
    chunks.push(len, bytes);
  }
  return Buffer.concat(chunks);
}

/**
 * The one keyed hash of values kanmon stores in place of a secret (recovery codes, password-reset tokens):
 * HMAC-SHA-256 under the key ring's `purpose` subkey of `keyId`, over `parts` length-prefixed (the first part
 * names the format and its version, the rest bind the value to its tenant and account), base64url.
 */
export function keyedHash(keyRing: KeyRing, keyId: string, purpose: KeyPurpose, parts: readonly string[]): string {
  return createHmac('sha256', keyRing.derive(keyId, purpose)).update(lengthPrefixed(parts)).digest('base64url');
}
