import type { FlowContext } from '../flow-context.js';
import { inputObject } from '../internal/input.js';
import { labelOf, passkeysOf, sessionAccount, summaryOf } from '../internal/passkey-common.js';
import type { PasskeyChangeInput, PasskeyChangeResult, PasskeySessionInput, PasskeySummary, PasskeyRefused, PasskeySessionRefusal } from '../passkey-types.js';

/** The session account's passkeys, without key material. */
export async function listPasskeys(
  ctx: FlowContext,
  input: PasskeySessionInput,
): Promise<{ readonly ok: true; readonly passkeys: readonly PasskeySummary[] } | PasskeyRefused<PasskeySessionRefusal>> {
  inputObject('listPasskeys', input, '{ session }');
  const opened = await sessionAccount(ctx, input, false);
  if (!opened.ok) return { ok: false, reason: opened.reason };
  return { ok: true, passkeys: passkeysOf(opened.account).map(summaryOf) };
}

/**
 * Rename or remove one of the session account's passkeys, behind step-up (a recent authentication: SEC-13, ASVS 5.0
 * V7.5.1). Audited (`auth.passkey.renamed`, `auth.passkey.removed`) with the credential id.
 */
export async function changePasskey(ctx: FlowContext, input: PasskeyChangeInput, change: 'rename' | 'remove'): Promise<PasskeyChangeResult> {
  inputObject(change === 'rename' ? 'renamePasskey' : 'removePasskey', input, '{ session, credentialId, label? }');
  const opened = await sessionAccount(ctx, input, true);
  if (!opened.ok) {
    if (opened.base !== null && opened.reason !== 'unavailable') {
      await ctx.record({ ...opened.base, type: 'auth.passkey.failure', outcome: 'denied', reason: `${change}_${opened.reason}` });
    }
    return { ok: false, reason: opened.reason };
  }
  const { account, base } = opened;
  const existing = passkeysOf(account);
  const found = existing.find((c) => c.id === input.credentialId);
  if (found === undefined) return { ok: false, reason: 'unknown_credential' };
  if (change === 'remove') {
    await ctx.accounts.update(account.tenant, account.id, { passkeys: existing.filter((c) => c.id !== found.id) });
    await ctx.record({ ...base, type: 'auth.passkey.removed', before: { webauthnId: found.id, label: found.label } });
    return { ok: true };
  }
  const label = labelOf(input.label, null);
  if (label === null) return { ok: false, reason: 'invalid_label' };
  await ctx.accounts.update(account.tenant, account.id, { passkeys: existing.map((c) => (c.id === found.id ? { ...c, label } : c)) });
  await ctx.record({ ...base, type: 'auth.passkey.renamed', before: { webauthnId: found.id, label: found.label }, after: { label } });
  return { ok: true };
}
