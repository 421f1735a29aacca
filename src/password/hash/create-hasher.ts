import { createHash, createHmac, randomBytes as nodeRandomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { KanmonError } from '../../errors.js';
import { type KeyRing, keyRingForTenant } from '../../keys/key-ring.js';
import type { Policy } from '../../policy/define-policy.js';
import {
  ARGON2_SALT_BYTES,
  ARGON2_TAG_BYTES,
  type Argon2Engine,
  type Argon2EngineName,
  argon2Engine,
  formatArgon2id,
  readArgon2idString,
  verifyArgon2id,
} from './argon2id.js';
import { type ForeignHash, readForeign } from './foreign/read.js';
import { desCrypt } from './foreign/des-crypt.js';
import { foreignMaxBytes, verifyForeign } from './foreign/verify.js';
import type { PasswordNormalization } from '../normalize.js';
import { createGate, hasherGates } from './internal/gate.js';
import { PBKDF2_KEY_BYTES, PBKDF2_SALT_BYTES, type Pbkdf2Digest, derivePbkdf2, formatPbkdf2, readPbkdf2, verifyPbkdf2 } from './pbkdf2.js';
import { parsePhc } from './phc.js';

/** Options for {@link createPasswordHasher}. */
export interface PasswordHasherOptions {
  /** The policy: `hashing` (algorithm, cost, pepper, concurrency) and `password` (maxLength, normalization). */
  readonly policy: Policy;
  /** Needed when `policy.hashing.pepper` is on, or to verify hashes peppered earlier. */
  readonly keyRing?: KeyRing | undefined;
  /**
   * The Argon2id implementation: `'node-rs'` (`@node-rs/argon2`, a dependency),
   * `'node-argon2'` (the optional peer `argon2`, loaded on first use), or your own {@link Argon2Engine}.
   * @default 'node-rs'
   */
  readonly engine?: Argon2EngineName | Argon2Engine | undefined;
  /** Randomness for salts. @default node:crypto randomBytes */
  readonly randomBytes?: ((size: number) => Uint8Array) | undefined;
}

/** Why `verify` answered `valid: false` without comparing the password with a hash. */
export type PasswordRefusal =
  /** Longer than `policy.password.maxLength` code points (after normalisation). */
  | 'too_long'
  /** Not a string, or a string with unpaired UTF-16 surrogates (which no byte encoding keeps apart). */
  | 'malformed'
  /** Over 72 UTF-8 bytes against a legacy bcrypt hash, which would silently truncate it. */
  | 'bcrypt_too_long'
  /**
   * The stored value is no password hash kanmon reads, so no password can match it:
   * empty, `null`/`undefined`, a "no password" marker (`!`, `*`, `!!`, or any value
   * starting with `!` or `*`, as shadow(5) and Django write for locked or SSO-only
   * accounts), or a value in a scheme kanmon does not implement (`$6$…`, `$argon2i$…`).
   * Answered after one dummy verification, like an unknown account.
   */
  | 'unusable_hash';

/**
 * The answer of `verify`: never a bare boolean. `needsRehash` is true only for
 * a valid password whose hash differs from the policy (algorithm, parameters,
 * pepper key, normalisation form, or a legacy format): store `await hasher.hash(password)` then.
 */
export type PasswordVerifyResult =
  | { readonly valid: true; readonly needsRehash: boolean }
  | { readonly valid: false; readonly needsRehash: false; readonly refused?: PasswordRefusal };

/** The account's tenant: with a pepper, its own key when the key ring holds one (`keyRing.forTenant`, issue 19). */
export interface HashTenant { readonly tenant?: string | undefined }

/** Hashes and verifies passwords as the policy says (from {@link createPasswordHasher}). */
export interface PasswordHasher {
  /**
   * Hash a new password as the policy says (Argon2id or PBKDF2, optional pepper).
   * The password should have passed `checkPassword`; one over `maxLength` or malformed
   * is a programmer mistake here and throws `ERR_INVALID_ARGUMENT` (`details.reason`).
   */
  hash(password: string, options?: HashTenant): Promise<string>;
  /**
   * Verify against a stored hash of any format kanmon reads, normalising the password to the
   * form the hash records (`norm=`; none = NFKC). A stored value that is no hash kanmon reads
   * (empty, `!`, `*`, a foreign scheme) answers `refused: 'unusable_hash'` after one dummy
   * verification. Throws only when a hash of a scheme kanmon reads is broken or refused
   * (`ERR_INVALID_HASH`, `ERR_UNSUPPORTED_HASH`) or its pepper key is missing or destroyed.
   */
  verify(stored: string, password: string, options?: HashTenant): Promise<PasswordVerifyResult>;
  /**
   * Whether `stored` differs from what `hash` would write now (algorithm, parameters, pepper key,
   * normalisation form, legacy); `true` for a value that is no usable hash. Throws as `verify` does.
   */
  needsRehash(stored: string, options?: HashTenant): boolean;
  /** The cost of a `verify` against a policy hash, always `{ valid: false }`: for unknown accounts (enumeration by timing). */
  dummyVerify(password: string): Promise<PasswordVerifyResult>;
}

/** What {@link createPasswordHasher} returns: a {@link PasswordHasher} that also wraps weak imported digests. */
export interface ImportingPasswordHasher extends PasswordHasher {
  /**
   * Wrap an old system's fast, unsalted digest (the lowercase hex MD5, SHA-1 or SHA-256 of the
   * password it stored, or a 13-character crypt(3) DES string) in the policy's hash:
   * `layered$<inner>$<Argon2id or PBKDF2 of it>` (`layered$crypt-des$<salt>$…` for DES).
   * It verifies the password (typed, then normalised) and is replaced by a plain hash at the next
   * login. A hex of the wrong length for `inner` throws `ERR_INVALID_HASH`.
   */
  hashLayered(inner: LayeredInner, hexDigest: string): Promise<string>;
}

type Prepared = { ok: true; password: string; text: string } | { ok: false; reason: PasswordRefusal };

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Normalise as the policy says and bound the length, before any hashing.
 * A code point is at most 2 UTF-16 units and NFKC shrinks at most 3 code
 * points into 1 (Hangul L+V+T), so input over 6 × maxLength units can never
 * normalise to maxLength code points: it is refused without being read.
 */
function prepare(password: unknown, policy: Policy): Prepared {
  if (typeof password !== 'string') return { ok: false, reason: 'malformed' };
  const { maxLength, normalization } = policy.password;
  if (password.length > 6 * maxLength) return { ok: false, reason: 'too_long' };
  if (loneSurrogate.test(password)) return { ok: false, reason: 'malformed' };
  const text = password.normalize(normalization);
  let codePoints = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0xdc00 || unit > 0xdfff) codePoints++;
  }
  if (codePoints > maxLength) return { ok: false, reason: 'too_long' };
  return { ok: true, password, text };
}

