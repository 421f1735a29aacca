import type { PasswordIssue } from '../issues.js';
import type { PasswordSettings, PreparedPassword } from '../internal/prepared.js';
import { isControl } from './control-characters.js';

/**
 * `non_ascii` when the policy allows only printable ASCII (`allowNonAscii: false`)
 * and the normalised password holds anything else. Control characters have
 * their own code and are not counted here. Under NFKC, full-width letters,
 * digits and symbols have already become ASCII, so IME input is accepted.
 */
export function checkAscii(input: PreparedPassword, settings: PasswordSettings): PasswordIssue | null {
  if (settings.allowNonAscii) return null;
  const text = input.normalized;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit > 0x7e && !isControl(unit)) return { code: 'non_ascii' };
  }
  return null;
}
