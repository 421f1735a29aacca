import type { Session } from '../../session/types.js';
import type { HttpContext } from '../context.js';
import { type HttpReply, jsonReply } from '../error-body.js';
import { readFields } from '../body-fields.js';
import { authenticate } from '../guards.js';
import type { ReadBodyResult } from '../read-body.js';
import { regenerateDeniedReply, withCookies } from '../replies.js';
import type { HttpRequest, KanmonRequestState } from '../types.js';

/**
 * `POST` recovery-code regeneration: `{ "currentCode"?: string }` from a session; answers the new codes once.
 * Step-up: a stale session is `401 reauth_required`; a session that did not pass the second factor sends a code
 * of it as `currentCode` (`403 factor_required` without it).
 */
export async function regenerateRecoveryCodes(ctx: HttpContext, request: HttpRequest, current: KanmonRequestState, body: ReadBodyResult): Promise<HttpReply> {
  const read = readFields(ctx, request, current, body, { currentCode: { max: 64, optional: true } });
  if (!read.ok) return read.reply;
  const who = await authenticate(ctx, request, current);
  if (!who.ok) return who.reply;
  const session = who.state.session as Session;
  const { currentCode } = read.fields;
  const result = await ctx.kanmon.regenerateRecoveryCodes({ session, ...(currentCode !== null ? { currentCode } : {}), ...ctx.facts(request, current) });
  if (!result.ok) return withCookies(regenerateDeniedReply(ctx, result, current.lang), who.setCookie);
  return withCookies(jsonReply(200, { status: 'regenerated', recoveryCodes: result.recoveryCodes }), who.setCookie);
}
