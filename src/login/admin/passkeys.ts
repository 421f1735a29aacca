import type { FlowContext } from '../flow-context.js';
import { passkeysOf } from '../internal/passkey-common.js';
import type { AdminRemovePasskeyInput } from '../passkey-types.js';
import { adminEvent, findTarget } from './target.js';
import type { AdminResult } from './types.js';

/**
 * Remove a passkey of an account (a lost or stolen key; docs/passkeys.md): the account's sessions are revoked
 * first (a session signed in with the lost key ends with it), then the credential is removed; audited
 * `admin.passkey.remove` with the credential id.
 */
export async function adminRemovePasskey(ctx: FlowContext, input: AdminRemovePasskeyInput): Promise<AdminResult<object, 'unknown_credential'>> {
  const account = await findTarget(ctx, input);
  if (account === null) return { ok: false, reason: 'not_found' };
  const existing = passkeysOf(account);
  const found = existing.find((c) => c.id === input.credentialId);
  if (found === undefined) {
    await ctx.record(adminEvent(input, 'admin.passkey.remove', { outcome: 'denied', reason: 'unknown_credential' }));
    return { ok: false, reason: 'unknown_credential' };
  }
  await ctx.sessions.revokeAll(input.tenant, account.id);
  await ctx.accounts.update(input.tenant, account.id, { passkeys: existing.filter((c) => c.id !== found.id) });
  await ctx.record(adminEvent(input, 'admin.passkey.remove', { before: { webauthnId: found.id, label: found.label, aaguid: found.aaguid }, after: { sessionsRevoked: true } }));
  return { ok: true };
}
