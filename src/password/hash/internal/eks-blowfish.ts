/**
 * bcrypt's EksBlowfish (Provos & Mazières, "A Future-Adaptable Password Scheme",
 * USENIX 1999), for verifying legacy `$2a$/$2b$/$2y$` hashes only.
 *
 * Why our own: node:crypto has no bcrypt and OpenSSL 3 keeps Blowfish in its
 * legacy provider, which Node does not load. The alternatives were a native
 * `bcrypt` (a compiler at install time: what we chose @node-rs/argon2 to avoid)
 * or `bcryptjs` as another peer for a path every deployment uses once per
 * migrated user. This is ~120 lines checked against the Openwall crypt_blowfish
 * and jBCrypt test vectors (test/password/hash/bcrypt.test.ts).
 *
 * Blowfish's initial P-array and S-boxes are the fractional hexadecimal digits
 * of π (Schneier 1993). Rather than ship 4 KiB of literals, they are computed
 * once, on the first bcrypt verification, with Machin's formula in BigInt (~0.1 s).
 *
 * The cost loop yields to the event loop every 16 rounds, so a legacy
 * verification never blocks other requests for long (cost 10 takes ~0.1 s in
 * pure JS; it runs once per migrated user, who is then rehashed).
 */

const P_WORDS = 18;
const S_WORDS = 1024;
let piWords: Int32Array | undefined;

/** The first 1042 32-bit words of π's fractional hex digits: P (18 words) then S0–S3 (256 each). */
export function blowfishPiWords(): Int32Array {
  if (piWords) return piWords;
  const words = P_WORDS + S_WORDS;
  const guard = 64n;
  const bits = BigInt(words * 32) + guard;
  const one = 1n << bits;
  const arctanInverse = (x: bigint): bigint => {
    const x2 = x * x;
    let power = one / x;
    let sum = power;
    let n = 1n;
    let negative = true;
    for (;;) {
      power /= x2;
      n += 2n;
      const term = power / n;
      if (term === 0n) break;
      sum = negative ? sum - term : sum + term;
      negative = !negative;
    }
    return sum;
  };
  const pi = 4n * (4n * arctanInverse(5n) - arctanInverse(239n));
  let fraction = (pi - (3n << bits)) >> guard;
  const out = new Int32Array(words);
  for (let i = words - 1; i >= 0; i--) {
    out[i] = Number(fraction & 0xffffffffn) | 0;
    fraction >>= 32n;
  }
  piWords = out;
  return out;
}

class State {
  readonly p: Int32Array;
  readonly s: Int32Array;
  constructor() {
    const pi = blowfishPiWords();
    this.p = pi.slice(0, P_WORDS);
    this.s = pi.slice(P_WORDS);
  }

  /** Encrypt one 64-bit block held in `lr[off]`, `lr[off + 1]`. */
  encrypt(lr: Int32Array, off: number): void {
    const p = this.p;
    const s = this.s;
    let l = lr[off]!;
    let r = lr[off + 1]!;
    for (let i = 0; i < 16; i += 2) {
      l ^= p[i]!;
      r ^= (((s[l >>> 24]! + s[256 | ((l >>> 16) & 0xff)]!) ^ s[512 | ((l >>> 8) & 0xff)]!) + s[768 | (l & 0xff)]!) | 0;
      r ^= p[i + 1]!;
      l ^= (((s[r >>> 24]! + s[256 | ((r >>> 16) & 0xff)]!) ^ s[512 | ((r >>> 8) & 0xff)]!) + s[768 | (r & 0xff)]!) | 0;
    }
    lr[off] = r ^ p[17]!;
    lr[off + 1] = l ^ p[16]!;
  }

  /** ExpandKey(state, salt, key); with `salt` undefined it is Expand0State(state, key). */
  expand(key: Int32Array, salt: Int32Array | undefined): void {
    const p = this.p;
    const s = this.s;
    for (let i = 0; i < P_WORDS; i++) p[i] = p[i]! ^ key[i % key.length]!;
    const block = new Int32Array(2);
    let j = 0;
    const mix = (target: Int32Array, count: number) => {
      for (let i = 0; i < count; i += 2) {
        if (salt) {
          block[0] = block[0]! ^ salt[j]!;
          block[1] = block[1]! ^ salt[j + 1]!;
          j = (j + 2) & 3;
        }
        this.encrypt(block, 0);
        target[i] = block[0]!;
        target[i + 1] = block[1]!;
      }
    };
    mix(p, P_WORDS);
    mix(s, S_WORDS);
  }
}

/** Big-endian 32-bit words of `bytes`, cycled to `count` words (bcrypt's Blowfish_stream2word). */
function cyclicWords(bytes: Uint8Array, count: number): Int32Array {
  const out = new Int32Array(count);
  let k = 0;
  for (let i = 0; i < count; i++) {
    let w = 0;
    for (let b = 0; b < 4; b++) {
      w = (w << 8) | bytes[k]!;
      k = (k + 1) % bytes.length;
    }
    out[i] = w;
  }
  return out;
}

const MAGIC = new TextEncoder().encode('OrpheanBeholderScryDoubt');

/**
 * The 23-byte bcrypt digest of `key` (already NUL-terminated and at most 72
 * bytes) under a 16-byte `salt` at `2^logRounds` rounds.
 */
export async function bcryptDigest(key: Uint8Array, salt: Uint8Array, logRounds: number): Promise<Uint8Array> {
  const state = new State();
  const keyWords = cyclicWords(key, P_WORDS);
  const saltWords = cyclicWords(salt, 4);
  state.expand(keyWords, saltWords);
  const rounds = 2 ** logRounds;
  for (let i = 0; i < rounds; i++) {
    state.expand(keyWords, undefined);
    state.expand(saltWords, undefined);
    if ((i & 15) === 15) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  const text = cyclicWords(MAGIC, 6);
  for (let i = 0; i < 64; i++) {
    for (let j = 0; j < 6; j += 2) state.encrypt(text, j);
  }
  const out = new Uint8Array(24);
  for (let i = 0; i < 6; i++) {
    const w = text[i]!;
    out[4 * i] = w >>> 24;
    out[4 * i + 1] = (w >>> 16) & 0xff;
    out[4 * i + 2] = (w >>> 8) & 0xff;
    out[4 * i + 3] = w & 0xff;
  }
  return out.subarray(0, 23);
}
