import { dayNumber } from '../../internal/calendar.js';
import type { Policy } from '../../policy/define-policy.js';
import type { AccountRecord } from '../account.js';
import { capabilityMissing } from '../internal/capability.js';
import type { InventoryEntry } from './inventory-types.js';

/**
 * Calendar days in `timeZone` from the account's last use to `at`: since its last login, else (never used)
 * since it was created, else since its password was set (an account kanmon did not create).
 *
 * @example
 * ```ts
 * import { idleDays } from 'kanmon';
 * const days = idleDays({ lastLoginAt: Date.parse('2026-04-01T09:00:00+09:00'), passwordChangedAt: 0 }, 'Asia/Tokyo', Date.now());
 * console.log(`unused for ${days} days`);
 * ```
 */
export function idleDays(account: Pick<AccountRecord, 'lastLoginAt' | 'createdAt' | 'passwordChangedAt'>, timeZone: string, at: number): number {
  const since = account.lastLoginAt ?? account.createdAt ?? account.passwordChangedAt;
  return Math.max(0, dayNumber(at, timeZone) - dayNumber(since, timeZone));
}

/**
 * Whether the account is dormant at `at`: no use for `policy.accounts.dormantDays` calendar days in
 * `policy.timeZone` (SEC-12, IPC-3). At exactly `dormantDays` it is; a day less, it is not. Never, when
 * `dormantDays` is `null`.
 *
 * @example
 * ```ts
 * import { isDormant } from 'kanmon';
 * declare const record: { lastLoginAt: number | null; createdAt: number; passwordChangedAt: number };
 * if (isDormant(record, policy, Date.now())) notify({ account: accountId, message: 'dormant: review or disable (SEC-12)' });
 * ```
 */
export function isDormant(account: Pick<AccountRecord, 'lastLoginAt' | 'createdAt' | 'passwordChangedAt'>, policy: Policy, at: number): boolean {
  const days = policy.accounts.dormantDays;
  return days !== null && idleDays(account, policy.timeZone, at) >= days;
}

/** One inventory line of an account, from the record and what the store knows of it (`null`: not asked). */
export function inventoryEntry(account: AccountRecord, policy: Policy, at: number, live: { readonly locked: boolean | null; readonly recoveryCodesLeft: number | null }): InventoryEntry {
  const idle = idleDays(account, policy.timeZone, at);
  return {
    accountId: account.id,
    username: account.username,
    displayName: account.displayName ?? null,
    roles: [...account.roles],
    privileged: account.roles.some((role) => policy.mfa.privilegedRoles.includes(role)),
    mfa: { status: account.totpSecret !== null ? 'totp' : 'none', recoveryCodesLeft: live.recoveryCodesLeft },
    createdAt: account.createdAt ?? null,
    lastLoginAt: account.lastLoginAt ?? null,
    lastLoginIp: account.lastLoginIp ?? null,
    passwordChangedAt: account.passwordChangedAt,
    passwordAgeDays: Math.max(0, dayNumber(at, policy.timeZone) - dayNumber(account.passwordChangedAt, policy.timeZone)),
    locked: live.locked,
    disabled: account.disabled,
    idleDays: idle,
    dormant: policy.accounts.dormantDays !== null && idle >= policy.accounts.dormantDays,
  };
}

/** Every account of a tenant, page by page, through `list` (`ERR_CAPABILITY_MISSING` without it). */
export async function* everyAccount(accounts: { list?: ((q: { tenant: string; cursor?: string | null; limit?: number }) => Promise<{ accounts: readonly AccountRecord[]; cursor: string | null }>) | undefined }, tenant: string, who: string): AsyncGenerator<AccountRecord> {
  const list = accounts.list;
  if (typeof list !== 'function') throw capabilityMissing(who, 'AccountRepository', 'list');
  let cursor: string | null = null;
  do {
    const page: { accounts: readonly AccountRecord[]; cursor: string | null } = await list({ tenant, cursor, limit: 500 });
    yield* page.accounts;
    cursor = page.cursor;
  } while (cursor !== null);
}
