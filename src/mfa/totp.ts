import { isKanmonError } from '../errors.js';
import type { KeyRing } from '../keys/key-ring.js';
import { openSecret, sealSecret } from '../keys/secret-box.js';
import type { Policy } from '../policy/define-policy.js';
import { storeCall } from '../store/guard.js';
import { TOTP_PENDING_PURPOSE, TOTP_PURPOSE } from './enroll-totp.js';
import { mfaKey } from './internal/keys.js';
import type { MfaLockout, MfaStore } from './capabilities.js';
import { epochSeconds, matchStep, normaliseCode } from './internal/totp-core.js';

/** Why a code was refused. */
export type TotpFailureReason = 'invalid_code' | 'replayed' | 'locked' | 'not_enrolled' | 'unavailable';

/** The answer of {@link verifyTotp}: never a bare boolean. */
export type VerifyTotpResult =
  | {
      readonly ok: true;
      /**
       * Present when the secret was sealed under a key that is no longer current
       * (after a rotation): store this instead, so the old key can be destroyed.
       */
      readonly resealedSecret?: string;
    }
  | {
      readonly ok: false;
      readonly reason: 'locked';
      /** ms until the second-factor lock ends; `null` = until an administrator unlocks. */
      readonly retryAfterMs: number | null;
    }
  | { readonly ok: false; readonly reason: Exclude<TotpFailureReason, 'locked'> };

/** One code to check. */
export interface VerifyTotpInput {
  /** The account id the secret was sealed for. */
  readonly account: string;
  /** Tenant (municipality) id the secret was sealed for (`createMfa({ tenant })` names it once). @default 'default' */
  readonly tenant?: string;
  /** The confirmed sealed secret stored on the account; `null`/`undefined` when none. */
  readonly sealedSecret: string | null | undefined;
  /** What the user typed. Anything at all: malformed input is `invalid_code`, never a throw. */
  readonly code: unknown;
}

/** The capabilities {@link verifyTotp} works with. */
export interface VerifyTotpOptions {
  readonly policy: Policy;
  readonly keyRing: KeyRing;
  /** Shared state (memory, Redis, PostgreSQL): the last accepted time step per account. */
  readonly store: MfaStore;
  /** The second-factor failure counter and lock (`policy.lockout.mfa`): `createLockout(...)` over the same store. */
  readonly lockout: MfaLockout;
  /** Clock, ms since the epoch. */
  readonly now: () => number;
  /** A store call slower than this answers `unavailable`. @default 2000 */
  readonly storeTimeoutMs?: number;
}

type Opened = { readonly kind: 'confirmed' | 'pending'; readonly secret: Buffer; readonly needsReseal: boolean } | { readonly kind: 'none' };

function openTotpSecret(keyRing: KeyRing, sealed: unknown, tenant: string, account: string, expect: 'confirmed' | 'pending'): Opened {
  if (typeof sealed !== 'string' || sealed.length === 0) return { kind: 'none' };
  const first = expect === 'confirmed' ? TOTP_PURPOSE : TOTP_PENDING_PURPOSE;
  const other = expect === 'confirmed' ? TOTP_PENDING_PURPOSE : TOTP_PURPOSE;
  try {
    const opened = openSecret(keyRing, sealed, { tenant, account, purpose: first });
    return { kind: expect, secret: opened.value, needsReseal: opened.needsReseal };
  } catch (err) {
    if (!isKanmonError(err, 'ERR_SEAL_INVALID')) throw err;
    // A value sealed for the other stage opens under its own purpose: say which
    // stage it is in rather than calling it tampered. Anything else is tampering.
    try {
      const opened = openSecret(keyRing, sealed, { tenant, account, purpose: other });
      opened.value.fill(0);
    } catch (second) {
      // The other stage's value of another tenant: the error that names the tenants.
      throw isKanmonError(second, 'ERR_SEAL_INVALID') && second.details?.['sealedForTenant'] !== undefined ? second : err;
    }
    return { kind: 'none' };
  }
}

