import { KanmonError } from '../../../errors.js';
import { type Argon2idHash, readArgon2id } from '../argon2id.js';
import { type BcryptHash, readBcrypt } from '../bcrypt.js';
import { parsePhc } from '../phc.js';
import { type ScryptHash, readScrypt, scryptHash } from '../scrypt.js';

/**
 * The foreign formats kanmon verifies (and rehashes on the next login). Each is read as its
 * source system writes it, so an export can be stored as it is.
 */
export type ForeignFormat =
  | 'django-pbkdf2-sha256'
  | 'django-pbkdf2-sha1'
  | 'django-argon2'
  | 'django-bcrypt-sha256'
  | 'django-bcrypt'
  | 'django-scrypt'
  | 'passlib-pbkdf2-sha256'
  | 'passlib-pbkdf2-sha512'
  | 'passlib-pbkdf2-sha1'
  | 'bcrypt'
  | 'scrypt'
  | 'spring-bcrypt'
  | 'spring-pbkdf2'
  | 'spring-argon2'
  | 'spring-scrypt'
  | 'aspnet-v2'
  | 'aspnet-v3'
  /** `imported$` + an Argon2id or PBKDF2 PHC string made by another system (argon2-cffi, PHP, passlib, Keycloak). */
  | 'imported-argon2id'
  | 'imported-pbkdf2';

/** PBKDF2 over a foreign system's parameters. */
export interface ForeignPbkdf2 {
  readonly kind: 'pbkdf2';
  readonly digest: 'sha1' | 'sha256' | 'sha512';
  readonly iterations: number;
  readonly salt: Buffer;
  readonly key: Buffer;
}

/** What to compute to verify a foreign hash: the KDF, and what the password goes through first. */
export type ForeignKdf = ForeignPbkdf2 | { readonly kind: 'argon2id'; readonly hash: Argon2idHash } | { readonly kind: 'bcrypt'; readonly hash: BcryptHash } | { readonly kind: 'scrypt'; readonly hash: ScryptHash };

export interface ForeignHash {
  readonly format: ForeignFormat;
  readonly kdf: ForeignKdf;
  /** Django's `bcrypt_sha256`: the KDF sees the lowercase hex SHA-256 of the password. */
  readonly prehash?: 'sha256-hex' | undefined;
}

/**
 * Highest PBKDF2 iteration count kanmon verifies in a foreign hash (Django 5.x writes 870,000;
 * OWASP's 2023 floor for HMAC-SHA-1 is 1,300,000). A higher count is refused before computing.
 */
export const MAX_FOREIGN_PBKDF2_ITERATIONS = 10_000_000;

const invalid = (message: string): KanmonError => new KanmonError('ERR_INVALID_HASH', message);

function pbkdf2(format: ForeignFormat, digest: ForeignPbkdf2['digest'], iterations: number, salt: Buffer, key: Buffer): ForeignHash {
  if (!Number.isSafeInteger(iterations) || iterations < 1) throw invalid(`${format}: iteration count must be a positive integer`);
  if (iterations > MAX_FOREIGN_PBKDF2_ITERATIONS) {
    throw new KanmonError('ERR_UNSUPPORTED_HASH', `${format}: ${iterations} iterations is above the ${MAX_FOREIGN_PBKDF2_ITERATIONS} kanmon verifies`, {
      details: { reason: 'cost_too_high', iterations, maximum: MAX_FOREIGN_PBKDF2_ITERATIONS },
    });
  }
  if (salt.length === 0 || salt.length > 128) throw invalid(`${format}: salt must be 1–128 bytes`);
  if (key.length < 16 || key.length > 128) throw invalid(`${format}: hash must be 16–128 bytes`);
  return { format, kdf: { kind: 'pbkdf2', digest, iterations, salt, key } };
}

const decimal = /^[1-9]\d{0,9}$/;
const stdB64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Standard base64 with padding, canonical (Django, Spring, .NET write it so). */
function padded64(text: string, what: string): Buffer {
  if (!stdB64.test(text)) throw invalid(`${what} is not base64`);
  const bytes = Buffer.from(text, 'base64');
  if (bytes.toString('base64') !== text) throw invalid(`${what} is not canonical base64`);
  return bytes;
}

/** passlib's "ab64": base64 with `.` for `+`, no padding. */
function ab64(text: string, what: string): Buffer {
  if (!/^[A-Za-z0-9./]*$/.test(text) || text.length % 4 === 1) throw invalid(`${what} is not passlib ab64`);
  const std = text.replaceAll('.', '+');
  const bytes = Buffer.from(std, 'base64');
  if (bytes.toString('base64').replace(/=+$/, '') !== std) throw invalid(`${what} is not canonical ab64`);
  return bytes;
}

