import type { Session } from '../../session/types.js';
import type { HttpContext } from '../context.js';
import { type HttpReply, errorReply } from '../error-body.js';
import { readFields } from '../body-fields.js';
import { authenticate } from '../guards.js';
import type { ReadBodyResult } from '../read-body.js';
import { reauthenticateReply, withCookies } from '../replies.js';
import type { HttpRequest, KanmonRequestState } from '../types.js';

/**
 * `POST` step-up: `{ "password": string }` or `{ "code": string }` (a TOTP code or a recovery code; exactly one)
 * from a session. The factor is checked through the lockout as at login; the answer sets the NEW session's
 * cookie (the old session is logged out) and shows it, as a login does. A wrong password is `401
 * invalid_credentials`, a wrong code `401 mfa_invalid`, a lock `429 locked` with `Retry-After`.
 */
export async function reauthenticate(ctx: HttpContext, request: HttpRequest, current: KanmonRequestState, body: ReadBodyResult): Promise<HttpReply> {
  const read = readFields(ctx, request, current, body, { password: { max: 4096, optional: true }, code: { max: 64, optional: true } });
  if (!read.ok) return read.reply;
  const { password, code } = read.fields;
  if ((password === null) === (code === null)) return errorReply('invalid_request', current.lang);
  const who = await authenticate(ctx, request, current);
  if (!who.ok) return who.reply;
  const session = who.state.session as Session;
  const facts = ctx.facts(request, current);
  const result = await ctx.kanmon.reauthenticate(password !== null ? { session, password, ...facts } : { session, code: code as string, ...facts });
  // A refusal still carries a rolled cookie of the session it was made on; a success replaces the cookie.
  return withCookies(reauthenticateReply(ctx, result, current.lang), who.setCookie);
}
