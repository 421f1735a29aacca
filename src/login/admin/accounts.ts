import { KanmonError } from '../../errors.js';
import type { FlowContext } from '../flow-context.js';
import type { AdminInput, AdminResult } from './types.js';
import { adminEvent, findTarget } from './target.js';

/** Disable or enable an account; disabling revokes its sessions. */
export async function setDisabled(ctx: FlowContext, input: AdminInput & { readonly disabled: boolean }): Promise<AdminResult> {
  const account = await findTarget(ctx, input);
  if (account === null) return { ok: false, reason: 'not_found' };
  if (typeof input.disabled !== 'boolean') throw new KanmonError('ERR_INVALID_ARGUMENT', 'setDisabled: disabled must be a boolean');
  await ctx.accounts.update(input.tenant, account.id, { disabled: input.disabled });
  if (input.disabled) await ctx.sessions.revokeAll(input.tenant, account.id);
  await ctx.record(
    adminEvent(input, input.disabled ? 'admin.account.disable' : 'admin.account.enable', {
      before: { disabled: account.disabled },
      after: { disabled: input.disabled },
    }),
  );
  return { ok: true };
}

/** Revoke every session of the account (logout everywhere). */
export async function revokeSessions(ctx: FlowContext, input: AdminInput): Promise<AdminResult> {
  const account = await findTarget(ctx, input);
  if (account === null) return { ok: false, reason: 'not_found' };
  await ctx.sessions.revokeAll(input.tenant, account.id);
  await ctx.record(adminEvent(input, 'admin.session.revoke', { after: { sessionsRevoked: true } }));
  return { ok: true };
}
