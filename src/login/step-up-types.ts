/**
 * What `reauthenticate` takes and answers (step-up, issue 17 point 1; SEC-13, ASVS 5.0 V7.5.1). Part of the
 * public contract of the login flow (`types.ts`).
 */
import type { Session } from '../session/types.js';
import type { RequestFacts } from './inputs.js';
import type { OutageCause } from './outage.js';

/**
 * Prove a factor again from a live session: the password, or a second-factor code (a TOTP code or a recovery
 * code). Exactly one of `password` and `code`.
 */
export type ReauthenticateInput = RequestFacts & { readonly session: Session } & (
    | { readonly password: string; readonly code?: undefined; readonly passkey?: undefined }
    | { readonly code: string; readonly password?: undefined; readonly passkey?: undefined }
    /** A passkey assertion (`AuthenticationResponseJSON`) to the options of `startPasskeyAuthentication({ session })` (issue 18). */
    | { readonly passkey: unknown; readonly password?: undefined; readonly code?: undefined }
  );

/** Why a reauthentication was refused. */
export type ReauthenticateDenyReason =
  /** The password is wrong (counted toward the login lockout). */
  | 'invalid_credentials'
  /** The factor is locked (password or MFA lockout); `retryAfterMs`: `null` = until an administrator unlocks. */
  | 'locked'
  /** Too many attempts from this address (the lockout's throttle). */
  | 'throttled'
  /** The code is wrong (counted toward the MFA lockout). */
  | 'invalid_code'
  /** The TOTP code was used already. */
  | 'replayed'
  /** The recovery code was used already. */
  | 'already_used'
  /** A code was given but the account has no second factor. */
  | 'not_enrolled'
  /** The session no longer stands: revoked (logout everywhere, an earlier reauthentication), or its account is disabled or gone. */
  | 'invalid_session'
  /** A passkey assertion was refused (`passkeyReason` says why: a PasskeyDenyReason); counted toward the MFA lockout. */
  | 'invalid_passkey'
  /** A store, repository or the audit sink did not answer. */
  | 'unavailable';

/** The answer of {@link KanmonStepUp.reauthenticate}: a new session (the old one is logged out), or why not. */
export type ReauthenticateResult =
  | { readonly ok: true; readonly token: string; readonly session: Session }
  | ({ readonly ok: false; readonly reason: ReauthenticateDenyReason; readonly retryAfterMs?: number | null; readonly passkeyReason?: string } & OutageCause);

/** The step-up methods of `Kanmon` (wired in `methods/step-up.ts`). */
export interface KanmonStepUp {
  /**
   * Step-up: prove the password or a second-factor code again, through the same lockout as a login; the answer
   * is a NEW session (new id, `authTime` now, the amr of what was proved with what the session had) and the old
   * one is logged out. Every outcome is audited (`auth.reauth.success`, `auth.reauth.failure`).
   */
  reauthenticate(input: ReauthenticateInput): Promise<ReauthenticateResult>;
  /**
   * Whether the session authenticated recently enough (`authTime` + `maxAgeSeconds` not passed, on kanmon's clock):
   * the one rule of `requireRecentAuth` in both adapters and of the administrative operations (SEC-13). Allowed at
   * exactly the max age. Pure: no store read (the session was verified already).
   */
  checkRecentAuth(input: CheckRecentAuthInput): RecentAuthResult;
}

/** What `checkRecentAuth` takes: a verified session and how recent its authentication must be. */
export interface CheckRecentAuthInput {
  readonly session: Session;
  /** Whole seconds, 1 to 86400. @default policy.session.reauthMaxAgeSeconds */
  readonly maxAgeSeconds?: number | undefined;
}

/** The answer of {@link KanmonStepUp.checkRecentAuth}; `deadline`: the last instant (ms) the session counts as recent. */
export type RecentAuthResult = { readonly ok: true; readonly deadline: number } | { readonly ok: false; readonly reason: 'reauth_required'; readonly deadline: number };
