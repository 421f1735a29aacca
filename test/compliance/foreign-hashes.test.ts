/**
 * SEC-23 「推奨アルゴリズムでハッシュ化して保存」 (issue 20): the compliance report takes a runtime
 * fact, the count of accounts still on a foreign or weak hash (the upgrade report), and is never
 * `met` while any remain.
 */
import { describe, expect, it } from 'vitest';
import { accountHashInventory, complianceReport, createPasswordHasher, definePolicy, memoryAccounts, newAccount, passwordHashInventory } from '../../src/index.js';
import { ALL_FOREIGN } from '../password/hash/foreign-fixtures.js';

const policy = definePolicy('funabashi', { hashing: { argon2: { memoryKiB: 1024, iterations: 1, parallelism: 1 } } });
const sec23 = (options: Parameters<typeof complianceReport>[1]) => complianceReport(policy, options).rows.find((r) => r.clause === 'SEC-23')!;

describe('SEC-23: accounts still on a foreign hash', () => {
  it('the upgrade report counts kanmon, foreign, weak and unusable hashes by format, without computing any', async () => {
    const hasher = createPasswordHasher({ policy });
    const django = ALL_FOREIGN.find((f) => f.format === 'django-pbkdf2-sha256')!.stored;
    const aspnetV2 = ALL_FOREIGN.find((f) => f.format === 'aspnet-v2')!.stored;
    const md5 = ALL_FOREIGN.find((f) => f.format === 'md5')!.stored;
    const hashes = [await hasher.hash('Correct-Horse-7'), django, django, aspnetV2, await hasher.hashLayered('md5', md5), '!', null, md5];
    expect(passwordHashInventory(hashes)).toEqual({
      total: 8,
      kanmon: 1,
      foreign: 4,
      weak: 2,
      unusable: 3, // '!', null, and a bare MD5 digest (never a usable hash as it is)
      byFormat: { 'django-pbkdf2-sha256': 2, 'aspnet-v2': 1, 'layered-md5': 1 },
    });
  });

  it('over a repository, page by page (memoryAccounts.list)', async () => {
    const accounts = memoryAccounts();
    const django = ALL_FOREIGN.find((f) => f.format === 'django-pbkdf2-sha256')!.stored;
    for (let i = 0; i < 2500; i++) {
      await accounts.create(newAccount({ id: `u${i}`, tenant: 't', username: `n${i}`, passwordHash: i % 5 === 0 ? django : '$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc', passwordChangedAt: 0 }));
    }
    await accounts.create(newAccount({ id: 'other', tenant: 'elsewhere', username: 'x', passwordHash: django, passwordChangedAt: 0 }));
    expect(await accountHashInventory(accounts, 't')).toMatchObject({ total: 2500, kanmon: 2000, foreign: 500 });
  });

  it('weakened while any remain, with the count; met again at 0; the policy alone still decides without the fact', () => {
    expect(sec23({}).verdict).toBe('met');
    const row = sec23({ passwordHashes: { foreign: 120, weak: 7 }, lang: 'en' });
    expect(row.verdict).toBe('weakened');
    const fact = row.evidence.find((e) => e.path === 'accounts.foreignPasswordHashes');
    expect(fact).toMatchObject({ value: 120, required: '0' });
    expect(fact?.finding).toMatchObject({ verdict: 'weakened', code: 'foreign_hashes_remain' });
    expect(row.action).toContain('120 account(s)');
    expect(row.action).toContain('7 of them weak');
    expect(sec23({ passwordHashes: { foreign: 1 }, lang: 'ja' }).action).toContain('1 件のアカウント');
    expect(sec23({ passwordHashes: { foreign: 0, weak: 0 } }).verdict).toBe('met');
    expect(complianceReport(policy, { passwordHashes: { foreign: 3 } }).weakened).toBe(true);
  });

  it('a count that is no count is refused with a code', () => {
    expect(() => complianceReport(policy, { passwordHashes: { foreign: -1 } })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    expect(() => complianceReport(policy, { passwordHashes: { foreign: Number.NaN } })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });
});
