import type { EnrollTarget } from '../../login/types.js';
import type { HttpContext } from '../context.js';
import { type HttpReply, jsonReply } from '../error-body.js';
import { readFields } from '../body-fields.js';
import { stepTarget } from '../guards.js';
import type { ReadBodyResult } from '../read-body.js';
import { mfaDeniedReply, withCookies } from '../replies.js';
import type { HttpRequest, KanmonRequestState } from '../types.js';

/**
 * `POST` TOTP enrolment start: `{ "challenge"?: string, "currentCode"?: string }`; answers the secret, URI and
 * QR code once. From a session, an account that has a second factor sends a code of it as `currentCode`.
 */
export async function enrollTotp(ctx: HttpContext, request: HttpRequest, current: KanmonRequestState, body: ReadBodyResult): Promise<HttpReply> {
  const read = readFields(ctx, request, current, body, { currentCode: { max: 64, optional: true }, challenge: { max: 8192, optional: true } });
  if (!read.ok) return read.reply;
  const { currentCode, challenge } = read.fields;
  const who = await stepTarget(ctx, request, current, challenge);
  if (!who.ok) return who.reply;
  const target: EnrollTarget = 'session' in who.target && currentCode !== null ? { ...who.target, currentCode } : who.target;
  const result = await ctx.kanmon.enrollTotp({ ...target, ...ctx.facts(request, current) });
  if (result.status === 'denied') return withCookies(mfaDeniedReply(ctx, result, current.lang), who.setCookie);
  const { secret, uri, qrSvg } = result;
  return withCookies(jsonReply(200, { status: 'pending', secret, uri, qrSvg }), who.setCookie);
}
