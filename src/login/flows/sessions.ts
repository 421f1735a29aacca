import { KanmonError } from '../../errors.js';
import type { Session } from '../../session/types.js';
import { isTenantId } from '../../store/key.js';
import { type FlowContext, sourceOf } from '../flow-context.js';
import { inputObject } from '../internal/input.js';
import type {
  ListSessionsResult,
  RevokeOtherSessionsResult,
  RevokeSessionInput,
  RevokeSessionResult,
  SessionControlInput,
} from '../session-types.js';

/** The caller's verified session, or a programmer error naming the shape. */
function callerSession(method: string, input: SessionControlInput): Session {
  inputObject(method, input, '{ session, …facts }');
  const session = input.session;
  if (!session || !isTenantId(session.tenant) || typeof session.subject !== 'string' || typeof session.sessionId !== 'string') {
    throw new KanmonError('ERR_INVALID_ARGUMENT', `${method}: pass { session, …facts } (the session from sessions.verify)`);
  }
  return session;
}

/** The account's live sessions (its own index only: the subject is the caller's), the caller's marked `current`. */
export async function listSessions(ctx: FlowContext, input: SessionControlInput): Promise<ListSessionsResult> {
  const session = callerSession('listSessions', input);
  const listed = await ctx.sessions.list(session.tenant, session.subject);
  return { ok: true, sessions: listed.map((s) => ({ ...s, current: s.sessionId === session.sessionId })) };
}

/** End one of the account's own sessions; audited as `auth.session.revoked` (reason `user_revoke`). */
export async function revokeSession(ctx: FlowContext, input: RevokeSessionInput): Promise<RevokeSessionResult> {
  const session = callerSession('revokeSession', input);
  const revoked = await ctx.sessions.revoke(session.tenant, session.subject, input.sessionId);
  if (revoked === null) return { ok: false, reason: 'not_found' };
  await ctx.record({
    type: 'auth.session.revoked',
    tenant: session.tenant,
    actor: session.subject,
    target: session.subject,
    source: sourceOf(input.clientIp, input.userAgent),
    reason: revoked.sessionId === session.sessionId ? 'user_revoke_current' : 'user_revoke',
    after: { sessionId: revoked.sessionId, by: session.sessionId },
  });
  return { ok: true };
}

/** End every other session of the account; one audit event naming them (reason `user_revoke_others`). */
export async function revokeOtherSessions(ctx: FlowContext, input: SessionControlInput): Promise<RevokeOtherSessionsResult> {
  const session = callerSession('revokeOtherSessions', input);
  const others = (await ctx.sessions.list(session.tenant, session.subject)).filter((s) => s.sessionId !== session.sessionId);
  const ended: string[] = [];
  for (const other of others) {
    if ((await ctx.sessions.revoke(session.tenant, session.subject, other.sessionId)) !== null) ended.push(other.sessionId);
  }
  await ctx.record({
    type: 'auth.session.revoked',
    tenant: session.tenant,
    actor: session.subject,
    target: session.subject,
    source: sourceOf(input.clientIp, input.userAgent),
    reason: 'user_revoke_others',
    after: { sessionIds: ended, by: session.sessionId },
  });
  return { ok: true, revoked: ended.length };
}
