import { randomInt } from 'node:crypto';
import { KanmonError } from '../../errors.js';
import type { FlowContext } from '../flow-context.js';
import { checkNewPassword, type PasswordOwner } from './new-password.js';

// No look-alikes (0/O, 1/l/I), no quotes or backslash: read over the phone, typed once.
const classes = ['ABCDEFGHJKLMNPQRSTUVWXYZ', 'abcdefghijkmnopqrstuvwxyz', '23456789', '!#%+-=?@_'] as const;
const all = classes.join('');

/**
 * A random one-time password that passes the policy: every character class,
 * at least 16 characters (or `minLength` if longer), from the CSPRNG. The
 * administrator never chooses it (IPC-4: it must be changed at first use).
 * Checked like a chosen one, the offline breached-password filter included
 * (a filter that cannot be read is an outage, see `checkNewPassword`).
 */
export function temporaryPassword(ctx: Pick<FlowContext, 'policy' | 'breachedFilter'>, owner: PasswordOwner): string {
  const { policy } = ctx;
  const length = Math.min(Math.max(policy.password.minLength, 16), policy.password.maxLength);
  for (let attempt = 0; attempt < 100; attempt++) {
    const chars = classes.map((set) => set[randomInt(set.length)]!);
    while (chars.length < length) chars.push(all[randomInt(all.length)]!);
    for (let i = chars.length - 1; i > 0; i--) {
      const j = randomInt(i + 1);
      [chars[i], chars[j]] = [chars[j]!, chars[i]!];
    }
    const candidate = chars.join('');
    if (checkNewPassword(ctx, candidate, owner).ok) return candidate;
  }
  throw new KanmonError('ERR_INVALID_POLICY', 'no random password satisfies policy.password (check maxLength and the character rules)');
}