/** The fast digests a `layered$` hash wraps: kanmon's own hash over the old system's hex digest (or crypt(3) DES string). */
export type LayeredInner = 'md5' | 'sha1' | 'sha256' | 'crypt-des';

type Own = { kind: 'argon2id'; hash: ReturnType<typeof readArgon2idString> } | { kind: 'pbkdf2'; hash: ReturnType<typeof readPbkdf2> };
type Stored = Own | { kind: 'foreign'; hash: ForeignHash } | { kind: 'layered'; inner: LayeredInner; salt: string; outer: Own } | { kind: 'unusable' };

const UNUSABLE: Stored = Object.freeze({ kind: 'unusable' });

/**
 * The stored value, read by the scheme its prefix names. A value naming no
 * scheme kanmon implements is not a hash: the account has no usable password
 * (an SSO-only or imported account, a `!`/`*` marker, an empty column). A
 * value naming one that kanmon implements but cannot read (truncated,
 * tampered, a refused version or cost) throws: that is a fault to see.
 */
function readStored(stored: unknown): Stored {
  if (typeof stored !== 'string') return UNUSABLE;
  const own = readOwn(stored);
  if (own) return own;
  const layered = /^layered\$(md5|sha1|sha256|crypt-des\$([./0-9A-Za-z]{2}))\$/.exec(stored);
  if (layered) {
    const outer = readOwn(stored.slice(layered[0].length));
    if (!outer) throw new KanmonError('ERR_INVALID_HASH', 'layered: expected an Argon2id or PBKDF2 hash after the inner digest');
    return { kind: 'layered', inner: (layered[2] === undefined ? layered[1] : 'crypt-des') as LayeredInner, salt: layered[2] ?? '', outer };
  }
  const foreign = readForeign(stored);
  return foreign ? { kind: 'foreign', hash: foreign } : UNUSABLE;
}

