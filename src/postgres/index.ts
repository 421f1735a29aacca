export { postgresAuditSink, auditSchemaSql } from './audit-sink.js';
export type { PgPoolLike, PgQueryable, PostgresAuditSink, PostgresAuditSinkOptions } from './audit-sink.js';
