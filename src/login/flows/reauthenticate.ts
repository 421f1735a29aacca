import { KanmonError } from '../../errors.js';
import type { AuthMethod, Session } from '../../session/types.js';
import { OUTAGE_RETRY_AFTER_MS } from '../../store/guard.js';
import { isTenantId, trustedKey } from '../../store/key.js';
import { type AuditBase, type FlowContext, sourceOf } from '../flow-context.js';
import { inputObject } from '../internal/input.js';
import { provePassword } from '../internal/password-step.js';
import { provePasskey } from './passkey-authentication.js';
import type { ReauthenticateDenyReason, ReauthenticateInput, ReauthenticateResult } from '../step-up-types.js';

const POSSESSION: readonly AuthMethod[] = ['otp', 'hwk', 'cert'];
/** A list, without narrowing the session's typed `amr` to `any[]`. */
const isList = (value: unknown): boolean => Array.isArray(value);

/**
 * Step-up (issue 17 point 1; SEC-13, ASVS 5.0 V7.5.1): a live session proves a factor again and is replaced.
 *
 * The session's account must still be enabled and its epoch current (a session revoked by a logout everywhere, a
 * password change or an administrator is refused). The factor is checked exactly as at login: the password through
 * the password lockout (the login name's and the account's counters, one hash: internal/password-step.ts, shared
 * with a password change), a code through the MFA lockout with the replay guard and single-use recovery codes
 * (`FlowContext.checkSecondFactor`, shared with verifyMfa). A failure counts toward the same lock as a login.
 * Then the old session is spent once (two reauthentications racing on one session give one new session), logged
 * out, and a new session is issued: a new id, `authTime` now, the roles the account has now, and the amr of the
 * old session with what was proved (`mfa` once a knowledge factor and a possession factor stand together).
 */
export async function reauthenticate(ctx: FlowContext, input: ReauthenticateInput): Promise<ReauthenticateResult> {
  const { session, password, code, passkey } = inputObject('reauthenticate', input, '{ session, password | code | passkey, …facts }');
  const old: Session | undefined = session;
  if (!old || !isTenantId(old.tenant) || typeof old.subject !== 'string' || typeof old.sessionId !== 'string' || !isList(old.amr)) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', 'reauthenticate: pass { session } (a session from sessions.verify)');
  }
  if ([password, code, passkey].filter((f) => f !== undefined).length !== 1) throw new KanmonError('ERR_INVALID_ARGUMENT', 'reauthenticate: pass exactly one of password, code and passkey');
  const { tenant, subject } = old;
  const source = sourceOf(input.clientIp, input.userAgent);
  const method = password !== undefined ? 'pwd' : code !== undefined ? 'code' : 'passkey';
  const refuse = async (reason: ReauthenticateDenyReason, base: AuditBase, retryAfterMs?: number | null): Promise<ReauthenticateResult> => {
    await ctx.record({ ...base, type: 'auth.reauth.failure', outcome: 'denied', reason, after: { sessionId: old.sessionId, method } });
    return retryAfterMs === undefined ? { ok: false, reason } : { ok: false, reason, retryAfterMs };
  };

  const [account, epoch] = await Promise.all([ctx.accounts.findById(tenant, subject), ctx.sessions.epoch(tenant, subject)]);
  const base: AuditBase = { tenant, actor: account?.username ?? subject, target: subject, source };
  if (account === null || account.disabled || old.epoch !== epoch) return refuse('invalid_session', base);

  let proved: readonly AuthMethod[];
  if (password !== undefined) {
    const throttleIp = input.request ? ctx.access.resolveClient(input.request).throttleIp : (input.clientIp ?? null);
    const proof = await provePassword(ctx, account, password, throttleIp, base, 'auth.reauth.failure', true);
    // provePassword audited the refusal with its real reason; the caller sees the coded one.
    if (!proof.ok) return proof.reason === 'invalid_credentials' ? { ok: false, reason: proof.reason } : { ok: false, reason: proof.reason, retryAfterMs: proof.retryAfterMs };
    proved = ['pwd'];
  } else if (passkey !== undefined) {
    // Issue 18: a passkey of the account, to a ceremony bound to this session (startPasskeyAuthentication({ session })).
    if (!ctx.policy.webauthn.enabled || (account.passkeys?.length ?? 0) === 0) return refuse('not_enrolled', base);
    const proof = await provePasskey(ctx, account, passkey, { accountId: account.id, binding: `session:${old.sessionId}` }, ctx.policy.webauthn.userVerification === 'required', base, 'reauth_');
    if (!proof.ok) {
      if (proof.reason === 'unavailable') return { ok: false, reason: 'unavailable', retryAfterMs: OUTAGE_RETRY_AFTER_MS };
      return proof.reason === 'locked' ? { ok: false, reason: 'locked', retryAfterMs: proof.retryAfterMs ?? null } : { ok: false, reason: 'invalid_passkey', passkeyReason: proof.reason };
    }
    proved = proof.userVerified ? ['hwk', 'user'] : ['hwk'];
  } else {
    if (account.totpSecret === null && account.recoveryCodes === null) return refuse('not_enrolled', base);
    const proof = await ctx.checkSecondFactor(account, code, base, 'reauth_');
    if (!proof.ok) {
      if (proof.reason === 'unavailable') return { ok: false, reason: 'unavailable', retryAfterMs: OUTAGE_RETRY_AFTER_MS };
      return proof.reason === 'locked' ? { ok: false, reason: 'locked', retryAfterMs: proof.retryAfterMs } : { ok: false, reason: proof.reason };
    }
    proved = ['otp'];
  }

  // One reauthentication per session, atomically: the loser of a race is refused like a logged-out session.
  const ttlMs = Math.max(1000, old.absoluteExpiresAt - ctx.now() + 1000);
  if (!(await ctx.store.consumeOnce(trustedKey(tenant, 'reauth-spent', old.sessionId), ttlMs))) return refuse('invalid_session', base);
  await ctx.sessions.logout(old);
  const amr = new Set<AuthMethod>([...old.amr, ...proved]);
  if (amr.has('pwd') && POSSESSION.some((m) => amr.has(m))) amr.add('mfa');
  const { token, session: renewed } = await ctx.sessions.issue({ tenant, subject, amr: [...amr], authTime: ctx.now(), roles: account.roles, clientIp: source.ip ?? null, userAgent: source.userAgent });
  await ctx.record({
    ...base,
    type: 'auth.reauth.success',
    reason: method,
    before: { sessionId: old.sessionId },
    after: { sessionId: renewed.sessionId, amr: [...renewed.amr], absoluteExpiresAt: renewed.absoluteExpiresAt },
  });
  return { ok: true, token, session: renewed };
}
