import { randomInt } from 'node:crypto';
import { KanmonError } from '../../errors.js';
import { checkPassword, type PasswordContext } from '../../password/check-password.js';
import type { Policy } from '../../policy/define-policy.js';

// No look-alikes (0/O, 1/l/I), no quotes or backslash: read over the phone, typed once.
const classes = ['ABCDEFGHJKLMNPQRSTUVWXYZ', 'abcdefghijkmnopqrstuvwxyz', '23456789', '!#%+-=?@_'] as const;
const all = classes.join('');

/**
 * A random one-time password that passes the policy: every character class,
 * at least 16 characters (or `minLength` if longer), from the CSPRNG. The
 * administrator never chooses it (IPC-4: it must be changed at first use).
 */
export function temporaryPassword(policy: Policy, context: PasswordContext): string {
  const length = Math.min(Math.max(policy.password.minLength, 16), policy.password.maxLength);
  for (let attempt = 0; attempt < 100; attempt++) {
    const chars = classes.map((set) => set[randomInt(set.length)]!);
    while (chars.length < length) chars.push(all[randomInt(all.length)]!);
    for (let i = chars.length - 1; i > 0; i--) {
      const j = randomInt(i + 1);
      [chars[i], chars[j]] = [chars[j]!, chars[i]!];
    }
    const candidate = chars.join('');
    if (checkPassword(candidate, policy, context).ok) return candidate;
  }
  throw new KanmonError('ERR_INVALID_POLICY', 'no random password satisfies policy.password (check maxLength and the character rules)');
}
