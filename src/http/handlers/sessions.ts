import type { Session } from '../../session/types.js';
import type { HttpContext } from '../context.js';
import { type HttpReply, errorReply, jsonReply } from '../error-body.js';
import { readFields } from '../body-fields.js';
import { authenticate } from '../guards.js';
import type { ReadBodyResult } from '../read-body.js';
import { unavailableReply, withCookies } from '../replies.js';
import type { HttpRequest, KanmonRequestState } from '../types.js';

/** `GET` the session's account's live sessions: `{ sessions: [{ sessionId, createdAt, lastSeenAt, clientIp, device, amr, absoluteExpiresAt, current }] }`. */
export async function listSessions(ctx: HttpContext, request: HttpRequest, current: KanmonRequestState): Promise<HttpReply> {
  const refused = ctx.transport(request, current);
  if (refused) return refused;
  const who = await authenticate(ctx, request, current);
  if (!who.ok) return who.reply;
  const result = await ctx.kanmon.listSessions({ session: who.state.session as Session, ...ctx.facts(request, current) });
  if (!result.ok) return withCookies(unavailableReply(ctx, result, current.lang), who.setCookie);
  return withCookies(jsonReply(200, { sessions: result.sessions }), who.setCookie);
}

/**
 * `POST { "sessionId": string }`: end one of the account's own sessions (`404 session_not_found` for any other
 * id, another account's included). Ending the caller's own session clears its cookie.
 */
export async function revokeSession(ctx: HttpContext, request: HttpRequest, current: KanmonRequestState, body: ReadBodyResult): Promise<HttpReply> {
  const read = readFields(ctx, request, current, body, { sessionId: { max: 64 } });
  if (!read.ok) return read.reply;
  const who = await authenticate(ctx, request, current);
  if (!who.ok) return who.reply;
  const session = who.state.session as Session;
  const { sessionId } = read.fields;
  const result = await ctx.kanmon.revokeSession({ session, sessionId, ...ctx.facts(request, current) });
  if (!result.ok) {
    const reply = result.reason === 'not_found' ? errorReply('session_not_found', current.lang) : unavailableReply(ctx, result, current.lang);
    return withCookies(reply, who.setCookie);
  }
  if (sessionId === session.sessionId) return jsonReply(200, { status: 'revoked' }, { 'set-cookie': ctx.clearCookie() });
  return withCookies(jsonReply(200, { status: 'revoked' }), who.setCookie);
}

/** `POST`: end every other session of the account ("log out my other devices"): `{ status: 'revoked', revoked: n }`. */
export async function revokeOtherSessions(ctx: HttpContext, request: HttpRequest, current: KanmonRequestState): Promise<HttpReply> {
  const refused = ctx.transport(request, current);
  if (refused) return refused;
  const who = await authenticate(ctx, request, current);
  if (!who.ok) return who.reply;
  const result = await ctx.kanmon.revokeOtherSessions({ session: who.state.session as Session, ...ctx.facts(request, current) });
  if (!result.ok) return withCookies(unavailableReply(ctx, result, current.lang), who.setCookie);
  return withCookies(jsonReply(200, { status: 'revoked', revoked: result.revoked }), who.setCookie);
}
