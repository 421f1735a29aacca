import type { Policy } from '../policy/define-policy.js';

/** What the issued-password rule reads of an account: both fields live in the app's own account record. */
export interface IssuedPasswordState {
  /** `initial` (createAccount) or `admin_reset` (adminResetPassword) while the issued password is unchanged. */
  readonly mustChangePassword: string | null;
  /** When the password was set (epoch ms): for an issued one, when it was issued. */
  readonly passwordChangedAt: number;
}

/**
 * When an issued password (the first one, an administrator's reset) stops working: `passwordChangedAt` plus
 * `policy.password.issuedValidityHours` (IPC-4, ASVS 5.0 V6.4). `null` when the password was chosen by its
 * user (a change consumes the issued one) or the policy lets issued passwords live for ever.
 *
 * The fact lives in the account record itself, so it holds across restarts and instances.
 *
 * @example
 * ```ts
 * import { definePolicy, issuedPasswordExpiresAt } from 'kanmon';
 * const until = issuedPasswordExpiresAt({ mustChangePassword: 'initial', passwordChangedAt: Date.now() }, definePolicy('funabashi'));
 * // 72 hours from now under funabashi: tell the new user by when to sign in and change it
 * ```
 */
export function issuedPasswordExpiresAt(account: IssuedPasswordState, policy: Policy): number | null {
  const hours = policy.password.issuedValidityHours;
  if (hours === null) return null;
  if (account.mustChangePassword !== 'initial' && account.mustChangePassword !== 'admin_reset') return null;
  return account.passwordChangedAt + hours * 3_600_000;
}

/** Whether an issued password has expired at `now`: usable until 1 ms before its end, refused from it on. */
export function isIssuedPasswordExpired(account: IssuedPasswordState, policy: Policy, now: number): boolean {
  const end = issuedPasswordExpiresAt(account, policy);
  return end !== null && now >= end;
}
