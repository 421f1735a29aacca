import { canonicalCode } from './recovery-hash.js';
import { isDigitCode } from './totp-core.js';

/**
 * Which second factor a code typed at the MFA step is for, decided with the
 * same normalisation the checks themselves apply (NFKC, spaces dropped), so a
 * TOTP code typed with full-width digits or an IME space (U+3000) is
 * checked as a TOTP code, and a full-width recovery code as a recovery code.
 *
 * Digits only → TOTP, except a value with a recovery code's shape (12 Crockford
 * base32 characters, which may all be digits): TOTP codes have 6 or 8 digits,
 * so such a value can only be a recovery code. Anything else → recovery code
 * (which answers `invalid_code` for what is neither).
 */
export function secondFactorOf(code: unknown): 'totp' | 'recovery_code' {
  if (!isDigitCode(code)) return 'recovery_code';
  return canonicalCode(code) === null ? 'totp' : 'recovery_code';
}
