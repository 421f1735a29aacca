/**
 * `kanmon/postgres`: the state store, the append-only audit sink and an
 * account repository over pg, with the SQL that creates their tables.
 *
 * @module kanmon/postgres
 */
export { postgresStore } from './store.js';
export type { PostgresStore, PostgresStoreOptions } from './store.js';
export { stateSchemaSql, stateTableName } from './schema.js';
export { postgresAuditSink, auditSchemaSql } from './audit-sink.js';
export type { PgPoolLike, PgQueryable, PostgresAuditSink, PostgresAuditSinkOptions } from './audit-sink.js';
export { postgresAccounts } from './accounts.js';
export type { InsertConflict, InsertManyResult, PostgresAccounts, PostgresAccountsOptions } from './accounts.js';
export { accountsSchemaSql, accountsTableName } from './schema.js';
