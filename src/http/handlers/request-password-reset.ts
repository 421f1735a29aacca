import type { HttpContext } from '../context.js';
import { type HttpReply, errorReply, jsonReply } from '../error-body.js';
import { readFields } from '../body-fields.js';
import type { ReadBodyResult } from '../read-body.js';
import { loginFailure, retryAfter, unavailableReply } from '../replies.js';
import type { HttpRequest, KanmonRequestState } from '../types.js';

/** The one answer to a reset request that went through: the same bytes whether the account exists or not. */
const requested = jsonReply(202, { status: 'requested' });

/**
 * `POST` password-reset request: `{ "username": string }`. `202 { "status": "requested" }` for an account that
 * exists, one that does not, a disabled or a locked one alike (the token goes to the app's `deliver`, in the
 * request's language); `429 throttled` with `Retry-After`; `403 password_reset_off` when self-service is off.
 */
export async function requestPasswordReset(ctx: HttpContext, request: HttpRequest, current: KanmonRequestState, body: ReadBodyResult): Promise<HttpReply> {
  const read = readFields(ctx, request, current, body, { username: { max: 256 } });
  if (!read.ok) return read.reply;
  const result = await ctx.kanmon.requestPasswordReset({ tenant: current.tenant, username: read.fields.username, lang: current.lang, ...ctx.facts(request, current) });
  if (result.ok) return requested;
  switch (result.reason) {
    case 'unavailable':
      return unavailableReply(ctx, result, current.lang);
    case 'throttled':
      return errorReply('throttled', current.lang, {}, retryAfter(result.retryAfterMs));
    case 'self_service_off':
      return errorReply('password_reset_off', current.lang);
    case 'invalid_request':
      return errorReply('invalid_request', current.lang);
    default:
      return errorReply(loginFailure[result.reason], current.lang);
  }
}
