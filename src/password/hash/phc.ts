import { KanmonError } from '../../errors.js';
import type { PasswordNormalization } from '../normalize.js';

/**
 * A PHC string (https://github.com/P-H-C/phc-string-format/blob/master/phc-sf-spec.md):
 * `$<id>[$v=<version>][$<param>=<value>(,<param>=<value>)*][$<salt>[$<hash>]]`.
 * Salt and hash are binary, written in standard base64 without padding ("B64").
 */
export interface PhcString {
  /** Function id, e.g. `argon2id`, `pbkdf2-sha256`, `scrypt`. */
  readonly id: string;
  /** The `v=` field, when present. */
  readonly version: number | undefined;
  /** Parameters in the order written. Values are the raw strings. */
  readonly params: ReadonlyArray<readonly [name: string, value: string]>;
  readonly salt: Buffer;
  readonly hash: Buffer;
}

const idPattern = /^[a-z0-9-]{1,32}$/;
const paramNamePattern = /^[a-z0-9-]{1,32}$/;
const paramValuePattern = /^[A-Za-z0-9/+.-]+$/;
const b64Pattern = /^[A-Za-z0-9+/]*$/;

/** Longest stored hash string kanmon parses: every format it reads fits well within it. */
const MAX_PHC_LENGTH = 512;

/** Decode PHC "B64" (standard alphabet, no padding). Throws `ERR_INVALID_HASH` on anything else. */
function decodeB64(text: string, what: string): Buffer {
  if (!b64Pattern.test(text) || text.length % 4 === 1) {
    throw new KanmonError('ERR_INVALID_HASH', `${what} is not unpadded base64`);
  }
  const bytes = Buffer.from(text, 'base64');
  // Reject non-canonical encodings (trailing bits set), so one hash has one spelling.
  if (encodeB64(bytes) !== text) throw new KanmonError('ERR_INVALID_HASH', `${what} is not canonical base64`);
  return bytes;
}

/** Encode PHC "B64" (standard alphabet, no padding). */
function encodeB64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64').replace(/=+$/, '');
}

/**
 * Parse a PHC string. Throws `ERR_INVALID_HASH` when it is not one.
 * Parameter order is kept as written; {@link formatPhc} writes what it is given.
 */
export function parsePhc(stored: string): PhcString {
  if (typeof stored !== 'string' || stored.length > MAX_PHC_LENGTH || !stored.startsWith('$')) {
    throw new KanmonError('ERR_INVALID_HASH', 'not a PHC string');
  }
  const fields = stored.slice(1).split('$');
  const id = fields.shift();
  if (id === undefined || !idPattern.test(id)) throw new KanmonError('ERR_INVALID_HASH', 'PHC string has no valid function id');
  let version: number | undefined;
  if (fields[0]?.startsWith('v=')) {
    const text = fields.shift()!.slice(2);
    if (!/^(?:0|[1-9]\d{0,9})$/.test(text)) throw new KanmonError('ERR_INVALID_HASH', 'PHC version is not a decimal integer');
    version = Number(text);
  }
  let params: Array<[string, string]> = [];
  if (fields[0] !== undefined && fields[0].includes('=')) {
    params = fields.shift()!.split(',').map((pair) => {
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      if (eq < 0 || !paramNamePattern.test(name) || !paramValuePattern.test(value)) {
        throw new KanmonError('ERR_INVALID_HASH', 'malformed PHC parameter');
      }
      return [name, value];
    });
    if (new Set(params.map(([name]) => name)).size !== params.length) {
      throw new KanmonError('ERR_INVALID_HASH', 'PHC parameter written twice');
    }
  }
  if (fields.length !== 2) throw new KanmonError('ERR_INVALID_HASH', 'PHC string must end with $salt$hash');
  const salt = decodeB64(fields[0]!, 'salt');
  const hash = decodeB64(fields[1]!, 'hash');
  if (salt.length === 0 || hash.length === 0) throw new KanmonError('ERR_INVALID_HASH', 'empty salt or hash');
  return { id, version, params, salt, hash };
}

