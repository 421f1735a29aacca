import { KanmonError } from '../errors.js';
import { dayNumber, startOfDay } from '../internal/calendar.js';
import type { Policy } from '../policy/define-policy.js';

/** Why a password must be changed at the next login. */
export type MustChangeReason = 'initial' | 'admin_reset' | 'compromised' | 'policy_changed';

/** The password facts of an account that age and must-change rules read. */
export interface PasswordAgeState {
  /** When the password was last set (epoch ms or Date). */
  readonly changedAt: number | Date;
  /**
   * Set when the password was issued rather than chosen (`initial`, `admin_reset`)
   * or the policy changed under it (`policy_changed`); `null`/absent otherwise.
   */
  readonly mustChange?: Exclude<MustChangeReason, 'compromised'> | null | undefined;
  /** Set by {@link markCompromised}. */
  readonly compromised?: boolean | undefined;
}

/** What to tell a user whose password expires within `policy.password.expiryWarningDays` (a login warning too). */
export interface PasswordExpiryWarning {
  readonly code: 'password_expires_soon';
  /** Whole calendar days (in `policy.timeZone`) until the password expires: 1 = it expires at the next midnight. */
  readonly daysLeft: number;
  readonly expiresAt: number;
}

/**
 * The answer of {@link checkPasswordAge}: `ok` while the password may be used (with a `warning` when it
 * expires soon), else why it must be changed now (`expired`, or a {@link MustChangeReason}).
 */
export type PasswordAgeResult =
  | { readonly ok: true; readonly warning: PasswordExpiryWarning | null }
  | { readonly ok: false; readonly reason: 'expired'; readonly expiresAt: number }
  | { readonly ok: false; readonly reason: MustChangeReason };

function epoch(value: number | Date, name: string): number {
  const ms = value instanceof Date ? value.getTime() : value;
  if (typeof ms !== 'number' || !Number.isFinite(ms)) throw new KanmonError('ERR_INVALID_ARGUMENT', `${name} must be an epoch-ms number or a valid Date`);
  return ms;
}

/**
 * Where a password stands at `now` (RM-22, RM-36, IPC-4, FNB-3.1.4): it
 * must change (compromised first, then an issued or policy-outdated password),
 * else it is `expired`, or usable, with a warning near `policy.password.maxAgeDays`.
 *
 * Days are calendar days in `policy.timeZone` (Asia/Tokyo in the Japanese
 * presets): a password set at any time on 1 April with `maxAgeDays: 90`
 * expires at 00:00 local time on 30 June, the 90th day after; the warning
 * starts `expiryWarningDays` days before that midnight.
 *
 * @example
 * ```ts
 * import { checkPasswordAge } from 'kanmon';
 * const age = checkPasswordAge({ changedAt: user.passwordChangedAt }, policy, Date.now());
 * if (age.ok && age.warning) notify(`あと ${age.warning.daysLeft} 日でパスワードの有効期限が切れます`);
 * ```
 */
export function checkPasswordAge(state: PasswordAgeState, policy: Policy, now: number): PasswordAgeResult {
  const changedAt = epoch(state.changedAt, 'changedAt');
  const at = epoch(now, 'now');
  if (state.compromised === true) return { ok: false, reason: 'compromised' };
  const must = state.mustChange;
  if (must === 'policy_changed') return { ok: false, reason: must };
  if ((must === 'initial' || must === 'admin_reset') && policy.password.mustChangeInitial) return { ok: false, reason: must };
  if (must !== undefined && must !== null && must !== 'initial' && must !== 'admin_reset') {
    throw new KanmonError('ERR_INVALID_ARGUMENT', `mustChange must be 'initial', 'admin_reset', 'policy_changed' or null`);
  }

  const { maxAgeDays, expiryWarningDays } = policy.password;
  if (maxAgeDays === null) return { ok: true, warning: null };
  const zone = policy.timeZone;
  const expiryDay = dayNumber(changedAt, zone) + maxAgeDays;
  const expiresAt = startOfDay(expiryDay, zone);
  const daysLeft = expiryDay - dayNumber(at, zone);
  if (daysLeft <= 0) return { ok: false, reason: 'expired', expiresAt };
  if (daysLeft <= expiryWarningDays) return { ok: true, warning: { code: 'password_expires_soon', daysLeft, expiresAt } };
  return { ok: true, warning: null };
}

/** The answer of {@link canChangePassword}. */
export type PasswordChangeAllowance =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly reason: 'too_soon';
      /** When a change becomes possible: local midnight `minAgeDays` days after the last change. */
      readonly allowedAt: number;
      readonly retryAfterMs: number;
    };

/**
 * The minimum-age rule (RM-36): a user may not change the password again
 * until `policy.password.minAgeDays` calendar days (in `policy.timeZone`)
 * after the last change, so the history cannot be cycled through in one day.
 * A password that must change (issued, compromised, expired) may always change.
 *
 * @example
 * ```ts
 * import { canChangePassword } from 'kanmon';
 * const allowance = canChangePassword({ changedAt: user.passwordChangedAt }, policy, Date.now());
 * if (!allowance.ok) console.log(`try again after ${new Date(allowance.allowedAt).toISOString()}`);
 * ```
 */
export function canChangePassword(state: PasswordAgeState, policy: Policy, now: number): PasswordChangeAllowance {
  // A password that must change now may always change.
  if (!checkPasswordAge(state, policy, now).ok) return { ok: true };
  const minAgeDays = policy.password.minAgeDays;
  if (minAgeDays === 0) return { ok: true };
  const zone = policy.timeZone;
  const allowedDay = dayNumber(epoch(state.changedAt, 'changedAt'), zone) + minAgeDays;
  if (dayNumber(now, zone) >= allowedDay) return { ok: true };
  const allowedAt = startOfDay(allowedDay, zone);
  return { ok: false, reason: 'too_soon', allowedAt, retryAfterMs: Math.max(0, allowedAt - now) };
}
