import { createHash } from 'node:crypto';
import { KanmonError } from '../../errors.js';
import { enrollTotp as startEnrollment } from '../../mfa/enroll-totp.js';
import { generateRecoveryCodes, hashRecoveryCodes } from '../../mfa/recovery-codes.js';
import { confirmTotpEnrollment } from '../../mfa/totp.js';
import type { AuthMethod, Session } from '../../session/types.js';
import { isTenantId, trustedKey } from '../../store/key.js';
import { type AuditBase, type FlowContext, sourceOf } from '../flow-context.js';
import type { ChallengeClaims } from '../internal/challenge.js';
import { inputObject } from '../internal/input.js';
import { reauthDeadline, recentlyAuthenticated } from '../internal/step-up.js';
import type { AccountRecord, ConfirmEnrollmentInput, ConfirmEnrollmentResult, EnrollDenied, EnrollTarget, EnrollTotpInput, EnrollTotpResult } from '../types.js';

/**
 * Start a TOTP enrolment: the pending secret is stored on the account, and the secret, URI and QR code are
 * answered once. A login challenge may enrol only an account without a second factor; from a session, the
 * session must be fresh and a factor being replaced must be proven first (ASVS 5.0 V7.5.1).
 */
export async function enrollTotp(ctx: FlowContext, input: EnrollTotpInput): Promise<EnrollTotpResult> {
  const resolved = await resolveEnrollTarget(ctx, inputObject('enrollTotp', input, '{ challenge | session, currentCode?, …facts }'));
  if (resolved === null) return enrollDenied('invalid_challenge');
  const { account, claims, session } = resolved;
  // A login challenge may enrol only an account without a second factor: it must never replace one.
  if (claims !== null && account.totpSecret !== null) return enrollDenied('already_enrolled');
  const replacing = session !== null && account.totpSecret !== null;
  if (session !== null) {
    // From a session: a fresh authentication, and the factor being replaced (ASVS 5.0 V7.5.1).
    const base = { tenant: account.tenant, actor: account.username, target: account.id, source: sourceOf(input.clientIp, input.userAgent) };
    const refused = (await refuseStale(ctx, session, base)) ?? (replacing ? await proveCurrentFactor(ctx, account, (input as { currentCode?: unknown }).currentCode, base) : null);
    if (refused !== null) return refused;
  }
  const enrollment = await startEnrollment({ id: account.id, label: account.username, tenant: account.tenant }, ctx.policy, { keyRing: ctx.keyRing });
  if (replacing) await ctx.store.consumeOnce(replaceKey(account, session, enrollment.pendingSealedSecret), Math.max(1000, reauthDeadline(ctx, session) - ctx.now() + 1000));
  await ctx.accounts.update(account.tenant, account.id, { totpPendingSecret: enrollment.pendingSealedSecret });
  return { status: 'pending', secret: enrollment.secret, uri: enrollment.uri, qrSvg: enrollment.qrSvg };
}

/**
 * Confirm the pending enrolment with its first code: the new secret replaces any old one and fresh recovery
 * codes are issued (shown once). Through a login challenge the login completes with a session; replacing a
 * factor needs the session that proved it, with the pending secret written after the proof.
 */
