/**
 * Real servers for the integration suites (redis-server, PostgreSQL), started
 * on free loopback ports in temp dirs. The code is plain ESM in services.mjs
 * so the benches share it; this module gives it to the tests with types.
 */
export { freePort, realTimeEnv, requireService, startPostgres, startRedis } from './services.mjs';
export type { PostgresServer, RedisServer, ServiceName } from './services.mjs';
