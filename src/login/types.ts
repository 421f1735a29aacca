/**
 * The public contract of the login flow: what `createKanmon` needs, what it
 * answers. Adapters (`kanmon/express`, `kanmon/fastify`) and apps code against
 * these types; they change only additively.
 */
import type { AccessEvaluator } from '../access/evaluate-access.js';
import type { DeviceRegistry, RegisteredDevice } from '../access/device-registry.js';
import type { DeviceTokenKeys } from '../access/device.js';
import type { AuditLog } from '../audit/create-audit-log.js';
import type { KeyRing } from '../keys/key-ring.js';
import type { Lockout } from '../lockout/create-lockout.js';
import type { MfaReason } from '../mfa/requirement.js';
import type { MustChangeReason } from '../password/age.js';
import type { BreachedPasswordFilter } from '../password/breached/create-filter.js';
import type { CompromiseSource } from '../password/compromise.js';
import type { PasswordHasher } from '../password/hash/create-hasher.js';
import type { PasswordIssue } from '../password/issues.js';
import type { Policy } from '../policy/define-policy.js';
import type { AuthMethod, Session, SessionAlgorithm, SessionKeyPair, SessionManager } from '../session/create-session-manager.js';
import type { KanmonStore } from '../store/store.js';
import type { AccountMustChange, AccountPatch, AccountRecord, AccountRepository, NewAccount } from './account.js';
import type { ChangePasswordInput, ConfirmEnrollmentInput, EnrollTotpInput, LoginInput, LogoutInput, VerifyMfaInput } from './inputs.js';

export type { AccountMustChange, AccountPatch, AccountRecord, AccountRepository, NewAccount };

// ─── Options ──────────────────────────────────────────────────────────────────

/** Registered devices (SEC-6.3). */
export interface KanmonDeviceOptions {
  /** Where device records live. @default an in-memory registry */
  readonly registry?: DeviceRegistry;
  /** MAC keys of device tokens. @default derived from the key ring (purpose `device-token`) */
  readonly keys?: DeviceTokenKeys;
}

/** Options of `createKanmon`. */
export interface KanmonOptions {
  /** From `definePolicy`: every control reads its section. */
  readonly policy: Policy;
  /** Security state shared by every instance: lockout counters, TOTP replay guard, session epochs. */
  readonly store: KanmonStore;
  /** The app's accounts. */
  readonly accounts: AccountRepository;
  /** Seals TOTP secrets, signs sessions and challenges, keys recovery codes and device tokens. */
  readonly keyRing: KeyRing;
  /** Every decision is appended here (HMAC-chained). */
  readonly audit: AuditLog;
  /** The clock, epoch ms. */
  readonly now: () => number;
  /** @default createPasswordHasher({ policy, keyRing }) */
  readonly hasher?: PasswordHasher;
  /** Offline breached-password filter, needed when `policy.password.breached.offline` is on. */
  readonly breachedFilter?: BreachedPasswordFilter;
  /** Registered devices. */
  readonly devices?: KanmonDeviceOptions;
  /** Session signing: overrides `policy.session.algorithm`; PS256 needs `sessionKeyPairs`. */
  readonly sessionAlgorithm?: SessionAlgorithm;
  /** PS256 key pairs by key-ring id. */
  readonly sessionKeyPairs?: Readonly<Record<string, SessionKeyPair>>;
  /** Lifetime of an `mfa_required` / `password_change_required` challenge. @default 300_000 (5 min) */
  readonly challengeTtlMs?: number;
  /** Warn when fewer recovery codes than this remain. @default 3 */
  readonly recoveryCodesLowWater?: number;
  /** `iss` of sessions and challenges. @default 'kanmon' */
  readonly issuer?: string;
  /**
   * How long a flow waits for the state store, the account repository or the audit log before it answers
   * `unavailable` (src/store/guard.ts; the lockout keeps its own watchdog). @default 5000
   */
  readonly dependencyTimeoutMs?: number;
}

/**
 * The error behind an `unavailable` answer, for the app's logs: not enumerable, so `JSON.stringify` of a
 * result never carries it (nor its message or stack) to a client.
 */
export interface OutageCause {
  readonly cause?: unknown;
}

// ─── Login ────────────────────────────────────────────────────────────────────

export type { ChangePasswordInput, ConfirmEnrollmentInput, EnrollTarget, EnrollTotpInput, LoginInput, LogoutInput, RequestFacts, VerifyMfaInput } from './inputs.js';

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
  | 'unavailable';

