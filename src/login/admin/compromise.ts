import { markCompromised as compromiseTransition } from '../../password/compromise.js';
import type { CompromiseSource } from '../../password/compromise.js';
import type { FlowContext } from '../flow-context.js';
import type { AdminInput, AdminResult } from './types.js';
import { adminEvent, findTarget } from './target.js';

/** Mark the password compromised: the sessions are revoked at once and the next login must change it. */
export async function markCompromised(
  ctx: FlowContext,
  input: AdminInput & { readonly source?: CompromiseSource },
): Promise<AdminResult<{ readonly alreadyCompromised: boolean }>> {
  const account = await findTarget(ctx, input);
  if (account === null) return { ok: false, reason: 'not_found' };
  const { event } = compromiseTransition({ accountId: account.id, compromised: account.compromised, source: input.source ?? 'admin', at: ctx.now() });
  await ctx.accounts.update(input.tenant, account.id, { compromised: true });
  await ctx.sessions.revokeAll(input.tenant, account.id);
  await ctx.record(
    adminEvent(input, 'password.compromised', {
      reason: event.source,
      before: { compromised: account.compromised },
      after: { compromised: true, sessionsRevoked: true },
    }),
  );
  return { ok: true, alreadyCompromised: event.alreadyCompromised };
}
