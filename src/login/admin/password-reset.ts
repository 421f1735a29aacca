import { newHistory, type FlowContext } from '../flow-context.js';
import { revokeResetTokens } from '../../recovery/reset-token.js';
import { temporaryPassword } from '../internal/temporary-password.js';
import type { AdminInput, AdminResult } from './types.js';
import { adminEvent, findTarget } from './target.js';

/** Issue a random one-time password (the administrator never chooses it), to be changed at the next login; revokes the sessions. */
export async function adminResetPassword(ctx: FlowContext, input: AdminInput): Promise<AdminResult<{ readonly temporaryPassword: string }>> {
  const account = await findTarget(ctx, input);
  if (account === null) return { ok: false, reason: 'not_found' };
  const temporary = temporaryPassword(ctx, account);
  await ctx.accounts.update(input.tenant, account.id, {
    passwordHash: await ctx.hasher.hash(temporary, { tenant: input.tenant }),
    passwordHistory: newHistory(ctx.policy, account),
    passwordChangedAt: ctx.now(),
    mustChangePassword: 'admin_reset',
    compromised: false,
  });
  await ctx.sessions.revokeAll(input.tenant, account.id);
  if (ctx.policy.recovery.selfService) await revokeResetTokens(ctx.store, input.tenant, account.id);
  await ctx.record(
    adminEvent(input, 'admin.password.reset', {
      before: { mustChange: account.mustChangePassword },
      after: { mustChange: 'admin_reset', sessionsRevoked: true },
    }),
  );
  return { ok: true, temporaryPassword: temporary };
}
