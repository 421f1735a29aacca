import { KanmonError } from '../../errors.js';
import { assertTenant } from '../../store/key.js';
import { type FlowContext, sourceOf } from '../flow-context.js';
import type { AccountRecord } from '../account.js';
import { everyAccount, idleDays, isDormant } from './inventory-entry.js';
import type { DisableDormantInput, DisableDormantResult } from './types.js';

/**
 * Disable every enabled account with no use for `policy.accounts.dormantDays` calendar days (SEC-12, IPC-3):
 * each one's sessions revoked and its disabling audited (`admin.account.disable`, reason `dormant`, with its
 * idle days). The list is read first, then the accounts are disabled one by one; an outage stops the sweep
 * (`unavailable`) and a rerun finishes it.
 */
export async function disableDormantAccounts(ctx: FlowContext, input: DisableDormantInput): Promise<DisableDormantResult> {
  const tenant = input?.tenant;
  assertTenant(tenant);
  if (typeof input.actor !== 'string' || input.actor.length === 0) throw new KanmonError('ERR_INVALID_ARGUMENT', 'disableDormantAccounts needs an actor (the administrator account id or job name)');
  if (ctx.policy.accounts.dormantDays === null) return { ok: false, reason: 'dormancy_off' };
  const at = ctx.now();
  const dormant: AccountRecord[] = [];
  for await (const account of everyAccount(ctx.accounts, tenant, 'disableDormantAccounts')) {
    if (!account.disabled && isDormant(account, ctx.policy, at)) dormant.push(account);
  }
  const disabled: string[] = [];
  for (const account of dormant) {
    await ctx.accounts.update(tenant, account.id, { disabled: true });
    await ctx.sessions.revokeAll(tenant, account.id);
    await ctx.record({
      type: 'admin.account.disable',
      tenant,
      actor: input.actor,
      target: account.id,
      source: sourceOf(input.clientIp, input.userAgent),
      reason: 'dormant',
      before: { disabled: false, lastLoginAt: account.lastLoginAt ?? null },
      after: { disabled: true, idleDays: idleDays(account, ctx.policy.timeZone, at), dormantDays: ctx.policy.accounts.dormantDays },
    });
    disabled.push(account.id);
  }
  return { ok: true, disabled };
}
