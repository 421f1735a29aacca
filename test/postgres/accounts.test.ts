/**
 * postgresAccounts against a real PostgreSQL: the shared AccountRepository
 * contract (exact names, concurrent patches, paging, delete), the schema it
 * migrates, the `usernameKey` option (the lockout's NFKC + case folding), and
 * the bulk insert imports use (atomic, conflicts refused or skipped, speed).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newAccount } from '../../src/index.js';
import { normalizeAccountKey } from '../../src/lockout/normalize-account.js';
import { type PostgresAccounts, accountsSchemaSql, postgresAccounts } from '../../src/postgres/index.js';
import { errorCode, rejectionCode } from '../support/errors.js';
import { type PostgresServer, requireService, startPostgres } from '../support/services.js';
import { accountRepositoryContract } from '../login/account-repository-contract.js';

const account = (tenant: string, id: string, username: string) =>
  newAccount({ id, tenant, username, passwordHash: `$pbkdf2-sha256$i=600000$${id}$x`, passwordChangedAt: 1_700_000_000_000, roles: ['staff'], displayName: `利用者 ${id}` });

describe.skipIf(!requireService('postgres'))('postgresAccounts (real PostgreSQL)', () => {
  let server: PostgresServer;
  let pool: pg.Pool;
  let accounts: PostgresAccounts;
  beforeAll(async () => {
    server = await startPostgres();
    pool = new pg.Pool({ connectionString: server.connectionString, max: 20 });
    pool.on('error', () => undefined);
    accounts = postgresAccounts({ pool });
    await Promise.all([accounts.migrate(), postgresAccounts({ pool }).migrate(), postgresAccounts({ pool }).migrate()]);
  });
  afterAll(async () => {
    await pool?.end();
    await server?.stop();
  });

  accountRepositoryContract('postgresAccounts', () => accounts);

  it('migrate creates the table accountsSchemaSql prints, idempotently; a bad table name is refused', async () => {
    await accounts.migrate();
    const { rows } = await pool.query<{ column_name: string }>(`SELECT column_name FROM information_schema.columns WHERE table_name = 'kanmon_accounts' ORDER BY ordinal_position`);
    expect(rows.map((r) => r.column_name)).toEqual([
      'tenant', 'id', 'username', 'username_key', 'password_hash', 'password_changed_at', 'password_history', 'must_change_password', 'compromised',
      'disabled', 'roles', 'totp_secret', 'totp_pending_secret', 'recovery_codes', 'email', 'display_name', 'created_at', 'last_login_at', 'last_login_ip',
      'passkeys',
    ]);
    expect(accountsSchemaSql()).toContain('CREATE TABLE IF NOT EXISTS kanmon_accounts (');
    expect(errorCode(() => postgresAccounts({ pool, table: 'x; DROP TABLE y' }))).toBe('ERR_INVALID_ARGUMENT');
    expect(errorCode(() => postgresAccounts({ pool: {} as never }))).toBe('ERR_INVALID_ARGUMENT');
  });

  it('issue 18: passkeys live on the account (JSONB): created, patched whole, read back; a table of before gains the column on migrate', async () => {
    const passkey = { id: 'cred-1', publicKey: 'pQECAyYgASFYIA', counter: 3, transports: ['internal'], aaguid: '00000000-0000-0000-0000-000000000000', backedUp: false, label: '庁舎PC', createdAt: 1, lastUsedAt: null };
    await accounts.create(newAccount({ id: 'u-pk', tenant: 'city-pk', username: 'pk', passwordHash: '$argon2id$x', passwordChangedAt: 1 }));
    expect((await accounts.findById('city-pk', 'u-pk'))?.passkeys).toBeUndefined();
    await accounts.update('city-pk', 'u-pk', { passkeys: [passkey] });
    expect((await accounts.findById('city-pk', 'u-pk'))?.passkeys).toEqual([passkey]);
    await accounts.update('city-pk', 'u-pk', { passkeys: [{ ...passkey, counter: 4, lastUsedAt: 2 }] });
    expect((await accounts.findById('city-pk', 'u-pk'))?.passkeys).toEqual([{ ...passkey, counter: 4, lastUsedAt: 2 }]);
    // A deployment that migrated before passkeys: the column is added, existing rows read as none.
    await pool.query('CREATE TABLE old_accounts (LIKE kanmon_accounts INCLUDING DEFAULTS)');
    await pool.query('ALTER TABLE old_accounts DROP COLUMN passkeys');
    const old = postgresAccounts({ pool, table: 'old_accounts' });
    await old.migrate();
    const { rows } = await pool.query<{ column_name: string }>(`SELECT column_name FROM information_schema.columns WHERE table_name = 'old_accounts' AND column_name = 'passkeys'`);
    expect(rows).toHaveLength(1);
  });

  it('usernameKey: normalizeAccountKey makes Sato, SATO and ｓａｔｏ one login name (found, and refused a second time)', async () => {
    const folded = postgresAccounts({ pool, table: 'kanmon_accounts_folded', usernameKey: normalizeAccountKey });
    await folded.migrate();
    await folded.create(account('t', 'u-1', 'Sato'));
    for (const typed of ['Sato', 'sato', 'SATO', 'ｓａｔｏ', 'ＳＡＴＯ']) expect((await folded.find('t', typed))?.username).toBe('Sato');
    expect(await rejectionCode(folded.create(account('t', 'u-2', 'ＳＡＴＯ')))).toBe('ERR_INVALID_ARGUMENT');
    expect(await folded.find('t', 'suzuki')).toBeNull();
  });

  it('insertMany: atomic on a conflict by default, or skips and counts; 20 000 rows at well over 20 000 rows/s', async () => {
    const t = 'bulk';
    const rows = Array.from({ length: 20_000 }, (_, i) => account(t, `b-${i}`, `user${i}`));
    const started = performance.now();
    expect(await accounts.insertMany(rows)).toEqual({ inserted: 20_000, skipped: 0 });
    const seconds = (performance.now() - started) / 1000;
    expect(20_000 / seconds).toBeGreaterThan(20_000);
    expect((await accounts.find(t, 'user19999'))?.displayName).toBe('利用者 b-19999');

    // one taken name in the middle of a batch: nothing of that call is inserted
    const clash = [account(t, 'n-1', 'new1'), account(t, 'n-2', 'user5'), account(t, 'n-3', 'new3')];
    expect(await rejectionCode(accounts.insertMany(clash))).toBe('ERR_INVALID_ARGUMENT');
    expect(await accounts.findById(t, 'n-1')).toBeNull();
    // skip: the clash (and a duplicate inside the call) are left out and counted
    expect(await accounts.insertMany([...clash, account(t, 'n-1', 'new1')], { onConflict: 'skip', batchSize: 2 })).toEqual({ inserted: 2, skipped: 2 });
    expect((await accounts.findById(t, 'n-3'))?.username).toBe('new3');
    expect((await accounts.find(t, 'user5'))?.id).toBe('b-5');
    expect(await rejectionCode(accounts.insertMany([{ id: 1 } as never]))).toBe('ERR_INVALID_ARGUMENT');
  });

  it('a database that is gone: every call rejects ERR_STORE_UNAVAILABLE (the guard turns it into an outage answer)', async () => {
    const dead = new pg.Pool({ connectionString: 'postgres://nobody@127.0.0.1:1/none', connectionTimeoutMillis: 500 });
    dead.on('error', () => undefined);
    const repo = postgresAccounts({ pool: dead });
    expect(await rejectionCode(repo.find('t', 'sato'))).toBe('ERR_STORE_UNAVAILABLE');
    expect(await rejectionCode(repo.list({ tenant: 't' }))).toBe('ERR_STORE_UNAVAILABLE');
    await dead.end();
  });
});
