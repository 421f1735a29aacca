import type { AuthMethod } from '../../session/types.js';
import type { FlowContext } from '../flow-context.js';
import { inputObject } from '../internal/input.js';
import type { LoginWarning, MfaDenied, VerifyMfaInput, VerifyMfaResult } from '../types.js';

/**
 * Complete an `mfa_required` login: the challenge is still good, the code proves the second factor (a TOTP
 * code with its replay guard, or a single-use recovery code, under the MFA lockout), the challenge is spent
 * once, then the session is issued with `otp` and `mfa` added to its methods.
 */
export async function verifyMfa(ctx: FlowContext, input: VerifyMfaInput): Promise<VerifyMfaResult> {
  const { challenge, code } = inputObject('verifyMfa', input, '{ challenge, code, …facts }');
  const opened = await ctx.openChallenge(challenge, 'mfa');
  if (opened === null) return mfaDenied('invalid_challenge');
  const { claims, account } = opened;
  const step = ctx.stepOf(claims, input);
  const base = { tenant: account.tenant, actor: account.username, target: account.id, source: step.source };
  const checked = await ctx.checkSecondFactor(account, code, base, '');
  if (!checked.ok) return checked.reason === 'locked' ? mfaDenied('locked', checked.retryAfterMs) : mfaDenied(checked.reason);
  const extra: LoginWarning[] =
    checked.remaining !== null && checked.remaining < ctx.recoveryCodesLowWater ? [{ code: 'recovery_codes_low', remaining: checked.remaining }] : [];
  if (!(await ctx.spendChallenge(claims))) return mfaDenied('invalid_challenge');
  await ctx.record({ ...base, type: 'auth.mfa.success', reason: checked.method });
  return ctx.issueSession(account, { ...step, amr: [...new Set<AuthMethod>([...claims.amr, 'otp', 'mfa'])] }, extra);
}

const mfaDenied = (reason: MfaDenied['reason'], retryAfterMs?: number | null): MfaDenied =>
  retryAfterMs === undefined ? { status: 'denied', reason } : { status: 'denied', reason, retryAfterMs };
