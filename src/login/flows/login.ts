import type { LockoutStatus } from '../../lockout/types.js';
import { checkPasswordAge } from '../../password/age.js';
import { isIssuedPasswordExpired } from '../../recovery/issued-password.js';
import { assertTenant } from '../../store/key.js';
import { type FlowContext, MAX_USERNAME, type StepContext, ageState, sourceOf } from '../flow-context.js';
import { countLoginFailure } from '../internal/login-notice.js';
import { placeRefusal, resolvePlace } from '../internal/place.js';
import type { LoginDenyReason, LoginInput, LoginResult } from '../types.js';

/**
 * Log in, in the order of docs/login-flow.md: client IP (trusted proxies) → place and device → business
 * hours → lockout reservation (a locked account never reaches the hasher) → account lookup (an unknown one
 * is verified against a dummy hash of the same cost) → password → age / must-change / compromise → MFA →
 * session.
 *
 * Every step is audited with its real reason; the caller sees one `invalid_credentials` for an unknown
 * user, a wrong password and a disabled account, and the hasher runs exactly once on each of those paths.
 */
export async function login(ctx: FlowContext, input: LoginInput): Promise<LoginResult> {
  const tenant = input?.tenant;
  assertTenant(tenant);
  const { username, password } = input;
  const { lockout, hasher, accounts, record, now } = ctx;

  // 1–3. client IP, place and device, business hours: before anything is counted or hashed.
  const place = await resolvePlace(ctx, tenant, input);
  const source = sourceOf(place.clientIp, input.userAgent);
  const actor = typeof username === 'string' ? username.slice(0, MAX_USERNAME) : null;
  if (!place.decision.ok) {
    await record(placeRefusal(place.decision, tenant, actor, source));
    return denied(place.decision.reason);
  }
  const outOfHours = place.decision.flags.includes('out_of_hours');
  if (outOfHours) await record({ type: 'access.out_of_hours', tenant, actor, source, outOfHours: true });

  if (typeof username !== 'string' || username.length === 0 || username.length > MAX_USERNAME || typeof password !== 'string') {
    await record({ type: 'auth.login.failure', tenant, actor, source, reason: 'malformed_input', outOfHours });
    return denied('invalid_credentials');
  }

  // 4. lockout: a locked login name never reaches the lookup or the hasher (unknown names are counted too).
  const lockKey = { account: username, ip: place.throttleIp, tenant };
  const reservation = await lockout.reserve(lockKey);
  if (!reservation.ok) {
    await record({ type: 'auth.login.failure', tenant, actor, source, reason: reservation.reason, outOfHours });
    return denied(reservation.reason, reservation.retryAfterMs);
  }

  // 5. the account, then its own counter: however the repository maps spellings to it, the limit holds per
  // account, and a locked account never reaches the hasher. An unknown name makes the same call on a stand-in.
  const account = await accounts.find(tenant, username);
  const accountLock = { ...lockKey, accountId: account?.id ?? null };
  const held = await lockout.reserveAccount(accountLock);
  if (!held.ok) {
    await record({ type: 'auth.login.failure', tenant, actor, target: account?.id ?? null, source, reason: held.reason, outOfHours });
    return denied(held.reason, held.retryAfterMs);
  }

  // 6. the password: one hash on every path.
  const deviceMismatch = account !== null && place.device?.ok === true && place.device.device.accountId !== null && place.device.device.accountId !== account.id;
  const verdict = account === null || deviceMismatch ? await hasher.dummyVerify(password) : await hasher.verify(account.passwordHash, password, { tenant: account.tenant });
  const failure = account === null ? 'unknown_user' : deviceMismatch ? 'device_wrong_account' : account.disabled ? 'disabled' : !verdict.valid ? (verdict.refused ?? 'wrong_password') : null;
  if (failure !== null || account === null) {
    await lockout.fail(accountLock, reservation, held);
    if (account !== null) await countLoginFailure(ctx.store, tenant, account.id).catch(() => undefined);
    await record({ type: 'auth.login.failure', tenant, actor, target: account?.id ?? null, source, reason: failure, outOfHours });
    if (failure === 'device_wrong_account') return denied('device_not_registered');
    if (reservation.lockedNow || held.lockedNow) {
      const status = await lockout.status(accountLock).catch(() => null);
      return denied('locked', status === null ? null : retryAfterOf(status, now()));
    }
    return denied('invalid_credentials');
  }
  await lockout.succeed({ ...accountLock, canonicalName: account.username }, reservation, held);
  // An issued password past policy.password.issuedValidityHours (IPC-4): right, but no longer usable.
  if (isIssuedPasswordExpired(account, ctx.policy, now())) {
    await record({ type: 'password.expired', tenant, actor, target: account.id, source, outcome: 'denied', reason: 'issued_password_expired', outOfHours });
    return denied('issued_password_expired');
  }
  // A rehash is written with this login's one account update (at the session, or before a challenge).
  let current = account;
  let pendingPatch: { passwordHash: string } | undefined;
  if (verdict.needsRehash) {
    pendingPatch = { passwordHash: await hasher.hash(password, { tenant: account.tenant }) };
    current = { ...account, ...pendingPatch };
  }

  const step: StepContext = {
    clientIp: place.clientIp,
    deviceVerified: place.certificate?.ok === true || place.device?.ok === true,
    hoursOpen: place.decision.hours === null ? null : place.decision.hours.ok,
    amr: place.certificate?.ok === true ? ['pwd', 'cert'] : ['pwd'],
    authTime: now(),
    outOfHours,
    source,
    pendingPatch,
  };

  // 7. password age, must-change, compromise.
  const age = checkPasswordAge(ageState(current), ctx.policy, now());
  if (!age.ok) {
    const { reason } = age;
    if (pendingPatch) await accounts.update(tenant, account.id, pendingPatch);
    await record(
      reason === 'expired'
        ? { type: 'password.expired', tenant, actor, target: account.id, source, outcome: 'denied', reason: 'expired', outOfHours }
        : { type: 'auth.login.success', tenant, actor, target: account.id, source, outcome: 'info', reason: `password_change_required.${reason}`, outOfHours },
    );
    const { token, claims } = await ctx.challengeFor(current, 'password', step);
    return { status: 'password_change_required', reason, challenge: token, expiresAt: claims.expiresAt };
  }

  // 8–9. MFA, then the session.
  const next = await ctx.mfaOrSession(current, step);
  // policy.session.maxConcurrent, refuse_new: audited as a failure where it was decided.
  if (next.status === 'denied') return next;
  await record({
    type: 'auth.login.success',
    tenant,
    actor,
    target: account.id,
    source,
    outcome: next.status === 'authenticated' ? 'success' : 'info',
    reason: next.status === 'authenticated' ? null : 'mfa_required',
    outOfHours,
    ...(next.status === 'authenticated' ? { after: { sessionId: next.session.sessionId } } : { after: { mfaReasons: [...next.reasons] } }),
  });
  return next;
}

const denied = (reason: LoginDenyReason, retryAfterMs?: number | null): LoginResult =>
  retryAfterMs === undefined ? { status: 'denied', reason } : { status: 'denied', reason, retryAfterMs };

/** ms until the password locks in a status end (the later of the account's and the login name's); `null` = until an administrator unlocks. */
function retryAfterOf(status: LockoutStatus, at: number): number | null {
  let until = 0;
  for (const s of [status.password, status.name]) {
    if (!s?.locked) continue;
    if (s.lockedUntil === null) return null;
    until = Math.max(until, s.lockedUntil);
  }
  return until === 0 ? null : Math.max(0, until - at);
}
