/** The harness itself: each real server starts, answers, survives a kill + restart, and stops. */
import { execFileSync } from 'node:child_process';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { realTimeEnv, requireService, startPostgres, startRedis } from './services.js';

function redisPing(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
    socket.once('data', (d) => {
      socket.destroy();
      resolve(d.toString().trim());
    });
    socket.once('error', reject);
  });
}

describe.skipIf(!requireService('redis'))('redis-server harness', () => {
  it('starts on a free port, restarts after SIGKILL, stops', async () => {
    const server = await startRedis({ appendonly: true });
    try {
      await expect(redisPing(server.port)).resolves.toBe('+PONG');
      await server.kill();
      await expect(redisPing(server.port)).rejects.toThrow();
      await server.restart();
      await expect(redisPing(server.port)).resolves.toBe('+PONG');
    } finally {
      await server.stop();
    }
  });
});

describe.skipIf(!requireService('postgres'))('postgres harness', () => {
  it('initdb + postgres as an unprivileged user, reachable on loopback', async () => {
    const server = await startPostgres();
    try {
      const out = execFileSync('psql', [server.connectionString, '-Atc', 'select 40 + 2'], { env: realTimeEnv() }).toString().trim();
      expect(out).toBe('42');
    } finally {
      await server.stop();
    }
  });
});

/** The real clock (epoch ms), read by a child that runs without libfaketime: the suite itself may be under `faketime`. */
function realNow(): number {
  return Number(execFileSync('date', ['+%s%3N'], { env: realTimeEnv() }).toString().trim());
}

function redisTime(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write('TIME\r\n'));
    let buffer = '';
    socket.on('data', (d) => {
      buffer += d.toString();
      const numbers = buffer.match(/\$\d+\r\n(\d+)\r\n\$\d+\r\n(\d+)\r\n/);
      if (numbers) {
        socket.destroy();
        resolve(Number(numbers[1]) * 1000 + Math.floor(Number(numbers[2]) / 1000));
      }
    });
    socket.once('error', reject);
  });
}

describe('issue 14: realTimeEnv strips libfaketime from a server\'s environment', () => {
  it('drops the faketime preload and every FAKETIME* variable, and keeps everything else', () => {
    const env = realTimeEnv({
      PATH: '/usr/bin',
      LD_PRELOAD: '/usr/$LIB/faketime/libfaketime.so.1 /opt/lib/libother.so:/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1',
      DYLD_INSERT_LIBRARIES: '/usr/local/lib/faketime/libfaketime.1.dylib',
      DYLD_FORCE_FLAT_NAMESPACE: '1',
      FAKETIME: '+365d',
      FAKETIME_DONT_FAKE_MONOTONIC: '1',
      FAKETIME_SHARED: '/faketime_sem_1 /faketime_shm_1',
      FAKERANDOM_SEED: '0x12345678',
      DONT_FAKE_MONOTONIC: '1',
      NO_FAKE_STAT: '1',
      FAKE_UTIME: '1',
      KANMON_REQUIRE_SERVICES: '1',
    });
    expect(env).toEqual({ PATH: '/usr/bin', LD_PRELOAD: '/opt/lib/libother.so', KANMON_REQUIRE_SERVICES: '1' });
    expect(realTimeEnv({ LD_PRELOAD: '/usr/$LIB/faketime/libfaketime.so.1', PATH: '/bin' })).toEqual({ PATH: '/bin' });
  });
});

const libfaketime = requireService('faketime');
describe.skipIf(!libfaketime || !requireService('redis') || !requireService('postgres'))('issue 14: servers started under libfaketime run on the real clock', () => {
  // The suite's own environment as under `faketime -f +3650d`: what reaches a spawned child by default.
  const saved = { LD_PRELOAD: process.env.LD_PRELOAD, FAKETIME: process.env.FAKETIME, FAKETIME_DONT_FAKE_MONOTONIC: process.env.FAKETIME_DONT_FAKE_MONOTONIC };
  function underFaketime() {
    process.env.LD_PRELOAD = libfaketime ?? '';
    process.env.FAKETIME = '+3650d';
    process.env.FAKETIME_DONT_FAKE_MONOTONIC = '1';
  }
  afterEach(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('the preload does reach an ordinary child (the hazard is real)', () => {
    underFaketime();
    const faked = Number(execFileSync('date', ['+%s%3N']).toString().trim());
    expect(faked - realNow()).toBeGreaterThan(3000 * 86_400_000);
  });

  it('redis-server listens, and its TIME is the real time', async () => {
    underFaketime();
    const server = await startRedis();
    try {
      expect(Math.abs((await redisTime(server.port)) - realNow())).toBeLessThan(60_000);
    } finally {
      await server.stop();
    }
  });

  it('PostgreSQL starts, and its now() is the real time', async () => {
    underFaketime();
    const server = await startPostgres();
    try {
      const out = execFileSync('psql', [server.connectionString, '-Atc', 'select (extract(epoch from clock_timestamp()) * 1000)::bigint'], { env: realTimeEnv() });
      expect(Math.abs(Number(out.toString().trim()) - realNow())).toBeLessThan(60_000);
    } finally {
      await server.stop();
    }
  });
});
