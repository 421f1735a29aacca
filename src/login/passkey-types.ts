/**
 * What the passkey methods of `Kanmon` take and answer (WebAuthn over `@simplewebauthn/server`; docs/passkeys.md).
 * Part of the public contract of the login flow (`types.ts`).
 */
import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import type { AccessDenyReason } from '../access/evaluate-access.js';
import type { Session } from '../session/types.js';
import type { CeremonyRefusal } from '../webauthn/ceremony.js';
import type { PasskeyCredential } from '../webauthn/credential.js';
import type { AdminInput, AdminResult } from './admin/types.js';
import type { RequestFacts } from './inputs.js';
import type { OutageCause } from './outage.js';

export type { CeremonyRefusal, PasskeyCredential, PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON };

/** Why a ceremony's challenge was refused (every one a refusal of its own). */
export type PasskeyChallengeRefusal =
  /** Malformed, forged, or of another kind of ceremony; or the login challenge is no longer good. */
  | 'invalid_challenge'
  /** Older than `policy.webauthn.challengeTtlSeconds`. */
  | 'challenge_expired'
  /** Issued for another tenant, account, session or login. */
  | 'challenge_mismatch'
  /** Used already (single use, in the kanmon store). */
  | 'challenge_reused';

/** A passkey as the user sees it (no key material). */
export type PasskeySummary = Pick<PasskeyCredential, 'id' | 'label' | 'aaguid' | 'backedUp' | 'transports' | 'createdAt' | 'lastUsedAt'>;

/** The session's own passkey calls: a verified session, and the request's facts for the audit. */
export interface PasskeySessionInput extends RequestFacts {
  readonly session: Session;
}

/** Why a passkey call from a session was refused. */
export type PasskeySessionRefusal =
  /** `policy.webauthn.enabled` is off. */
  | 'passkeys_off'
  /** The session no longer stands (revoked, account disabled or gone). */
  | 'invalid_session'
  /** The session authenticated longer ago than `policy.session.reauthMaxAgeSeconds`: step up first. */
  | 'reauth_required'
  | 'unavailable';

/** A refusal with `ok: false`. */
export type PasskeyRefused<R extends string> = { readonly ok: false; readonly reason: R; readonly retryAfterMs?: number | null } & OutageCause;

/** The answer of {@link KanmonPasskeys.startPasskeyRegistration}: options for `navigator.credentials.create` (`startRegistration` of `@simplewebauthn/browser`). */
export type StartPasskeyRegistrationResult =
  | { readonly ok: true; readonly options: PublicKeyCredentialCreationOptionsJSON; readonly expiresAt: number }
  | PasskeyRefused<PasskeySessionRefusal | 'too_many'>;

/** What {@link KanmonPasskeys.finishPasskeyRegistration} takes: the browser's response, and a name for the passkey. */
export interface FinishPasskeyRegistrationInput extends PasskeySessionInput {
  /** The `RegistrationResponseJSON` from the browser, as received (checked here). */
  readonly response: unknown;
  /** 1–64 characters. @default 'Passkey' */
  readonly label?: string | undefined;
}

/** The answer of {@link KanmonPasskeys.finishPasskeyRegistration}. */
export type FinishPasskeyRegistrationResult =
  | { readonly ok: true; readonly passkey: PasskeySummary }
  | PasskeyRefused<PasskeySessionRefusal | PasskeyChallengeRefusal | CeremonyRefusal | 'too_many' | 'already_registered' | 'invalid_label'>;

/**
 * What {@link KanmonPasskeys.startPasskeyAuthentication} takes: a login's `mfa_required` challenge (the passkey as
 * second factor), a session (step-up), or only the tenant (passwordless, when `policy.webauthn.passwordless`).
 */
export type StartPasskeyAuthenticationInput =
  | { readonly tenant: string; readonly challenge?: string | undefined; readonly session?: undefined }
  | { readonly session: Session; readonly tenant?: undefined; readonly challenge?: undefined };

/** The answer of {@link KanmonPasskeys.startPasskeyAuthentication}: options for `navigator.credentials.get`. */
export type StartPasskeyAuthenticationResult =
  | { readonly ok: true; readonly options: PublicKeyCredentialRequestOptionsJSON; readonly expiresAt: number }
  | PasskeyRefused<'passkeys_off' | 'invalid_challenge' | 'invalid_session' | 'not_enrolled' | 'unavailable'>;

