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
import type { KeyRing } from '../keys/key-ring.js';

/** The `prevMac` of a stream's first record. */
export const genesisMac: Buffer = Buffer.alloc(32);

/** `,"mac":"` + 43 base64url characters + `"}`. */
export const macSuffixLength = 53;

/** HMAC-SHA-256 over `prev ‖ canonical`. */
export function chainMac(subkey: Buffer, prev: Uint8Array, canonical: string | Uint8Array): Buffer {
  return createHmac('sha256', subkey).update(prev).update(canonical).digest();
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

/** The fixed prefix every record starts with; lets a reader find stream, seq, key id and type without parsing JSON. */
const headPattern = /^\{"v":1,"stream":"([A-Za-z0-9_-]{1,64})","seq":([1-9][0-9]{0,15}),"kid":"([A-Za-z0-9_-]{1,64})","type":"([a-z_.]{1,64})",/;

/** What {@link readHead} finds in a line. */
export interface LineHead {
  readonly stream: string;
  readonly seq: number;
  readonly kid: string;
  readonly type: string;
  /** Length in bytes of the canonical part. */
  readonly canonicalLength: number;
  /** The MAC as written (base64url). */
  readonly mac: string;
}

const macPattern = /^[A-Za-z0-9_-]{43}$/;

/**
 * The head fields and MAC of a record line (bytes, no newline), or null when
 * the line is not shaped like a record. Reads only the first ~256 bytes and the
 * last 53; the MAC check then covers every byte in between.
 */
export function readHead(line: Uint8Array): LineHead | null {
  const length = line.length;
  if (length < 80 + macSuffixLength || line[length - 1] !== 0x7d || line[length - 2] !== 0x22) return null;
  const buf = line instanceof Buffer ? line : Buffer.from(line.buffer, line.byteOffset, length);
  const macStart = length - macSuffixLength;
  // `,"mac":"` spelled out byte by byte: cheaper than decoding the suffix
  if (buf[macStart] !== 0x2c || buf[macStart + 1] !== 0x22 || buf[macStart + 2] !== 0x6d || buf[macStart + 3] !== 0x61) return null;
  if (buf[macStart + 4] !== 0x63 || buf[macStart + 5] !== 0x22 || buf[macStart + 6] !== 0x3a || buf[macStart + 7] !== 0x22) return null;
  const mac = buf.toString('latin1', macStart + 8, length - 2);
  if (!macPattern.test(mac)) return null;
  const m = headPattern.exec(buf.toString('latin1', 0, Math.min(macStart, 256)));
  if (!m) return null;
  const seq = Number(m[2]);
  if (!Number.isSafeInteger(seq)) return null;
  return { stream: m[1]!, seq, kid: m[3]!, type: m[4]!, canonicalLength: macStart, mac };
}
