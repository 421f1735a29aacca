import type { PasswordIssue } from '../issues.js';
import type { PreparedPassword } from '../internal/prepared.js';

/**
 * `invalid_unicode` when the password holds a lone surrogate. Such a string is
 * not well-formed Unicode: its UTF-8 form (what is hashed) would replace the
 * surrogate with U+FFFD, so two different inputs would hash alike.
 */
export function checkWellFormed(input: PreparedPassword): PasswordIssue | null {
  const text = input.normalized;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0xd800 || unit > 0xdfff) continue;
    if (unit <= 0xdbff) {
      const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
    }
    return { code: 'invalid_unicode' };
  }
  return null;
}
