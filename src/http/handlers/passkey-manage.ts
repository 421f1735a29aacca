import type { Session } from '../../session/types.js';
import type { HttpContext } from '../context.js';
import { type HttpReply, errorReply, jsonReply } from '../error-body.js';
import { readFields } from '../body-fields.js';
import { authenticate } from '../guards.js';
import type { ReadBodyResult } from '../read-body.js';
import { reauthenticateReply, withCookies } from '../replies.js';
import type { HttpRequest, KanmonRequestState } from '../types.js';
import { isObject, refused, responseOf } from './passkeys.js';

/**
 * The passkey routes of a signed-in user (issue 18), JSON in and out, each from a session:
 * `POST …/passkeys/reauthenticate/start` `{}` and `…/reauthenticate/finish` `{ response }` (step-up with a passkey:
 * a NEW session and its cookie, as `POST …/reauthenticate` answers); `GET …/passkeys` (the account's passkeys, no
 * key material); `POST …/passkeys/rename` `{ credentialId, label }` and `…/passkeys/remove` `{ credentialId }`, both
 * behind step-up (`401 reauth_required` past `policy.session.reauthMaxAgeSeconds`, allowed at exactly it, as
 * `requireRecentAuth()`). A credential id that is not one of the account's (another account's included) is
 * `404 passkey_not_found`, the same bytes whatever it is.
 */

/** The longest credential id WebAuthn allows (1023 bytes) in base64url. */
const CREDENTIAL_ID_MAX = 1366;

/** A management refusal: an id the account does not hold is `passkey_not_found`; the rest as the ceremonies answer. */
function changeRefused(ctx: HttpContext, result: { readonly reason: string; readonly retryAfterMs?: number | null; readonly cause?: unknown }, current: KanmonRequestState): HttpReply {
  return result.reason === 'unknown_credential' ? errorReply('passkey_not_found', current.lang) : refused(ctx, result, current.lang);
}

export async function passkeyReauthenticateStart(ctx: HttpContext, request: HttpRequest, current: KanmonRequestState, body: ReadBodyResult): Promise<HttpReply> {
  const read = readFields(ctx, request, current, body, {});
  if (!read.ok) return read.reply;
  const who = await authenticate(ctx, request, current);
  if (!who.ok) return who.reply;
  const result = await ctx.kanmon.startPasskeyAuthentication({ session: who.state.session as Session });
  return withCookies(result.ok ? jsonReply(200, { options: result.options, expiresAt: result.expiresAt }) : refused(ctx, result, current.lang), who.setCookie);
}

export async function passkeyReauthenticateFinish(ctx: HttpContext, request: HttpRequest, current: KanmonRequestState, body: ReadBodyResult): Promise<HttpReply> {
  const read = readFields(ctx, request, current, body, {});
  if (!read.ok) return read.reply;
  const response = responseOf(body);
  if (!isObject(response)) return errorReply('invalid_request', current.lang);
  const who = await authenticate(ctx, request, current);
  if (!who.ok) return who.reply;
  const result = await ctx.kanmon.reauthenticate({ session: who.state.session as Session, passkey: response, ...ctx.facts(request, current) });
  // A refused passkey says why, as the other passkey routes do; a success replaces the cookie.
  const reply =
    !result.ok && result.reason === 'invalid_passkey'
      ? errorReply('passkey_invalid', current.lang, { reason: result.passkeyReason ?? 'invalid_response' })
      : reauthenticateReply(ctx, result, current.lang);
  return withCookies(reply, who.setCookie);
}

export async function listPasskeys(ctx: HttpContext, request: HttpRequest, current: KanmonRequestState): Promise<HttpReply> {
  const transport = ctx.transport(request, current);
  if (transport) return transport;
  const who = await authenticate(ctx, request, current);
  if (!who.ok) return who.reply;
  const result = await ctx.kanmon.listPasskeys({ session: who.state.session as Session, ...ctx.facts(request, current) });
  return withCookies(result.ok ? jsonReply(200, { passkeys: result.passkeys }) : refused(ctx, result, current.lang), who.setCookie);
}

export async function renamePasskey(ctx: HttpContext, request: HttpRequest, current: KanmonRequestState, body: ReadBodyResult): Promise<HttpReply> {
  const read = readFields(ctx, request, current, body, { credentialId: { max: CREDENTIAL_ID_MAX }, label: { max: 64 } });
  if (!read.ok) return read.reply;
  const who = await authenticate(ctx, request, current);
  if (!who.ok) return who.reply;
  const { credentialId, label } = read.fields;
  const result = await ctx.kanmon.renamePasskey({ session: who.state.session as Session, credentialId, label, ...ctx.facts(request, current) });
  return withCookies(result.ok ? jsonReply(200, { status: 'renamed' }) : changeRefused(ctx, result, current), who.setCookie);
}

export async function removePasskey(ctx: HttpContext, request: HttpRequest, current: KanmonRequestState, body: ReadBodyResult): Promise<HttpReply> {
  const read = readFields(ctx, request, current, body, { credentialId: { max: CREDENTIAL_ID_MAX } });
  if (!read.ok) return read.reply;
  const who = await authenticate(ctx, request, current);
  if (!who.ok) return who.reply;
  const result = await ctx.kanmon.removePasskey({ session: who.state.session as Session, credentialId: read.fields.credentialId, ...ctx.facts(request, current) });
  return withCookies(result.ok ? jsonReply(200, { status: 'removed' }) : changeRefused(ctx, result, current), who.setCookie);
}
