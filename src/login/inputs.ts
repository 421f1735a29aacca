/**
 * What each `Kanmon` step takes: one object, with the facts about the request ({@link RequestFacts}) spread
 * in, as for `login`. Re-exported by `types.ts` (the public contract of the login flow).
 */
import type { ClientCertResult } from '../access/client-cert.js';
import type { AccessRequest } from '../access/evaluate-access.js';
import type { Session } from '../session/types.js';

/**
 * Facts about where a request comes from. Pass `request` (an adapter passes the
 * Node request): kanmon resolves the client address through the trusted
 * proxies, TLS and the client certificate itself. Without `request`, pass what
 * you resolved yourself.
 */
export interface RequestFacts {
  /** The HTTP request (Node `IncomingMessage` fits). When present, `clientIp`, `tls` and `clientCert` are ignored. */
  readonly request?: AccessRequest | undefined;
  /** The client address, already resolved through trusted proxies; `null` = unknown (in no list). */
  readonly clientIp?: string | null | undefined;
  /** TLS protects this request up to the app, or up to a trusted proxy. @default false (so `requireTls` refuses) */
  readonly tls?: boolean | undefined;
  /** The client certificate check's result (`createClientCertPolicy`), if the caller made one. */
  readonly clientCert?: ClientCertResult | null | undefined;
  /** The device token the client presented (`registerDevice` returned it). */
  readonly deviceId?: string | null | undefined;
  /** Recorded in the audit event. */
  readonly userAgent?: string | undefined;
  /** The access rule to apply (a key of `policy.access.routes`); absent = `defaultRule`. */
  readonly route?: string | null | undefined;
}

/** What {@link Kanmon.login} needs. */
export interface LoginInput extends RequestFacts {
  readonly tenant: string;
  readonly username: string;
  readonly password: string;
}

/** What {@link Kanmon.verifyMfa} needs: the `mfa_required` challenge and the code typed (TOTP or recovery code). */
export interface VerifyMfaInput extends RequestFacts {
  readonly challenge: string;
  readonly code: string;
}

/**
 * Who an enrolment is for: a login's challenge (first enrolment, account without a second factor) or a
 * verified session. From a session, the session must be fresh (`authTime` within
 * `policy.session.reauthMaxAgeSeconds`, else `reauth_required`), and an account that has a second factor
 * must prove it to replace it (ASVS 5.0 V7.5.1).
 */
export type EnrollTarget =
  | { readonly challenge: string }
  | {
      readonly session: Session;
      /**
       * A code of the account's current second factor (TOTP or an unused recovery code), for
       * `enrollTotp` when the account has one (`factor_required` without it). It is checked like a
       * login's: MFA lockout, replay guard, single use. `confirmTotp` does not need it again, but must
       * come from the same session.
       */
      readonly currentCode?: string | undefined;
    };

/** What {@link Kanmon.enrollTotp} needs: who enrols ({@link EnrollTarget}) and the request's facts. */
export type EnrollTotpInput = RequestFacts & EnrollTarget;

/** What {@link Kanmon.confirmTotp} needs: the target `enrollTotp` was given and the first code of the new app. */
export type ConfirmEnrollmentInput = RequestFacts & EnrollTarget & { readonly code: string };

/** Who is changing a password: a login's `password_change_required` challenge, or a session. */
export type ChangePasswordInput = RequestFacts &
  ({ readonly challenge: string } | { readonly session: Session }) & {
    /** Always required, even with a challenge. */
    readonly currentPassword: string;
    readonly newPassword: string;
  };

/** What {@link Kanmon.logout} needs: the session `sessions.verify` answered. */
export interface LogoutInput extends RequestFacts {
  readonly session: Session;
}

/**
 * What {@link Kanmon.regenerateRecoveryCodes} needs: the session `sessions.verify` answered (fresh: within
 * `policy.session.reauthMaxAgeSeconds`) and, when that session did not pass the second factor, a code of it.
 */
export interface RegenerateRecoveryCodesInput extends RequestFacts {
  readonly session: Session;
  /** A code of the current TOTP app or an unused recovery code; needed when the session's `amr` lacks `mfa`. */
  readonly currentCode?: string | undefined;
}
