/**
 * The public contract of the login flow: what `createKanmon` answers (what it
 * needs is in `options.ts`; the administrative inputs and results in
 * `admin/types.ts`). Adapters (`kanmon/express`, `kanmon/fastify`) and apps
 * code against these types; they change only additively.
 */
import type { AccessEvaluator } from '../access/evaluate-access.js';
import type { Lockout } from '../lockout/types.js';
import type { MfaReason } from '../mfa/requirement.js';
import type { MustChangeReason } from '../password/age.js';
import type { PasswordHasher } from '../password/hash/create-hasher.js';
import type { PasswordIssue } from '../password/issues.js';
import type { Policy } from '../policy/define-policy.js';
import type { Session, SessionManager } from '../session/types.js';
import type { AccountListQuery, AccountMustChange, AccountPage, AccountPatch, AccountRecord, AccountRepository, NewAccount } from './account.js';
import type { KanmonInventory } from './admin/inventory-types.js';
import type { KanmonAdmin } from './admin/types.js';
import type { ChangePasswordInput, ConfirmEnrollmentInput, EnrollTotpInput, LoginInput, LogoutInput, RegenerateRecoveryCodesInput, VerifyMfaInput } from './inputs.js';
import type { OutageCause } from './outage.js';
import type { KanmonSessions, SessionLimitDenied } from './session-types.js';
import type { KanmonStepUp } from './step-up-types.js';
import type { KanmonAdminPasskeys, KanmonPasskeys, PasskeyDenied } from './passkey-types.js';
import type { CompletePasswordResetInput, CompletePasswordResetResult, RequestPasswordResetInput, RequestPasswordResetResult } from './reset-types.js';

export type { AccountListQuery, AccountMustChange, AccountPage, AccountPatch, AccountRecord, AccountRepository, NewAccount };
export type * from './reset-types.js';
export type * from './step-up-types.js';
export type * from './passkey-types.js';

// ─── Login ────────────────────────────────────────────────────────────────────

export type {
  ChangePasswordInput,
  ConfirmEnrollmentInput,
  EnrollTarget,
  EnrollTotpInput,
  LoginInput,
  LogoutInput,
  RegenerateRecoveryCodesInput,
  RequestFacts,
  VerifyMfaInput,
} from './inputs.js';

/** Something the user should be told after a successful step. */
export type LoginWarning =
  | { readonly code: 'password_expires_soon'; readonly daysLeft: number; readonly expiresAt: number }
  | { readonly code: 'out_of_hours' }
  | { readonly code: 'recovery_codes_low'; readonly remaining: number };

/**
 * Why a login (or a step of it) was refused, as the *caller* may show it.
 * Unknown user, wrong password and disabled account are all
 * `invalid_credentials`; the audit event keeps the real reason.
 */
export type LoginDenyReason =
  | 'invalid_credentials'
  | 'locked'
  | 'throttled'
  | 'tls_required'
  | 'not_internal'
  | 'ip_not_allowed'
  | 'client_cert_required'
  | 'device_not_registered'
  | 'out_of_hours'
  /** The right password, but an issued one (first password, administrator's reset) past `policy.password.issuedValidityHours`: ask an administrator. */
  | 'issued_password_expired'
  /** `policy.session.maxConcurrent` in `refuse_new` mode: the account has its limit of sessions (`limit`). */
  | 'session_limit'
  | 'unavailable';

/** A session was issued. */
export interface LoginAuthenticated {
  readonly status: 'authenticated';
  readonly session: Session;
  /** The session token (a JWT): put it in the `__Host-` cookie. */
  readonly token: string;
  readonly warnings: readonly LoginWarning[];
  /** The account's login before this one, to show the user (「前回のログイン」); `null`: this is its first. */
  readonly previousLogin: PreviousLogin | null;
  /** Failed password or second-factor attempts naming the account since its previous login. */
  readonly failuresSinceLastLogin: number;
}

/** When and from where an account last logged in. */
export interface PreviousLogin {
  /** Epoch ms. */
  readonly at: number;
  /** The client IP (trusted-proxy resolved); `null` when it was unknown. */
  readonly ip: string | null;
}

/**
 * A login from a client network (/24 IPv4, /64 IPv6) or a browser not seen for the account within
 * `policy.accounts.knownSourceDays` (audited as `auth.login.new_source`; given to `onNewSource`).
 */
export interface NewSourceNotice {
  readonly tenant: string;
  readonly accountId: string;
  readonly username: string;
  /** This login (epoch ms). */
  readonly at: number;
  readonly ip: string | null;
  /** The client's /24 or /64, e.g. `192.0.2.0/24`; `null` when the address is unknown. */
  readonly prefix: string | null;
  readonly newPrefix: boolean;
  /** The User-Agent with version numbers left out; `null` when none was sent. */
  readonly device: string | null;
  readonly newDevice: boolean;
  readonly previousLogin: PreviousLogin;
}

