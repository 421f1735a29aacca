import type { IncomingHeaders } from '../access/client-ip.js';
import type { PeerCertificateSocket } from '../access/client-cert.js';
import type { AccessRequestDecision } from '../access/evaluate-access.js';
import type { Kanmon } from '../login/types.js';
import type { MessageLang } from '../messages/catalog.js';
import type { Session } from '../session/types.js';
import type { HttpReply } from './error-body.js';

/** A request as every adapter sees it (Node's `IncomingMessage` fits). */
export interface HttpRequest {
  readonly headers: IncomingHeaders;
  readonly socket?: (PeerCertificateSocket & { readonly encrypted?: boolean; readonly remoteAddress?: string | undefined }) | null;
}

/** What kanmon knows about the current request, on `req.kanmon` (Express) / `request.kanmon` (Fastify). */
export interface KanmonRequestState {
  /** The tenant the request belongs to (the adapter's `tenant` option). */
  readonly tenant: string;
  /** The message language chosen from `Accept-Language`. */
  readonly lang: MessageLang;
  /** The verified session, once a guard ran; `null` before. */
  session: Session | null;
  /** The last access decision (`requireAccess`), or `null`. */
  access: AccessRequestDecision | null;
}

/** What a guard needs. */
export type GuardRequirement =
  | { readonly kind: 'session' }
  | { readonly kind: 'mfa' }
  | { readonly kind: 'role'; readonly roles: readonly string[] }
  /** A session that authenticated within `maxAgeSeconds` (SEC-13 step-up); `null` = `policy.session.reauthMaxAgeSeconds`. */
  | { readonly kind: 'recent'; readonly maxAgeSeconds: number | null }
  | { readonly kind: 'access'; readonly policyName: string };

export type GuardOutcome =
  | { readonly ok: true; readonly state: KanmonRequestState; /** `Set-Cookie` values to send (a rolled session). */ readonly setCookie: readonly string[] }
  | { readonly ok: false; readonly reply: HttpReply };

/** The part of a {@link Kanmon} the adapters use. */
export type HttpKanmon = Pick<
  Kanmon,
  | 'policy'
  | 'sessions'
  | 'access'
  | 'login'
  | 'verifyMfa'
  | 'changePassword'
  | 'enrollTotp'
  | 'confirmTotp'
  | 'regenerateRecoveryCodes'
  | 'logout'
  | 'requestPasswordReset'
  | 'completePasswordReset'
  | 'reauthenticate'
  | 'checkRecentAuth'
  | 'listSessions'
  | 'revokeSession'
  | 'revokeOtherSessions'
  | 'startPasskeyRegistration'
  | 'finishPasskeyRegistration'
  | 'startPasskeyAuthentication'
  | 'finishPasskeyAuthentication'
  | 'listPasskeys'
  | 'renamePasskey'
  | 'removePasskey'
>;

/** Options shared by both adapters. */
export interface HttpAdapterOptions {
  /**
   * The tenant (municipality) of each request: a fixed id, or a function of the
   * request (host name, path). A session from another tenant is refused.
   */
  readonly tenant: string | ((request: HttpRequest) => string);
  /** Language when `Accept-Language` names neither `ja` nor `en`. @default 'ja' */
  readonly defaultLang?: MessageLang;
  /** The session cookie's name (`__Host-` keeps it to this exact origin). @default policy.session.cookieName ('__Host-kanmon') */
  readonly cookieName?: string;
  /** Also accept `Authorization: Bearer <token>` (API clients). @default true */
  readonly acceptBearer?: boolean;
  /** Put the session token in the login answer's body too, for API clients using `Bearer`. @default false */
  readonly tokenInBody?: boolean;
  /** Header carrying a registered-device token (SEC-6.3). @default 'x-kanmon-device' */
  readonly deviceHeader?: string;
  /** The access rule (key of `policy.access.routes`) the login, MFA and password-change handlers apply; absent = `defaultRule`. */
  readonly loginAccessRule?: string;
  /** Largest login / MFA body read, bytes. @default 16384 */
  readonly bodyLimitBytes?: number;
  /**
   * Sees every error a kanmon route or guard answered with a coded `500
   * internal_error` or `503 service_unavailable` (log it here: the answer never
   * carries its message or stack). Its own throws are ignored.
   * @default writes `500`s to `console.error`; `503` outages are left to the store's and audit log's own reports
   */
  readonly onError?: (error: unknown) => void;
}
