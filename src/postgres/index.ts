export { postgresStore } from './store.js';
export type { PostgresStore, PostgresStoreOptions } from './store.js';
export { stateSchemaSql, stateTableName } from './schema.js';
