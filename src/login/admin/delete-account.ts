import { normalizeAccountKey } from '../../lockout/normalize-account.js';
import { mfaKey } from '../../mfa/internal/keys.js';
import { resetKeys } from '../../recovery/internal/keys.js';
import { revokeResetTokens } from '../../recovery/reset-token.js';
import { trustedKey } from '../../store/key.js';
import type { FlowContext } from '../flow-context.js';
import type { AccountRecord } from '../account.js';
import { capabilityMissing } from '../internal/capability.js';
import { knownSourceCountKey, loginFailuresKey, sourceWindow } from '../internal/login-notice.js';
import { adminEvent, findTarget } from './target.js';
import type { AdminInput, AdminResult } from './types.js';

/**
 * Delete an account (SEC-12 アカウントの削除) through `AccountRepository.delete` and purge what the store
 * holds of it. Sessions and reset tokens are revoked by advancing their epochs, not by deleting them:
 * deleting an epoch would make tokens issued before the last revocation valid again (and a reused id would
 * inherit them). Audited `admin.account.delete` with the username and roles it had.
 */
export async function deleteAccount(ctx: FlowContext, input: AdminInput): Promise<AdminResult> {
  const { accounts } = ctx;
  if (typeof accounts.delete !== 'function') throw capabilityMissing('deleteAccount', 'AccountRepository', 'delete');
  const account = await findTarget(ctx, input);
  if (account === null) return { ok: false, reason: 'not_found' };
  // Revoke first: from here on no session or reset token of the account works, even if the rest fails.
  await ctx.sessions.revokeAll(account.tenant, account.id);
  await revokeResetTokens(ctx.store, account.tenant, account.id);
  await accounts.delete(account.tenant, account.id);
  const purged = await purgeAccountState(ctx, account);
  await ctx.record(adminEvent(input, 'admin.account.delete', { before: { username: account.username, roles: [...account.roles], disabled: account.disabled }, after: { deleted: true, storeEntriesPurged: purged } }));
  return { ok: true };
}

/**
 * Every store key that names the account and can be named from its record: the lockout's counters (its
 * name's and its own, password and second factor), the TOTP replay guard (current and pending), the
 * recovery-code marks, the reset-request counter, the failures-since-last-login counter, the known-source
 * counts. Keys of one source (per-IP throttles, known-source marks) cannot be enumerated: they expire on their TTL.
 * @returns how many keys existed.
 */
async function purgeAccountState(ctx: FlowContext, account: AccountRecord): Promise<number> {
  const { tenant, id } = account;
  const keys = [
    trustedKey(tenant, 'lockout', 'pw', normalizeAccountKey(account.username)),
    // the stand-in counter of other spellings of the name that found no account (`SATO` for `sato`)
    trustedKey(tenant, 'lockout', 'pw-unknown', normalizeAccountKey(account.username)),
    trustedKey(tenant, 'lockout', 'pw-id', id),
    trustedKey(tenant, 'lockout', 'mfa', normalizeAccountKey(id)),
    mfaKey(tenant, 'totp-step', id),
    mfaKey(tenant, 'totp-step', id, 'pending'),
    resetKeys.requestsOfAccount(tenant, id),
    resetKeys.requestsOfName(tenant, normalizeAccountKey(account.username)),
    loginFailuresKey(tenant, id),
  ];
  const days = ctx.policy.accounts.knownSourceDays;
  if (days !== null) {
    const window = sourceWindow(days, ctx.now());
    keys.push(knownSourceCountKey(tenant, id, window), knownSourceCountKey(tenant, id, window - 1));
  }
  const set = account.recoveryCodes;
  if (set !== null && typeof set.setId === 'string' && Array.isArray(set.hashes)) {
    keys.push(mfaKey(tenant, 'recovery-used', id, set.setId));
    set.hashes.forEach((_, i) => keys.push(mfaKey(tenant, 'recovery', id, set.setId, String(i))));
  }
  const deleted = await Promise.all(keys.map((key) => ctx.store.delete(key)));
  return deleted.filter(Boolean).length;
}
