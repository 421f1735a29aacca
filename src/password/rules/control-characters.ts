import type { PasswordIssue } from '../issues.js';
import type { PreparedPassword } from '../internal/prepared.js';

/** Unicode general category Cc: C0 controls (NUL, tab, newline, …), DEL and the C1 controls. */
export function isControl(unit: number): boolean {
  return unit <= 0x1f || (unit >= 0x7f && unit <= 0x9f);
}

/**
 * `control_character` when the password contains any control character,
 * NUL included: they are invisible, differ between keyboards and terminals,
 * and NUL truncates the password in C-based hashing code.
 */
export function checkControlCharacters(input: PreparedPassword): PasswordIssue | null {
  const text = input.normalized;
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    if (isControl(text.charCodeAt(i))) count++;
  }
  return count > 0 ? { code: 'control_character', count } : null;
}