/** The password was right; a second factor is needed. */
export interface LoginMfaRequired {
  readonly status: 'mfa_required';
  /** Short-lived signed challenge for `verifyMfa` (or `enrollTotp`/`confirmTotp` when not enrolled). */
  readonly challenge: string;
  /** When the challenge ends (epoch ms). */
  readonly expiresAt: number;
  /** Why MFA is required (privileged role, outside the internal networks, …). */
  readonly reasons: readonly MfaReason[];
  /** `false`: the account has no confirmed TOTP (nor passkey) yet; enrol with the challenge first. */
  readonly enrolled: boolean;
  /** Present when the account has a passkey (and passkeys are on): offer it beside TOTP (`startPasskeyAuthentication` with the challenge). */
  readonly passkey?: true;
  readonly warnings: readonly LoginWarning[];
}

/** The password was right but must be changed before anything else (`changePassword` with the challenge). */
export interface LoginPasswordChangeRequired {
  readonly status: 'password_change_required';
  /** `initial` / `admin_reset` (issued password), `compromised`, `policy_changed`, or `expired` (age). */
  readonly reason: MustChangeReason | 'expired';
  readonly challenge: string;
  readonly expiresAt: number;
}

/** Refused. */
export interface LoginDenied extends OutageCause {
  readonly status: 'denied';
  readonly reason: LoginDenyReason;
  /** For `locked`, `throttled`, `unavailable`: ms until a retry may succeed; `null` = until an administrator acts. */
  readonly retryAfterMs?: number | null;
}

/** The answer of {@link Kanmon.login}. */
export type LoginResult = LoginAuthenticated | LoginMfaRequired | LoginPasswordChangeRequired | LoginDenied;

/** The answer of {@link Kanmon.finishPasskeyAuthentication}: a session, or why not (`session_limit`: `policy.session.maxConcurrent`). */
export type FinishPasskeyAuthenticationResult = LoginAuthenticated | PasskeyDenied | SessionLimitDenied;

// ─── MFA ──────────────────────────────────────────────────────────────────────

/** Why a second-factor step was refused. */
export type MfaDenyReason =
  /** The challenge is malformed, forged, of another stage, already used, or expired. */
  | 'invalid_challenge'
  | 'invalid_code'
  | 'replayed'
  | 'already_used'
  | 'not_enrolled'
  /** `enrollTotp` / `confirmTotp` with a login challenge for an account that has a second factor already. */
  | 'already_enrolled'
  | 'locked'
  /** `policy.session.maxConcurrent` in `refuse_new` mode (the code was right; no session was issued). */
  | 'session_limit'
  | 'unavailable';

export interface MfaDenied extends OutageCause {
  readonly status: 'denied';
  readonly reason: MfaDenyReason;
  readonly retryAfterMs?: number | null;
}

/** The answer of {@link Kanmon.verifyMfa}. */
export type VerifyMfaResult = LoginAuthenticated | MfaDenied;

/** Why an enrolment was refused: an {@link MfaDenyReason}, or a missing proof for changing a factor. */
export type EnrollDenyReason =
  | MfaDenyReason
  /** The session authenticated longer ago than `policy.session.reauthMaxAgeSeconds`: authenticate again first. */
  | 'reauth_required'
  /** The account has a second factor: replacing it needs `currentCode` (and, for `confirmTotp`, the session that gave it). */
  | 'factor_required';

export interface EnrollDenied extends OutageCause {
  readonly status: 'denied';
  readonly reason: EnrollDenyReason;
  readonly retryAfterMs?: number | null;
}

/** The answer of {@link Kanmon.enrollTotp}: show the QR code / secret once. */
export type EnrollTotpResult =
  | {
      readonly status: 'pending';
      /** Base32 secret, for typing in by hand. Show once. */
      readonly secret: string;
      /** `otpauth://` URI. */
      readonly uri: string;
      /** SVG QR code of the URI. */
      readonly qrSvg: string;
    }
  | EnrollDenied;

/** The answer of {@link Kanmon.confirmTotp}. */
export type ConfirmEnrollmentResult =
  /** Enrolled through a login challenge: the login completes. `recoveryCodes` are shown once. */
  | (LoginAuthenticated & { readonly recoveryCodes: readonly string[] })
  /** Enrolled from a session. */
  | { readonly status: 'enrolled'; readonly recoveryCodes: readonly string[] }
  | EnrollDenied;

/** Why {@link Kanmon.regenerateRecoveryCodes} refused: a stale session, a missing or wrong proof of the factor, no factor. */
export interface RegenerateRefusal extends OutageCause {
  readonly ok: false;
  readonly reason: Exclude<EnrollDenyReason, 'invalid_challenge' | 'already_enrolled' | 'session_limit'> | 'invalid_session';
  readonly retryAfterMs?: number | null;
}

