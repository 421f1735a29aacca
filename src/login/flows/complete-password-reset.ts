import type { AuditEventInput } from '../../audit/event.js';
import { KanmonError } from '../../errors.js';
import { checkNewPassword } from '../internal/new-password.js';
import { checkPasswordHistory } from '../../password/history.js';
import { checkResetToken, revokeResetTokens, spendResetToken } from '../../recovery/reset-token.js';
import { reserveTokenAttempt } from '../../recovery/throttle.js';
import { assertTenant } from '../../store/key.js';
import { type FlowContext, type StepContext, chosenPasswordPatch, sourceOf } from '../flow-context.js';
import { placeRefusal, resolvePlace } from '../internal/place.js';
import { passChallenge } from '../internal/second-factor-step.js';
import type { CompletePasswordResetDenyReason, CompletePasswordResetInput, CompletePasswordResetResult } from '../reset-types.js';

/**
 * Complete a password reset (ASVS 5.0 V6.4): place and device as for a login → the token (issued here, for
 * its account, unspent, unexpired, of the account's current generation, within its attempts) → the account
 * (enabled) → the whole password policy and its context rules → the account's second factor when it has one,
 * through the login's challenge and code check (a reset never lowers the assurance level, V6.4.3) → the
 * history → the token spent (exactly one of any number of concurrent completions gets here) → the password
 * set, every reset token and every session of the account revoked. Audited at every step, never with the token.
 */
export async function completePasswordReset(ctx: FlowContext, input: CompletePasswordResetInput): Promise<CompletePasswordResetResult> {
  if (typeof input !== 'object' || input === null) throw new KanmonError('ERR_INVALID_ARGUMENT', 'completePasswordReset takes one object { tenant, token, newPassword, challenge?, code?, …facts }');
  const { tenant, newPassword } = input;
  assertTenant(tenant);
  const { policy, accounts, hasher, sessions, store, record, now } = ctx;
  if (!policy.recovery.selfService) return denied('self_service_off');

  const place = await resolvePlace(ctx, tenant, input);
  const source = sourceOf(place.clientIp, input.userAgent);
  if (!place.decision.ok) {
    await record(placeRefusal(place.decision, tenant, null, source));
    return denied(place.decision.reason);
  }
  const outOfHours = place.decision.flags.includes('out_of_hours');
  const refuse = async (reason: CompletePasswordResetDenyReason, audited: string, extra: Partial<AuditEventInput> = {}) => {
    await record({ type: 'password.reset', tenant, source, outcome: 'denied', reason: audited, outOfHours, ...extra });
    return denied(reason);
  };

  // The token, and the attempts it has left: a token cannot probe the history or the second factor for ever.
  const tokens = { store, keyRing: ctx.keyRing, policy, now };
  const checked = await checkResetToken(tokens, tenant, input.token);
  if (!checked.ok) return refuse('invalid_token', `token_${checked.reason}`, { target: checked.accountId });
  if (!(await reserveTokenAttempt(store, policy, tenant, checked.ref, now()))) return refuse('invalid_token', 'token_attempts_exhausted', { target: checked.accountId });
  const account = await accounts.findById(tenant, checked.accountId);
  if (account === null || account.disabled) return refuse('invalid_token', account === null ? 'unknown_account' : 'disabled', { target: checked.accountId });
  const base = { tenant, actor: account.username, target: account.id, source };

  const rules = checkNewPassword(ctx, newPassword, account);
  if (!rules.ok) {
    await record({ ...base, type: 'password.reset', outcome: 'denied', reason: 'policy', outOfHours, after: { issues: rules.issues.map((i) => i.code) } });
    return { status: 'denied', reason: 'policy', issues: rules.issues };
  }

  // The second factor the account has, in the same flow: first a challenge, then the code with it.
  let secondFactor: 'totp' | 'recovery_code' | null = null;
  if (account.totpSecret !== null) {
    if (input.challenge === undefined) {
      const step: StepContext = { clientIp: place.clientIp, deviceVerified: false, hoursOpen: null, amr: [], authTime: now(), outOfHours, source };
      const { token, claims } = await ctx.challengeFor(account, 'reset', step);
      await record({ ...base, type: 'password.reset', outcome: 'info', reason: 'mfa_required', outOfHours });
      return { status: 'mfa_required', challenge: token, expiresAt: claims.expiresAt };
    }
    const passed = await passChallenge(ctx, { ...input, challenge: input.challenge, code: input.code }, 'reset', { tenant, id: account.id });
    if (!passed.ok) {
      // A wrong or replayed code was audited by the check itself; a bad challenge is audited here.
      if (passed.reason === 'invalid_challenge') await record({ ...base, type: 'password.reset', outcome: 'denied', reason: 'invalid_challenge', outOfHours });
      return passed.reason === 'locked' ? denied('locked', passed.retryAfterMs) : passed.reason === 'not_enrolled' ? denied('invalid_code') : denied(passed.reason);
    }
    await record({ ...passed.base, type: 'auth.mfa.success', reason: passed.method });
    secondFactor = passed.method;
  }

  const history = await checkPasswordHistory(newPassword, [account.passwordHash, ...account.passwordHistory], policy, hasher);
  if (!history.ok) {
    await record({ ...base, type: 'password.reset', outcome: 'denied', reason: 'reused', outOfHours });
    return denied('reused');
  }

  const passwordHash = await hasher.hash(newPassword, { tenant });
  // Spent once: of any number of completions racing with this token, exactly one writes.
  if (!(await spendResetToken(tokens, tenant, checked))) return refuse('invalid_token', 'token_used', { target: account.id });
  const at = now();
  await accounts.update(tenant, account.id, chosenPasswordPatch(policy, account, passwordHash, at));
  await revokeResetTokens(store, tenant, account.id);
  await sessions.revokeAll(tenant, account.id);
  await record({
    ...base,
    type: 'password.reset',
    outcome: 'success',
    outOfHours,
    before: { mustChange: account.mustChangePassword, compromised: account.compromised },
    after: { mustChange: null, compromised: false, changedAt: at, sessionsRevoked: true, secondFactor },
  });
  return { status: 'changed' };
}

const denied = (reason: CompletePasswordResetDenyReason, retryAfterMs?: number | null): CompletePasswordResetResult =>
  retryAfterMs === undefined ? { status: 'denied', reason } : { status: 'denied', reason, retryAfterMs };