async function checkCode(
  secret: Buffer,
  input: { readonly account: string; readonly tenant: string; readonly code: unknown },
  options: VerifyTotpOptions,
  stage: 'confirmed' | 'pending' = 'confirmed',
): Promise<VerifyTotpResult> {
  const { policy, store, lockout, now, storeTimeoutMs = 2000 } = options;
  const who = { account: input.account, tenant: input.tenant };
  const reservation = await lockout.reserveMfa(who);
  if (!reservation.ok) {
    return reservation.reason === 'unavailable' ? { ok: false, reason: 'unavailable' } : { ok: false, reason: 'locked', retryAfterMs: reservation.retryAfterMs };
  }
  // A wrong code stays counted; reporting it as over lets a later right code forgive it (never one still in flight).
  const wrong = async (reason: 'invalid_code' | 'replayed'): Promise<VerifyTotpResult> => {
    await lockout.failMfa?.(who, reservation);
    return { ok: false, reason };
  };
  const settings = policy.mfa.totp;
  const code = normaliseCode(input.code, settings.digits);
  if (code === null) return wrong('invalid_code');
  const step = await matchStep(secret, code, settings, epochSeconds(now));
  if (step === null) return wrong('invalid_code');
  // The matched step is spent for good. advanceIfGreater is atomic in every
  // store, so of two requests racing with one code exactly one moves it. The
  // record must outlive every code that could still match: a code is valid from
  // `window` steps before its step until `window` steps after.
  const ttlMs = (2 * settings.window + 2) * settings.periodSeconds * 1000;
  // A pending secret (enrolment) has its own last step: a code of the new app is no replay of the step the
  // current factor was just proven at (a replacement), so it is checked against the pending secret's steps only,
  // and once accepted it is spent for the account too, so it cannot sign in again after the enrolment.
  const key = stage === 'pending' ? mfaKey(input.tenant, 'totp-step', input.account, 'pending') : mfaKey(input.tenant, 'totp-step', input.account);
  const advanced = await storeCall(store, storeTimeoutMs, (s) => s.advanceIfGreater(key, step, ttlMs));
  if (advanced === 'unavailable') return { ok: false, reason: 'unavailable' };
  if (!advanced) return wrong('replayed');
  if (stage === 'pending') {
    const spent = await storeCall(store, storeTimeoutMs, (s) => s.advanceIfGreater(mfaKey(input.tenant, 'totp-step', input.account), step, ttlMs));
    if (spent === 'unavailable') return { ok: false, reason: 'unavailable' };
  }
  // The decision is made; a failed reset only leaves the failure count standing (the stricter side).
  await lockout.succeedMfa(who, reservation);
  return { ok: true };
}

/**
 * Check a TOTP code (RFC 6238) as the second factor, with replay protection
 * and the second-factor lockout.
 *
 * In order: no confirmed secret → `not_enrolled` (nothing counted); locked →
 * `locked` with `retryAfterMs`, even for the correct code; then the attempt is
 * counted *before* the code is looked at, so however many requests race, at
 * most `lockout.mfa.maxFailures` codes are checked per lock. A code of the
 * wrong length or with non-digits is `invalid_code` (full-width digits and
 * spaces are accepted: `１２３ ４５６`). A code matching a step within
 * `mfa.totp.window` steps of now is accepted only if that step is later than
 * the last accepted one, atomically: a replay, and the loser of two requests
 * racing with one code, get `replayed` (and stay counted as failures).
 * A correct code resets the failure counter.
 *
 * Throws only for configuration or data faults: `ERR_SEAL_INVALID` (tampered,
 * another account's secret, or one sealed for another tenant: then it names
 * both tenants), `ERR_KEY_DESTROYED`, `ERR_KEY_NOT_FOUND`. `createMfa` names
 * the tenant once for every call.
 *
 * @example
 * ```ts
 * import { createLockout, definePolicy, memoryStore, verifyTotp, type KeyRing } from 'kanmon';
 * declare const keyRing: KeyRing;
 * declare const user: { id: string; totpSecret: string | null };
 * declare const code: string; // as typed
 *
 * const policy = definePolicy('funabashi');
 * const store = memoryStore();
 * const lockout = createLockout({ policy, store });
 * const result = await verifyTotp(
 *   { account: user.id, tenant: 'funabashi', sealedSecret: user.totpSecret, code },
 *   { policy, keyRing, store, lockout, now: () => Date.now() },
 * );
 * if (!result.ok) console.log(result.reason); // 'invalid_code' | 'replayed' | 'locked' | 'not_enrolled' | 'unavailable'
 * else if (result.resealedSecret) user.totpSecret = result.resealedSecret; // after a key rotation
 * ```
 */
