import { KanmonError } from '../errors.js';
import { listLimit } from '../login/internal/list-limit.js';
import type { AccountListQuery, AccountPage, AccountPatch, AccountRecord, AccountRepository, NewAccount } from '../login/account.js';
import { storeFailure } from '../store/internal.js';
import type { PgPoolLike } from './audit-sink.js';
import { accountsSchemaSql, accountsTableName } from './schema.js';

/** Options for {@link postgresAccounts}. */
export interface PostgresAccountsOptions {
  /** A `pg` Pool you created and own; kanmon never ends it. */
  readonly pool: PgPoolLike;
  /** @default 'kanmon_accounts' */
  readonly table?: string | undefined;
  /**
   * The name key login names are matched and kept unique by, per tenant.
   * The default matches names exactly, as `memoryAccounts()` does (`Sato`,
   * `sato` and `ｓａｔｏ` are three names); pass `normalizeAccountKey` (from
   * `kanmon/store`) to match the way the lockout counts (NFKC, case-folded).
   * Change it only with a migration: stored keys are not recomputed.
   * @default (name) => name
   */
  readonly usernameKey?: ((username: string) => string) | undefined;
}

/** What {@link PostgresAccounts.insertMany} does with an account whose id or login name exists already. */
export type InsertConflict = 'error' | 'skip';

/** The answer of {@link PostgresAccounts.insertMany}. */
export interface InsertManyResult {
  readonly inserted: number;
  /** Accounts left out because their id or login name existed (`onConflict: 'skip'`). */
  readonly skipped: number;
}

/** The {@link AccountRepository} of kanmon/postgres, with every optional capability, its schema and a bulk insert. */
export interface PostgresAccounts extends AccountRepository {
  create(account: NewAccount): Promise<void>;
  list(query: AccountListQuery): Promise<AccountPage>;
  delete(tenant: string, id: string): Promise<boolean>;
  /** Create the table and its index if missing (idempotent; safe from several instances at once). */
  migrate(): Promise<void>;
  /**
   * Insert many accounts (imports): batches of `batchSize` rows, one statement
   * each, all in one transaction. With `onConflict: 'error'` (the default) a
   * taken id or login name rejects and nothing is inserted; with `'skip'` such
   * accounts are left out and counted.
   */
  insertMany(accounts: readonly NewAccount[], options?: { onConflict?: InsertConflict | undefined; batchSize?: number | undefined }): Promise<InsertManyResult>;
}

type Kind = 'text' | 'bigint' | 'boolean' | 'jsonb';

/** Every stored field: its column and SQL type. `id` and `tenant` are the key and never patched. */
const columns = [
  ['username', 'username', 'text'],
  ['passwordHash', 'password_hash', 'text'],
  ['passwordChangedAt', 'password_changed_at', 'bigint'],
  ['passwordHistory', 'password_history', 'jsonb'],
  ['mustChangePassword', 'must_change_password', 'text'],
  ['compromised', 'compromised', 'boolean'],
  ['disabled', 'disabled', 'boolean'],
  ['roles', 'roles', 'jsonb'],
  ['totpSecret', 'totp_secret', 'text'],
  ['totpPendingSecret', 'totp_pending_secret', 'text'],
  ['recoveryCodes', 'recovery_codes', 'jsonb'],
  ['email', 'email', 'text'],
  ['displayName', 'display_name', 'text'],
  ['createdAt', 'created_at', 'bigint'],
  ['lastLoginAt', 'last_login_at', 'bigint'],
  ['lastLoginIp', 'last_login_ip', 'text'],
  ['passkeys', 'passkeys', 'jsonb'],
] as const satisfies readonly (readonly [keyof AccountPatch, string, Kind])[];

const columnOf = new Map<string, readonly [string, Kind]>(columns.map(([field, column, kind]) => [field, [column, kind]]));
const selectList = ['tenant', 'id', ...columns.map(([, column]) => column)].join(', ');
const defaults: Partial<Record<keyof AccountPatch, unknown>> = { passwordHistory: [], compromised: false, disabled: false, roles: [], passkeys: [] };

/** A field's value as a query parameter (JSONB as its JSON text; `undefined` as SQL NULL). */
function param(kind: Kind, value: unknown): unknown {
  if (value === undefined || value === null) return null;
  return kind === 'jsonb' ? JSON.stringify(value) : value;
}

