import { randomUUID } from 'node:crypto';
import { KanmonError } from '../../errors.js';
import { assertTenant } from '../../store/key.js';
import { type FlowContext, MAX_USERNAME, sourceOf } from '../flow-context.js';
import { temporaryPassword } from '../internal/temporary-password.js';
import { newAccount } from '../new-account.js';
import type { AdminResult, CreateAccountInput } from '../admin/types.js';
import type { AccountRecord } from '../types.js';

/** Create an account with a one-time initial password that must be changed at the first login. */
export async function createAccount(
  ctx: FlowContext,
  input: CreateAccountInput,
): Promise<AdminResult<{ readonly account: AccountRecord; readonly initialPassword: string }>> {
  const { accounts } = ctx;
  assertTenant(input?.tenant);
  if (typeof accounts.create !== 'function') throw new KanmonError('ERR_INVALID_ARGUMENT', 'createAccount: the AccountRepository has no create()');
  if (typeof input.actor !== 'string' || input.actor.length === 0) throw new KanmonError('ERR_INVALID_ARGUMENT', 'createAccount needs an actor');
  if (typeof input.username !== 'string' || input.username.length === 0 || input.username.length > MAX_USERNAME) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', `createAccount: username must be 1–${MAX_USERNAME} characters`);
  }
  const roles = [...(input.roles ?? [])];
  if (!roles.every((r) => typeof r === 'string' && r.length > 0 && r.length <= 128)) throw new KanmonError('ERR_INVALID_ARGUMENT', 'createAccount: roles must be non-empty strings');
  const initialPassword = temporaryPassword(ctx, input);
  const account = newAccount({
    id: input.id ?? randomUUID(),
    tenant: input.tenant,
    username: input.username,
    passwordHash: await ctx.hasher.hash(initialPassword, { tenant: input.tenant }),
    passwordChangedAt: ctx.now(),
    createdAt: ctx.now(),
    mustChangePassword: 'initial',
    roles,
    email: input.email ?? null,
    displayName: input.displayName ?? null,
  });
  await accounts.create(account);
  await ctx.record({
    type: 'admin.account.create',
    tenant: input.tenant,
    actor: input.actor,
    target: account.id,
    source: sourceOf(input.clientIp, input.userAgent),
    after: { username: account.username, roles, mustChange: 'initial' },
  });
  return { ok: true, account, initialPassword };
}