/** Django: `pbkdf2_sha256$<iterations>$<salt text>$<base64 hash>`, `scrypt$<salt>$<n>$<r>$<p>$<hash>`, `argon2$…`, `bcrypt[_sha256]$$2b$…`. */
function readDjango(stored: string): ForeignHash | null {
  const m = /^(pbkdf2_sha256|pbkdf2_sha1)\$([^$]*)\$([^$]*)\$([^$]*)$/.exec(stored);
  if (m) {
    const format = m[1] === 'pbkdf2_sha256' ? 'django-pbkdf2-sha256' : 'django-pbkdf2-sha1';
    if (!decimal.test(m[2]!)) throw invalid(`${format}: iteration count is not a decimal integer`);
    if (!/^[\x21-\x7e]{1,128}$/.test(m[3]!)) throw invalid(`${format}: salt is not printable ASCII`);
    return pbkdf2(format, m[1] === 'pbkdf2_sha256' ? 'sha256' : 'sha1', Number(m[2]), Buffer.from(m[3]!, 'utf8'), padded64(m[4]!, `${format} hash`));
  }
  if (stored.startsWith('argon2$')) {
    if (!stored.startsWith('argon2$argon2id$')) throw new KanmonError('ERR_UNSUPPORTED_HASH', 'django-argon2: only argon2id is verified (Django before 3.2 wrote argon2i)');
    return { format: 'django-argon2', kdf: { kind: 'argon2id', hash: readArgon2id(parsePhc(stored.slice('argon2'.length))) } };
  }
  if (stored.startsWith('bcrypt_sha256$$2')) return { format: 'django-bcrypt-sha256', kdf: { kind: 'bcrypt', hash: readBcrypt(stored.slice('bcrypt_sha256$'.length)) }, prehash: 'sha256-hex' };
  if (stored.startsWith('bcrypt$$2')) return { format: 'django-bcrypt', kdf: { kind: 'bcrypt', hash: readBcrypt(stored.slice('bcrypt$'.length)) } };
  const s = /^scrypt\$([^$]*)\$([^$]*)\$([^$]*)\$([^$]*)\$([^$]*)$/.exec(stored);
  if (s) {
    const [, salt, n, r, p, hash] = s;
    if (!/^[\x21-\x7e]{1,128}$/.test(salt!)) throw invalid('django-scrypt: salt is not printable ASCII');
    for (const v of [n!, r!, p!]) if (!decimal.test(v)) throw invalid('django-scrypt: n, r, p must be decimal integers');
    const ln = Math.log2(Number(n));
    if (!Number.isInteger(ln)) throw invalid('django-scrypt: n must be a power of 2');
    return { format: 'django-scrypt', kdf: { kind: 'scrypt', hash: scryptHash(ln, Number(r), Number(p), Buffer.from(salt!, 'utf8'), padded64(hash!, 'django-scrypt hash')) } };
  }
  return null;
}

/** passlib: `$pbkdf2-sha256$<rounds>$<ab64 salt>$<ab64 hash>` (kanmon's own PHC form writes `i=<rounds>`). */
function readPasslib(stored: string): ForeignHash | null {
  const m = /^\$(pbkdf2|pbkdf2-sha256|pbkdf2-sha512)\$(\d+)\$([^$]*)\$([^$]*)$/.exec(stored);
  if (!m) return null;
  const digest = m[1] === 'pbkdf2' ? 'sha1' : m[1] === 'pbkdf2-sha256' ? 'sha256' : 'sha512';
  const format = `passlib-pbkdf2-${digest}` as const;
  if (!decimal.test(m[2]!)) throw invalid(`${format}: rounds is not a decimal integer`);
  return pbkdf2(format, digest, Number(m[2]), ab64(m[3]!, `${format} salt`), ab64(m[4]!, `${format} hash`));
}

/** Spring Security's DelegatingPasswordEncoder: `{id}<encoded>`. */
const springUnsafe = new Set(['sha256', 'noop', 'md4', 'md5', 'sha', 'sha-1', 'sha-256', 'ldap', 'pbkdf2@spring', 'md5crypt']);

/** Why a stored value is refused as unsafe (unsalted, fast or plain text), or `undefined`. */
export function unsafeScheme(stored: string): string | undefined {
  const id = /^\{([^}]{1,32})\}/.exec(stored)?.[1]?.toLowerCase();
  return id !== undefined && springUnsafe.has(id) ? `spring-${id}` : undefined;
}