type Row = Record<string, unknown>;

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function toAccount(row: Row): AccountRecord {
  return {
    id: row.id as string,
    tenant: row.tenant as string,
    username: row.username as string,
    passwordHash: row.password_hash as string,
    passwordChangedAt: Number(row.password_changed_at),
    passwordHistory: (row.password_history as string[] | null) ?? [],
    mustChangePassword: (row.must_change_password as AccountRecord['mustChangePassword']) ?? null,
    compromised: row.compromised === true,
    disabled: row.disabled === true,
    roles: (row.roles as string[] | null) ?? [],
    totpSecret: (row.totp_secret as string | null) ?? null,
    totpPendingSecret: (row.totp_pending_secret as string | null) ?? null,
    recoveryCodes: (row.recovery_codes as AccountRecord['recoveryCodes']) ?? null,
    email: (row.email as string | null) ?? null,
    displayName: (row.display_name as string | null) ?? null,
    createdAt: num(row.created_at),
    lastLoginAt: num(row.last_login_at),
    lastLoginIp: (row.last_login_ip as string | null) ?? null,
    ...(Array.isArray(row.passkeys) && row.passkeys.length > 0 ? { passkeys: row.passkeys as AccountRecord['passkeys'] } : {}),
  };
}

const isUniqueViolation = (err: unknown): boolean => typeof err === 'object' && err !== null && (err as { code?: unknown }).code === '23505';

function checkAccount(account: NewAccount, where: string): void {
  if (!account || typeof account !== 'object' || typeof account.id !== 'string' || typeof account.tenant !== 'string' || typeof account.username !== 'string') {
    throw new KanmonError('ERR_INVALID_ARGUMENT', `${where}: an account needs string id, tenant and username`);
  }
  if (typeof account.passwordHash !== 'string' || !Number.isSafeInteger(account.passwordChangedAt)) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', `${where}: account ${account.tenant}/${account.id} needs a passwordHash string and an integer passwordChangedAt`);
  }
}

/**
 * An {@link AccountRepository} over PostgreSQL (kanmon/postgres): one row per
 * account in `kanmon_accounts` (created by {@link PostgresAccounts.migrate}, or
 * by applying `accountsSchemaSql()`). Every call is one statement: `update`
 * writes only the patched columns, so two concurrent patches of different
 * fields both land (no read-modify-write); `list` pages by id (keyset).
 *
 * @example
 * ```ts
 * import pg from 'pg';
 * import { postgresAccounts } from 'kanmon/postgres';
 *
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * const accounts = postgresAccounts({ pool });
 * await accounts.migrate();
 * const account = await accounts.find('funabashi', 'sato');
 * ```
 */