/** kanmon's own forms: `$argon2id$…` and `$pbkdf2-sha256$i=…` / `$pbkdf2-sha512$i=…` (passlib's `$pbkdf2-sha256$<rounds>$` is foreign). */
function readOwn(stored: string): Own | null {
  if (stored.startsWith('$argon2id$')) return { kind: 'argon2id', hash: readArgon2idString(stored) };
  if (/^\$pbkdf2-sha(256|512)\$(?!\d+\$)/.test(stored)) return { kind: 'pbkdf2', hash: readPbkdf2(parsePhc(stored)) };
  return null;
}

/**
 * The password hasher: Argon2id (OWASP's floor unless the policy says more) or,
 * under `cryptoProfile: 'cryptrec'`, PBKDF2-HMAC-SHA-256/512; optional pepper
 * by key id; upgrade on login; legacy bcrypt and scrypt import; a bounded
 * concurrency gate (SEC-23, FNB-3.1.2, SEC-17, SEC-4).
 *
 * One hasher per process: the gate (at most `hashing.maxConcurrentHashes` in
 * flight, `hashing.maxQueuedHashes` waiting, then `ERR_BUSY`) bounds memory
 * only if every hash goes through it.
 *
 * @example
 * ```ts
 * import { createPasswordHasher, definePolicy } from 'kanmon';
 * const hasher = createPasswordHasher({ policy: definePolicy('funabashi') });
 * const stored = await hasher.hash('Correct-Horse-7');
 * const result = await hasher.verify(stored, 'Correct-Horse-7');
 * if (result.valid && result.needsRehash) {
 *   // store await hasher.hash('Correct-Horse-7') in place of `stored`
 * }
 * ```
 */
