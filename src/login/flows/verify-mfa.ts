import type { AuthMethod } from '../../session/types.js';
import type { FlowContext } from '../flow-context.js';
import { inputObject } from '../internal/input.js';
import { passChallenge } from '../internal/second-factor-step.js';
import type { LoginWarning, MfaDenied, VerifyMfaInput, VerifyMfaResult } from '../types.js';

/**
 * Complete an `mfa_required` login: the challenge is still good, the code proves the second factor (a TOTP
 * code with its replay guard, or a single-use recovery code, under the MFA lockout), the challenge is spent
 * once (internal/second-factor-step.ts, shared with the password reset), then the session is issued with
 * `otp` and `mfa` added to its methods.
 */
export async function verifyMfa(ctx: FlowContext, input: VerifyMfaInput): Promise<VerifyMfaResult> {
  inputObject('verifyMfa', input, '{ challenge, code, …facts }');
  const passed = await passChallenge(ctx, input, 'mfa');
  if (!passed.ok) return mfaDenied(passed.reason, passed.retryAfterMs);
  const extra: LoginWarning[] = passed.remaining !== null && passed.remaining < ctx.recoveryCodesLowWater ? [{ code: 'recovery_codes_low', remaining: passed.remaining }] : [];
  await ctx.record({ ...passed.base, type: 'auth.mfa.success', reason: passed.method });
  return ctx.issueSession(passed.account, { ...passed.step, amr: [...new Set<AuthMethod>([...passed.claims.amr, 'otp', 'mfa'])] }, extra);
}

const mfaDenied = (reason: MfaDenied['reason'], retryAfterMs?: number | null): MfaDenied =>
  retryAfterMs === undefined ? { status: 'denied', reason } : { status: 'denied', reason, retryAfterMs };