/** A session was issued. */
export interface LoginAuthenticated {
  readonly status: 'authenticated';
  readonly session: Session;
  /** The session token (a JWT): put it in the `__Host-` cookie. */
  readonly token: string;
  readonly warnings: readonly LoginWarning[];
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
  /** `false`: the account has no confirmed TOTP yet; enrol with the challenge first. */
  readonly enrolled: boolean;
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
  | 'too_soon';

export type ChangePasswordResult =
  | {
      readonly status: 'changed';
      /**
       * What happens next: with a challenge, the login continues (`authenticated`
       * or `mfa_required`); with a session, a fresh session (every other one is revoked).
       */
      readonly next: LoginAuthenticated | LoginMfaRequired;
    }
  | ({
      readonly status: 'denied';
      readonly reason: ChangePasswordDenyReason;
      readonly issues?: readonly PasswordIssue[];
      readonly retryAfterMs?: number | null;
    } & OutageCause);

// ─── Administration ───────────────────────────────────────────────────────────

/** Every administrative call names who does it and to whom. Authorise the actor first (`requireRole`). */
export interface AdminInput {
  readonly tenant: string;
  /** The administrator's account id (audited as `actor`). */
  readonly actor: string;
  /** The account acted on (audited as `target`). */
  readonly accountId: string;
  readonly userAgent?: string | undefined;
  readonly clientIp?: string | null | undefined;
}

/** The answer of an administrative call. */
export type AdminResult<T extends object = object> =
  | ({ readonly ok: true } & T)
  | ({ readonly ok: false; readonly reason: 'not_found' | 'unavailable'; /** For `unavailable`: ms until a retry may succeed. */ readonly retryAfterMs?: number } & OutageCause);

/** The answer of {@link Kanmon.logout}: the session ended, or the store did not answer (the session may still be valid). */
export type LogoutResult = { readonly ok: true } | ({ readonly ok: false; readonly reason: 'unavailable'; readonly retryAfterMs: number } & OutageCause);

export interface CreateAccountInput {
  readonly tenant: string;
  readonly actor: string;
  readonly username: string;
  readonly roles?: readonly string[];
  readonly email?: string | null;
  readonly displayName?: string | null;
  /** @default a random id */
  readonly id?: string;
  readonly userAgent?: string | undefined;
  readonly clientIp?: string | null | undefined;
}

export interface RegisterDeviceAdminInput {
  readonly tenant: string;
  readonly actor: string;
  /** The one account it may be used for; `null`/absent = a shared terminal of the tenant. */
  readonly accountId?: string | null;
  readonly label?: string | null;
  /** A certificate device: the PEM/DER certificate or its SHA-256 fingerprint. */
  readonly certificate?: string | Uint8Array;
  readonly fingerprintSha256?: string;
}

export interface RevokeDeviceAdminInput {
  readonly tenant: string;
  readonly actor: string;
  readonly deviceId: string;
  readonly reason?: string | null;
}

// ─── The orchestrator ─────────────────────────────────────────────────────────

/** What `createKanmon` returns. Every method audits its decision. */
export interface Kanmon {
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
  /** Log one session out: the session `sessions.verify` answered (its token stops working); `unavailable` when the store did not answer. */
  logout(input: LogoutInput): Promise<LogoutResult>;

  /** Create an account with a one-time initial password (must change at first login). Needs `accounts.create`. */
  createAccount(input: CreateAccountInput): Promise<AdminResult<{ readonly account: AccountRecord; readonly initialPassword: string }>>;
  /** Issue a random one-time password (the admin never chooses it); it must be changed at the next login. Revokes sessions. */
  adminResetPassword(input: AdminInput): Promise<AdminResult<{ readonly temporaryPassword: string }>>;
  /** Mark the password compromised: sessions are revoked at once; the next login must change it. */
  markCompromised(input: AdminInput & { readonly source?: CompromiseSource }): Promise<AdminResult<{ readonly alreadyCompromised: boolean }>>;
  /** Lift the account's password and MFA locks. */
  adminUnlock(input: AdminInput): Promise<AdminResult<{ readonly wasLocked: boolean }>>;
  /** Revoke every session of the account (logout everywhere, admin lock). */
  revokeSessions(input: AdminInput): Promise<AdminResult>;
  /** Disable or enable the account (disabling revokes its sessions). */
  setDisabled(input: AdminInput & { readonly disabled: boolean }): Promise<AdminResult>;
  grantRole(input: AdminInput & { readonly role: string }): Promise<AdminResult<{ readonly roles: readonly string[] }>>;
  /** Revoking a role revokes the account's sessions (their tokens carry the roles). */
  revokeRole(input: AdminInput & { readonly role: string }): Promise<AdminResult<{ readonly roles: readonly string[] }>>;
  /** Register a terminal; the token (for token devices) is returned once. */
  registerDevice(input: RegisterDeviceAdminInput): Promise<AdminResult<{ readonly device: RegisteredDevice; readonly token: string | null }>>;
  /** Revoke a terminal; `wasActive`: it was usable until now. */
  revokeDevice(input: RevokeDeviceAdminInput): Promise<AdminResult<{ readonly wasActive: boolean }>>;
}

export type { AuthMethod };
