import type { HttpContext } from '../context.js';
import { type HttpReply, jsonReply } from '../error-body.js';
import { readFields } from '../body-fields.js';
import { stepTarget } from '../guards.js';
import type { ReadBodyResult } from '../read-body.js';
import { mfaDeniedReply, stepReply, withCookies } from '../replies.js';
import type { HttpRequest, KanmonRequestState } from '../types.js';

/** `POST` TOTP enrolment confirmation: `{ "challenge"?: string, "code": string }`; answers the recovery codes once. */
export async function confirmTotp(ctx: HttpContext, request: HttpRequest, current: KanmonRequestState, body: ReadBodyResult): Promise<HttpReply> {
  const read = readFields(ctx, request, current, body, { code: { max: 64 }, challenge: { max: 8192, optional: true } });
  if (!read.ok) return read.reply;
  const { code, challenge } = read.fields;
  const who = await stepTarget(ctx, request, current, challenge);
  if (!who.ok) return who.reply;
  const result = await ctx.kanmon.confirmTotp({ ...who.target, code, ...ctx.facts(request, current) });
  if (result.status === 'denied') return withCookies(mfaDeniedReply(ctx, result, current.lang), who.setCookie);
  if (result.status === 'enrolled') return withCookies(jsonReply(200, { status: 'enrolled', recoveryCodes: result.recoveryCodes }), who.setCookie);
  return stepReply(ctx, result, { recoveryCodes: result.recoveryCodes });
}
