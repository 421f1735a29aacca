export { postgresStore } from './store.js';
export type { PostgresStore, PostgresStoreOptions } from './store.js';
export { stateSchemaSql, stateTableName } from './schema.js';
export { postgresAuditSink, auditSchemaSql } from './audit-sink.js';
export type { PgPoolLike, PgQueryable, PostgresAuditSink, PostgresAuditSinkOptions } from './audit-sink.js';
export { postgresAccounts } from './accounts.js';
export type { InsertConflict, InsertManyResult, PostgresAccounts, PostgresAccountsOptions } from './accounts.js';
export { accountsSchemaSql, accountsTableName } from './schema.js';
