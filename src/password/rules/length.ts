import type { PasswordIssue } from '../issues.js';
import type { PasswordSettings, PreparedPassword } from '../internal/prepared.js';

/** `too_short` when the normalised password has fewer than `minLength` code points. */
export function checkMinLength(input: PreparedPassword, settings: PasswordSettings): PasswordIssue | null {
  return input.length < settings.minLength ? { code: 'too_short', minimum: settings.minLength, actual: input.length } : null;
}

/** The `too_long` issue; `checkPassword` reports it alone, before any other work. */
export function tooLong(settings: PasswordSettings): PasswordIssue {
  return { code: 'too_long', maximum: settings.maxLength };
}
