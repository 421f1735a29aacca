/**
 * Real servers for the integration suites: redis-server and PostgreSQL from
 * PATH (or Debian's /usr/lib/postgresql/<v>/bin), each started on a free
 * loopback port in its own temp dir and stopped by the suite.
 *
 * A missing server skips the suite loudly, naming the Debian package to
 * install, unless KANMON_REQUIRE_SERVICES=1 (set by .ci/run), where it fails.
 *
 * Servers run on the real clock: `.ci/run` runs the suite a second time under
 * libfaketime (`faketime -f +365d`), whose LD_PRELOAD reaches every child, and
 * redis-server (and PostgreSQL) under it never listens. {@link realTimeEnv}
 * strips it from their environment. Node children, openssl and Chromium keep
 * it: what they make must agree with the test's own (faked) clock.
 *
 * Plain ESM so the benches (bench/*.mjs) start servers with the same code;
 * test/support/services.ts re-exports it with types (services.d.mts).
 *
 * ```ts
 * const redis = requireService('redis');
 * describe.skipIf(!redis)('redis store', () => {
 *   let server: RedisServer;
 *   beforeAll(async () => { server = await startRedis(); });
 *   afterAll(async () => { await server.stop(); });
 * });
 * ```
 */
import { execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const packages = {
  redis: 'redis-server',
  postgres: 'postgresql',
  chromium: 'chromium',
  faketime: 'faketime',
};

/** Environment variables libfaketime reads (FAKETIME, FAKETIME_*, FAKERANDOM_SEED, FAKE_*, NO_FAKE_*, DONT_FAKE_*). */
const FAKETIME_VARIABLE = /^(?:FAKETIME|FAKERANDOM|FAKE_|NO_FAKE|DONT_FAKE)/;
/** The preload variables of Linux and macOS, whose faketime entries are dropped. */
const PRELOAD_VARIABLES = ['LD_PRELOAD', 'DYLD_INSERT_LIBRARIES'];

/**
 * A copy of `env` without libfaketime: its entries in LD_PRELOAD (and
 * DYLD_INSERT_LIBRARIES) removed, other preloaded libraries kept, the variable
 * dropped when nothing is left, and every FAKETIME* / related variable dropped.
 * For the servers the suite starts, which must run on the real clock.
 */
export function realTimeEnv(env = process.env) {
  const out = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || FAKETIME_VARIABLE.test(name)) continue;
    if (PRELOAD_VARIABLES.includes(name)) {
      const kept = value.split(/[\s:]+/).filter((entry) => entry !== '' && !/faketime/i.test(entry));
      if (kept.length > 0) out[name] = kept.join(name === 'LD_PRELOAD' ? ' ' : ':');
      continue;
    }
    out[name] = value;
  }
  if (out.DYLD_INSERT_LIBRARIES === undefined) delete out.DYLD_FORCE_FLAT_NAMESPACE;
  return out;
}

function onPath(name) {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return null;
}