export function postgresAccounts(options: PostgresAccountsOptions): PostgresAccounts {
  const { pool, table = accountsTableName, usernameKey = (name: string) => name } = options ?? ({} as PostgresAccountsOptions);
  if (!pool || typeof pool.query !== 'function' || typeof pool.connect !== 'function') {
    throw new KanmonError('ERR_INVALID_ARGUMENT', 'postgresAccounts: pool must be a pg Pool');
  }
  if (typeof usernameKey !== 'function') throw new KanmonError('ERR_INVALID_ARGUMENT', 'postgresAccounts: usernameKey must be a function');
  const schema = accountsSchemaSql({ table }); // checks the table name
  const T = table;

  const run = async <R>(op: string, fn: () => Promise<R>): Promise<R> => {
    try {
      return await fn();
    } catch (err) {
      throw storeFailure('postgres accounts', op, err);
    }
  };
  const keyOf = (username: string): string => {
    const key = usernameKey(username);
    if (typeof key !== 'string') throw new KanmonError('ERR_INVALID_ARGUMENT', 'postgresAccounts: usernameKey must return a string');
    return key;
  };
  const insertColumns = ['tenant', 'id', 'username_key', ...columns.map(([, column]) => column)];
  const insertTypes = ['text', 'text', 'text', ...columns.map(([, , kind]) => kind)];
  const rowValues = (account: NewAccount): unknown[] => [
    account.tenant,
    account.id,
    keyOf(account.username),
    ...columns.map(([field, , kind]) => param(kind, account[field] === undefined ? defaults[field] : account[field])),
  ];

  async function transaction<R>(fn: (client: Awaited<ReturnType<PgPoolLike['connect']>>) => Promise<R>): Promise<R> {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch((e: unknown) => {
        broken = e instanceof Error ? e : new Error(String(e));
      });
      throw err;
    } finally {
      client.release(broken);
    }
  }

  return {
    migrate: () =>
      run('migrate', () =>
        transaction(async (client) => {
          await client.query(`SELECT pg_advisory_xact_lock(hashtext('${T}'))`);
          await client.query(schema);
        }),
      ),

    find: (tenant, username) =>
      run('find', async () => {
        if (typeof tenant !== 'string' || typeof username !== 'string') return null;
        const { rows } = await pool.query(`SELECT ${selectList} FROM ${T} WHERE tenant = $1 AND username_key = $2`, [tenant, keyOf(username)]);
        return rows[0] ? toAccount(rows[0] as Row) : null;
      }),

    findById: (tenant, id) =>
      run('findById', async () => {
        const { rows } = await pool.query(`SELECT ${selectList} FROM ${T} WHERE tenant = $1 AND id = $2`, [tenant, id]);
        return rows[0] ? toAccount(rows[0] as Row) : null;
      }),

    update: (tenant, id, patch) =>
      run('update', async () => {
        if (!patch || typeof patch !== 'object') throw new KanmonError('ERR_INVALID_ARGUMENT', 'postgresAccounts.update: patch must be an object');
        const sets: string[] = [];
        const values: unknown[] = [tenant, id];
        for (const [field, value] of Object.entries(patch)) {
          if (value === undefined) continue;
          const column = columnOf.get(field);
          if (!column) continue; // id, tenant and fields this table does not keep
          values.push(param(column[1], value));
          sets.push(`${column[0]} = $${values.length}::${column[1]}`);
          if (field === 'username') {
            values.push(keyOf(value as string));
            sets.push(`username_key = $${values.length}`);
          }
        }
        const sql = sets.length === 0 ? `SELECT 1 FROM ${T} WHERE tenant = $1 AND id = $2` : `UPDATE ${T} SET ${sets.join(', ')} WHERE tenant = $1 AND id = $2`;
        let count: number;
        try {
          const result = (await pool.query(sql, values)) as { rows: unknown[]; rowCount?: number | null };
          count = sets.length === 0 ? result.rows.length : (result.rowCount ?? 0);
        } catch (err) {
          if (isUniqueViolation(err)) throw new KanmonError('ERR_INVALID_ARGUMENT', `postgresAccounts: username ${String(patch.username)} is taken`, { cause: err });
          throw err;
        }
        if (count === 0) throw new KanmonError('ERR_INVALID_ARGUMENT', `postgresAccounts: no account ${tenant}/${id}`);
      }),

    create: (account) =>
      run('create', async () => {
        checkAccount(account, 'postgresAccounts.create');
        const placeholders = insertColumns.map((_, i) => `$${i + 1}::${insertTypes[i] as string}`).join(', ');
        try {
          await pool.query(`INSERT INTO ${T} (${insertColumns.join(', ')}) VALUES (${placeholders})`, rowValues(account));
        } catch (err) {
          if (isUniqueViolation(err)) throw new KanmonError('ERR_INVALID_ARGUMENT', `postgresAccounts: account ${account.tenant}/${account.username} exists already`, { cause: err });
          throw err;
        }
      }),

    list: (query) =>
      run('list', async () => {
        const limit = listLimit(query);
        const { rows } = await pool.query(
          `SELECT ${selectList} FROM ${T} WHERE tenant = $1 AND ($2::text IS NULL OR id > $2::text) ORDER BY id LIMIT $3`,
          [query.tenant, query.cursor ?? null, limit + 1],
        );
        const accounts = rows.slice(0, limit).map((row) => toAccount(row as Row));
        return { accounts, cursor: rows.length > limit ? (accounts[accounts.length - 1] as AccountRecord).id : null };
      }),

    delete: (tenant, id) =>
      run('delete', async () => {
        const result = (await pool.query(`DELETE FROM ${T} WHERE tenant = $1 AND id = $2`, [tenant, id])) as { rowCount?: number | null };
        return (result.rowCount ?? 0) > 0;
      }),

    insertMany: (given, { onConflict = 'error', batchSize = 5000 } = {}) =>
      run('insertMany', async () => {
        const accounts: readonly NewAccount[] = given;
        if (!Array.isArray(given)) throw new KanmonError('ERR_INVALID_ARGUMENT', 'postgresAccounts.insertMany: accounts must be an array');
        if (onConflict !== 'error' && onConflict !== 'skip') throw new KanmonError('ERR_INVALID_ARGUMENT', "postgresAccounts.insertMany: onConflict must be 'error' or 'skip'");
        if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 50_000) throw new KanmonError('ERR_INVALID_ARGUMENT', 'postgresAccounts.insertMany: batchSize must be an integer from 1 to 50000');
        accounts.forEach((account, i) => checkAccount(account, `postgresAccounts.insertMany: #${i}`));
        const unnest = insertColumns.map((_, i) => `$${i + 1}::${insertTypes[i] as string}[]`).join(', ');
        const sql = `INSERT INTO ${T} (${insertColumns.join(', ')}) SELECT * FROM unnest(${unnest})${onConflict === 'skip' ? ' ON CONFLICT DO NOTHING' : ''}`;
        return transaction(async (client) => {
          let inserted = 0;
          for (let start = 0; start < accounts.length; start += batchSize) {
            const arrays: unknown[][] = insertColumns.map(() => []);
            for (const account of accounts.slice(start, start + batchSize)) rowValues(account).forEach((v, i) => (arrays[i] as unknown[]).push(v));
            try {
              const result = (await client.query(sql, arrays)) as { rowCount?: number | null };
              inserted += result.rowCount ?? 0;
            } catch (err) {
              if (isUniqueViolation(err)) throw new KanmonError('ERR_INVALID_ARGUMENT', 'postgresAccounts.insertMany: an id or login name exists already (nothing was inserted)', { cause: err });
              throw err;
            }
          }
          return { inserted, skipped: accounts.length - inserted };
        });
      }),
  };
}