export async function verifyTotp(input: VerifyTotpInput, options: VerifyTotpOptions): Promise<VerifyTotpResult> {
  const { account, tenant = 'default' } = input;
  const { keyRing } = options;
  const opened = openTotpSecret(keyRing, input.sealedSecret, tenant, account, 'confirmed');
  if (opened.kind === 'none') return { ok: false, reason: 'not_enrolled' };
  try {
    const result = await checkCode(opened.secret, { account, tenant, code: input.code }, options);
    if (result.ok && opened.needsReseal) {
      return { ok: true, resealedSecret: sealSecret(keyRing, opened.secret, { tenant, account, purpose: TOTP_PURPOSE }) };
    }
    return result;
  } finally {
    opened.secret.fill(0);
  }
}

/** One first code, confirming a pending enrolment. */
export interface ConfirmTotpInput {
  readonly account: string;
  /** @default 'default' */
  readonly tenant?: string;
  /** `pendingSealedSecret` from `enrollTotp`. */
  readonly pendingSealedSecret: string;
  readonly code: unknown;
}

/** The answer of {@link confirmTotpEnrollment}. */
export type ConfirmTotpResult =
  | {
      readonly ok: true;
      /** Store this as the account's TOTP secret, replacing the pending one. */
      readonly sealedSecret: string;
    }
  | Exclude<VerifyTotpResult, { readonly ok: true }>;

/**
 * Confirm a pending enrolment with the first code from the user's app. The
 * same rules as {@link verifyTotp} apply (lockout, replay: the confirming code
 * cannot then be used again to log in). On success the secret is sealed again
 * for purpose `totp`, the only form {@link verifyTotp} accepts.
 * `not_enrolled` when the value is not a pending enrolment of this account.
 *
 * @example
 * ```ts
 * import { confirmTotpEnrollment, createLockout, memoryStore } from 'kanmon';
 * const store = memoryStore();
 * const lockout = createLockout({ policy, store });
 * const confirmed = await confirmTotpEnrollment(
 *   { account: user.id, tenant: 'funabashi', pendingSealedSecret, code },
 *   { policy, keyRing, store, lockout, now: () => Date.now() },
 * );
 * if (confirmed.ok) await saveTotpSecret(user.id, confirmed.sealedSecret);
 * else console.log(confirmed.reason); // 'invalid_code', 'not_enrolled', …
 * ```
 */
export async function confirmTotpEnrollment(input: ConfirmTotpInput, options: VerifyTotpOptions): Promise<ConfirmTotpResult> {
  const { account, tenant = 'default' } = input;
  const { keyRing } = options;
  const opened = openTotpSecret(keyRing, input.pendingSealedSecret, tenant, account, 'pending');
  if (opened.kind === 'none') return { ok: false, reason: 'not_enrolled' };
  try {
    const result = await checkCode(opened.secret, { account, tenant, code: input.code }, options, 'pending');
    if (!result.ok) return result;
    return { ok: true, sealedSecret: sealSecret(keyRing, opened.secret, { tenant, account, purpose: TOTP_PURPOSE }) };
  } finally {
    opened.secret.fill(0);
  }
}
