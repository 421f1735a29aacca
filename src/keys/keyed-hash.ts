import { createHmac } from 'node:crypto';
import { SHA256_BLOCK as BLOCK, hmacPads, oneShotHash } from '../internal/hmac-pads.js';
import type { KeyPurpose, KeyRing } from './key-ring.js';

/** Inputs up to this many bytes are hashed in the key's scratch buffer; longer ones, rare, through `createHmac`. */
const SCRATCH_BYTES = 4096;

/** HMAC-SHA-256 under one key: the digest of `data` (a string as UTF-8), as latin1 (`binary`: one char per byte) or base64url. */
export type Hmac = (data: string | Uint8Array, output: 'binary' | 'base64url') => string;

/** By key (a key ring's cached subkey): a destroyed key's subkey goes with it. */
const hmacs = new WeakMap<Uint8Array, Hmac>();

/**
 * HMAC-SHA-256 (RFC 2104) under `key` as two one-shot SHA-256 digests over its pads, made once per key (the audit
 * chain's way, src/audit/chain.ts), for MACs computed on every request (a ceremony challenge, a known-source mark):
 * `createHmac` builds a stream object and an OpenSSL context each time. The same MAC as `createHmac('sha256', key)`
 * (test/keys/keyed-hash.test.ts); `createHmac` on a Node without `crypto.hash`. Not reentrant-safe across threads
 * (it is not shared with any), and synchronous: one scratch buffer per key.
 */
export function hmacSha256(key: Uint8Array): Hmac {
  const known = hmacs.get(key);
  if (known) return known;
  const reference: Hmac = (data, output) => createHmac('sha256', key).update(data).digest(output);
  const hash = oneShotHash;
  let made = reference;
  if (typeof hash === 'function') {
    const { inner, outer } = hmacPads(key, SCRATCH_BYTES);
    made = (data, output) => {
      let n: number;
      if (typeof data === 'string') {
        if (data.length * 3 > SCRATCH_BYTES) return reference(data, output);
        n = inner.write(data, BLOCK, 'utf8');
      } else {
        if (data.length > SCRATCH_BYTES) return reference(data, output);
        inner.set(data, BLOCK);
        n = data.length;
      }
      outer.write(hash('sha256', inner.subarray(0, BLOCK + n), 'binary'), BLOCK, 32, 'latin1'); // 'binary' is latin1
      return hash('sha256', outer, output);
    };
  }
  hmacs.set(key, made);
  return made;
}

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

/** {@link lengthPrefixed} written into one reused buffer: its bytes, or `null` when they may not fit. */
const prefixedScratch = Buffer.alloc(SCRATCH_BYTES);
function lengthPrefixedInPlace(parts: readonly string[]): Buffer | null {
  let at = 0;
  for (const part of parts) {
    if (at + 4 + part.length * 3 > SCRATCH_BYTES) return null;
    const n = prefixedScratch.write(part, at + 4, 'utf8');
    prefixedScratch.writeUInt32BE(n, at);
    at += 4 + n;
  }
  return prefixedScratch.subarray(0, at);
}

/**
 * The one keyed hash of values kanmon stores in place of a secret (recovery codes, password-reset tokens):
 * HMAC-SHA-256 under the key ring's `purpose` subkey of `keyId`, over `parts` length-prefixed (the first part
 * names the format and its version, the rest bind the value to its tenant and account), base64url.
 */
export function keyedHash(keyRing: KeyRing, keyId: string, purpose: KeyPurpose, parts: readonly string[]): string {
  return hmacSha256(keyRing.derive(keyId, purpose))(lengthPrefixedInPlace(parts) ?? lengthPrefixed(parts), 'base64url');
}
