/**
 * The contract every AccountRepository kanmon ships passes (memoryAccounts,
 * postgresAccounts): tenant scoping, exact login-name matching (a name that
 * differs only by case or width is another name), patches that touch only
 * their fields (concurrent patches of different fields all land), paging by
 * id, delete.
 */
import { describe, expect, it } from 'vitest';
import type { AccountListQuery, AccountPage, AccountRepository, NewAccount } from '../../src/index.js';
import { newAccount } from '../../src/index.js';
import { rejectionCode } from '../support/errors.js';

/** A repository with every optional capability. */
export type FullRepository = AccountRepository & {
  create(account: NewAccount): Promise<void>;
  list(query: AccountListQuery): Promise<AccountPage>;
  delete(tenant: string, id: string): Promise<boolean>;
};

let n = 0;
/** A tenant no other case of the suite uses (the repository may be shared between cases). */
const freshTenant = () => `t${++n}-${Math.random().toString(36).slice(2, 8)}`;
const account = (tenant: string, id: string, username: string, extra: Partial<NewAccount> = {}) =>
  newAccount({ id, tenant, username, passwordHash: `$argon2id$v=19$m=19456,t=2,p=1$${id}$x`, passwordChangedAt: 1_700_000_000_000, ...extra });

export function accountRepositoryContract(name: string, repository: () => FullRepository): void {
  describe(`AccountRepository contract: ${name}`, () => {
    it('create, find by name and by id, scoped by tenant; every field reads back as written', async () => {
      const repo = repository();
      const [t1, t2] = [freshTenant(), freshTenant()];
      const full = account(t1, 'u-1', '佐藤', {
        roles: ['staff', 'admin'],
        passwordHistory: ['$old1', '$old2'],
        mustChangePassword: 'initial',
        compromised: true,
        disabled: true,
        totpSecret: 'sealed-1',
        totpPendingSecret: 'sealed-2',
        recoveryCodes: { setId: 's1', hashes: ['kmr1.k1.a', 'kmr1.k1.b'] },
        email: 'sato@example.jp',
        displayName: '佐藤 花子',
        createdAt: 1_600_000_000_000,
        lastLoginAt: 1_700_000_100_000,
        lastLoginIp: '2001:db8::1',
      });
      await repo.create(full);
      await repo.create(account(t2, 'u-1', '佐藤'));
      expect(await repo.find(t1, '佐藤')).toEqual(full);
      expect(await repo.findById(t1, 'u-1')).toEqual(full);
      expect((await repo.find(t2, '佐藤'))?.roles).toEqual([]);
      expect(await repo.find(freshTenant(), '佐藤')).toBeNull();
      expect(await repo.findById(t1, 'nobody')).toBeNull();
    });

    it('login names match exactly: a name that differs only by case or width is another name', async () => {
      const repo = repository();
      const t = freshTenant();
      await repo.create(account(t, 'u-1', 'sato'));
      expect((await repo.find(t, 'sato'))?.id).toBe('u-1');
      for (const other of ['Sato', 'SATO', 'ｓａｔｏ', 'ＳＡＴＯ', 'sato ']) expect(await repo.find(t, other)).toBeNull();
      // ... so such a name can be created as its own account (the lockout still counts both under one key)
      await repo.create(account(t, 'u-2', 'ｓａｔｏ'));
      expect((await repo.find(t, 'ｓａｔｏ'))?.id).toBe('u-2');
      // the same name or id twice is refused
      expect(await rejectionCode(repo.create(account(t, 'u-3', 'sato')))).toBe('ERR_INVALID_ARGUMENT');
      expect(await rejectionCode(repo.create(account(t, 'u-1', 'suzuki')))).toBe('ERR_INVALID_ARGUMENT');
    });

    it('update writes only the patched fields; 60 concurrent patches of different fields all land', async () => {
      const repo = repository();
      const t = freshTenant();
      await repo.create(account(t, 'u-1', 'sato'));
      await Promise.all(
        Array.from({ length: 60 }, (_, i) => {
          switch (i % 3) {
            case 0:
              return repo.update(t, 'u-1', { roles: ['staff', `r${i}`] });
            case 1:
              return repo.update(t, 'u-1', { lastLoginAt: 1_700_000_000_000 + i, lastLoginIp: `192.0.2.${i}` });
            default:
              return repo.update(t, 'u-1', { disabled: true, passwordHistory: [`$h${i}`] });
          }
        }),
      );
      const after = (await repo.findById(t, 'u-1'))!;
      expect(after.roles[0]).toBe('staff');
      expect(after.lastLoginAt).toBeGreaterThan(1_700_000_000_000);
      expect(after.lastLoginIp).toBe(`192.0.2.${Number(after.lastLoginAt) - 1_700_000_000_000}`);
      expect(after.disabled).toBe(true);
      expect(after.passwordHistory).toHaveLength(1);
      expect(after.passwordHash).toBe(account(t, 'u-1', 'sato').passwordHash);
      // id and tenant are never patched; a null clears
      await repo.update(t, 'u-1', { id: 'x', tenant: 'y', lastLoginIp: null } as never);
      expect(await repo.findById(t, 'u-1')).toMatchObject({ id: 'u-1', tenant: t, lastLoginIp: null });
      // an unknown account, or a rename onto a taken name, is refused
      expect(await rejectionCode(repo.update(t, 'nobody', { disabled: true }))).toBe('ERR_INVALID_ARGUMENT');
      await repo.create(account(t, 'u-2', 'suzuki'));
      expect(await rejectionCode(repo.update(t, 'u-2', { username: 'sato' }))).toBe('ERR_INVALID_ARGUMENT');
      await repo.update(t, 'u-2', { username: 'suzuki2' });
      expect((await repo.find(t, 'suzuki2'))?.id).toBe('u-2');
      expect(await repo.find(t, 'suzuki')).toBeNull();
    });

    it('list pages a tenant by id with a cursor; every account once, no other tenant', async () => {
      const repo = repository();
      const [t, other] = [freshTenant(), freshTenant()];
      const ids = Array.from({ length: 23 }, (_, i) => `id-${String(i).padStart(3, '0')}`);
      for (const id of [...ids].reverse()) await repo.create(account(t, id, `user-${id}`));
      await repo.create(account(other, 'id-x', 'x'));
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: AccountPage = await repo.list({ tenant: t, cursor, limit: 5 });
        seen.push(...page.accounts.map((a) => a.id));
        cursor = page.cursor;
        pages++;
      } while (cursor !== null && pages < 20);
      expect(seen).toEqual(ids);
      expect(pages).toBe(5);
      expect((await repo.list({ tenant: freshTenant() })).accounts).toEqual([]);
      expect(await rejectionCode(repo.list({ tenant: t, limit: 0 }))).toBe('ERR_INVALID_ARGUMENT');
    });

    it('delete removes the account (and frees its name); a second delete answers false', async () => {
      const repo = repository();
      const t = freshTenant();
      await repo.create(account(t, 'u-1', 'sato'));
      expect(await repo.delete(t, 'u-1')).toBe(true);
      expect(await repo.findById(t, 'u-1')).toBeNull();
      expect(await repo.find(t, 'sato')).toBeNull();
      expect(await repo.delete(t, 'u-1')).toBe(false);
      await repo.create(account(t, 'u-9', 'sato'));
      expect((await repo.find(t, 'sato'))?.id).toBe('u-9');
    });
  });
}
