/** The harness itself: each real server starts, answers, survives a kill + restart, and stops. */
import { execFileSync } from 'node:child_process';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { requireService, startPostgres, startRedis } from './services.js';

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
      const out = execFileSync('psql', [server.connectionString, '-Atc', 'select 40 + 2']).toString().trim();
      expect(out).toBe('42');
    } finally {
      await server.stop();
    }
  });
});
