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
 */
export function checkBreached(
  input: PreparedPassword,
  settings: PasswordSettings,
  filter: BreachedPasswordFilter | undefined,
): PasswordIssue | null {
  if (!settings.breached.offline || !filter) return null;
  return filter.has(input.normalized) ? { code: 'breached' } : null;
}
