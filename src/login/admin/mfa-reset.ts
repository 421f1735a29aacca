import { reasonPattern } from '../../audit/event.js';
import { KanmonError } from '../../errors.js';
import { revokeResetTokens } from '../../recovery/reset-token.js';
import type { FlowContext } from '../flow-context.js';
import type { AdminResult, ResetMfaAdminInput } from './types.js';
import { adminEvent, findTarget } from './target.js';

/**
 * A lost second factor (issue 16 point 3): remove the account's TOTP (confirmed and pending) and recovery codes
 * and revoke every session, so the next login where MFA is required enrols again through its challenge. An
 * administrator cannot reset their own factor (`self_reset_forbidden`, audited): another one must, so a
 * stolen administrator password alone never lowers that administrator's own assurance level.
 */
export async function adminResetMfa(ctx: FlowContext, input: ResetMfaAdminInput): Promise<AdminResult<{ readonly wasEnrolled: boolean }, 'self_reset_forbidden'>> {
  const reason = input?.reason ?? 'lost_factor';
  if (typeof reason !== 'string' || !reasonPattern.test(reason)) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', 'adminResetMfa: reason must be a code ([a-z0-9_.:-]{1,64}), e.g. "lost_device"');
  }
  const account = await findTarget(ctx, input);
  if (input.actor === input.accountId) {
    await ctx.record(adminEvent(input, 'admin.mfa.reset', { outcome: 'denied', reason: 'self_reset_forbidden' }));
    return { ok: false, reason: 'self_reset_forbidden' };
  }
  if (account === null) return { ok: false, reason: 'not_found' };
  const wasEnrolled = account.totpSecret !== null;
  // Sessions and reset tokens first: a store outage between the steps leaves the factor in place, never a removed
  // factor with the sessions, login challenges or reset links of before still alive.
  await ctx.sessions.revokeAll(input.tenant, account.id);
  // A reset link already mailed must not complete without the factor it was asked under (ASVS 5.0 V6.4.3).
  if (ctx.policy.recovery.selfService) await revokeResetTokens(ctx.store, input.tenant, account.id);
  await ctx.accounts.update(input.tenant, account.id, { totpSecret: null, totpPendingSecret: null, recoveryCodes: null });
  await ctx.record(
    adminEvent(input, 'admin.mfa.reset', {
      reason,
      before: { enrolled: wasEnrolled, pending: account.totpPendingSecret !== null, recoverySet: account.recoveryCodes !== null },
      after: { enrolled: false, pending: false, recoverySet: false, sessionsRevoked: true },
    }),
  );
  return { ok: true, wasEnrolled };
}
