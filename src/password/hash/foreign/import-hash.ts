import { KanmonError, isKanmonError } from '../../../errors.js';
import type { LayeredInner } from '../create-hasher.js';
import { keycloakToImported } from './keycloak.js';
import { type ForeignFormat, type ForeignHash, readForeign, unsafeScheme } from './read.js';

/** The source format of an imported hash, as `kanmon import` counts it. */
export type ImportHashFormat =
  | ForeignFormat
  | 'argon2id'
  | 'keycloak-pbkdf2-sha256'
  | 'keycloak-pbkdf2-sha512'
  | 'keycloak-argon2'
  | 'kanmon'
  | LayeredInner;

/** Why an exported hash cannot be imported. */
export type ImportHashRefusal =
  /** No format kanmon reads (`$1$`, `$6$` and other schemes it does not implement). */
  | 'unknown_format'
  /** A known format, broken: truncated, bad base64, inconsistent lengths. */
  | 'invalid_hash'
  /** Cost parameters above what kanmon verifies (refused before computing). */
  | 'cost_too_high'
  /** A known format with a version kanmon does not verify (`argon2i`, `$2x$`). */
  | 'unsupported_hash'
  /** Plain text or an unsalted digest under a scheme name (Spring `{sha256}`, `{noop}`, `{MD5}`): never imported as is. */
  | 'unsafe_hash';

/** The answer of {@link readImportHash}. */
export type ImportHashResult =
  | {
      readonly ok: true;
      readonly format: ImportHashFormat;
      /** What to store (a Keycloak credential becomes `imported$<PHC>`); `null` when it must be wrapped first. */
      readonly stored: string | null;
      /** An unsalted fast digest or crypt(3) DES: store `await hasher.hashLayered(wrap, value)` (a layered hash). */
      readonly wrap: LayeredInner | null;
      /** Weak as stored (a fast digest, or PBKDF2 under 10,000 iterations): force a change at the next login when the policy says so. */
      readonly weak: boolean;
    }
  | { readonly ok: false; readonly reason: ImportHashRefusal };

/** PBKDF2 under this many iterations is counted weak (ASP.NET Identity v2 uses 1,000). */
const WEAK_PBKDF2_ITERATIONS = 10_000;

const hexDigests: ReadonlyArray<readonly [number, LayeredInner]> = [
  [32, 'md5'],
  [40, 'sha1'],
  [64, 'sha256'],
];

function refusal(err: unknown): ImportHashResult {
  if (!isKanmonError(err)) throw err;
  if (err.code === 'ERR_INVALID_HASH') return { ok: false, reason: 'invalid_hash' };
  if (err.code === 'ERR_UNSUPPORTED_HASH') {
    const reason = (err.details as { reason?: unknown } | undefined)?.reason;
    return { ok: false, reason: reason === 'cost_too_high' ? 'cost_too_high' : reason === 'unknown_format' ? 'unknown_format' : 'unsupported_hash' };
  }
  throw err;
}

const isWeak = (hash: ForeignHash): boolean => hash.kdf.kind === 'pbkdf2' && hash.kdf.iterations < WEAK_PBKDF2_ITERATIONS;

/** Argon2 costs above these are refused at import, as `verify` refuses them (1 GiB, 4 passes over 1 GiB). */
const MAX_ARGON2_MEMORY_KIB = 1024 * 1024;
const MAX_ARGON2_WORK_KIB = 4 * 1024 * 1024;

/**
 * Classify one exported password hash for import, without computing any hash: its format,
 * what to store, whether it must be wrapped (an unsalted MD5, SHA-1 or SHA-256 hex digest)
 * and whether it is weak. A bare `$argon2id$` string (PHP, argon2-cffi, passlib, Spring
 * without its prefix) is stored as `imported$…` so that it gets the typed-form retry; a
 * Keycloak credential (its JSON) becomes `imported$<PHC>`. Never throws for a bad value.
 *
 * @example
 * ```ts
 * import { readImportHash } from 'kanmon';
 * const r = readImportHash('pbkdf2_sha256$260000$YZubA8FYXsR13ApfEZvGXR$u+MwOaWBeOyfvcHflcW734/ZeroUtu1UfnrPiY8+6v8=');
 * // { ok: true, format: 'django-pbkdf2-sha256', stored: 'pbkdf2_sha256$…', wrap: null, weak: false }
 * ```
 */
export function readImportHash(value: unknown): ImportHashResult {
  if (typeof value !== 'string' && (typeof value !== 'object' || value === null)) return { ok: false, reason: 'unknown_format' };
  try {
    if (typeof value === 'object' || value.trimStart().startsWith('{"') || /^\{\s*"/.test(value)) {
      const { algorithm, stored } = keycloakToImported(value);
      const hash = readForeign(stored)!;
      boundArgon2(hash);
      return { ok: true, format: `keycloak-${algorithm}`, stored, wrap: null, weak: isWeak(hash) };
    }
    if (unsafeScheme(value)) return { ok: false, reason: 'unsafe_hash' };
    const digest = hexDigests.find(([length]) => value.length === length && /^[0-9a-fA-F]+$/.test(value));
    if (digest) return { ok: true, format: digest[1], stored: null, wrap: digest[1], weak: true };
    // crypt(3) DES: 2 salt characters and 11 of hash, ./0-9A-Za-z (only the first 8 password bytes count).
    if (/^[./0-9A-Za-z]{13}$/.test(value)) return { ok: true, format: 'crypt-des', stored: null, wrap: 'crypt-des', weak: true };
    if (/^\$argon2id\$/.test(value) && !/[$,](keyid|norm)=/.test(value)) return classify(`imported$${value}`, 'argon2id');
    if (/^\$argon2id\$|^\$pbkdf2-sha(256|512)\$i=/.test(value)) return { ok: true, format: 'kanmon', stored: value, wrap: null, weak: false };
    return classify(value, undefined);
  } catch (err) {
    return refusal(err);
  }
}

function classify(stored: string, format: ImportHashFormat | undefined): ImportHashResult {
  const hash = readForeign(stored);
  if (!hash) return { ok: false, reason: 'unknown_format' };
  boundArgon2(hash);
  return { ok: true, format: format ?? hash.format, stored, wrap: null, weak: isWeak(hash) };
}

function boundArgon2(hash: ForeignHash): void {
  if (hash.kdf.kind !== 'argon2id') return;
  const { memoryKiB, iterations } = hash.kdf.hash.params;
  if (memoryKiB > MAX_ARGON2_MEMORY_KIB || memoryKiB * iterations > MAX_ARGON2_WORK_KIB) {
    throw new KanmonError('ERR_UNSUPPORTED_HASH', 'argon2id cost above what kanmon verifies', { details: { reason: 'cost_too_high' } });
  }
}
