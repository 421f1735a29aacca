/**
 * The keyed hashes kanmon stores or signs with (recovery codes, reset tokens, known-source marks, ceremony
 * challenges) are HMAC-SHA-256 (RFC 2104): the fast form (one-shot digests over pads made once per key) gives
 * exactly `createHmac`'s bytes, for every input length and key length, so nothing stored before reads differently.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createKeyRing } from '../../src/index.js';
import { hmacSha256, keyedHash } from '../../src/keys/keyed-hash.js';

/** The keyed hash as kanmon 0.x wrote it: each part's UTF-8 length (4 bytes, big-endian), then its bytes. */
function reference(key: Uint8Array, parts: readonly string[]): string {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const bytes = Buffer.from(part, 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(bytes.length);
    chunks.push(len, bytes);
  }
  return createHmac('sha256', key).update(Buffer.concat(chunks)).digest('base64url');
}

const inputs = ['', 'a', 'kw1.k1.eyJhIjoxfQ', '東京都 千代田区', '😀'.repeat(700), 'x'.repeat(1365), 'x'.repeat(1366), 'y'.repeat(5000), 'é'.repeat(2000)];

describe('hmacSha256: the same MAC as createHmac', () => {
  for (const keyBytes of [16, 32, 64, 65, 200]) {
    it(`a ${keyBytes}-byte key, strings and bytes of every length (the scratch buffer's and past it)`, () => {
      const key = randomBytes(keyBytes);
      const mac = hmacSha256(key);
      for (const text of inputs) {
        expect(mac(text, 'base64url')).toBe(createHmac('sha256', key).update(text).digest('base64url'));
        expect(Buffer.from(mac(text, 'binary'), 'latin1').equals(createHmac('sha256', key).update(text).digest())).toBe(true);
        const bytes = Buffer.from(text, 'utf8');
        expect(mac(bytes, 'base64url')).toBe(createHmac('sha256', key).update(bytes).digest('base64url'));
      }
      // a short input after a long one: nothing of the earlier input is hashed again
      expect(mac('b', 'base64url')).toBe(createHmac('sha256', key).update('b').digest('base64url'));
    });
  }

  it('one MAC per key: two keys never share pads', () => {
    const [a, b] = [randomBytes(32), randomBytes(32)];
    expect(hmacSha256(a)('m', 'base64url')).not.toBe(hmacSha256(b)('m', 'base64url'));
    expect(hmacSha256(a)('m', 'base64url')).toBe(createHmac('sha256', a).update('m').digest('base64url'));
  });
});

describe('keyedHash: the length-prefixed parts as before', () => {
  it('every part length, UTF-8 parts, and parts too long for the reused buffer', () => {
    const keyRing = createKeyRing({ keys: [{ id: 'k1', secret: randomBytes(32) }], current: 'k1' });
    const subkey = keyRing.derive('k1', 'known-source');
    const lists = [[], [''], ['ks1', 'city-1', 'u-1', 'net', '10.0.0.0/24'], ['ks1', '東京', 'ユーザー', 'ua', 'Mozilla/ (Windows NT .; Win; x) Chrome/'], ['a', 'b'.repeat(1400)], ['a', 'b'.repeat(3000)], ['é'.repeat(1500)]];
    for (const parts of lists) expect(keyedHash(keyRing, 'k1', 'known-source', parts)).toBe(reference(subkey, parts));
    // the boundary between two parts is kept: ['ab', 'c'] and ['a', 'bc'] differ
    expect(keyedHash(keyRing, 'k1', 'known-source', ['ab', 'c'])).not.toBe(keyedHash(keyRing, 'k1', 'known-source', ['a', 'bc']));
  });
});