export async function confirmTotp(ctx: FlowContext, input: ConfirmEnrollmentInput): Promise<ConfirmEnrollmentResult> {
  const { policy, accounts, keyRing, record } = ctx;
  const { code } = inputObject('confirmTotp', input, '{ challenge | session, code, …facts }');
  const resolved = await resolveEnrollTarget(ctx, input);
  if (resolved === null) return enrollDenied('invalid_challenge');
  const { account, claims, session } = resolved;
  if (claims !== null && account.totpSecret !== null) return enrollDenied('already_enrolled');
  const source = sourceOf(input.clientIp ?? claims?.clientIp, input.userAgent);
  const base = { tenant: account.tenant, actor: account.username, target: account.id, source };
  if (session !== null) {
    const stale = await refuseStale(ctx, session, base);
    if (stale !== null) return stale;
  }
  if (account.totpPendingSecret === null) return enrollDenied('not_enrolled');
  // Replacing a factor: only the session that proved it, with the pending secret written after the proof.
  if (session !== null && account.totpSecret !== null && (await ctx.store.readCounter(replaceKey(account, session, account.totpPendingSecret))) === 0) {
    await record({ ...base, type: 'auth.mfa.failure', outcome: 'denied', reason: 'replace_factor_required' });
    return enrollDenied('factor_required');
  }
  const result = await confirmTotpEnrollment(
    { account: account.id, tenant: account.tenant, pendingSealedSecret: account.totpPendingSecret, code },
    { policy, keyRing, store: ctx.store, lockout: ctx.lockout, now: ctx.now },
  );
  if (!result.ok) {
    await record({ ...base, type: result.reason === 'replayed' ? 'auth.mfa.replayed' : 'auth.mfa.failure', reason: `enroll_${result.reason}` });
    return result.reason === 'locked' ? enrollDenied('locked', result.retryAfterMs) : enrollDenied(result.reason);
  }
  if (claims !== null && !(await ctx.spendChallenge(claims))) return enrollDenied('invalid_challenge');
  const count = policy.mfa.recoveryCodes.count;
  const recoveryCodes = count > 0 ? generateRecoveryCodes(count) : [];
  const set = count > 0 ? hashRecoveryCodes(recoveryCodes, { keyRing, account: account.id, tenant: account.tenant }) : null;
  await accounts.update(account.tenant, account.id, { totpSecret: result.sealedSecret, totpPendingSecret: null, recoveryCodes: set });
  await record({ ...base, type: 'auth.mfa.enrolled', before: { enrolled: account.totpSecret !== null }, after: { enrolled: true, method: 'totp' } });
  if (set !== null) await record({ ...base, type: 'auth.recovery_code.generated', after: { count } });
  if (claims === null) return { status: 'enrolled', recoveryCodes };
  const updated = (await accounts.findById(account.tenant, account.id)) ?? account;
  const authenticated = await ctx.issueSession(updated, { ...ctx.stepOf(claims, input), amr: [...new Set<AuthMethod>([...claims.amr, 'otp', 'mfa'])] });
  // Enrolled, but no session (policy.session.maxConcurrent, refuse_new): the codes are shown all the same.
  if (authenticated.status === 'denied') return { status: 'enrolled', recoveryCodes };
  return { ...authenticated, recoveryCodes };
}

type EnrollWho = { account: AccountRecord; claims: ChallengeClaims; session: null } | { account: AccountRecord; claims: null; session: Session };

/** Who an enrolment is for: the account of a good `mfa` challenge, or of a verified session (enabled). */
async function resolveEnrollTarget(ctx: FlowContext, target: EnrollTarget): Promise<EnrollWho | null> {
  if (target && 'challenge' in target) {
    const opened = await ctx.openChallenge(target.challenge, 'mfa');
    return opened ? { account: opened.account, claims: opened.claims, session: null } : null;
  }
  const session: Session | undefined = target?.session;
  if (!session || !isTenantId(session.tenant) || typeof session.subject !== 'string') {
    throw new KanmonError('ERR_INVALID_ARGUMENT', 'pass { challenge } or { session } (a session from sessions.verify)');
  }
  const account = await ctx.accounts.findById(session.tenant, session.subject);
  return account && !account.disabled ? { account, claims: null, session } : null;
}

// ─── changing a factor from a session (ASVS 5.0 V7.5.1): a fresh session, and the factor being replaced ───

const enrollDenied = (reason: EnrollDenied['reason'], retryAfterMs?: number | null): EnrollDenied =>
  retryAfterMs === undefined ? { status: 'denied', reason } : { status: 'denied', reason, retryAfterMs };

/**
 * The mark `enrollTotp` leaves once the current factor is proven: this session may confirm this pending
 * secret. `confirmTotp` needs it to replace a factor, so neither another session nor a pending secret
 * written without the proof can.
 */
const replaceKey = (account: AccountRecord, session: Session, pending: string) =>
  trustedKey(account.tenant, 'mfa-replace', account.id, session.sessionId, createHash('sha256').update(pending).digest('base64url'));

/** `null` when the session is fresh enough to change a factor (the one step-up rule); the refusal (audited) otherwise. */
const refuseStale = async (ctx: FlowContext, session: Session, base: AuditBase): Promise<EnrollDenied | null> =>
  (await recentlyAuthenticated(ctx, session, base, 'enroll_')) ? null : enrollDenied('reauth_required');

/** The account's current second factor, proven before it is replaced; `null` when proven. */
async function proveCurrentFactor(ctx: FlowContext, account: AccountRecord, code: unknown, base: AuditBase): Promise<EnrollDenied | null> {
  if (typeof code !== 'string' || code.length === 0) {
    await ctx.record({ ...base, type: 'auth.mfa.failure', outcome: 'denied', reason: 'replace_factor_required' });
    return enrollDenied('factor_required');
  }
  const checked = await ctx.checkSecondFactor(account, code, base, 'replace_');
  if (checked.ok) return null;
  return checked.reason === 'locked' ? enrollDenied('locked', checked.retryAfterMs) : enrollDenied(checked.reason);
}