export function createPasswordHasher(options: PasswordHasherOptions): ImportingPasswordHasher {
  const { policy, keyRing, engine: engineOption = 'node-rs', randomBytes = nodeRandomBytes } = options ?? ({} as PasswordHasherOptions);
  if (!policy || typeof policy !== 'object' || !policy.hashing || !policy.password) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', 'createPasswordHasher needs { policy } from definePolicy()');
  }
  const hashing = policy.hashing;
  if (hashing.pepper && !keyRing) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', 'policy.hashing.pepper is on: pass a keyRing (its current key peppers new hashes)');
  }
  const engine = typeof engineOption === 'string' ? argon2Engine(engineOption) : engineOption;
  if (!engine || typeof engine.hashRaw !== 'function') {
    throw new KanmonError('ERR_INVALID_ARGUMENT', "engine must be 'node-rs', 'node-argon2' or an Argon2Engine");
  }
  const gate = createGate(hashing.maxConcurrentHashes ?? availableParallelism(), hashing.maxQueuedHashes);
  const argon2Params = hashing.argon2;
  /** Stored Argon2 hashes needing more memory than this are refused: 1 GiB, or the policy's own cost if higher. */
  const maxVerifyMemoryKiB = Math.max(argon2Params.memoryKiB, 1024 * 1024);
  /** …and more memory × passes than this: 4 passes over 1 GiB, or the policy's own cost if higher. */
  const maxVerifyWorkKiB = Math.max(argon2Params.memoryKiB * argon2Params.iterations, 4 * 1024 * 1024);
  const pbkdf2Digest: Pbkdf2Digest | undefined =
    hashing.algorithm === 'pbkdf2-sha256' ? 'sha256' : hashing.algorithm === 'pbkdf2-sha512' ? 'sha512' : undefined;
  const pbkdf2Iterations = pbkdf2Digest === 'sha512' ? hashing.pbkdf2.iterationsSha512 : hashing.pbkdf2.iterationsSha256;
  const form: PasswordNormalization = policy.password.normalization;

  const currentKeyId = (tenant?: string): string | undefined => (hashing.pepper ? keyRingForTenant(keyRing!, tenant).currentId : undefined);

  /** The bytes the KDF sees: the normalised password, or HMAC-SHA-256 of it under the pepper key. */
  const material = (text: string, keyId: string | undefined): Buffer => {
    if (keyId === undefined) return Buffer.from(text, 'utf8');
    if (!keyRing) throw new KanmonError('ERR_KEY_NOT_FOUND', `the hash is peppered with key '${keyId}' but no keyRing was given`);
    return createHmac('sha256', keyRing.derive(keyId, 'pepper')).update(text, 'utf8').digest();
  };

  const salt = (size: number): Buffer => {
    const bytes = randomBytes(size);
    if (!(bytes instanceof Uint8Array) || bytes.length !== size) throw new KanmonError('ERR_INVALID_ARGUMENT', 'randomBytes returned the wrong size');
    return Buffer.from(bytes);
  };

  const hashPrepared = async (text: string, tenant?: string): Promise<string> => {
    const keyId = currentKeyId(tenant);
    const input = material(text, keyId);
    try {
      if (pbkdf2Digest) {
        const s = salt(PBKDF2_SALT_BYTES);
        const key = await gate.run(() => derivePbkdf2(pbkdf2Digest, input, s, pbkdf2Iterations, PBKDF2_KEY_BYTES[pbkdf2Digest]), 'pbkdf2');
        return formatPbkdf2({ digest: pbkdf2Digest, iterations: pbkdf2Iterations, keyId, normalization: form, salt: s, key });
      }
      const s = salt(ARGON2_SALT_BYTES);
      const tag = await gate.run(() => engine.hashRaw(input, s, argon2Params, ARGON2_TAG_BYTES), 'argon2id');
      return formatArgon2id({ params: argon2Params, keyId, normalization: form, salt: s, tag });
    } finally {
      input.fill(0);
    }
  };

  const needsRehashParsed = (stored: Stored, tenant?: string): boolean => {
    const keyId = currentKeyId(tenant);
    switch (stored.kind) {
      case 'argon2id': {
        const { params, salt: s, tag } = stored.hash;
        return (
          hashing.algorithm !== 'argon2id' ||
          params.memoryKiB !== argon2Params.memoryKiB ||
          params.iterations !== argon2Params.iterations ||
          params.parallelism !== argon2Params.parallelism ||
          s.length < ARGON2_SALT_BYTES ||
          tag.length !== ARGON2_TAG_BYTES ||
          stored.hash.keyId !== keyId ||
          (stored.hash.normalization ?? 'NFKC') !== form
        );
      }
      case 'pbkdf2':
        return (
          stored.hash.digest !== pbkdf2Digest ||
          stored.hash.iterations !== pbkdf2Iterations ||
          stored.hash.salt.length < PBKDF2_SALT_BYTES ||
          stored.hash.key.length !== PBKDF2_KEY_BYTES[stored.hash.digest] ||
          stored.hash.keyId !== keyId ||
          (stored.hash.normalization ?? 'NFKC') !== form
        );
      case 'foreign':
      case 'layered':
        return true; // imported hashes are always upgraded (SEC-4)
      case 'unusable':
        return true; // not what hash() writes (though no password verifies against it)
    }
  };

  const dummy = async (text: string): Promise<void> => {
    // What a verify against a policy hash costs: the same KDF, parameters and pepper.
    await hashPrepared(text);
  };

  const refused = (reason: PasswordRefusal): PasswordVerifyResult => ({ valid: false, needsRehash: false, refused: reason });

  /**
   * The password as the stored hash was computed over: normalised to the form
   * the hash records. Its cost does not depend on whether the password is right,
   * and one hash is computed either way: the form belongs to the account, not to the guess.
   */
  const textFor = (prepared: { password: string; text: string }, recorded: PasswordNormalization | undefined): string =>
    (recorded ?? 'NFKC') === form ? prepared.text : prepared.password.normalize(recorded ?? 'NFKC');

  /**
   * A hash another system made, perhaps over what the user typed without normalising it:
   * the typed bytes, then the normalised form if it differs (never for kanmon's own hashes).
   */
  const candidates = (typed: string, text: string): string[] => (typed === text ? [typed] : [typed, text]);

  /** Refuse, before computing, an Argon2 cost no verification should spend (a tampered or absurd value). */
  const boundArgon2 = (params: { memoryKiB: number; iterations: number }): void => {
    if (params.memoryKiB > maxVerifyMemoryKiB || params.memoryKiB * params.iterations > maxVerifyWorkKiB) {
      throw new KanmonError('ERR_UNSUPPORTED_HASH', `argon2id m=${params.memoryKiB} KiB, t=${params.iterations} is above the ${maxVerifyMemoryKiB} KiB (${maxVerifyWorkKiB} KiB·passes) kanmon verifies`, {
        details: { reason: 'cost_too_high', memoryKiB: params.memoryKiB, iterations: params.iterations },
      });
    }
  };

  const verifyOwn = async (own: Own, text: string): Promise<boolean> => {
    if (own.kind === 'argon2id') boundArgon2(own.hash.params);
    const input = material(text, own.hash.keyId);
    try {
      return own.kind === 'argon2id' ? await gate.run(() => verifyArgon2id(engine, own.hash, input), 'argon2id') : await gate.run(() => verifyPbkdf2(own.hash, input), 'pbkdf2');
    } finally {
      input.fill(0);
    }
  };

  const hasher: ImportingPasswordHasher = {
    async hash(password, options) {
      const prepared = prepare(password, policy);
      if (!prepared.ok) {
        throw new KanmonError('ERR_INVALID_ARGUMENT', `password refused before hashing: ${prepared.reason}; run checkPassword first`, {
          details: { reason: prepared.reason, maxLength: policy.password.maxLength },
        });
      }
      return hashPrepared(prepared.text, options?.tenant);
    },

    async verify(storedValue, password, options) {
      const prepared = prepare(password, policy);
      if (!prepared.ok) return refused(prepared.reason);
      const stored = readStored(storedValue);
      let valid: boolean;
      switch (stored.kind) {
        case 'unusable':
          // No password can match: spend what an unknown account spends (same KDF, same cost), then say so.
          await dummy(prepared.text);
          return refused('unusable_hash');
        case 'argon2id':
        case 'pbkdf2':
          valid = await verifyOwn(stored, textFor(prepared, stored.hash.normalization));
          break;
        case 'layered': {
          // kanmon's hash over the old system's hex digest of the password, as typed then normalised.
          const { inner, salt: innerSalt, outer } = stored;
          valid = false;
          for (const candidate of candidates(password, prepared.text)) {
            const digest = inner === 'crypt-des' ? desCrypt(Buffer.from(candidate, 'utf8'), innerSalt)! : createHash(inner).update(candidate, 'utf8').digest('hex');
            if ((valid = await verifyOwn(outer, digest))) break;
          }
          break;
        }
        case 'foreign': {
          const { hash } = stored;
          const max = foreignMaxBytes(hash);
          if (max !== undefined && Buffer.byteLength(password, 'utf8') > max) {
            // Refuse rather than truncate, at the cost of a normal verify, so the
            // answer's timing does not reveal that this account has a bcrypt hash.
            await dummy(prepared.text);
            return refused('bcrypt_too_long');
          }
          if (hash.kdf.kind === 'argon2id') boundArgon2(hash.kdf.hash.params);
          valid = false;
          for (const candidate of candidates(password, prepared.text)) {
            if ((valid = await gate.run(() => verifyForeign(hash, candidate, engine), 'foreign'))) break;
          }
          break;
        }
      }
      return valid ? { valid: true, needsRehash: needsRehashParsed(stored, options?.tenant) } : { valid: false, needsRehash: false };
    },

    async hashLayered(inner, digest) {
      if (inner === 'crypt-des') {
        if (typeof digest !== 'string' || !/^[./0-9A-Za-z]{13}$/.test(digest)) throw new KanmonError('ERR_INVALID_HASH', 'layered: expected a 13-character crypt(3) DES string');
        return `layered$crypt-des$${digest.slice(0, 2)}$${await hashPrepared(digest)}`;
      }
      const length = { md5: 32, sha1: 40, sha256: 64 }[inner];
      if (length === undefined || typeof digest !== 'string' || !new RegExp(`^[0-9a-fA-F]{${length}}$`).test(digest)) {
        throw new KanmonError('ERR_INVALID_HASH', `layered: expected the ${length ?? '?'}-digit hex of a ${String(inner)} digest`);
      }
      return `layered$${inner}$${await hashPrepared(digest.toLowerCase())}`;
    },

    needsRehash(storedValue, options) {
      return needsRehashParsed(readStored(storedValue), options?.tenant);
    },

    async dummyVerify(password) {
      const prepared = prepare(password, policy);
      if (!prepared.ok) return refused(prepared.reason);
      await dummy(prepared.text);
      return { valid: false, needsRehash: false };
    },
  };
  hasherGates.set(hasher, gate);
  return hasher;
}
