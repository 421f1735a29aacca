/** `faketime`: the libfaketime shared object (Debian package faketime); the others: the server binary. */
export type ServiceName = 'redis' | 'postgres' | 'chromium' | 'faketime';

/**
 * Whether the suite can run: the server's path, or null after a loud warning.
 * Throws when KANMON_REQUIRE_SERVICES=1 and the server is missing.
 */
export function requireService(service: ServiceName): string | null;

/**
 * A copy of `env` (default `process.env`) without libfaketime: its entries in
 * LD_PRELOAD / DYLD_INSERT_LIBRARIES removed (other preloads kept, the variable
 * dropped when empty) and every FAKETIME* and related variable dropped. The
 * servers the suite starts get this environment, so they run on the real clock
 * (redis-server under libfaketime never listens).
 */
export function realTimeEnv(env?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;

/** A free TCP port on 127.0.0.1 (bound then released). */
export function freePort(): Promise<number>;

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** Kill the server abruptly (SIGKILL), as a crash would. */
  kill(): Promise<void>;
  /** Start it again on the same port and data dir (AOF kept if it was on). */
  restart(): Promise<void>;
  /** Stop it and remove its data dir. */
  stop(): Promise<void>;
}

/** Start redis-server on a free port in a temp dir. `appendonly` turns AOF persistence on (fsync always). */
export function startRedis(options?: { appendonly?: boolean }): Promise<RedisServer>;

export interface PostgresServer {
  readonly port: number;
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust auth on loopback). */
  readonly connectionString: string;
  /** Crash it: immediate shutdown (SIGQUIT), no checkpoint; WAL recovery at restart. */
  kill(): Promise<void>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * initdb + postgres on a free port in a temp dir. PostgreSQL refuses to run as
 * root, so as root both run as the `postgres` user in a dir it owns.
 */
export function startPostgres(): Promise<PostgresServer>;
