/**
 * SHA-1 (FIPS 180-4) in JavaScript, for the breached-password filter only:
 * the Pwned Passwords list is keyed by SHA-1, so a lookup must compute one.
 * In JavaScript because node:crypto's per-call binding overhead would dominate
 * a lookup (bench/hashing.bench.mjs, 'breached lookups').
 * SHA-1 is used here as a public index (as HIBP does), never for security.
 * Checked against node:crypto by a property test.
 */

const W = new Int32Array(80);
const scratch = new Uint8Array(4096 + 128);
const encoder = new TextEncoder();

/** SHA-1 of the UTF-8 bytes of `text`, as five big-endian 32-bit words in `out`. */
export function sha1Utf8(text: string, out: Int32Array): Int32Array {
  const len = text.length;
  if (len <= 55) {
    // Fast path (most passwords): short ASCII goes straight into the one block's words.
    W.fill(0, 0, 16);
    let ascii = true;
    for (let i = 0; i < len; i++) {
      const unit = text.charCodeAt(i);
      if (unit > 0x7f) {
        ascii = false;
        break;
      }
      W[i >> 2] = W[i >> 2]! | (unit << (24 - 8 * (i & 3)));
    }
    if (ascii) {
      W[len >> 2] = W[len >> 2]! | (0x80 << (24 - 8 * (len & 3)));
      W[15] = len << 3;
      initial(out);
      compress(out);
      return out;
    }
  } else if (len <= 4096) {
    let ascii = true;
    for (let i = 0; i < len; i++) {
      const unit = text.charCodeAt(i);
      if (unit > 0x7f) {
        ascii = false;
        break;
      }
      scratch[i] = unit;
    }
    if (ascii) return digest(scratch, len, out);
  }
  return sha1Bytes(encoder.encode(text), out);
}

/** SHA-1 of `bytes`, as five big-endian 32-bit words in `out`. */
export function sha1Bytes(bytes: Uint8Array, out: Int32Array): Int32Array {
  const len = bytes.length;
  const size = (((len + 8) >>> 6) + 1) * 64;
  const buf = size <= scratch.length ? scratch : new Uint8Array(size);
  buf.set(bytes, 0);
  return digest(buf, len, out);
}

function initial(h: Int32Array): void {
  h[0] = 0x67452301;
  h[1] = 0xefcdab89 | 0;
  h[2] = 0x98badcfe | 0;
  h[3] = 0x10325476;
  h[4] = 0xc3d2e1f0 | 0;
}

/** Pad `buf[0..len)` in place (it has room) and hash it block by block. */
function digest(buf: Uint8Array, len: number, out: Int32Array): Int32Array {
  const end = (((len + 8) >>> 6) + 1) * 64;
  buf[len] = 0x80;
  buf.fill(0, len + 1, end - 8);
  const hi = Math.floor(len / 0x20000000);
  const lo = (len << 3) >>> 0;
  buf[end - 8] = hi >>> 24;
  buf[end - 7] = (hi >>> 16) & 0xff;
  buf[end - 6] = (hi >>> 8) & 0xff;
  buf[end - 5] = hi & 0xff;
  buf[end - 4] = lo >>> 24;
  buf[end - 3] = (lo >>> 16) & 0xff;
  buf[end - 2] = (lo >>> 8) & 0xff;
  buf[end - 1] = lo & 0xff;
  initial(out);
  for (let base = 0; base < end; base += 64) {
    for (let i = 0, p = base; i < 16; i++, p += 4) W[i] = (buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!;
    compress(out);
  }
  return out;
}

/** One SHA-1 compression of the block in W[0..16) into the state `h`. */
function compress(h: Int32Array): void {
  for (let i = 16; i < 80; i++) {
    const x = W[i - 3]! ^ W[i - 8]! ^ W[i - 14]! ^ W[i - 16]!;
    W[i] = (x << 1) | (x >>> 31);
  }
  let a = h[0]!;
  let b = h[1]!;
  let c = h[2]!;
  let d = h[3]!;
  let e = h[4]!;
  let t: number;
  let i = 0;
  for (; i < 20; i++) {
    t = (((a << 5) | (a >>> 27)) + ((b & c) | (~b & d)) + e + 0x5a827999 + W[i]!) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = t;
  }
  for (; i < 40; i++) {
    t = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + 0x6ed9eba1 + W[i]!) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = t;
  }
  for (; i < 60; i++) {
    t = (((a << 5) | (a >>> 27)) + ((b & c) | (b & d) | (c & d)) + e - 0x70e44324 + W[i]!) | 0; // K = 0x8f1bbcdc
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = t;
  }
  for (; i < 80; i++) {
    t = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e - 0x359d3e2a + W[i]!) | 0; // K = 0xca62c1d6
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = t;
  }
  h[0] = (h[0]! + a) | 0;
  h[1] = (h[1]! + b) | 0;
  h[2] = (h[2]! + c) | 0;
  h[3] = (h[3]! + d) | 0;
  h[4] = (h[4]! + e) | 0;
}

/** Five big-endian 32-bit words as the 20 digest bytes, into `out`. */
export function wordsToBytes(words: Int32Array, out: Uint8Array): Uint8Array {
  for (let i = 0; i < 5; i++) {
    const w = words[i]!;
    out[4 * i] = w >>> 24;
    out[4 * i + 1] = (w >>> 16) & 0xff;
    out[4 * i + 2] = (w >>> 8) & 0xff;
    out[4 * i + 3] = w & 0xff;
  }
  return out;
}

/** The 20 digest bytes as five big-endian 32-bit words, into `out`. */
export function bytesToWords(bytes: Uint8Array, out: Int32Array): Int32Array {
  for (let i = 0; i < 5; i++) out[i] = (bytes[4 * i]! << 24) | (bytes[4 * i + 1]! << 16) | (bytes[4 * i + 2]! << 8) | bytes[4 * i + 3]!;
  return out;
}
