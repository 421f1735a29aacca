import { KanmonError } from '../../errors.js';
import type { Session } from '../../session/types.js';
import { isTenantId } from '../../store/key.js';
import { type FlowContext, sourceOf } from '../flow-context.js';
import type { LogoutResult, RequestFacts } from '../types.js';

/** End one session (from `sessions.verify`) and audit it. */
export async function logout(ctx: FlowContext, session: Session, facts?: RequestFacts): Promise<LogoutResult> {
  if (!session || !isTenantId(session.tenant)) throw new KanmonError('ERR_INVALID_ARGUMENT', 'logout: pass the session from sessions.verify');
  await ctx.sessions.logout(session);
  await ctx.record({
    type: 'auth.logout',
    tenant: session.tenant,
    actor: session.subject,
    target: session.subject,
    source: sourceOf(facts?.clientIp, facts?.userAgent),
    after: { sessionId: session.sessionId },
  });
  return { ok: true };
}
