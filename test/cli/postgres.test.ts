import { PassThrough } from 'node:stream';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run.js';
import type { CliIo } from '../../src/cli/command.js';
import { requireService, startPostgres } from '../support/services.js';

function io(): CliIo & { out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  return { stdin: new PassThrough(), stdout, stderr, env: {}, lang: 'en', cwd: process.cwd(), out: () => out, err: () => err };
}

describe('kanmon postgres schema', () => {
  it('prints the schema; anything else is a usage error', async () => {
    const a = io();
    await expect(runCli(['postgres', 'schema'], a)).resolves.toBe(0);
    expect(a.out()).toContain('CREATE TABLE IF NOT EXISTS kanmon_state');
    const b = io();
    await expect(runCli(['postgres', 'drop'], b)).resolves.toBe(2);
    expect(b.err()).toContain('kanmon postgres schema');
  });

  it.skipIf(!requireService('postgres'))('the printed SQL applies to a real PostgreSQL, twice (idempotent)', async () => {
    const server = await startPostgres();
    const pool = new pg.Pool({ connectionString: server.connectionString });
    pool.on('error', () => undefined);
    try {
      const a = io();
      await runCli(['postgres', 'schema'], a);
      await pool.query(a.out());
      await pool.query(a.out());
      const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM kanmon_state`);
      expect(rows[0]?.n).toBe('0');
    } finally {
      await pool.end();
      await server.stop();
    }
  });
});
