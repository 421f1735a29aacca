/**
 * The record format and the keyed chain.
 *
 * A record is one line of JSON written field by field in a fixed order (no
 * generic canonical-JSON pass: the schema is fixed, so the writer is the
 * canonical form). Its *canonical bytes* are the UTF-8 text of the line up to,
 * not including, `,"mac":"…"}`:
 *
 * ```
 * {"v":1,"stream":"web-1","seq":42,"kid":"2026-01","type":"auth.login.failure","id":"…","tenant":"t",
 *  "time":"2026-04-01T08:30:00.000+09:00","ts":1775000000000,"outcome":"failure","actor":"…",
 *  "target":null,"source":{"ip":"…","userAgent":"…"},"reason":"invalid_password","outOfHours":false,
 *  "clauses":["EXT-6","SEC-18"],"before":null,"after":null,"mac":"<43 base64url chars>"}
 * ```
 *
 * `mac = HMAC-SHA-256(subkey(kid, 'audit-mac'), prevMac ‖ canonical bytes)`,
 * where `prevMac` is the previous record's MAC in the same stream (32 zero bytes
 * before the first). Because the key id, stream and seq sit inside the canonical
 * bytes, changing any of them breaks the MAC; because each MAC covers the
 * previous one, deleting, inserting or reordering breaks the next record.
 */
import { createHmac } from 'node:crypto';
import { SHA256_BLOCK as blockBytes, hmacPads, oneShotHash } from '../internal/hmac-pads.js';
import { KanmonError } from '../errors.js';
import type { KeyRing } from '../keys/key-ring.js';

/** The `prevMac` of a stream's first record. */
const genesisMac: Buffer = Buffer.alloc(32);

/** {@link genesisMac} as base64url text: 43 `A`s. */
export const genesisMacText: string = genesisMac.toString('base64url');

/** `,"mac":"` + 43 base64url characters + `"}`. */
export const macSuffixLength = 53;

/** HMAC-SHA-256 over `prev ‖ canonical`. */
export function chainMac(subkey: Buffer, prev: Uint8Array, canonical: string | Uint8Array): Buffer {
  return createHmac('sha256', subkey).update(prev).update(canonical).digest();
}

/**
 * The chain MAC of one subkey, on the MACs' text form: `prev` is the previous
 * record's MAC as written (43 base64url characters; its 32 bytes are hashed).
 */
export interface ChainKey {
  /** The MAC, base64url, of a record whose canonical bytes are given (verification). */
  mac(prev: string, canonical: Uint8Array): string;
  /**
   * The whole record line, `canonical` + `,"mac":"…"}`, for canonical text (the writer). `ascii`: the caller
   * knows every character of `canonical` is below U+0080, so its UTF-8 bytes are its characters, copied as they are.
   */
  line(prev: string, canonical: string, ascii?: boolean): string;
}

/** `,"mac":"`: what follows a record's canonical bytes. */
const macOpen = Buffer.from(',"mac":"', 'latin1');
/** Where a record's bytes start in the scratch buffer: after the ipad block and the previous MAC. */
const dataStart = blockBytes + 32;
/** Records up to this many bytes are hashed in the key's scratch buffer (a record is ~0.5 KiB); larger ones, rare, through createHmac, so no key holds a huge buffer. */
const scratchMaxBytes = 256 << 10;


/** Buffer's per-encoding writers (`buf.write` dispatches to them after validating its arguments again). */
interface EncodingWriters {
  latin1Write(text: string, offset: number, length?: number): number;
  utf8Write(text: string, offset: number, length?: number): number;
  base64urlWrite(text: string, offset: number, length?: number): number;
}
const proto = Buffer.prototype as unknown as Partial<EncodingWriters>;
/**
 * `buf.write(text, offset, length, encoding)` through the encoding's own writer
 * when Node has it (every Node this package supports does; `write` then only
 * re-validates offsets the caller has checked): the chain writes four strings
 * per record. Same bytes, same return value.
 */
