import { KanmonError } from '../errors.js';
import { stateFunctionsSql } from './internal/lockout-sql.js';

/**
 * The PostgreSQL schema of the kanmon state store: one table of small records
 * and counters, keyed by the store key, with the tenant alongside for purges
 * (RM-18). `postgresStore().migrate()` applies it; `kanmon postgres schema`
 * prints it for DBAs who apply schemas themselves. Idempotent.
 */
export const stateTableName = 'kanmon_state';
/** The entry lists (`addEntry`…: the per-account session index), one row per entry. */
export const entryTableName = 'kanmon_state_entries';

/** The SQL that creates the state store's tables (idempotent: `CREATE TABLE IF NOT EXISTS`); run it once per database. */
export const stateSchemaSql = `-- kanmon state store (lockout counters, TOTP last steps, recovery-code marks, revocation epochs)
CREATE TABLE IF NOT EXISTS ${stateTableName} (
  key        text PRIMARY KEY,          -- {tenant}:namespace:... (see docs/stores.md)
  tenant     text NOT NULL,             -- the tenant id inside the key, for purges (RM-18)
  record     jsonb,                     -- small flat record of integers (transitions)
  value      bigint,                    -- single number (counters, last steps, consumed marks)
  expires_at bigint                     -- ms since the epoch; NULL = never expires
) WITH (fillfactor = 80);
CREATE INDEX IF NOT EXISTS ${stateTableName}_tenant_idx ON ${stateTableName} (tenant);
-- No index on expires_at (kanmon 0.2 had one; dropped here): every write sets it, and an indexed column
-- written makes each update a non-HOT one (a new entry in every index). sweep() scans the table instead.
-- Free space on each page (fillfactor) lets a row's new version stay on its page (HOT).
DROP INDEX IF EXISTS ${stateTableName}_expires_idx;
ALTER TABLE ${stateTableName} SET (fillfactor = 80);
-- entry lists (the per-account session index: listSessions, revokeSession, session.maxConcurrent)
CREATE TABLE IF NOT EXISTS ${entryTableName} (
  key          text NOT NULL,         -- {tenant}:namespace:... of the list
  id           text NOT NULL,         -- the entry id (a session id)
  tenant       text NOT NULL,         -- for purges (RM-18)
  created_at   bigint NOT NULL,       -- ms; orders eviction
  last_seen_at bigint NOT NULL,       -- ms
  expires_at   bigint NOT NULL,       -- ms; the entry is gone at this instant
  data         text NOT NULL,         -- at most 1024 characters (JSON written by kanmon)
  PRIMARY KEY (key, id)
);
CREATE INDEX IF NOT EXISTS ${entryTableName}_tenant_idx ON ${entryTableName} (tenant);
CREATE INDEX IF NOT EXISTS ${entryTableName}_expires_idx ON ${entryTableName} (expires_at);
${stateFunctionsSql(stateTableName)}`;

/** The default table of {@link accountsSchemaSql} and `postgresAccounts`. */
export const accountsTableName = 'kanmon_accounts';

/**
 * The PostgreSQL schema of the account table `postgresAccounts()` reads and
 * writes: one row per account, every `AccountRecord` field in its own
 * column (nested values as JSONB), the login name unique per tenant under the
 * repository's name key (`username_key`). `postgresAccounts().migrate()`
 * applies it; `kanmon postgres schema` prints it. Idempotent.
 *
 * @example
 * ```ts
 * import { accountsSchemaSql } from 'kanmon/postgres';
 * process.stdout.write(accountsSchemaSql()); // hand it to the DBA
 * ```
 */
export function accountsSchemaSql(options: { table?: string | undefined } = {}): string {
  const table = options.table ?? accountsTableName;
  if (!/^[a-z_][a-z0-9_]{0,40}$/.test(table)) throw new KanmonError('ERR_INVALID_ARGUMENT', 'accounts table name must match /^[a-z_][a-z0-9_]{0,40}$/');
  return `-- kanmon accounts (the AccountRepository of kanmon/postgres); secrets only as hashes or sealed
CREATE TABLE IF NOT EXISTS ${table} (
  tenant               text    NOT NULL,
  id                   text    COLLATE "C" NOT NULL,  -- byte order: list() pages by id
  username             text    NOT NULL,              -- as the user types it
  username_key         text    NOT NULL,              -- the repository's name key (unique per tenant)
  password_hash        text    NOT NULL,              -- PHC string
  password_changed_at  bigint  NOT NULL,              -- ms since the epoch
  password_history     jsonb   NOT NULL DEFAULT '[]', -- earlier PHC strings, newest first
  must_change_password text,                          -- initial | admin_reset | policy_changed
  compromised          boolean NOT NULL DEFAULT false,
  disabled             boolean NOT NULL DEFAULT false,
  roles                jsonb   NOT NULL DEFAULT '[]',
  totp_secret          text,                          -- sealed (AES-256-GCM)
  totp_pending_secret  text,                          -- sealed
  recovery_codes       jsonb,                         -- { setId, hashes } (keyed hashes)
  email                text,
  display_name         text,
  created_at           bigint,
  last_login_at        bigint,
  last_login_ip        text,
  passkeys             jsonb   NOT NULL DEFAULT '[]', -- WebAuthn credentials: public keys, counters (no secret)
  PRIMARY KEY (tenant, id)
);
ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS passkeys jsonb NOT NULL DEFAULT '[]';
CREATE UNIQUE INDEX IF NOT EXISTS ${table}_username_idx ON ${table} (tenant, username_key);
`;
}
