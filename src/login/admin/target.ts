import type { AuditEventInput, AuditEventType } from '../../audit/event.js';
import { KanmonError } from '../../errors.js';
import { assertTenant } from '../../store/key.js';
import { type FlowContext, sourceOf } from '../flow-context.js';
import type { AccountRecord } from '../types.js';
import type { AdminInput } from './types.js';

/** The account an administrative call acts on (`null`: not found); the tenant, actor and account id are checked first. */
export async function findTarget(ctx: FlowContext, input: AdminInput): Promise<AccountRecord | null> {
  assertTenant(input?.tenant);
  if (typeof input.actor !== 'string' || input.actor.length === 0) throw new KanmonError('ERR_INVALID_ARGUMENT', 'admin calls need an actor (the administrator account id)');
  if (typeof input.accountId !== 'string' || input.accountId.length === 0) throw new KanmonError('ERR_INVALID_ARGUMENT', 'admin calls need an accountId');
  return ctx.accounts.findById(input.tenant, input.accountId);
}

/** The audit event of an administrative call: the administrator as actor, the account as target. */
export const adminEvent = (input: AdminInput, type: AuditEventType, extra: Partial<AuditEventInput> = {}): AuditEventInput => ({
  type,
  tenant: input.tenant,
  actor: input.actor,
  target: input.accountId,
  source: sourceOf(input.clientIp, input.userAgent),
  ...extra,
});
