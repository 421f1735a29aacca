import type { PasswordIssue } from '../issues.js';
import type { PasswordSettings, PreparedPassword } from '../internal/prepared.js';

/** The offline breached-password filter, as `checkPassword` uses it. */
export interface BreachedPasswordFilter {
  /** True when the (normalised) password is in the filter. */
  has(password: string): boolean;
}

/**
 * `breached` when `breached.offline` is on and the filter knows the normalised
 * password. The filter is built and loaded by the caller (no network call).
 * A filter that throws (an on-disk filter whose file failed, was truncated or
 * closed) gives `breached_unavailable`: the password is not accepted unchecked.
 * The error rides along as the issue's non-enumerable `cause`, for the app's
 * logs and the login flows' outage answer; it is never serialised.
 */
export function checkBreached(
  input: PreparedPassword,
  settings: PasswordSettings,
  filter: BreachedPasswordFilter | undefined,
): PasswordIssue | null {
  if (!settings.breached.offline || !filter) return null;
  let found: boolean;
  try {
    found = filter.has(input.normalized);
  } catch (cause) {
    const issue: PasswordIssue = { code: 'breached_unavailable' };
    Object.defineProperty(issue, 'cause', { value: cause, enumerable: false });
    return issue;
  }
  return found ? { code: 'breached' } : null;
}