/** What {@link KanmonPasskeys.finishPasskeyAuthentication} takes: the browser's assertion, and the login challenge when it is a second factor. */
export interface FinishPasskeyAuthenticationInput extends RequestFacts {
  readonly tenant: string;
  /** The `AuthenticationResponseJSON` from the browser, as received (checked here). */
  readonly response: unknown;
  /** The `mfa_required` challenge of the login this passkey completes; absent = passwordless. */
  readonly challenge?: string | undefined;
}

/** Why a passkey sign-in was refused. */
export type PasskeyDenyReason =
  | 'passkeys_off'
  | PasskeyChallengeRefusal
  | CeremonyRefusal
  /** The credential is not one of the account's (or, passwordless, of no enabled account of the tenant). */
  | 'unknown_credential'
  /** The second-factor lock (`policy.lockout.mfa`) is on. */
  | 'locked'
  /** Passwordless: the place, device or hours refused the request (as at login). */
  | AccessDenyReason
  | 'unavailable';

/** Refused. */
export interface PasskeyDenied extends OutageCause {
  readonly status: 'denied';
  readonly reason: PasskeyDenyReason;
  readonly retryAfterMs?: number | null;
}

/** What `renamePasskey` and `removePasskey` take. */
export interface PasskeyChangeInput extends PasskeySessionInput {
  readonly credentialId: string;
  /** `renamePasskey`: the new name, 1–64 characters. */
  readonly label?: string | undefined;
}

/** The answer of `renamePasskey` and `removePasskey`. */
export type PasskeyChangeResult = { readonly ok: true } | PasskeyRefused<PasskeySessionRefusal | 'unknown_credential' | 'invalid_label'>;

/** What `adminRemovePasskey` takes: the account and the credential (a lost or stolen key). */
export interface AdminRemovePasskeyInput extends AdminInput {
  readonly credentialId: string;
}

/**
 * The passkey methods of `Kanmon` (wired in `methods/passkeys.ts`); every outcome is audited with the credential id.
 * `Authenticated` is the login's `LoginAuthenticated` (`types.ts`, which imports this file).
 */
export interface KanmonPasskeys<Authenticated> {
  /** Begin registering a passkey for the session's account (step-up: a recent authentication). */
  startPasskeyRegistration(input: PasskeySessionInput): Promise<StartPasskeyRegistrationResult>;
  /** Verify the browser's registration and store the passkey on the account. */
  finishPasskeyRegistration(input: FinishPasskeyRegistrationInput): Promise<FinishPasskeyRegistrationResult>;
  /** Begin a passkey sign-in: second factor (login challenge), step-up (session) or passwordless (tenant). */
  startPasskeyAuthentication(input: StartPasskeyAuthenticationInput): Promise<StartPasskeyAuthenticationResult>;
  /**
   * Verify an assertion: a second factor (with the login challenge) or a passwordless sign-in; the challenge is
   * spent once (of any number of concurrent calls with one assertion, one succeeds). Failures count toward the
   * second-factor lockout.
   */
  finishPasskeyAuthentication(input: FinishPasskeyAuthenticationInput): Promise<Authenticated | PasskeyDenied>;
  /** The session account's passkeys (no key material). */
  listPasskeys(input: PasskeySessionInput): Promise<{ readonly ok: true; readonly passkeys: readonly PasskeySummary[] } | PasskeyRefused<PasskeySessionRefusal>>;
  /** Rename one of the session account's passkeys (step-up). */
  renamePasskey(input: PasskeyChangeInput): Promise<PasskeyChangeResult>;
  /** Remove one of the session account's passkeys (step-up). */
  removePasskey(input: PasskeyChangeInput): Promise<PasskeyChangeResult>;
}

/** The administrative passkey call (wrapped with the other administrative calls by the recent-auth check). */
export interface KanmonAdminPasskeys {
  /** Remove a passkey of an account (a lost or stolen key): audited `admin.passkey.remove`, the account's sessions revoked. */
  adminRemovePasskey(input: AdminRemovePasskeyInput): Promise<AdminResult<object, 'unknown_credential'>>;
}