/** The answer of {@link Kanmon.regenerateRecoveryCodes}: the new codes, shown once (every earlier one stops working). */
export type RegenerateRecoveryCodesResult = { readonly ok: true; readonly recoveryCodes: readonly string[] } | RegenerateRefusal;

// ─── Passwords ────────────────────────────────────────────────────────────────

/** Why a password change was refused. */
export type ChangePasswordDenyReason =
  | 'invalid_challenge'
  | 'invalid_credentials'
  | 'locked'
  | 'throttled'
  | 'unavailable'
  /** `issues` says which rules failed (codes for `formatIssue`). */
  | 'policy'
  /** One of the last `policy.password.history` passwords. */
  | 'reused'
  /** `policy.password.minAgeDays` not yet reached (`retryAfterMs`). */
  | 'too_soon'
  /** The current password is an issued one past `policy.password.issuedValidityHours`: ask an administrator. */
  | 'issued_password_expired';

/** Answer of {@link Kanmon.changePassword}: changed (and what comes next), or denied with a reason and the password issues. */
export type ChangePasswordResult =
  | {
      readonly status: 'changed';
      /**
       * What happens next: with a challenge, the login continues (`authenticated`
       * or `mfa_required`); with a session, a fresh session (every other one is revoked).
       */
      readonly next: LoginAuthenticated | LoginMfaRequired | SessionLimitDenied;
    }
  | ({
      readonly status: 'denied';
      readonly reason: ChangePasswordDenyReason;
      readonly issues?: readonly PasswordIssue[];
      readonly retryAfterMs?: number | null;
    } & OutageCause);

// ─── Logout ───────────────────────────────────────────────────────────────────

/** The answer of {@link Kanmon.logout}: the session ended, or the store did not answer (the session may still be valid). */
export type LogoutResult = { readonly ok: true } | ({ readonly ok: false; readonly reason: 'unavailable'; readonly retryAfterMs: number } & OutageCause);

// ─── The orchestrator ─────────────────────────────────────────────────────────

/** What `createKanmon` returns. Every method audits its decision. */
export interface Kanmon extends KanmonAdmin, KanmonStepUp, KanmonSessions, KanmonInventory, KanmonPasskeys<LoginAuthenticated | SessionLimitDenied>, KanmonAdminPasskeys {
  readonly policy: Policy;
  /** The session manager: `verify(token, { tenant })` on every request. */
  readonly sessions: SessionManager;
  /** The access evaluator, for `requireAccess(routeName)` guards. */
  readonly access: AccessEvaluator;
  /** The lockout (status pages, custom flows). */
  readonly lockout: Lockout;
  /** The hasher in use. */
  readonly hasher: PasswordHasher;

  /** Log in (the order of docs/login-flow.md). Never throws for user input. */
  login(input: LoginInput): Promise<LoginResult>;
  /** Complete an `mfa_required` login with a TOTP code or a recovery code. */
  verifyMfa(input: VerifyMfaInput): Promise<VerifyMfaResult>;
  /** Change a password (current one required; full policy, history, minimum age). Revokes every other session. */
  changePassword(input: ChangePasswordInput): Promise<ChangePasswordResult>;
  /**
   * Start a TOTP enrolment (stored as pending on the account). From a session: a fresh one
   * (`reauth_required`), and the current factor's code when replacing one (`factor_required`, `invalid_code`, …).
   */
  enrollTotp(input: EnrollTotpInput): Promise<EnrollTotpResult>;
  /** Confirm the pending enrolment with the first code; issues recovery codes (the old factor and codes stop working). */
  confirmTotp(input: ConfirmEnrollmentInput): Promise<ConfirmEnrollmentResult>;
  /**
   * New recovery codes for the session's account (shown once; the old ones stop working). Step-up: a fresh
   * session (`reauth_required`), and `currentCode` when the session did not pass the second factor (`factor_required`).
   */
  regenerateRecoveryCodes(input: RegenerateRecoveryCodesInput): Promise<RegenerateRecoveryCodesResult>;
  /** Log one session out: the session `sessions.verify` answered (its token stops working); `unavailable` when the store did not answer. */
  logout(input: LogoutInput): Promise<LogoutResult>;
  /** Ask for a self-service reset: `{ ok: true }` alike for every account, known or not; the token goes to `recovery.deliver`. */
  requestPasswordReset(input: RequestPasswordResetInput): Promise<RequestPasswordResetResult>;
  /** Set a new password with a reset token (and the account's second factor, when it has one). Revokes every session. */
  completePasswordReset(input: CompletePasswordResetInput): Promise<CompletePasswordResetResult>;

}
