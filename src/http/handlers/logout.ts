import type { HttpContext } from '../context.js';
import { type HttpReply, errorReply } from '../error-body.js';
import { unavailableReply } from '../replies.js';
import type { HttpRequest, KanmonRequestState } from '../types.js';

/** `POST` logout: ends the session (if any) and clears the cookie; `204` either way. */
export async function logout(ctx: HttpContext, request: HttpRequest, current: KanmonRequestState): Promise<HttpReply> {
  const refused = ctx.transport(request, current);
  if (refused) return refused;
  const cleared: HttpReply = { status: 204, headers: { 'cache-control': 'no-store', 'set-cookie': ctx.clearCookie() }, body: null };
  const found = ctx.tokenOf(request);
  if (found === null) return cleared;
  const result = await ctx.kanmon.sessions.verify(found.token, { tenant: current.tenant });
  if (!result.ok) return result.reason === 'unavailable' ? errorReply('service_unavailable', current.lang) : cleared;
  const ended = await ctx.kanmon.logout({ session: result.session, ...ctx.facts(request, current) });
  // An outage leaves the session valid: say so (503) rather than clear the cookie as if it had ended.
  return ended.ok ? cleared : unavailableReply(ctx, ended, current.lang);
}
