import { randomBytes, timingSafeEqual } from 'node:crypto';
import { KanmonError } from '../errors.js';
import { type KeyRing, keyRingForTenant } from '../keys/key-ring.js';
import { storeCall } from '../store/guard.js';
import { mfaKey } from './internal/keys.js';
import { CODE_BITS, HASH_PREFIX, canonicalCode, randomCode, recoveryHash } from './internal/recovery-hash.js';
import type { MfaLockout, MfaStore } from './capabilities.js';

/** Bits of entropy in each code from {@link generateRecoveryCodes} (60). */
export const RECOVERY_CODE_BITS = CODE_BITS;

/**
 * Fresh one-time recovery codes, to show the user once (print, write down).
 * Each is 12 characters of Crockford base32 from the CSPRNG (60 bits), in three
 * groups of four for reading aloud over the phone: `7K2M-QX9D-4RTB`. Entry is
 * forgiving: case, spaces, hyphens, full-width characters and O/0, I/L/1 do not matter.
 *
 * @param count How many codes. @default 10
 *
 * @example
 * ```ts
 * import { generateRecoveryCodes } from 'kanmon';
 * const codes = generateRecoveryCodes(); // ['7K2M-QX9D-4RTB', …] (10 codes)
 * ```
 */
export function generateRecoveryCodes(count = 10): string[] {
  if (!Number.isInteger(count) || count < 1 || count > 100) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', 'generateRecoveryCodes(count): count must be an integer from 1 to 100');
  }
  const codes = new Set<string>();
  while (codes.size < count) codes.add(randomCode());
  return [...codes];
}

/**
 * What to store on the account instead of the codes: their keyed hashes and
 * an id for this set (consumption is recorded per set, so a new set starts fresh).
 */
export interface RecoveryCodeSet {
  readonly setId: string;
  /** `kmr1.<keyId>.<HMAC-SHA-256>` per code, in the order generated. */
  readonly hashes: readonly string[];
}

/** Options for {@link hashRecoveryCodes}. */
export interface HashRecoveryCodesOptions {
  readonly keyRing: KeyRing;
  readonly account: string;
  /** @default 'default' */
  readonly tenant?: string;
}

/**
 * Hash recovery codes for storage: HMAC-SHA-256 under the key ring's current
 * key (subkey `recovery`), bound to tenant and account.
 *
 * Why a fast keyed hash and not Argon2id: a slow hash protects *low-entropy*
 * secrets (passwords) against offline guessing. These codes carry 60 bits from
 * the CSPRNG, and the HMAC key lives in the key ring, not in the database: a
 * stolen table alone gives nothing to test guesses against, and even with the
 * key, 2^59 HMACs per code on average is out of reach. A deterministic keyed hash
 * also lets a code be found by comparison in microseconds instead of ten
 * Argon2id runs per attempt, which would hand attackers a CPU-exhaustion lever.
 * Destroying the key (crypto-shredding) makes the hashes worthless.
 *
 * @example
 * ```ts
 * import { generateRecoveryCodes, hashRecoveryCodes } from 'kanmon';
 * const codes = generateRecoveryCodes(); // show these to the user once
 * const set = hashRecoveryCodes(codes, { keyRing, account: user.id, tenant: 'funabashi' });
 * await accounts.update(user.id, { recoveryCodes: set }); // store only the hashes
 * ```
 */
export function hashRecoveryCodes(codes: readonly string[], options: HashRecoveryCodesOptions): RecoveryCodeSet {
  const { keyRing, account, tenant = 'default' } = options;
  if (typeof account !== 'string' || account.length === 0 || typeof tenant !== 'string') {
    throw new KanmonError('ERR_INVALID_ARGUMENT', 'hashRecoveryCodes: account must be a non-empty string, tenant a string');
  }
  if (!Array.isArray(codes) || codes.length === 0) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', 'hashRecoveryCodes: codes must be a non-empty array');
  }
  const keyId = keyRingForTenant(keyRing, tenant).currentId; // the tenant's own key when it has one (issue 19)
  const hashes = codes.map((code: unknown, i) => {
    const canonical = canonicalCode(code);
    if (canonical === null) throw new KanmonError('ERR_INVALID_ARGUMENT', `hashRecoveryCodes: code #${i} is not a recovery code`);
    return recoveryHash(keyRing, keyId, tenant, account, canonical);
  });
  if (new Set(hashes).size !== hashes.length) throw new KanmonError('ERR_INVALID_ARGUMENT', 'hashRecoveryCodes: codes repeat');
  return { setId: randomBytes(16).toString('base64url'), hashes };
}

/** One recovery code to use instead of a TOTP code. */
export interface ConsumeRecoveryCodeInput {
  readonly account: string;
  /** @default 'default' */
  readonly tenant?: string;
  /** The account's stored set; `null`/`undefined` when it has none. */
  readonly set: RecoveryCodeSet | null | undefined;
  /** What the user typed. Anything at all: malformed input is `invalid_code`. */
  readonly code: unknown;
}

/** The capabilities {@link consumeRecoveryCode} works with (as for `verifyTotp`). */
export interface ConsumeRecoveryCodeOptions {
  readonly keyRing: KeyRing;
  readonly store: MfaStore;
  readonly lockout: MfaLockout;
  /** @default 2000 */
  readonly storeTimeoutMs?: number;
}

/** The answer of {@link consumeRecoveryCode}. */
export type ConsumeRecoveryCodeResult =
  | {
      readonly ok: true;
      /** Codes of this set still unused, for the UI ("3 codes left: make new ones"). */
      readonly remaining: number;
    }
  | { readonly ok: false; readonly reason: 'locked'; readonly retryAfterMs: number | null }
  | { readonly ok: false; readonly reason: 'invalid_code' | 'already_used' | 'not_enrolled' | 'unavailable' };

