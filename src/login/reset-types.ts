/**
 * What the self-service password reset of `Kanmon` takes and answers (`requestPasswordReset`,
 * `completePasswordReset`), and the application's delivery callback. Part of the public contract of the
 * login flow (`types.ts` re-exports it).
 */
import type { AccessDenyReason } from '../access/evaluate-access.js';
import type { MessageLang } from '../messages/catalog.js';
import type { PasswordIssue } from '../password/issues.js';
import type { OutageCause } from './outage.js';
import type { RequestFacts } from './inputs.js';

/** What the application's `deliver` gets: everything to write the message, once. kanmon never sends it itself. */
export interface PasswordResetDelivery {
  readonly tenant: string;
  readonly accountId: string;
  /** The secret to put in the link or message. Never log it; kanmon keeps only its keyed hash. */
  readonly token: string;
  /** When the token stops working (epoch ms): `policy.recovery.tokenTtlMinutes` after the request. */
  readonly expiresAt: number;
  /** The language the user asked in. */
  readonly lang: MessageLang;
}

/** Self-service password reset (`policy.recovery.selfService`): how the token reaches the user. */
export interface KanmonRecoveryOptions {
  /**
   * Send the token to the account's address of record (mail, SMS: the application's channel; kanmon makes no
   * outbound call). Called once per request for an account that may reset, never for an unknown or disabled
   * one. kanmon does not wait for it, so every request answers alike and as fast: enqueue and return. A throw
   * or a rejection is reported with `process.emitWarning` (code `KANMON_RESET_DELIVERY`), without the token.
   */
  readonly deliver: (delivery: PasswordResetDelivery) => void | Promise<void>;
}

/** What {@link Kanmon.requestPasswordReset} needs. */
export interface RequestPasswordResetInput extends RequestFacts {
  readonly tenant: string;
  /** The login name as the user typed it. */
  readonly username: string;
  /** The language of the message `deliver` will write. @default 'ja' */
  readonly lang?: MessageLang | undefined;
}

/** Why a reset request was refused: never anything about the account. */
export type RequestPasswordResetDenyReason =
  /** `policy.recovery.selfService` is off: an administrator resets passwords (`adminResetPassword`). */
  | 'self_service_off'
  /** The name is empty, too long or not a string. */
  | 'invalid_request'
  /** Too many requests for this account or from this client (`retryAfterMs`). */
  | 'throttled'
  | 'unavailable'
  /** The place, terminal or time refused, as for a login. */
  | AccessDenyReason;

/**
 * The answer of {@link Kanmon.requestPasswordReset}: `{ ok: true }`, the same object for an account that
 * exists, one that does not, a disabled one and a locked one (the audit log keeps which).
 */
export type RequestPasswordResetResult =
  | { readonly ok: true }
  | ({
      readonly ok: false;
      readonly reason: RequestPasswordResetDenyReason;
      /** For `throttled`, `unavailable`: ms until a retry may succeed. */
      readonly retryAfterMs?: number;
    } & OutageCause);

/** What {@link Kanmon.completePasswordReset} needs. */
export interface CompletePasswordResetInput extends RequestFacts {
  readonly tenant: string;
  /** The token `deliver` sent. */
  readonly token: string;
  readonly newPassword: string;
  /** The challenge of an `mfa_required` answer: send it back with `code` and the same token and password. */
  readonly challenge?: string | undefined;
  /** A code of the account's second factor (TOTP, or an unused recovery code), with `challenge`. */
  readonly code?: string | undefined;
}

/** Why a reset completion was refused. */
export type CompletePasswordResetDenyReason =
  | 'self_service_off'
  /** Unknown, used, expired, superseded (a newer token, a login, a change), out of attempts, or its account is gone or disabled. */
  | 'invalid_token'
  /** `issues` says which rules the new password fails (codes for `formatIssue`). */
  | 'policy'
  /** One of the last `policy.password.history` passwords, or the current one. */
  | 'reused'
  /** The challenge is malformed, forged, of another stage or account, used or expired. */
  | 'invalid_challenge'
  | 'invalid_code'
  | 'replayed'
  | 'already_used'
  /** Too many wrong second-factor codes (the login's MFA lock; `retryAfterMs`). */
  | 'locked'
  | 'unavailable'
  | AccessDenyReason;

/** The answer of {@link Kanmon.completePasswordReset}. */
export type CompletePasswordResetResult =
  /** The password is set, every session of the account revoked, every other token dead: log in with it. */
  | { readonly status: 'changed' }
  /**
   * The account has a second factor: a reset never lowers the assurance level (ASVS 5.0 V6.4.3). Call again
   * with the same token and new password, this `challenge` and a `code`.
   */
  | { readonly status: 'mfa_required'; readonly challenge: string; readonly expiresAt: number }
  | ({
      readonly status: 'denied';
      readonly reason: CompletePasswordResetDenyReason;
      readonly issues?: readonly PasswordIssue[];
      readonly retryAfterMs?: number | null;
    } & OutageCause);