function postgresBinDir() {
  const initdb = onPath('initdb');
  if (initdb && onPath('postgres')) return join(initdb, '..');
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return null;
  const versions = readdirSync(base)
    .filter((v) => existsSync(join(base, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(base, versions[0], 'bin') : null;
}

/** The libfaketime shared object (Debian: /usr/lib/<triplet>/faketime/libfaketime.so.1), or null. */
function libfaketime() {
  if (!onPath('faketime')) return null;
  for (const base of ['/usr/lib', '/usr/local/lib', '/usr/lib64']) {
    if (!existsSync(base)) continue;
    for (const dir of [base, ...readdirSync(base).map((d) => join(base, d))]) {
      const so = join(dir, 'faketime', 'libfaketime.so.1');
      if (existsSync(so)) return so;
    }
  }
  return null;
}

function locate(service) {
  switch (service) {
    case 'redis':
      return onPath('redis-server');
    case 'postgres':
      return postgresBinDir();
    case 'chromium':
      return existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : onPath('chromium');
    case 'faketime':
      return libfaketime();
  }
}

/**
 * Whether the suite can run: the server's path, or null after a loud warning.
 * Throws when KANMON_REQUIRE_SERVICES=1 and the server is missing.
 */
export function requireService(service) {
  const found = locate(service);
  if (found) return found;
  const message = `${service} not found: install the Debian package '${packages[service]}' (apt-get install ${packages[service]}) to run this suite`;
  if (process.env.KANMON_REQUIRE_SERVICES === '1') {
    throw new Error(`KANMON_REQUIRE_SERVICES=1 and ${message}`);
  }
  console.warn(`\n⚠ SKIPPING: ${message}\n`);
  return null;
}

/** A free TCP port on 127.0.0.1 (bound then released). */
export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port, child, label, timeoutMs = 30_000) {
  const deadline = performance.now() + timeoutMs;
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  while (performance.now() < deadline) {
    if (exited) throw new Error(`${label} exited during start-up`);
    const ok = await new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${label} did not listen on ${port} within ${timeoutMs} ms`);
}

/** One inline command to the Redis server on `port`; its first reply line. */
function redisCommand(port, command) {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(`${command}\r\n`));
    let buffer = '';
    socket.setTimeout(5_000, () => socket.destroy(new Error('no reply within 5 s')));
    socket.on('data', (d) => {
      buffer += d.toString();
      const end = buffer.indexOf('\r\n');
      if (end >= 0) {
        socket.destroy();
        resolve(buffer.slice(0, end));
      }
    });
    socket.once('error', reject);
    socket.once('close', () => reject(new Error('connection closed without a reply')));
  });
}

function stopChild(child, signal = 'SIGTERM') {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}

/** Start redis-server on a free port in a temp dir. `appendonly` turns AOF persistence on (fsync always). */
export async function startRedis(options = {}) {
  const bin = locate('redis');
  if (!bin) throw new Error('redis-server not found (Debian package redis-server)');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'kanmon-redis-'));
  const args = [
    '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '',
    '--appendonly', options.appendonly ? 'yes' : 'no', '--appendfsync', 'always',
    '--protected-mode', 'no', '--loglevel', 'warning',
  ];
  let child;
  const start = async () => {
    child = spawn(bin, args, { stdio: 'ignore', env: realTimeEnv() });
    await waitForPort(port, child, 'redis-server');
    // Listening is not ready: after a restart with AOF it answers -LOADING until the data is in memory.
    const deadline = performance.now() + 30_000;
    for (;;) {
      const reply = await redisCommand(port, 'PING').catch((err) => `error: ${err.message}`);
      if (reply === '+PONG') break;
      if (performance.now() > deadline) {
        await stopChild(child, 'SIGKILL'); // never leave a server behind
        throw new Error(`redis-server on ${port} not ready within 30 s: ${reply}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill: () => stopChild(child, 'SIGKILL'),
    restart: start,
    async stop() {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * initdb + postgres on a free port in a temp dir. PostgreSQL refuses to run as
 * root, so as root both run as the `postgres` user in a dir it owns.
 */
export async function startPostgres() {
  const binDir = locate('postgres');
  if (!binDir) throw new Error('PostgreSQL not found (Debian package postgresql)');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'kanmon-pg-'));
  const data = join(dir, 'data');
  const sockets = join(dir, 'sock');
  mkdirSync(data);
  mkdirSync(sockets);
  // As root, run both as `postgres` (spawn's uid/gid, so signals reach postgres itself).
  const owner =
    process.getuid?.() === 0
      ? {
          uid: Number(execFileSync('id', ['-u', 'postgres'], { env: realTimeEnv() }).toString().trim()),
          gid: Number(execFileSync('id', ['-g', 'postgres'], { env: realTimeEnv() }).toString().trim()),
        }
      : {};
  if (owner.uid !== undefined && owner.gid !== undefined) for (const p of [dir, data, sockets]) chownSync(p, owner.uid, owner.gid);
  execFileSync(join(binDir, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C'], {
    stdio: 'ignore',
    env: realTimeEnv(),
    ...owner,
  });
  let child;
  const start = async () => {
    const args = [
      '-D', data, '-p', String(port), '-k', sockets, '-c', 'listen_addresses=127.0.0.1',
      '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200',
    ];
    child = spawn(join(binDir, 'postgres'), args, { stdio: 'ignore', env: realTimeEnv(), ...owner });
    await waitForPort(port, child, 'postgres');
    // Listening is not ready: wait until it accepts sessions (not "starting up" / in recovery).
    const isReady = existsSync(join(binDir, 'pg_isready')) ? join(binDir, 'pg_isready') : (onPath('pg_isready') ?? 'pg_isready');
    const deadline = performance.now() + 30_000;
    for (;;) {
      try {
        execFileSync(isReady, ['-q', '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres'], { stdio: 'pipe', env: realTimeEnv() });
        break;
      } catch (err) {
        if (performance.now() > deadline) {
          await stopChild(child, 'SIGQUIT'); // never leave a server behind
          throw new Error(`postgres on ${port} not ready within 30 s: ${err.message}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  };
  await start();
  return {
    port,
    connectionString: `postgres://postgres@127.0.0.1:${port}/postgres`,
    // SIGQUIT = immediate shutdown: every backend aborts, no checkpoint, WAL
    // recovery at restart, as after a crash. (SIGKILL of the postmaster alone
    // would leave orphan backends holding shared memory, and no restart.)
    kill: () => stopChild(child, 'SIGQUIT'),
    restart: start,
    async stop() {
      await stopChild(child, 'SIGINT');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
