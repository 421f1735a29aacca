import { recoveryCodesRemaining } from '../../mfa/recovery-codes.js';
import { assertTenant } from '../../store/key.js';
import type { FlowContext } from '../flow-context.js';
import type { AccountRecord } from '../account.js';
import { everyAccount, inventoryEntry } from './inventory-entry.js';
import type { InventoryEntry, InventoryInput, InventoryResult } from './inventory-types.js';

/**
 * The tenant's accounts with their rights and state (RM-27 権限の割当一覧): roles and privilege, second factor
 * (recovery codes left, from the store), last login, password age, lock (the lockout's status), disabled,
 * dormant (SEC-12, IPC-3). Pages through `AccountRepository.list`; a page's store reads run together.
 */
export async function inventory(ctx: FlowContext, input: InventoryInput): Promise<InventoryResult> {
  const tenant = input?.tenant;
  assertTenant(tenant);
  const at = ctx.now();
  const entries: InventoryEntry[] = [];
  let page: AccountRecord[] = [];
  const flush = async () => {
    entries.push(...(await Promise.all(page.map((account) => entryOf(ctx, account, at)))));
    page = [];
  };
  for await (const account of everyAccount(ctx.accounts, tenant, 'inventory')) {
    page.push(account);
    if (page.length === 100) await flush();
  }
  await flush();
  return { ok: true, tenant, generatedAt: at, dormantDays: ctx.policy.accounts.dormantDays, timeZone: ctx.policy.timeZone, accounts: entries };
}

async function entryOf(ctx: FlowContext, account: AccountRecord, at: number): Promise<InventoryEntry> {
  const [status, recoveryCodesLeft] = await Promise.all([
    ctx.lockout.status({ account: account.username, accountId: account.id, tenant: account.tenant }),
    account.recoveryCodes === null ? null : recoveryCodesRemaining(account.recoveryCodes, { store: ctx.store, account: account.id, tenant: account.tenant }),
  ]);
  return inventoryEntry(account, ctx.policy, at, { locked: status.locked, recoveryCodesLeft });
}