const writers: (buf: Buffer) => EncodingWriters =
  typeof proto.latin1Write === 'function' && typeof proto.utf8Write === 'function' && typeof proto.base64urlWrite === 'function'
    ? (buf) => buf as unknown as EncodingWriters
    : (buf) => ({
        latin1Write: (text, offset, length) => buf.write(text, offset, length ?? buf.length - offset, 'latin1'),
        utf8Write: (text, offset, length) => buf.write(text, offset, length ?? buf.length - offset, 'utf8'),
        base64urlWrite: (text, offset, length) => buf.write(text, offset, length ?? buf.length - offset, 'base64url'),
      });

/**
 * HMAC-SHA-256 (RFC 2104) as two one-shot SHA-256 digests over blocks
 * prepared once per key: `H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ prev ‖ canonical))`.
 *
 * The same MAC as `createHmac('sha256', subkey)` (test/audit/chain-key.test.ts
 * checks it) at about two thirds of the cost: `createHmac` builds a stream
 * object and an OpenSSL context per record and looks the digest up again, and
 * the chain computes one MAC per record on every append and every
 * verification. `line` also returns the record as one flat string decoded from
 * the bytes just hashed, rather than a tree of concatenated pieces: the memory
 * sink keeps it, and the garbage collector copies one object instead of many.
 * Falls back to `createHmac` on a Node without `crypto.hash`.
 */
export function createChainKey(subkey: Uint8Array): ChainKey {
  const hash = oneShotHash;
  if (typeof hash !== 'function') return createHmacChainKey(subkey);
  const pads = hmacPads(subkey, 4096 - blockBytes);
  const outer = pads.outer;
  let scratch = pads.inner;
  /** Room for `bytes` record bytes plus the MAC suffix after the ipad block and `prev`; false when too large for the scratch buffer. */
  const reserve = (bytes: number): boolean => {
    if (dataStart + bytes + macSuffixLength <= scratch.length) return true;
    if (bytes > scratchMaxBytes) return false;
    const grown = Buffer.alloc(dataStart + bytes + macSuffixLength);
    scratch.copy(grown, 0, 0, blockBytes);
    scratch = grown;
    return true;
  };
  const reference = createHmacChainKey(subkey);
  const outerWriter = writers(outer);
  let scratchWriter = writers(scratch);
  /** HMAC of the ipad block, `prev` and the `n` record bytes already in place; null when `prev` is not 43 base64url characters. */
  const macOf = (prev: string, n: number): string | null => {
    if (prev.length !== 43 || scratchWriter.base64urlWrite(prev, blockBytes, 32) !== 32) return null;
    outerWriter.latin1Write(hash('sha256', scratch.subarray(0, dataStart + n), 'binary'), blockBytes, 32); // 'binary' is latin1: one char per byte
    return hash('sha256', outer, 'base64url');
  };
  return {
    mac(prev, canonical) {
      if (!reserve(canonical.length)) return reference.mac(prev, canonical);
      scratchWriter = writers(scratch);
      scratch.set(canonical, dataStart);
      // a `prev` that is not a MAC's text (a link from a damaged record) is hashed as Buffer.from decodes it, as before
      return macOf(prev, canonical.length) ?? reference.mac(prev, canonical);
    },
    line(prev, canonical, ascii) {
      // a UTF-16 code unit is at most 3 bytes of UTF-8; an ASCII one is 1
      if (!reserve(ascii === true ? canonical.length : canonical.length * 3)) return reference.line(prev, canonical);
      scratchWriter = writers(scratch);
      const n = ascii === true ? scratchWriter.latin1Write(canonical, dataStart) : scratchWriter.utf8Write(canonical, dataStart);
      const mac = macOf(prev, n);
      if (mac === null) throw new KanmonError('ERR_AUDIT_FORMAT', 'chain MAC: prev is not a 32-byte base64url MAC');
      let end = dataStart + n;
      scratch.set(macOpen, end);
      end += macOpen.length;
      end += scratchWriter.latin1Write(mac, end, 43);
      scratch[end++] = 0x22; // "
      scratch[end++] = 0x7d; // }
      // ASCII (the usual record) decodes as latin1, without UTF-8 validation
      return scratch.toString(n === canonical.length ? 'latin1' : 'utf8', dataStart, end);
    },
  };
}

