import { KanmonError } from '../../errors.js';
import type { FlowContext } from '../flow-context.js';
import type { AdminInput, AdminResult } from './types.js';
import { adminEvent, findTarget } from './target.js';

type RoleInput = AdminInput & { readonly role: string };
type RoleResult = AdminResult<{ readonly roles: readonly string[] }>;

/** Give the account a role (no change when it has it). */
export async function grantRole(ctx: FlowContext, input: RoleInput): Promise<RoleResult> {
  const account = await findTarget(ctx, input);
  if (account === null) return { ok: false, reason: 'not_found' };
  const role = checkRole(input.role);
  const roles = account.roles.includes(role) ? [...account.roles] : [...account.roles, role];
  await ctx.accounts.update(input.tenant, account.id, { roles });
  await ctx.record(adminEvent(input, 'admin.role.grant', { reason: null, before: { roles: [...account.roles] }, after: { roles } }));
  return { ok: true, roles };
}

/** Take a role away; the account's sessions are revoked when it had it. */
export async function revokeRole(ctx: FlowContext, input: RoleInput): Promise<RoleResult> {
  const account = await findTarget(ctx, input);
  if (account === null) return { ok: false, reason: 'not_found' };
  const role = checkRole(input.role);
  const roles = account.roles.filter((r) => r !== role);
  const revoked = roles.length !== account.roles.length;
  await ctx.accounts.update(input.tenant, account.id, { roles });
  // Session tokens carry the roles: a revoked role must not live on in them.
  if (revoked) await ctx.sessions.revokeAll(input.tenant, account.id);
  await ctx.record(adminEvent(input, 'admin.role.revoke', { before: { roles: [...account.roles] }, after: { roles, sessionsRevoked: revoked } }));
  return { ok: true, roles };
}

function checkRole(role: unknown): string {
  if (typeof role !== 'string' || role.length === 0 || role.length > 128) throw new KanmonError('ERR_INVALID_ARGUMENT', 'role must be a string of 1–128 characters');
  return role;
}
