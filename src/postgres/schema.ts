/**
 * The PostgreSQL schema of the kanmon state store: one table of small records
 * and counters, keyed by the store key, with the tenant alongside for purges
 * (RM-18). `postgresStore().migrate()` applies it; `kanmon postgres schema`
 * prints it for DBAs who apply schemas themselves. Idempotent.
 */
export const stateTableName = 'kanmon_state';

export const stateSchemaSql = `-- kanmon state store (lockout counters, TOTP last steps, recovery-code marks, revocation epochs)
CREATE TABLE IF NOT EXISTS ${stateTableName} (
  key        text PRIMARY KEY,          -- {tenant}:namespace:... (see docs/stores.md)
  tenant     text NOT NULL,             -- the tenant id inside the key, for purges (RM-18)
  record     jsonb,                     -- small flat record of integers (transitions)
  value      bigint,                    -- single number (counters, last steps, consumed marks)
  expires_at bigint                     -- ms since the epoch; NULL = never expires
);
CREATE INDEX IF NOT EXISTS ${stateTableName}_tenant_idx ON ${stateTableName} (tenant);
CREATE INDEX IF NOT EXISTS ${stateTableName}_expires_idx ON ${stateTableName} (expires_at) WHERE expires_at IS NOT NULL;
`;