/** {@link createChainKey} through `createHmac`: the reference, and the fallback on Node < 20.12. */
export function createHmacChainKey(subkey: Uint8Array): ChainKey {
  const mac = (prev: string, canonical: string | Uint8Array) =>
    createHmac('sha256', subkey).update(Buffer.from(prev, 'base64url')).update(canonical).digest('base64url');
  return { mac, line: (prev, canonical) => `${canonical},"mac":"${mac(prev, canonical)}"}` };
}

/** The MAC in a record line written by {@link ChainKey.line}. */
export function macOfLine(line: string): string {
  return line.slice(line.length - 45, line.length - 2);
}

/** Subkeys by key id, derived once. */
export function macKeys(keyRing: KeyRing): (kid: string) => Buffer {
  const cache = new Map<string, Buffer>();
  return (kid) => {
    let key = cache.get(kid);
    if (!key) {
      key = keyRing.derive(kid, 'audit-mac');
      cache.set(kid, key);
    }
    return key;
  };
}

/** A {@link ChainKey} per key id, built once (throws as `keyOf` does for an unknown or destroyed key). */
export function chainKeys(keyOf: (kid: string) => Buffer): (kid: string) => ChainKey {
  const cache = new Map<string, ChainKey>();
  return (kid) => {
    let key = cache.get(kid);
    if (!key) {
      key = createChainKey(keyOf(kid));
      cache.set(kid, key);
    }
    return key;
  };
}

/** Characters that need JSON escaping, plus NEL, U+2028/U+2029 (line breaks to some readers) and surrogates (left to JSON.stringify). */
// eslint-disable-next-line no-control-regex -- matching control characters is the point: they must be escaped
const needsEscape = /["\\\u0000-\u001f\u0085\u2028\u2029\ud800-\udfff]/;
const lineBreaks = /[\u0085\u2028\u2029]/g;

/** JSON string literal with NEL, U+2028 and U+2029 escaped too, so no reader can see a line break inside a field. */
export function quote(text: string): string {
  if (!needsEscape.test(text)) return '"' + text + '"'; // the common case: nothing to escape
  const json = JSON.stringify(text);
  return json.replace(lineBreaks, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** What {@link readHead} finds in a line. */
interface LineHead {
  readonly stream: string;
  readonly seq: number;
  readonly kid: string;
  readonly type: string;
  /** Length in bytes of the canonical part. */
  readonly canonicalLength: number;
  /** The MAC as written (base64url). */
  readonly mac: string;
}

/*
 * readHead parses the fixed head of a record with byte comparisons, the way
 *   /^\{"v":1,"stream":"([A-Za-z0-9_-]{1,64})","seq":([1-9][0-9]{0,15}),"kid":"([A-Za-z0-9_-]{1,64})","type":"([a-z_.]{1,64})",/
 * over the first min(canonical length, 256) bytes, and the MAC as /^[A-Za-z0-9_-]{43}$/,
 * would (test/audit/read-head.test.ts holds that regex and compares): verifying
 * a million records calls it a million times, and decoding two strings per line
 * for the regexes cost as much as a fifth of the verification.
 */
const idChar = 1; // [A-Za-z0-9_-]: stream, key id, MAC
const typeChar = 2; // [a-z_.]
const charClass = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z0-9_-]/.test(ch)) charClass[c]! |= idChar;
  if (/[a-z_.]/.test(ch)) charClass[c]! |= typeChar;
}
const streamOpen = Buffer.from('{"v":1,"stream":"', 'latin1');
const seqOpen = Buffer.from('","seq":', 'latin1');
const kidOpen = Buffer.from(',"kid":"', 'latin1');
const typeOpen = Buffer.from('","type":"', 'latin1');

