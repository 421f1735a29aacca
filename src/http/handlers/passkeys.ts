import type { MessageLang } from '../../messages/catalog.js';
import type { Session } from '../../session/types.js';
import type { HttpContext } from '../context.js';
import { type HttpErrorCode, type HttpReply, errorReply, jsonReply } from '../error-body.js';
import { readFields } from '../body-fields.js';
import { authenticate } from '../guards.js';
import type { ReadBodyResult } from '../read-body.js';
import { loginFailure, retryAfter, stepReply, unavailableReply, withCookies } from '../replies.js';
import type { HttpRequest, KanmonRequestState } from '../types.js';

/**
 * The passkey routes (issue 18), JSON in and out: `POST …/passkeys/register/start` `{}` and `…/register/finish`
 * `{ response, label? }` from a session (recent: `401 reauth_required` otherwise); `POST …/passkeys/authenticate/start`
 * `{ challenge? }` and `…/authenticate/finish` `{ response, challenge? }`: with the login's `mfa_required` challenge the
 * passkey is its second factor, without it the sign-in is passwordless. A refused ceremony is `401 passkey_invalid`
 * with its `reason` (`wrong_origin`, `challenge_reused`, `counter_regression`, …); a success sets the session cookie.
 */
const ceremonyCode = (reason: string): HttpErrorCode => {
  switch (reason) {
    case 'passkeys_off':
      return 'passkeys_off';
    case 'invalid_session':
      return 'session_invalid';
    case 'reauth_required':
      return 'reauth_required';
    case 'invalid_label':
      return 'invalid_request';
    case 'locked':
      return 'locked';
    case 'session_limit':
      return 'session_limit';
    default:
      return reason in loginFailure ? loginFailure[reason as keyof typeof loginFailure] : 'passkey_invalid';
  }
};

/** A passkey method's refusal as its coded reply (`passkey_invalid` carries the method's `reason`). */
export function refused(ctx: HttpContext, result: { readonly reason: string; readonly retryAfterMs?: number | null; readonly cause?: unknown }, lang: MessageLang): HttpReply {
  if (result.reason === 'unavailable') return unavailableReply(ctx, result, lang);
  const code = ceremonyCode(result.reason);
  const extra = code === 'passkey_invalid' ? { reason: result.reason } : {};
  return errorReply(code, lang, extra, code === 'locked' ? retryAfter(result.retryAfterMs) : {});
}

/** The browser's `response` object of a body (the string fields are read by `readFields`). */
export const responseOf = (body: ReadBodyResult): unknown => (body.ok && typeof body.value === 'object' && body.value !== null ? (body.value as { response?: unknown }).response : undefined);
export const isObject = (value: unknown): boolean => typeof value === 'object' && value !== null && !Array.isArray(value);

export async function passkeyRegisterStart(ctx: HttpContext, request: HttpRequest, current: KanmonRequestState, body: ReadBodyResult): Promise<HttpReply> {
  const read = readFields(ctx, request, current, body, {});
  if (!read.ok) return read.reply;
  const who = await authenticate(ctx, request, current);
  if (!who.ok) return who.reply;
  const result = await ctx.kanmon.startPasskeyRegistration({ session: who.state.session as Session, ...ctx.facts(request, current) });
  return withCookies(result.ok ? jsonReply(200, { options: result.options, expiresAt: result.expiresAt }) : refused(ctx, result, current.lang), who.setCookie);
}

export async function passkeyRegisterFinish(ctx: HttpContext, request: HttpRequest, current: KanmonRequestState, body: ReadBodyResult): Promise<HttpReply> {
  const read = readFields(ctx, request, current, body, { label: { max: 64, optional: true } });
  if (!read.ok) return read.reply;
  const response = responseOf(body);
  if (!isObject(response)) return errorReply('invalid_request', current.lang);
  const who = await authenticate(ctx, request, current);
  if (!who.ok) return who.reply;
  const { label } = read.fields;
  const result = await ctx.kanmon.finishPasskeyRegistration({ session: who.state.session as Session, response, ...(label === null ? {} : { label }), ...ctx.facts(request, current) });
  return withCookies(result.ok ? jsonReply(200, { status: 'registered', passkey: result.passkey }) : refused(ctx, result, current.lang), who.setCookie);
}

export async function passkeyAuthenticateStart(ctx: HttpContext, request: HttpRequest, current: KanmonRequestState, body: ReadBodyResult): Promise<HttpReply> {
  const read = readFields(ctx, request, current, body, { challenge: { max: 8192, optional: true } });
  if (!read.ok) return read.reply;
  const { challenge } = read.fields;
  const result = await ctx.kanmon.startPasskeyAuthentication(challenge === null ? { tenant: current.tenant } : { tenant: current.tenant, challenge });
  return result.ok ? jsonReply(200, { options: result.options, expiresAt: result.expiresAt }) : refused(ctx, result, current.lang);
}

export async function passkeyAuthenticateFinish(ctx: HttpContext, request: HttpRequest, current: KanmonRequestState, body: ReadBodyResult): Promise<HttpReply> {
  const read = readFields(ctx, request, current, body, { challenge: { max: 8192, optional: true } });
  if (!read.ok) return read.reply;
  const response = responseOf(body);
  if (!isObject(response)) return errorReply('invalid_request', current.lang);
  const { challenge } = read.fields;
  const result = await ctx.kanmon.finishPasskeyAuthentication({ tenant: current.tenant, response, ...(challenge === null ? {} : { challenge }), ...ctx.facts(request, current) });
  if (result.status === 'denied') return refused(ctx, result, current.lang);
  return stepReply(ctx, result);
}
