/**
 * HMAC-SHA-256 (RFC 2104) as two one-shot SHA-256 digests over key blocks made
 * once per key, for MACs computed on every request or record (the audit chain,
 * keyed hashes, ceremony challenges): `createHmac` builds a stream object and
 * an OpenSSL context each time.
 */
import * as nodeCrypto from 'node:crypto';

/** Node's one-shot `crypto.hash` (Node ≥ 20.12): a digest in one call, with the EVP_MD looked up once; absent before. */
export const oneShotHash = (nodeCrypto as Partial<typeof nodeCrypto>).hash;

/** SHA-256's block size: HMAC's key pads are one block (RFC 2104 §2). */
export const SHA256_BLOCK = 64;

/**
 * The key blocks of HMAC-SHA-256 under `key` (hashed first when longer than a
 * block): `inner` is `K ⊕ ipad` followed by `room` bytes for the message,
 * `outer` is `K ⊕ opad` followed by 32 bytes for the inner digest. The MAC is
 * `H(outer)` once the inner digest `H(inner[0, 64 + n))` is written at 64.
 */
export function hmacPads(key: Uint8Array, room: number): { readonly inner: Buffer; readonly outer: Buffer } {
  const block = key.length > SHA256_BLOCK ? nodeCrypto.createHash('sha256').update(key).digest() : key;
  const inner = Buffer.alloc(SHA256_BLOCK + room);
  const outer = Buffer.alloc(SHA256_BLOCK + 32);
  for (let i = 0; i < SHA256_BLOCK; i++) {
    const k = i < block.length ? (block[i] as number) : 0;
    inner[i] = k ^ 0x36;
    outer[i] = k ^ 0x5c;
  }
  return { inner, outer };
}
