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

/**
 * General category Cn in the running ICU: code points Unicode has not assigned
 * (and the 66 noncharacters). The `u` flag makes `\p{…}` follow the engine's
 * Unicode version.
 */
const unassigned = /\p{Cn}/u;

/**
 * `unassigned_code_point` when the password holds a code point this runtime's
 * Unicode does not assign. PRECIS OpaqueString, the profile for passwords
 * (RFC 8265 §4.2), builds on the FreeformClass, where "Unassigned" code points
 * are disallowed (RFC 8264 §9.12, §4.3): their normalisation (and so the
 * bytes hashed) may change when a later Node/ICU assigns them, locking the
 * user out. Normalisation of assigned characters is stable by Unicode policy.
 */
export function checkAssigned(input: PreparedPassword): PasswordIssue | null {
  const text = input.normalized;
  // ASCII is all assigned: run the Unicode-property scan only on text beyond it.
  let i = 0;
  while (i < text.length && text.charCodeAt(i) <= 0x7f) i++;
  if (i === text.length) return null;
  return unassigned.test(text) ? { code: 'unassigned_code_point' } : null;
}