/** Write a PHC string. Parameters are written in the order given. */
export function formatPhc(phc: {
  id: string;
  version?: number | undefined;
  params: ReadonlyArray<readonly [string, string | number]>;
  salt: Uint8Array;
  hash: Uint8Array;
}): string {
  const parts = [phc.id];
  if (phc.version !== undefined) parts.push(`v=${phc.version}`);
  if (phc.params.length > 0) parts.push(phc.params.map(([name, value]) => `${name}=${value}`).join(','));
  parts.push(encodeB64(phc.salt), encodeB64(phc.hash));
  return '$' + parts.join('$');
}

/** A parameter as a decimal integer in [min, max]; throws `ERR_INVALID_HASH` otherwise. */
export function intParam(phc: PhcString, name: string, min: number, max: number): number {
  const entry = phc.params.find(([n]) => n === name);
  if (!entry) throw new KanmonError('ERR_INVALID_HASH', `${phc.id}: parameter ${name} missing`);
  const value = /^(?:0|[1-9]\d{0,14})$/.test(entry[1]) ? Number(entry[1]) : Number.NaN;
  if (!(value >= min && value <= max)) throw new KanmonError('ERR_INVALID_HASH', `${phc.id}: parameter ${name} out of range`);
  return value;
}

/** Refuse parameters other than `allowed`: an unknown one may change the hash, so it is never ignored. */
export function onlyParams(phc: PhcString, allowed: readonly string[]): void {
  for (const [name] of phc.params) {
    if (!allowed.includes(name)) throw new KanmonError('ERR_INVALID_HASH', `${phc.id}: unsupported parameter ${name}`);
  }
}

/**
 * The pepper key id recorded in a hash as `keyid=<B64 of the id's UTF-8>`
 * (the `keyid` parameter the Argon2 PHC encoding defines); `undefined` when unpeppered.
 */
export function keyIdParam(phc: PhcString): string | undefined {
  const entry = phc.params.find(([n]) => n === 'keyid');
  if (!entry) return undefined;
  const id = decodeB64(entry[1], 'keyid').toString('utf8');
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw new KanmonError('ERR_INVALID_HASH', `${phc.id}: keyid is not a key ring id`);
  return id;
}

/** Encode a key ring id as a PHC `keyid` value. */
export function encodeKeyId(id: string): string {
  return encodeB64(Buffer.from(id, 'utf8'));
}

/**
 * The Unicode normalisation form a hash was computed over, recorded as
 * `norm=nfc`. A hash without the parameter was computed over NFKC: the
 * default of every policy, and the only form kanmon used before it recorded
 * the form (hashes written before then are assumed to be NFKC). NFKC is never
 * written, so a default hash stays the plain PHC string other tools read.
 */
export function normalizationParam(phc: PhcString): PasswordNormalization {
  const entry = phc.params.find(([n]) => n === 'norm');
  if (!entry) return 'NFKC';
  if (entry[1] === 'nfc') return 'NFC';
  if (entry[1] === 'nfkc') return 'NFKC';
  throw new KanmonError('ERR_INVALID_HASH', `${phc.id}: norm=${entry[1]} is not a normalisation form kanmon knows`);
}

/** The `norm` parameter to write for `form`, if any (none for NFKC, the unmarked default). */
export function normalizationEntry(form: PasswordNormalization | undefined): Array<[string, string]> {
  return form === 'NFC' ? [['norm', 'nfc']] : [];
}

/**
 * Re-encode an Argon2 PHC string with its parameters in the order the PHC
 * spec gives (`m,t,p`): node-argon2 writes `m,p,t`. The hash itself is unchanged.
 *
 * @example
 * ```ts
 * import { canonicalArgon2 } from 'kanmon';
 * canonicalArgon2('$argon2id$v=19$m=65536,p=1,t=2$c29tZXNhbHQ$CTFh…');
 * // '$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFh…'
 * ```
 */
export function canonicalArgon2(stored: string): string {
  const phc = parsePhc(stored);
  const order = ['m', 't', 'p', 'keyid', 'norm', 'data'];
  const params = [...phc.params].sort(([a], [b]) => rank(order, a) - rank(order, b));
  return formatPhc({ ...phc, params });
}

function rank(order: readonly string[], name: string): number {
  const i = order.indexOf(name);
  return i < 0 ? order.length : i;
}
