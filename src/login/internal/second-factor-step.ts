import type { AuditBase, FlowContext, StepContext } from '../flow-context.js';
import type { AccountRecord, RequestFacts } from '../types.js';
import type { ChallengeClaims, ChallengeStage } from './challenge.js';

/** A second factor proven through a challenge, or why not. */
export type ChallengeStep =
  | {
      readonly ok: true;
      readonly claims: ChallengeClaims;
      readonly account: AccountRecord;
      /** The challenge's step facts, with this request's source. */
      readonly step: StepContext;
      /** The who of this step's audit events. */
      readonly base: AuditBase;
      readonly method: 'totp' | 'recovery_code';
      /** Recovery codes left, after a recovery code; `null` after a TOTP code. */
      readonly remaining: number | null;
    }
  | {
      readonly ok: false;
      readonly reason: 'invalid_challenge' | 'invalid_code' | 'replayed' | 'already_used' | 'not_enrolled' | 'locked' | 'unavailable';
      readonly retryAfterMs?: number | null;
    };

/**
 * The second-factor step every flow shares (a login's `verifyMfa`, a password reset's MFA step): the challenge
 * is still good at `stage` (signature, expiry, epoch, unused, account enabled) and, when `accountId` is given,
 * names that account; the code proves the second factor as at login (MFA lockout, replay guard, single-use
 * recovery code; a failure audited); then the challenge is spent, once.
 */
export async function passChallenge(
  ctx: FlowContext,
  input: RequestFacts & { readonly challenge: unknown; readonly code: unknown },
  stage: ChallengeStage,
  accountId?: { readonly tenant: string; readonly id: string },
): Promise<ChallengeStep> {
  const opened = await ctx.openChallenge(input.challenge, stage);
  if (opened === null) return { ok: false, reason: 'invalid_challenge' };
  const { claims, account } = opened;
  if (accountId !== undefined && (claims.tenant !== accountId.tenant || claims.accountId !== accountId.id)) return { ok: false, reason: 'invalid_challenge' };
  const step = ctx.stepOf(claims, input);
  const base = { tenant: account.tenant, actor: account.username, target: account.id, source: step.source };
  const checked = await ctx.checkSecondFactor(account, input.code, base, '');
  if (!checked.ok) return checked.reason === 'locked' ? { ok: false, reason: 'locked', retryAfterMs: checked.retryAfterMs } : { ok: false, reason: checked.reason };
  if (!(await ctx.spendChallenge(claims))) return { ok: false, reason: 'invalid_challenge' };
  return { ok: true, claims, account, step, base, method: checked.method, remaining: checked.remaining };
}