function readSpring(stored: string): ForeignHash | null {
  const m = /^\{([a-z0-9]{1,16})\}(.*)$/s.exec(stored);
  if (!m) return null;
  const [, id, rest] = m;
  switch (id) {
    case 'bcrypt':
      return { format: 'spring-bcrypt', kdf: { kind: 'bcrypt', hash: readBcrypt(rest!) } };
    case 'argon2':
      return { format: 'spring-argon2', kdf: { kind: 'argon2id', hash: readArgon2id(parsePhc(rest!)) } };
    case 'pbkdf2': {
      // hex(salt | hash), neither the PRF nor the count written: the encoder's defaults.
      // 5.x `new Pbkdf2PasswordEncoder()`: 8-byte salt, HMAC-SHA1, 185000; 5.8+ defaults: 16-byte salt, HMAC-SHA256, 310000.
      if (!/^(?:[0-9a-f]{80}|[0-9a-f]{96})$/.test(rest!)) throw invalid('spring-pbkdf2: expected the hex of an encoder at Spring 5.x or 5.8+ defaults (80 or 96 hex digits)');
      const bytes = Buffer.from(rest!, 'hex');
      return bytes.length === 40
        ? pbkdf2('spring-pbkdf2', 'sha1', 185_000, bytes.subarray(0, 8), bytes.subarray(8))
        : pbkdf2('spring-pbkdf2', 'sha256', 310_000, bytes.subarray(0, 16), bytes.subarray(16));
    }
    case 'scrypt': {
      // `$<hex of log2N<<16 | r<<8 | p>$<base64 salt>$<base64 key>` (SCryptPasswordEncoder)
      const s = /^\$([0-9a-f]{1,8})\$([^$]+)\$([^$]+)$/.exec(rest!);
      if (!s) throw invalid('spring-scrypt: expected $<params>$<salt>$<key>');
      const params = Number.parseInt(s[1]!, 16);
      return {
        format: 'spring-scrypt',
        kdf: { kind: 'scrypt', hash: scryptHash((params >> 16) & 0xffff, (params >> 8) & 0xff, params & 0xff, padded64(s[2]!, 'spring-scrypt salt'), padded64(s[3]!, 'spring-scrypt key')) },
      };
    }
    default:
      return null;
  }
}

/** ASP.NET Core Identity `PasswordHash`: base64 of v2 (0x00|salt 16|subkey 32) or v3 (0x01|prf|iterations|salt length|salt|subkey). */
function readAspNet(stored: string): ForeignHash | null {
  if (stored.length < 20 || stored.length > 400 || !stdB64.test(stored)) return null;
  const bytes = Buffer.from(stored, 'base64');
  if (bytes[0] === 0x00 && bytes.length === 49) return pbkdf2('aspnet-v2', 'sha1', 1000, bytes.subarray(1, 17), bytes.subarray(17));
  if (bytes[0] !== 0x01 || bytes.length < 13) return null;
  const prf = bytes.readUInt32BE(1);
  const digest = prf === 0 ? 'sha1' : prf === 1 ? 'sha256' : prf === 2 ? 'sha512' : undefined;
  if (!digest) throw invalid(`aspnet-v3: unknown PRF ${prf}`);
  const saltLength = bytes.readUInt32BE(9);
  if (saltLength < 16 || 13 + saltLength + 16 > bytes.length) throw invalid('aspnet-v3: salt length does not fit the payload');
  return pbkdf2('aspnet-v3', digest, bytes.readUInt32BE(5), bytes.subarray(13, 13 + saltLength), bytes.subarray(13 + saltLength));
}

/**
 * `imported$<PHC>`: an Argon2id or PBKDF2 hash another system made in the same PHC form kanmon
 * writes. The prefix is what tells it apart from kanmon's own (verified on the normalised form only).
 */
function readImported(stored: string): ForeignHash | null {
  if (!stored.startsWith('imported$')) return null;
  const phc = parsePhc(stored.slice('imported$'.length));
  if (phc.params.some(([n]) => n === 'keyid' || n === 'norm')) throw invalid('imported hashes carry no keyid or norm');
  if (phc.id === 'argon2id') return { format: 'imported-argon2id', kdf: { kind: 'argon2id', hash: readArgon2id(phc) } };
  if (phc.id === 'pbkdf2-sha256' || phc.id === 'pbkdf2-sha512') {
    const entry = phc.params.find(([n]) => n === 'i');
    if (phc.params.some(([n]) => n !== 'i') || !entry || !decimal.test(entry[1])) throw invalid('imported pbkdf2: expected i=<iterations> only');
    return pbkdf2('imported-pbkdf2', phc.id === 'pbkdf2-sha256' ? 'sha256' : 'sha512', Number(entry[1]), phc.salt, phc.hash);
  }
  throw new KanmonError('ERR_UNSUPPORTED_HASH', `imported: '${phc.id}' is not a scheme kanmon verifies`);
}

/** Longest foreign value read: every format above fits well within it. */
const MAX_FOREIGN_LENGTH = 1024;

/**
 * A stored value in a foreign format kanmon verifies, or `null` when it is in none.
 * Throws `ERR_INVALID_HASH` when it names a format but is broken, and `ERR_UNSUPPORTED_HASH`
 * when its cost is above what kanmon verifies (refused before anything is computed).
 */
export function readForeign(stored: string): ForeignHash | null {
  if (stored.length > MAX_FOREIGN_LENGTH) return null;
  if (/^\$2[aby]\$/.test(stored)) return { format: 'bcrypt', kdf: { kind: 'bcrypt', hash: readBcrypt(stored) } };
  if (stored.startsWith('$scrypt$')) return { format: 'scrypt', kdf: { kind: 'scrypt', hash: readScrypt(stored) } };
  return readImported(stored) ?? readPasslib(stored) ?? readDjango(stored) ?? readSpring(stored) ?? readAspNet(stored);
}
