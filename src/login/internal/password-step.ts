import type { AuditEventType } from '../../audit/event.js';
import type { LockoutStatus } from '../../lockout/types.js';
import type { AuditBase, FlowContext } from '../flow-context.js';
import type { AccountRecord } from '../types.js';

/** The current password proven, or why not. */
export type PasswordProof =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'locked' | 'throttled' | 'unavailable'; readonly retryAfterMs: number | null }
  | { readonly ok: false; readonly reason: 'invalid_credentials' };

/**
 * The password of a known account, guessed like a login (the step a password change and a reauthentication
 * share): the login name's and the account's counters are reserved (a locked account never reaches the hasher),
 * one hash is computed (a value that is not a string is verified against the dummy hash, at the same cost), and the
 * reservation is settled: a failure counts toward the same lockout as a login, audited as `type` with its reason.
 */
export async function provePassword(
  ctx: FlowContext,
  account: AccountRecord,
  password: unknown,
  throttleIp: string | null,
  base: AuditBase,
  type: AuditEventType,
  /** The guess that locks answers `locked` (as a login does), else `invalid_credentials` (as a password change always did). */
  answerLockedNow: boolean,
): Promise<PasswordProof> {
  const { lockout, hasher, record } = ctx;
  const lockKey = { account: account.username, ip: throttleIp, tenant: account.tenant, accountId: account.id };
  const reservation = await lockout.reserve(lockKey);
  const held = reservation.ok ? await lockout.reserveAccount(lockKey) : reservation;
  if (!held.ok) {
    await record({ ...base, type, outcome: 'denied', reason: held.reason });
    return { ok: false, reason: held.reason, retryAfterMs: held.retryAfterMs };
  }
  const verdict = typeof password === 'string' ? await hasher.verify(account.passwordHash, password, { tenant: account.tenant }) : await hasher.dummyVerify('');
  if (!verdict.valid) {
    await lockout.fail(lockKey, reservation, held);
    await record({ ...base, type, outcome: 'denied', reason: verdict.refused ?? 'wrong_password' });
    // This guess was the last one allowed: the account is locked now, as a login would answer.
    if (answerLockedNow && reservation.ok && held.ok && (reservation.lockedNow || held.lockedNow)) {
      const status = await lockout.status(lockKey).catch(() => null);
      return { ok: false, reason: 'locked', retryAfterMs: status === null ? null : passwordRetryAfter(status, ctx.now()) };
    }
    return { ok: false, reason: 'invalid_credentials' };
  }
  await lockout.succeed({ ...lockKey, canonicalName: account.username }, reservation, held);
  return { ok: true };
}

/** ms until the password unlocks (the later of the account's and the login name's locks); `null` = until an administrator unlocks. */
function passwordRetryAfter(status: LockoutStatus, at: number): number | null {
  let until = 0;
  for (const s of [status.password, status.name]) {
    if (!s?.locked) continue;
    if (s.lockedUntil === null) return null;
    until = Math.max(until, s.lockedUntil);
  }
  return until === 0 ? null : Math.max(0, until - at);
}
