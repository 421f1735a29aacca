import { KanmonError } from '../../errors.js';
import { checkPassword, type PasswordCheckResult } from '../../password/check-password.js';
import type { FlowContext } from '../flow-context.js';

/** Whose new password it is: the rules compare it with the username and the e-mail address. */
export interface PasswordOwner {
  readonly username: string;
  readonly email?: string | null | undefined;
}

/**
 * The policy's rules for a new password of `owner`, with the offline breached-password filter. A filter that
 * could not be read (`breached_unavailable`) is a dependency outage: thrown as `ERR_STORE_UNAVAILABLE` (its
 * cause kept for the app's logs), which every `Kanmon` method answers as `unavailable`, so a password is never
 * accepted unchecked and no flow fails with a throw.
 */
export function checkNewPassword(ctx: Pick<FlowContext, 'policy' | 'breachedFilter'>, password: unknown, owner: PasswordOwner): PasswordCheckResult {
  const result = checkPassword(password, ctx.policy, {
    username: owner.username,
    ...(typeof owner.email === 'string' ? { email: owner.email } : {}),
    ...(ctx.breachedFilter ? { breachedFilter: ctx.breachedFilter } : {}),
  });
  const outage = result.ok ? undefined : result.issues.find((issue) => issue.code === 'breached_unavailable');
  if (outage !== undefined) {
    throw new KanmonError('ERR_STORE_UNAVAILABLE', 'the breached-password filter could not be read', { cause: (outage as { cause?: unknown }).cause });
  }
  return result;
}