/** `expected` at `at`, all before `limit`. */
function literalAt(buf: Uint8Array, at: number, expected: Uint8Array, limit: number): boolean {
  if (at + expected.length > limit) return false;
  for (let i = 0; i < expected.length; i++) if (buf[at + i] !== expected[i]) return false;
  return true;
}

/** End of a run of 1..max characters of `cls` starting at `at` (before `limit`), or -1. */
function runEnd(buf: Uint8Array, at: number, cls: number, max: number, limit: number): number {
  let i = at;
  const stop = Math.min(limit, at + max);
  while (i < stop && (charClass[buf[i]!]! & cls) !== 0) i++;
  return i === at ? -1 : i;
}

/**
 * Short ASCII fields (stream, key id, type) repeat from line to line: the
 * string of the previous line is reused when the bytes are the same.
 */
class FieldText {
  private text = '';
  private bytes = Buffer.alloc(64);
  private length = -1;
  read(buf: Buffer, start: number, end: number): string {
    const n = end - start;
    if (n === this.length) {
      let i = 0;
      while (i < n && buf[start + i] === this.bytes[i]) i++;
      if (i === n) return this.text;
    }
    this.text = buf.toString('latin1', start, end);
    buf.copy(this.bytes, 0, start, end);
    this.length = n;
    return this.text;
  }
}
const streamText = new FieldText();
const kidText = new FieldText();
const typeText = new FieldText();

/**
 * The head fields and MAC of a record line (bytes, no newline), or null when
 * the line is not shaped like a record. Reads only the first ~256 bytes and the
 * last 53; the MAC check then covers every byte in between.
 */
export function readHead(line: Uint8Array): LineHead | null {
  const length = line.length;
  if (length < 80 + macSuffixLength || line[length - 1] !== 0x7d || line[length - 2] !== 0x22) return null;
  const buf = Buffer.isBuffer(line) ? line : Buffer.from(line.buffer, line.byteOffset, length);
  const macStart = length - macSuffixLength;
  if (!literalAt(buf, macStart, macOpen, length)) return null;
  const macEnd = length - 2;
  for (let i = macStart + 8; i < macEnd; i++) if ((charClass[buf[i]!]! & idChar) === 0) return null;
  const limit = Math.min(macStart, 256);
  if (!literalAt(buf, 0, streamOpen, limit)) return null;
  const streamEnd = runEnd(buf, streamOpen.length, idChar, 64, limit);
  if (streamEnd < 0 || !literalAt(buf, streamEnd, seqOpen, limit)) return null;
  let at = streamEnd + seqOpen.length;
  if (at >= limit || buf[at]! < 0x31 || buf[at]! > 0x39) return null; // [1-9]
  let seq = 0;
  const seqStop = Math.min(limit, at + 16);
  while (at < seqStop && buf[at]! >= 0x30 && buf[at]! <= 0x39) seq = seq * 10 + (buf[at++]! - 0x30);
  // exact below 2^53; anything larger is refused below, as Number() of the digits would be
  if (!Number.isSafeInteger(seq) || !literalAt(buf, at, kidOpen, limit)) return null;
  const kidStart = at + kidOpen.length;
  const kidEnd = runEnd(buf, kidStart, idChar, 64, limit);
  if (kidEnd < 0 || !literalAt(buf, kidEnd, typeOpen, limit)) return null;
  const typeStart = kidEnd + typeOpen.length;
  const typeEnd = runEnd(buf, typeStart, typeChar, 64, limit);
  if (typeEnd < 0 || typeEnd + 2 > limit || buf[typeEnd] !== 0x22 || buf[typeEnd + 1] !== 0x2c) return null; // `",`
  return {
    stream: streamText.read(buf, streamOpen.length, streamEnd),
    seq,
    kid: kidText.read(buf, kidStart, kidEnd),
    type: typeText.read(buf, typeStart, typeEnd),
    canonicalLength: macStart,
    mac: buf.toString('latin1', macStart + 8, macEnd),
  };
}
