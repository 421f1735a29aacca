import { KanmonError } from '../../errors.js';
import { generateRecoveryCodes, hashRecoveryCodes } from '../../mfa/recovery-codes.js';
import type { Session } from '../../session/types.js';
import { OUTAGE_RETRY_AFTER_MS } from '../../store/guard.js';
import { isTenantId } from '../../store/key.js';
import { type FlowContext, sourceOf } from '../flow-context.js';
import { inputObject } from '../internal/input.js';
import { recentlyAuthenticated } from '../internal/step-up.js';
import type { RegenerateRecoveryCodesInput, RegenerateRecoveryCodesResult, RegenerateRefusal } from '../types.js';

const refused = (reason: RegenerateRefusal['reason'], retryAfterMs?: number | null): RegenerateRefusal =>
  retryAfterMs === undefined ? { ok: false, reason } : { ok: false, reason, retryAfterMs };

/**
 * Replace the account's recovery codes with a fresh set, shown once; every earlier code stops working
 * (issue 16 point 3). Behind step-up (point 4, ASVS 5.0 V7.5.1): the session must be fresh
 * (`policy.session.reauthMaxAgeSeconds`, else `reauth_required`), and a session that did not pass the second
 * factor (amr without `mfa`) must prove it with `currentCode` (`factor_required`), checked as at login.
 */
export async function regenerateRecoveryCodes(ctx: FlowContext, input: RegenerateRecoveryCodesInput): Promise<RegenerateRecoveryCodesResult> {
  const { session, currentCode } = inputObject('regenerateRecoveryCodes', input, '{ session, currentCode?, …facts }');
  const checked: Session | undefined = session;
  if (!checked || !isTenantId(checked.tenant) || typeof checked.subject !== 'string' || !Array.isArray(checked.amr)) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', 'regenerateRecoveryCodes: pass { session } (a session from sessions.verify)');
  }
  const account = await ctx.accounts.findById(checked.tenant, checked.subject);
  if (account === null || account.disabled) return refused('invalid_session');
  const base = { tenant: account.tenant, actor: account.username, target: account.id, source: sourceOf(input.clientIp, input.userAgent) };
  if (!(await recentlyAuthenticated(ctx, checked, base, 'regenerate_'))) return refused('reauth_required');
  if (account.totpSecret === null) return refused('not_enrolled');
  if (!checked.amr.includes('mfa')) {
    if (typeof currentCode !== 'string' || currentCode.length === 0) {
      await ctx.record({ ...base, type: 'auth.mfa.failure', outcome: 'denied', reason: 'regenerate_factor_required' });
      return refused('factor_required');
    }
    const proof = await ctx.checkSecondFactor(account, currentCode, base, 'regenerate_');
    if (!proof.ok) {
      if (proof.reason === 'unavailable') return refused('unavailable', OUTAGE_RETRY_AFTER_MS);
      return proof.reason === 'locked' ? refused('locked', proof.retryAfterMs) : refused(proof.reason);
    }
  }
  const count = ctx.policy.mfa.recoveryCodes.count;
  const recoveryCodes = count > 0 ? generateRecoveryCodes(count) : [];
  const set = count > 0 ? hashRecoveryCodes(recoveryCodes, { keyRing: ctx.keyRing, account: account.id, tenant: account.tenant }) : null;
  await ctx.accounts.update(account.tenant, account.id, { recoveryCodes: set });
  await ctx.record({ ...base, type: 'auth.recovery_code.generated', reason: 'regenerated', after: { count } });
  return { ok: true, recoveryCodes };
}
