import type { HttpContext } from '../context.js';
import type { HttpReply } from '../error-body.js';
import { readFields } from '../body-fields.js';
import type { ReadBodyResult } from '../read-body.js';
import { loginReply } from '../replies.js';
import type { HttpRequest, KanmonRequestState } from '../types.js';

/** `POST` login: `{ "username": string, "password": string }`. */
export async function login(ctx: HttpContext, request: HttpRequest, current: KanmonRequestState, body: ReadBodyResult): Promise<HttpReply> {
  const read = readFields(ctx, request, current, body, { username: { max: 256 }, password: { max: 4096 } });
  if (!read.ok) return read.reply;
  const { username, password } = read.fields;
  const result = await ctx.kanmon.login({ tenant: current.tenant, username, password, ...ctx.facts(request, current) });
  return loginReply(ctx, result, current.lang);
}
