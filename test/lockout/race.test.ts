/**
 * SEC-24, EXT-4, RM-19, RM-26 — Keycloak CVE-2024-4629: a lockout that races.
 *
 * maxFailures 5, 200 concurrent wrong attempts on one account: at most 5
 * password verifications happen in total, counted where the hash would be
 * computed, and a correct password submitted in the middle of the burst is
 * refused as locked. On the memory store from one process; on Redis and on
 * PostgreSQL from 4 processes, each its own service instance with its own
 * client (test/lockout/race-worker.mjs, against the built dist/).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createLockout, definePolicy, memoryStore } from '../../src/index.js';
import { postgresStore } from '../../src/postgres/index.js';
import { type PostgresServer, type RedisServer, requireService, startPostgres, startRedis } from '../support/services.js';

const RIGHT = 'correct horse battery staple';
const worker = fileURLToPath(new URL('./race-worker.mjs', import.meta.url));
const dist = fileURLToPath(new URL('../../dist/index.js', import.meta.url));

interface WorkerReport {
  verifications: number;
  reasons: Record<string, number>;
  correct: string | null;
}

/** 4 processes × 50 wrong attempts, all released at once; process 0 also sends the right password after 25 answers. */
async function raceFromProcesses(store: 'redis' | 'postgres', url: string): Promise<WorkerReport[]> {
  if (!existsSync(dist)) throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
  const tenant = `race-${randomUUID().slice(0, 8)}`;
  const children: ChildProcess[] = [];
  const reports: Promise<WorkerReport>[] = [];
  const ready: Promise<void>[] = [];
  for (let i = 0; i < 4; i++) {
    const config = { store, url, tenant, account: 'Mayor', attempts: 50, correctAfter: i === 0 ? 25 : null };
    const child = fork(worker, [JSON.stringify(config)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.push(child);
    const messages: unknown[] = [];
    const waiters: ((m: unknown) => void)[] = [];
    child.on('message', (m) => {
      const w = waiters.shift();
      if (w) w(m);
      else messages.push(m);
    });
    const next = () =>
      new Promise<unknown>((resolve, reject) => {
        const queued = messages.shift();
        if (queued !== undefined) return resolve(queued);
        waiters.push(resolve);
        child.once('exit', (code) => reject(new Error(`worker ${i} exited with ${String(code)} before reporting`)));
      });
    ready.push(next().then(() => undefined));
    reports.push(ready[i]!.then(() => next() as Promise<WorkerReport>));
  }
  try {
    await Promise.all(ready);
    for (const child of children) child.send('go');
    return await Promise.all(reports);
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill();
  }
}

function summarise(reports: WorkerReport[]) {
  const reasons: Record<string, number> = {};
  for (const r of reports) for (const [k, v] of Object.entries(r.reasons)) reasons[k] = (reasons[k] ?? 0) + v;
  return { verifications: reports.reduce((n, r) => n + r.verifications, 0), reasons, correct: reports.map((r) => r.correct).filter((c) => c !== null) };
}

describe('SEC-24 / CVE-2024-4629: 200 concurrent wrong attempts, maxFailures 5', () => {
  it('memory store, one process: 5 verifications in total; the right password mid-burst is refused as locked', async () => {
    const lockout = createLockout({ policy: definePolicy({ lockout: { maxFailures: 5 } }), store: memoryStore() });
    let verifications = 0;
    const verify = async (password: string) => {
      verifications++;
      await new Promise((r) => setTimeout(r, 5));
      return password === RIGHT;
    };
    const attempt = async (password: string) => {
      const reservation = await lockout.reserve('Mayor');
      if (!reservation.ok) return reservation.reason;
      if (await verify(password)) {
        await lockout.succeed('Mayor');
        return 'logged_in';
      }
      return 'wrong_password';
    };
    let answered = 0;
    let correct: Promise<string> | null = null;
    const wrong = await Promise.all(
      Array.from({ length: 200 }, async () => {
        const reason = await attempt('wrong');
        if (++answered === 100) correct = attempt(RIGHT);
        return reason;
      }),
    );
    expect(wrong.filter((r) => r === 'wrong_password')).toHaveLength(5);
    expect(wrong.filter((r) => r === 'locked')).toHaveLength(195);
    await expect(correct).resolves.toBe('locked');
    expect(verifications).toBe(5);
  });

  describe.skipIf(!requireService('redis'))('Redis store, 4 processes', () => {
    let server: RedisServer;
    beforeAll(async () => {
      server = await startRedis();
    });
    afterAll(async () => {
      await server?.stop();
    });
    it('5 verifications across all processes; the right password mid-burst is refused as locked', async () => {
      const { verifications, reasons, correct } = summarise(await raceFromProcesses('redis', server.url));
      expect(reasons).toEqual({ wrong_password: 5, locked: 195 });
      expect(verifications).toBe(5);
      expect(correct).toEqual(['locked']);
    }, 60_000);
  });

  describe.skipIf(!requireService('postgres'))('PostgreSQL store, 4 processes', () => {
    let server: PostgresServer;
    beforeAll(async () => {
      server = await startPostgres();
      const pool = new pg.Pool({ connectionString: server.connectionString });
      pool.on('error', () => undefined);
      await postgresStore({ pool }).migrate();
      await pool.end();
    });
    afterAll(async () => {
      await server?.stop();
    });
    it('5 verifications across all processes; the right password mid-burst is refused as locked', async () => {
      const { verifications, reasons, correct } = summarise(await raceFromProcesses('postgres', server.connectionString));
      expect(reasons).toEqual({ wrong_password: 5, locked: 195 });
      expect(verifications).toBe(5);
      expect(correct).toEqual(['locked']);
    }, 60_000);
  });
});
