import type { HttpContext } from '../context.js';
import type { HttpReply } from '../error-body.js';
import { readFields } from '../body-fields.js';
import type { ReadBodyResult } from '../read-body.js';
import { mfaDeniedReply, stepReply } from '../replies.js';
import type { HttpRequest, KanmonRequestState } from '../types.js';

/** `POST` second factor: `{ "challenge": string, "code": string }` (TOTP or recovery code). */
export async function verifyMfa(ctx: HttpContext, request: HttpRequest, current: KanmonRequestState, body: ReadBodyResult): Promise<HttpReply> {
  const read = readFields(ctx, request, current, body, { challenge: { max: 8192 }, code: { max: 64 } });
  if (!read.ok) return read.reply;
  const { challenge, code } = read.fields;
  const result = await ctx.kanmon.verifyMfa({ challenge, code, ...ctx.facts(request, current) });
  return result.status === 'denied' ? mfaDeniedReply(ctx, result, current.lang) : stepReply(ctx, result);
}
