import { KanmonError } from '../../errors.js';
import { isTenantId } from '../../store/key.js';
import { type FlowContext, sourceOf } from '../flow-context.js';
import type { LogoutInput, LogoutResult } from '../types.js';

/** End one session (from `sessions.verify`) and audit it. */
export async function logout(ctx: FlowContext, input: LogoutInput): Promise<LogoutResult> {
  const session = input?.session;
  if (!session || !isTenantId(session.tenant)) throw new KanmonError('ERR_INVALID_ARGUMENT', 'logout: pass { session, …facts } (the session from sessions.verify)');
  await ctx.sessions.logout(session);
  await ctx.record({
    type: 'auth.logout',
    tenant: session.tenant,
    actor: session.subject,
    target: session.subject,
    source: sourceOf(input.clientIp, input.userAgent),
    after: { sessionId: session.sessionId },
  });
  return { ok: true };
}
