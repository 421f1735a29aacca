import type { ReauthenticateDenyReason, ReauthenticateResult } from '../login/step-up-types.js';
import type { EnrollDenied, EnrollDenyReason, LoginAuthenticated, LoginDenyReason, LoginMfaRequired, LoginResult, RegenerateRefusal } from '../login/types.js';
import type { MessageLang } from '../messages/catalog.js';
import type { Session } from '../session/types.js';
import type { HttpContext } from './context.js';
import { type HttpErrorCode, type HttpReply, errorReply, jsonReply } from './error-body.js';

/** The HTTP code of each login refusal (one code for unknown user, wrong password and disabled account). */
export const loginFailure: Record<LoginDenyReason, HttpErrorCode> = {
  invalid_credentials: 'invalid_credentials',
  locked: 'locked',
  throttled: 'throttled',
  tls_required: 'tls_required',
  not_internal: 'access_denied',
  ip_not_allowed: 'access_denied',
  client_cert_required: 'access_denied',
  device_not_registered: 'access_denied',
  out_of_hours: 'access_denied',
  issued_password_expired: 'issued_password_expired',
  session_limit: 'session_limit',
  unavailable: 'service_unavailable',
};

const mfaFailure: Record<EnrollDenyReason, HttpErrorCode> = {
  invalid_challenge: 'challenge_invalid',
  invalid_code: 'mfa_invalid',
  replayed: 'mfa_invalid',
  already_used: 'mfa_invalid',
  not_enrolled: 'mfa_not_enrolled',
  already_enrolled: 'mfa_already_enrolled',
  reauth_required: 'reauth_required',
  factor_required: 'factor_required',
  session_limit: 'session_limit',
  locked: 'locked',
  unavailable: 'service_unavailable',
};

/**
 * The one answer to a coded `unavailable` result of any `Kanmon` method: `503 service_unavailable` with
 * `Retry-After` (the result's `retryAfterMs`); the error behind it, when the result carries one, goes to
 * the adapter's `onError`. Never the error itself.
 */
export function unavailableReply(ctx: HttpContext, result: { readonly retryAfterMs?: number | null; readonly cause?: unknown }, lang: MessageLang): HttpReply {
  if (result.cause !== undefined) ctx.report(result.cause);
  return errorReply('service_unavailable', lang, {}, retryAfter(result.retryAfterMs));
}

/** `Retry-After` in whole seconds, at least 1. */
export const retryAfter = (ms: number | null | undefined): Record<string, string> =>
  typeof ms === 'number' && Number.isFinite(ms) && ms > 0 ? { 'retry-after': String(Math.max(1, Math.ceil(ms / 1000))) } : {};

/** What a client is shown of its session (never the token, unless `tokenInBody`). */
const sessionView = (session: Session) => ({
  tenant: session.tenant,
  subject: session.subject,
  amr: session.amr,
  roles: session.roles,
  authTime: session.authTime,
  idleExpiresAt: session.idleExpiresAt,
  absoluteExpiresAt: session.absoluteExpiresAt,
});

/** `authenticated` (sets the cookie) or `mfa_required`. */
export function stepReply(ctx: HttpContext, result: LoginAuthenticated | LoginMfaRequired, extra: Record<string, unknown> = {}): HttpReply {
  if (result.status === 'mfa_required') {
    const { challenge, expiresAt, reasons, enrolled, warnings } = result;
    return jsonReply(200, { status: 'mfa_required', challenge, expiresAt, reasons, enrolled, warnings, ...extra });
  }
  // The previous-logon notice (「前回のログイン」) is the user's own: shown after the login it belongs to.
  const notice = { previousLogin: result.previousLogin, failuresSinceLastLogin: result.failuresSinceLastLogin };
  const body = { status: 'authenticated', session: sessionView(result.session), warnings: result.warnings, ...notice, ...extra, ...(ctx.tokenInBody ? { token: result.token } : {}) };
  return jsonReply(200, body, { 'set-cookie': ctx.sessionCookie(result.token) });
}

/** The answer to a login. */
export function loginReply(ctx: HttpContext, result: LoginResult, lang: MessageLang): HttpReply {
  switch (result.status) {
    case 'authenticated':
    case 'mfa_required':
      return stepReply(ctx, result);
    case 'password_change_required': {
      const { reason, challenge, expiresAt } = result;
      return jsonReply(200, { status: 'password_change_required', reason, challenge, expiresAt });
    }
    case 'denied': {
      if (result.reason === 'unavailable') return unavailableReply(ctx, result, lang);
      // Only the caller-facing reason is used: unknown user, wrong password and disabled
      // account reach here as the same `invalid_credentials` and leave as the same bytes.
      const code = loginFailure[result.reason];
      return errorReply(code, lang, {}, code === 'locked' || code === 'throttled' || code === 'service_unavailable' ? retryAfter(result.retryAfterMs) : {});
    }
  }
}

/** A refused second-factor or enrolment step. */
export function mfaDeniedReply(ctx: HttpContext, result: EnrollDenied, lang: MessageLang): HttpReply {
  if (result.reason === 'unavailable') return unavailableReply(ctx, result, lang);
  const code = mfaFailure[result.reason];
  return errorReply(code, lang, {}, code === 'locked' ? retryAfter(result.retryAfterMs) : {});
}

/** A refused recovery-code regeneration (the codes of a refused enrolment, and a session that no longer holds). */
export function regenerateDeniedReply(ctx: HttpContext, result: RegenerateRefusal, lang: MessageLang): HttpReply {
  if (result.reason === 'unavailable') return unavailableReply(ctx, result, lang);
  const code = result.reason === 'invalid_session' ? 'session_invalid' : mfaFailure[result.reason];
  return errorReply(code, lang, {}, code === 'locked' ? retryAfter(result.retryAfterMs) : {});
}

const reauthFailure: Record<Exclude<ReauthenticateDenyReason, 'unavailable'>, HttpErrorCode> = {
  invalid_credentials: 'invalid_credentials',
  locked: 'locked',
  throttled: 'throttled',
  invalid_code: 'mfa_invalid',
  replayed: 'mfa_invalid',
  already_used: 'mfa_invalid',
  not_enrolled: 'mfa_not_enrolled',
  invalid_session: 'session_invalid',
  invalid_passkey: 'passkey_invalid',
};

/** The answer to a reauthentication: the new session (its cookie replaces the old one, as a login sets it), or the coded refusal. */
export function reauthenticateReply(ctx: HttpContext, result: ReauthenticateResult, lang: MessageLang): HttpReply {
  if (result.ok) {
    const body = { status: 'reauthenticated', session: sessionView(result.session), ...(ctx.tokenInBody ? { token: result.token } : {}) };
    return jsonReply(200, body, { 'set-cookie': ctx.sessionCookie(result.token) });
  }
  if (result.reason === 'unavailable') return unavailableReply(ctx, result, lang);
  const code = reauthFailure[result.reason];
  return errorReply(code, lang, {}, code === 'locked' || code === 'throttled' ? retryAfter(result.retryAfterMs) : {});
}

/** `reply` with these `Set-Cookie` values (a rolled session), unless it sets a cookie itself. */
export function withCookies(reply: HttpReply, setCookie: readonly string[]): HttpReply {
  if (setCookie.length === 0 || reply.headers['set-cookie'] !== undefined) return reply;
  return { ...reply, headers: { ...reply.headers, 'set-cookie': setCookie } };
}
