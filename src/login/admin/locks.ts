import { OUTAGE_RETRY_AFTER_MS } from '../../store/guard.js';
import type { FlowContext } from '../flow-context.js';
import type { AdminInput, AdminResult } from './types.js';
import { adminEvent, findTarget } from './target.js';

/** Lift the account's locks: passwords are counted per login name and per account, second factors per account. */
export async function adminUnlock(ctx: FlowContext, input: AdminInput): Promise<AdminResult<{ readonly wasLocked: boolean }>> {
  const account = await findTarget(ctx, input);
  if (account === null) return { ok: false, reason: 'not_found' };
  const unlocked = await ctx.lockout.adminUnlock({ account: account.username, accountId: account.id, tenant: input.tenant }, { actor: input.actor });
  if (!unlocked.ok) return { ok: false, reason: 'unavailable', retryAfterMs: OUTAGE_RETRY_AFTER_MS };
  const wasLocked = unlocked.wasLocked;
  await ctx.record(adminEvent(input, 'admin.account.unlock', { before: { locked: wasLocked }, after: { locked: false } }));
  return { ok: true, wasLocked };
}