interface ParsedHash {
  readonly keyId: string;
  readonly mac: Buffer;
}

function parseSet(set: RecoveryCodeSet): ParsedHash[] {
  if (typeof set.setId !== 'string' || !Array.isArray(set.hashes)) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', 'recovery code set must be { setId, hashes } from hashRecoveryCodes');
  }
  return set.hashes.map((hash: unknown) => {
    const parts = typeof hash === 'string' ? hash.split('.') : [];
    const mac = Buffer.from(parts[2] ?? '', 'base64url');
    if (parts.length !== 3 || parts[0] !== HASH_PREFIX || !parts[1] || mac.length !== 32) {
      throw new KanmonError('ERR_INVALID_ARGUMENT', 'recovery code set holds a value that is not from hashRecoveryCodes');
    }
    return { keyId: parts[1], mac };
  });
}

function usedKey(tenant: string, account: string, setId: string): string {
  return mfaKey(tenant, 'recovery-used', account, setId);
}

/**
 * Use a recovery code as the second factor: each code works once, however many
 * requests race with it (the store's atomic `consumeOnce`), and attempts count
 * against the same second-factor lockout as TOTP codes.
 *
 * The typed code is hashed under each key id present in the set and compared
 * with every stored hash in constant time (no early exit), so timing tells
 * nothing about which or how many codes matched.
 *
 * @example
 * ```ts
 * import { consumeRecoveryCode, type KeyRing, type MfaLockout, type MfaStore, type RecoveryCodeSet } from 'kanmon';
 * declare const keyRing: KeyRing, store: MfaStore, lockout: MfaLockout;
 * declare const user: { id: string; recoveryCodes: RecoveryCodeSet | null };
 * declare const code: string; // as typed
 *
 * const result = await consumeRecoveryCode({ account: user.id, set: user.recoveryCodes, code }, { keyRing, store, lockout });
 * if (result.ok && result.remaining <= 2) console.log('few codes left: offer new ones');
 * ```
 */
export async function consumeRecoveryCode(input: ConsumeRecoveryCodeInput, options: ConsumeRecoveryCodeOptions): Promise<ConsumeRecoveryCodeResult> {
  const { account, tenant = 'default', set } = input;
  const { keyRing, store, lockout, storeTimeoutMs = 2000 } = options;
  if (set === null || set === undefined) return { ok: false, reason: 'not_enrolled' };
  const hashes = parseSet(set);
  if (hashes.length === 0) return { ok: false, reason: 'not_enrolled' };

  const who = { account, tenant };
  const reservation = await lockout.reserveMfa(who);
  if (!reservation.ok) {
    return reservation.reason === 'unavailable' ? { ok: false, reason: 'unavailable' } : { ok: false, reason: 'locked', retryAfterMs: reservation.retryAfterMs };
  }
  // A wrong code stays counted; reporting it as over lets a later right code forgive it (never one still in flight).
  const wrong = async (reason: 'invalid_code' | 'already_used'): Promise<ConsumeRecoveryCodeResult> => {
    await lockout.failMfa?.(who, reservation);
    return { ok: false, reason };
  };
  const canonical = canonicalCode(input.code);
  if (canonical === null) return wrong('invalid_code');

  const candidates = new Map<string, Buffer>();
  for (const { keyId } of hashes) {
    if (!candidates.has(keyId)) {
      candidates.set(keyId, Buffer.from(recoveryHash(keyRing, keyId, tenant, account, canonical).split('.')[2]!, 'base64url'));
    }
  }
  let index = -1;
  hashes.forEach(({ keyId, mac }, i) => {
    // every hash is compared, match or not
    if (timingSafeEqual(mac, candidates.get(keyId)!) && index === -1) index = i;
  });
  if (index === -1) return wrong('invalid_code');

  const consumed = await storeCall(store, storeTimeoutMs, (s) => s.consumeOnce(mfaKey(tenant, 'recovery', account, set.setId, String(index)), null));
  if (consumed === 'unavailable') return { ok: false, reason: 'unavailable' };
  if (!consumed) return wrong('already_used');
  const used = await storeCall(store, storeTimeoutMs, (s) => s.increment(usedKey(tenant, account, set.setId)));
  await lockout.succeedMfa(who, reservation);
  // The count is for display only: `consumeOnce` above is what makes a code single-use.
  return { ok: true, remaining: used === 'unavailable' ? Math.max(0, hashes.length - 1) : Math.max(0, hashes.length - used) };
}

/** Options for {@link recoveryCodesRemaining}. */
export interface RecoveryCodesRemainingOptions {
  readonly store: MfaStore;
  readonly account: string;
  /** @default 'default' */
  readonly tenant?: string;
}

/**
 * How many codes of `set` are still unused, for the account page. Throws
 * `ERR_STORE_UNAVAILABLE` when the store does not answer (it is not a login decision).
 *
 * @example
 * ```ts
 * import { recoveryCodesRemaining, type RecoveryCodeSet } from 'kanmon';
 * declare const set: RecoveryCodeSet; // stored on the account by hashRecoveryCodes
 * const left = await recoveryCodesRemaining(set, { store, account: user.id, tenant: 'funabashi' });
 * if (left <= 2) notify({ account: user.id, message: `recovery codes left: ${left}` });
 * ```
 */
export async function recoveryCodesRemaining(set: RecoveryCodeSet, options: RecoveryCodesRemainingOptions): Promise<number> {
  const { store, account, tenant = 'default' } = options;
  const hashes = parseSet(set);
  const used = await store.readCounter(usedKey(tenant, account, set.setId));
  return Math.max(0, hashes.length - used);
}
