import { KanmonError } from '../../errors.js';
import { canChangePassword } from '../../password/age.js';
import { checkNewPassword } from '../internal/new-password.js';
import { checkPasswordHistory } from '../../password/history.js';
import { normalizePassword } from '../../password/normalize.js';
import { isIssuedPasswordExpired } from '../../recovery/issued-password.js';
import { revokeResetTokens } from '../../recovery/reset-token.js';
import type { Session } from '../../session/types.js';
import { isTenantId } from '../../store/key.js';
import { type FlowContext, type StepContext, ageState, chosenPasswordPatch, sourceOf } from '../flow-context.js';
import type { ChallengeClaims } from '../internal/challenge.js';
import { provePassword } from '../internal/password-step.js';
import type { AccountRecord, ChangePasswordInput, ChangePasswordResult } from '../types.js';

/**
 * Change a password, from a login's `password_change_required` challenge or from a session: the current
 * password is guessed like a login (the same counters, one hash), then the minimum age, the password
 * policy and the history; on success every session is revoked and the login continues (challenge) or a
 * fresh session is issued (session).
 */
export async function changePassword(ctx: FlowContext, input: ChangePasswordInput): Promise<ChangePasswordResult> {
  const { policy, accounts, hasher, sessions, record, now } = ctx;
  const bySession = 'session' in input && input.session !== undefined;
  let account: AccountRecord | null;
  let claims: ChallengeClaims | null = null;
  if (bySession) {
    const session = (input as { session: Session }).session;
    if (!isTenantId(session?.tenant)) throw new KanmonError('ERR_INVALID_ARGUMENT', 'changePassword: session must come from sessions.verify');
    account = await accounts.findById(session.tenant, session.subject);
    if (account?.disabled) account = null;
  } else {
    const opened = await ctx.openChallenge((input as { challenge: string }).challenge, 'password');
    account = opened?.account ?? null;
    claims = opened?.claims ?? null;
  }
  if (account === null) return { status: 'denied', reason: bySession ? 'invalid_credentials' : 'invalid_challenge' };
  const { tenant } = account;
  const ip = input.clientIp ?? claims?.clientIp ?? null;
  const source = sourceOf(ip, input.userAgent);
  const base = { tenant, actor: account.username, target: account.id, source };
  const { currentPassword, newPassword } = input;

  // The current password is guessed like a login: the same counters (the account's own too), the same one hash.
  const throttleIp = input.request ? ctx.access.resolveClient(input.request).throttleIp : null;
  const proof = await provePassword(ctx, account, currentPassword, throttleIp ?? ip, base, 'password.rejected', false);
  if (!proof.ok) {
    return proof.reason === 'invalid_credentials' ? { status: 'denied', reason: 'invalid_credentials' } : { status: 'denied', reason: proof.reason, retryAfterMs: proof.retryAfterMs };
  }
  if (isIssuedPasswordExpired(account, policy, now())) {
    await record({ ...base, type: 'password.rejected', outcome: 'denied', reason: 'issued_password_expired' });
    return { status: 'denied', reason: 'issued_password_expired' };
  }

  const allowance = canChangePassword(ageState(account), policy, now());
  if (!allowance.ok) {
    await record({ ...base, type: 'password.rejected', outcome: 'denied', reason: 'too_soon' });
    return { status: 'denied', reason: 'too_soon', retryAfterMs: allowance.retryAfterMs };
  }
  const checked = checkNewPassword(ctx, newPassword, account);
  if (!checked.ok) {
    await record({ ...base, type: 'password.rejected', outcome: 'denied', reason: 'policy', after: { issues: checked.issues.map((i) => i.code) } });
    return { status: 'denied', reason: 'policy', issues: checked.issues };
  }
  const form = policy.password.normalization;
  const sameAsCurrent = normalizePassword(newPassword, form) === normalizePassword(currentPassword, form);
  const history = sameAsCurrent ? ({ ok: false } as const) : await checkPasswordHistory(newPassword, account.passwordHistory.slice(0, Math.max(policy.password.history - 1, 0)), policy, hasher);
  if (!history.ok) {
    await record({ ...base, type: 'password.rejected', outcome: 'denied', reason: 'reused' });
    return { status: 'denied', reason: 'reused' };
  }

  const passwordHash = await hasher.hash(newPassword, { tenant });
  const at = now();
  await accounts.update(tenant, account.id, chosenPasswordPatch(policy, account, passwordHash, at));
  if (claims !== null) await ctx.spendChallenge(claims);
  await sessions.revokeAll(tenant, account.id);
  if (policy.recovery.selfService) await revokeResetTokens(ctx.store, tenant, account.id);
  await record({
    ...base,
    type: 'password.changed',
    before: { mustChange: account.mustChangePassword, compromised: account.compromised },
    after: { mustChange: null, compromised: false, changedAt: at, sessionsRevoked: true },
  });
  const updated = (await accounts.findById(tenant, account.id)) ?? account;
  if (claims !== null) return { status: 'changed', next: await ctx.mfaOrSession(updated, { ...ctx.stepOf(claims, input), source }) };
  const session = (input as { session: Session }).session;
  const step: StepContext = {
    clientIp: ip,
    deviceVerified: false,
    hoursOpen: null,
    amr: session.amr,
    authTime: session.authTime,
    outOfHours: false,
    source,
  };
  return { status: 'changed', next: await ctx.issueSession(updated, step) };
}
