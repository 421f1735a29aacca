import { KanmonError } from '../errors.js';
import { listLimit } from './internal/list-limit.js';
import type { AccountListQuery, AccountPage, AccountPatch, AccountRecord, AccountRepository, NewAccount } from './types.js';

/** The in-memory {@link AccountRepository}, with a listing for admin pages. */
export interface MemoryAccounts extends AccountRepository {
  create(account: NewAccount): Promise<void>;
  /** Every account of a tenant, in creation order (the stored frozen records). */
  list(tenant: string): AccountRecord[];
  /** One page of a tenant's accounts ordered by id ({@link AccountRepository.list}). */
  list(query: AccountListQuery): Promise<AccountPage>;
  delete(tenant: string, id: string): Promise<boolean>;
}

const freeze = (record: AccountRecord): AccountRecord =>
  Object.freeze({ ...record, roles: Object.freeze([...record.roles]), passwordHistory: Object.freeze([...record.passwordHistory]) });

/**
 * An {@link AccountRepository} in a `Map`, for tests and the demo. Records are
 * frozen copies: what kanmon or the caller holds can never change the stored
 * one behind its back. Usernames are matched exactly, per tenant.
 *
 * @example
 * ```ts
 * import { memoryAccounts } from 'kanmon';
 * const accounts = memoryAccounts();
 * ```
 */
export function memoryAccounts(seed: readonly NewAccount[] = []): MemoryAccounts {
  const byId = new Map<string, AccountRecord>();
  const byName = new Map<string, string>();
  const idKey = (tenant: string, id: string) => `${tenant}\u0000${id}`;
  const add = (account: NewAccount) => {
    if (!account || typeof account.id !== 'string' || typeof account.tenant !== 'string' || typeof account.username !== 'string') {
      throw new KanmonError('ERR_INVALID_ARGUMENT', 'memoryAccounts: an account needs string id, tenant and username');
    }
    const nameKey = idKey(account.tenant, account.username);
    if (byId.has(idKey(account.tenant, account.id)) || byName.has(nameKey)) {
      throw new KanmonError('ERR_INVALID_ARGUMENT', `memoryAccounts: account ${account.tenant}/${account.username} exists already`);
    }
    byId.set(idKey(account.tenant, account.id), freeze(account));
    byName.set(nameKey, account.id);
  };
  for (const account of seed) add(account);

  return {
    find(tenant, username) {
      const id = byName.get(idKey(tenant, username));
      return Promise.resolve(id === undefined ? null : (byId.get(idKey(tenant, id)) ?? null));
    },
    findById(tenant, id) {
      return Promise.resolve(byId.get(idKey(tenant, id)) ?? null);
    },
    update(tenant, id, patch: AccountPatch) {
      try {
        apply(tenant, id, patch);
        return Promise.resolve();
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
    },
    create(account) {
      try {
        add(account);
        return Promise.resolve();
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
    },
    list: ((query: string | AccountListQuery) => {
      if (typeof query === 'string') return [...byId.values()].filter((a) => a.tenant === query);
      try {
        const limit = listLimit(query);
        const after = query.cursor ?? null;
        const all = [...byId.values()].filter((a) => a.tenant === query.tenant && (after === null || a.id > after));
        all.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
        const accounts = all.slice(0, limit);
        return Promise.resolve({ accounts, cursor: all.length > limit ? (accounts[accounts.length - 1] as AccountRecord).id : null });
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
    }) as MemoryAccounts['list'],
    delete(tenant, id) {
      const current = byId.get(idKey(tenant, id));
      if (!current) return Promise.resolve(false);
      byId.delete(idKey(tenant, id));
      byName.delete(idKey(tenant, current.username));
      return Promise.resolve(true);
    },
  };

  function apply(tenant: string, id: string, patch: AccountPatch): void {
      const current = byId.get(idKey(tenant, id));
      if (!current) throw new KanmonError('ERR_INVALID_ARGUMENT', `memoryAccounts: no account ${tenant}/${id}`);
      const next = freeze({ ...current, ...patch, id: current.id, tenant: current.tenant });
      if (next.username !== current.username) {
        if (byName.has(idKey(tenant, next.username))) throw new KanmonError('ERR_INVALID_ARGUMENT', `memoryAccounts: username ${next.username} is taken`);
        byName.delete(idKey(tenant, current.username));
        byName.set(idKey(tenant, next.username), id);
      }
      byId.set(idKey(tenant, id), next);
  }
}
