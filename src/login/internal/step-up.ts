import { KanmonError } from '../../errors.js';
import type { Session } from '../../session/types.js';
import type { AuditBase, FlowContext } from '../flow-context.js';

/**
 * Step-up before a sensitive change (ASVS 5.0 V7.5.1, issue 16 point 4): the one freshness rule of TOTP
 * enrolment and re-enrolment and of recovery-code regeneration. A session counts as fresh until its
 * authentication (`authTime`) plus `policy.session.reauthMaxAgeSeconds`.
 */
export const reauthDeadline = (ctx: Pick<FlowContext, 'policy'>, session: Session, maxAgeSeconds: number = ctx.policy.session.reauthMaxAgeSeconds): number =>
  (typeof session.authTime === 'number' && Number.isFinite(session.authTime) ? session.authTime : -Infinity) + maxAgeSeconds * 1000;

/**
 * `true` when the session authenticated recently enough for a sensitive change; otherwise the refusal is
 * audited (`auth.mfa.failure`, reason `<prefix>reauth_required`) and the answer is `false`: the flow then
 * answers `reauth_required` in its own result family.
 */
export async function recentlyAuthenticated(ctx: FlowContext, session: Session, base: AuditBase, prefix: 'enroll_' | 'regenerate_'): Promise<boolean> {
  if (ctx.now() <= reauthDeadline(ctx, session)) return true;
  await ctx.record({ ...base, type: 'auth.mfa.failure', outcome: 'denied', reason: `${prefix}reauth_required` });
  return false;
}

/** A max age in whole seconds, 1 to 86400 (`checkRecentAuth`, and `requireRecentAuth` when the guard is made). */
export function assertMaxAge(maxAgeSeconds: unknown): asserts maxAgeSeconds is number {
  if (!Number.isSafeInteger(maxAgeSeconds) || (maxAgeSeconds as number) < 1 || (maxAgeSeconds as number) > 86_400) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', `maxAgeSeconds must be an integer from 1 to 86400 (got ${String(maxAgeSeconds)})`);
  }
}
