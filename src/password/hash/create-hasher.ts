import { createHmac, randomBytes as nodeRandomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { KanmonError } from '../../errors.js';
import type { KeyRing } from '../../keys/key-ring.js';
import type { Policy } from '../../policy/define-policy.js';
import {
  ARGON2_SALT_BYTES,
  ARGON2_TAG_BYTES,
  type Argon2Engine,
  type Argon2EngineName,
  argon2Engine,
  formatArgon2id,
  readArgon2id,
  verifyArgon2id,
} from './argon2id.js';
import { BCRYPT_MAX_BYTES, readBcrypt, verifyBcrypt } from './bcrypt.js';
import type { PasswordNormalization } from '../normalize.js';
import { createGate } from './internal/gate.js';
import { PBKDF2_KEY_BYTES, PBKDF2_SALT_BYTES, type Pbkdf2Digest, derivePbkdf2, formatPbkdf2, readPbkdf2, verifyPbkdf2 } from './pbkdf2.js';
import { parsePhc } from './phc.js';
import { readScrypt, verifyScrypt } from './scrypt.js';

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

export interface PasswordHasher {
  /**
   * Hash a new password as the policy says (Argon2id or PBKDF2, optional pepper).
   * The password should have passed `checkPassword`; one over `maxLength` or malformed
   * is a programmer mistake here and throws `ERR_INVALID_ARGUMENT` (`details.reason`).
   */
  hash(password: string): Promise<string>;
  /**
   * Verify against a stored hash of any format kanmon reads, normalising the password to the
   * form the hash records (`norm=`; none = NFKC). A stored value that is no hash kanmon reads
   * (empty, `!`, `*`, a foreign scheme) answers `refused: 'unusable_hash'` after one dummy
   * verification. Throws only when a hash of a scheme kanmon reads is broken or refused
   * (`ERR_INVALID_HASH`, `ERR_UNSUPPORTED_HASH`) or its pepper key is missing or destroyed.
   */
  verify(stored: string, password: string): Promise<PasswordVerifyResult>;
  /**
   * Whether `stored` differs from what `hash` would write now (algorithm, parameters, pepper key,
   * normalisation form, legacy); `true` for a value that is no usable hash. Throws as `verify` does.
   */
  needsRehash(stored: string): boolean;
  /** The cost of a `verify` against a policy hash, always `{ valid: false }`: for unknown accounts (enumeration by timing). */
  dummyVerify(password: string): Promise<PasswordVerifyResult>;
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

type Stored =
  | { kind: 'argon2id'; hash: ReturnType<typeof readArgon2id> }
  | { kind: 'pbkdf2'; hash: ReturnType<typeof readPbkdf2> }
  | { kind: 'bcrypt'; hash: ReturnType<typeof readBcrypt> }
  | { kind: 'scrypt'; hash: ReturnType<typeof readScrypt> }
  | { kind: 'unusable' };

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
  if (/^\$2[aby]\$/.test(stored)) return { kind: 'bcrypt', hash: readBcrypt(stored) };
  if (stored.startsWith('$scrypt$')) return { kind: 'scrypt', hash: readScrypt(stored) };
  if (stored.startsWith('$argon2id$')) return { kind: 'argon2id', hash: readArgon2id(parsePhc(stored)) };
  if (stored.startsWith('$pbkdf2-sha256$') || stored.startsWith('$pbkdf2-sha512$')) return { kind: 'pbkdf2', hash: readPbkdf2(parsePhc(stored)) };
  return UNUSABLE;
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
export function createPasswordHasher(options: PasswordHasherOptions): PasswordHasher {
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
  const pbkdf2Digest: Pbkdf2Digest | undefined =
    hashing.algorithm === 'pbkdf2-sha256' ? 'sha256' : hashing.algorithm === 'pbkdf2-sha512' ? 'sha512' : undefined;
  const pbkdf2Iterations = pbkdf2Digest === 'sha512' ? hashing.pbkdf2.iterationsSha512 : hashing.pbkdf2.iterationsSha256;
  const form: PasswordNormalization = policy.password.normalization;

  const currentKeyId = (): string | undefined => (hashing.pepper ? keyRing!.currentId : undefined);

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

  const hashPrepared = async (text: string): Promise<string> => {
    const keyId = currentKeyId();
    const input = material(text, keyId);
    try {
      if (pbkdf2Digest) {
        const s = salt(PBKDF2_SALT_BYTES);
        const key = await gate.run(() => derivePbkdf2(pbkdf2Digest, input, s, pbkdf2Iterations, PBKDF2_KEY_BYTES[pbkdf2Digest]));
        return formatPbkdf2({ digest: pbkdf2Digest, iterations: pbkdf2Iterations, keyId, normalization: form, salt: s, key });
      }
      const s = salt(ARGON2_SALT_BYTES);
      const tag = await gate.run(() => engine.hashRaw(input, s, argon2Params, ARGON2_TAG_BYTES));
      return formatArgon2id({ params: argon2Params, keyId, normalization: form, salt: s, tag });
    } finally {
      input.fill(0);
    }
  };

  const needsRehashParsed = (stored: Stored): boolean => {
    const keyId = currentKeyId();
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
      case 'bcrypt':
      case 'scrypt':
        return true; // legacy imports are always upgraded (SEC-4)
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

  const verifyLegacy = async (stored: Stored & { kind: 'bcrypt' | 'scrypt' }, typed: string, text: string): Promise<boolean> => {
    // A previous system hashed what the user typed, perhaps without normalising it:
    // try the typed bytes, then the normalised form if it differs.
    for (const candidate of typed === text ? [typed] : [typed, text]) {
      const bytes = Buffer.from(candidate, 'utf8');
      try {
        if (stored.kind === 'bcrypt') {
          if (bytes.length > BCRYPT_MAX_BYTES) continue;
          if (await gate.run(() => verifyBcrypt(stored.hash, bytes))) return true;
        } else if (await gate.run(() => verifyScrypt(stored.hash, bytes))) {
          return true;
        }
      } finally {
        bytes.fill(0);
      }
    }
    return false;
  };

  return {
    async hash(password) {
      const prepared = prepare(password, policy);
      if (!prepared.ok) {
        throw new KanmonError('ERR_INVALID_ARGUMENT', `password refused before hashing: ${prepared.reason}; run checkPassword first`, {
          details: { reason: prepared.reason, maxLength: policy.password.maxLength },
        });
      }
      return hashPrepared(prepared.text);
    },

    async verify(storedValue, password) {
      const prepared = prepare(password, policy);
      if (!prepared.ok) return refused(prepared.reason);
      const stored = readStored(storedValue);
      let valid: boolean;
      switch (stored.kind) {
        case 'unusable':
          // No password can match: spend what an unknown account spends (same KDF, same cost), then say so.
          await dummy(prepared.text);
          return refused('unusable_hash');
        case 'argon2id': {
          if (stored.hash.params.memoryKiB > maxVerifyMemoryKiB) {
            // A stored value (perhaps tampered with) must not make one verify allocate gigabytes.
            throw new KanmonError('ERR_UNSUPPORTED_HASH', `argon2id m=${stored.hash.params.memoryKiB} KiB is above the ${maxVerifyMemoryKiB} KiB kanmon verifies`);
          }
          const input = material(textFor(prepared, stored.hash.normalization), stored.hash.keyId);
          try {
            valid = await gate.run(() => verifyArgon2id(engine, stored.hash, input));
          } finally {
            input.fill(0);
          }
          break;
        }
        case 'pbkdf2': {
          const input = material(textFor(prepared, stored.hash.normalization), stored.hash.keyId);
          try {
            valid = await gate.run(() => verifyPbkdf2(stored.hash, input));
          } finally {
            input.fill(0);
          }
          break;
        }
        case 'bcrypt':
          if (Buffer.byteLength(password, 'utf8') > BCRYPT_MAX_BYTES) {
            // Refuse rather than truncate, at the cost of a normal verify, so the
            // answer's timing does not reveal that this account has a bcrypt hash.
            await dummy(prepared.text);
            return refused('bcrypt_too_long');
          }
          valid = await verifyLegacy(stored, password, prepared.text);
          break;
        case 'scrypt':
          valid = await verifyLegacy(stored, password, prepared.text);
          break;
      }
      return valid ? { valid: true, needsRehash: needsRehashParsed(stored) } : { valid: false, needsRehash: false };
    },

    needsRehash(storedValue) {
      return needsRehashParsed(readStored(storedValue));
    },

    async dummyVerify(password) {
      const prepared = prepare(password, policy);
      if (!prepared.ok) return refused(prepared.reason);
      await dummy(prepared.text);
      return { valid: false, needsRehash: false };
    },
  };
}
