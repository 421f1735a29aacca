/**
 * issue 20, `kanmon import --postgres`: the accounts go into kanmon's PostgreSQL account table
 * (postgresAccounts) in one transaction, against a real PostgreSQL started by the test setup:
 * nothing is inserted when a row is refused, 99,990 of 100,000 with --continue-on-error, and the
 * imported accounts log in through createKanmon over that table and leave with Argon2id.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/command.js';
import { runCli } from '../../src/cli/run.js';
import { createAuditLog, createKanmon, createKeyRing, createPasswordHasher, definePolicy, memoryAuditSink, memoryStore } from '../../src/index.js';
import { postgresAccounts } from '../../src/postgres/index.js';
import { type PostgresServer, requireService, startPostgres } from '../support/services.js';
import { ALL_FOREIGN } from '../password/hash/foreign-fixtures.js';

const fast = { hashing: { argon2: { memoryKiB: 1024, iterations: 1, parallelism: 1 } }, mfa: { internalNetworks: ['10.0.0.0/8'] } };
const strong = ALL_FOREIGN.filter((f) => !['spring-sha256', 'crypt-des', 'md5', 'sha1', 'sha256'].includes(f.format));

function io(dir: string) {
  let out = '';
  let err = '';
  const w = (f: (s: string) => void) => new Writable({ write: (c: Buffer, _e, cb) => (f(c.toString('utf8')), cb()) });
  const value: CliIo = { stdin: Readable.from(['']), stdout: w((s) => (out += s)), stderr: w((s) => (err += s)), env: {}, lang: 'en', cwd: dir };
  return { io: value, stdout: () => out, stderr: () => err };
}

describe.skipIf(!requireService('postgres'))('kanmon import --postgres (real PostgreSQL)', () => {
  let server: PostgresServer;
  let pool: pg.Pool;
  let dir: string;
  beforeAll(async () => {
    server = await startPostgres();
    pool = new pg.Pool({ connectionString: server.connectionString, max: 4 });
    pool.on('error', () => undefined);
    dir = await mkdtemp(join(tmpdir(), 'kanmon-import-pg-'));
    await writeFile(join(dir, 'fast.json'), JSON.stringify(fast));
    const lines: string[] = [];
    for (let line = 1; line <= 100_000; line++) {
      const f = strong[line % strong.length]!;
      const hash: unknown = line % 10_000 === 7 ? 'pbkdf2_sha256$260000$salt$truncated' : f.format.startsWith('keycloak') ? (JSON.parse(f.stored) as unknown) : f.stored;
      lines.push(JSON.stringify({ id: `u${line}`, username: `user${line}`, hash, roles: ['staff'] }));
    }
    await writeFile(join(dir, 'big.jsonl'), lines.join('\n'));
  }, 60_000);
  afterAll(async () => {
    await pool?.end();
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  const count = async () => Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM kanmon_accounts')).rows[0]!.n);

  it('10 bad rows: exit 1, their line numbers, nothing inserted; --continue-on-error: 99,990 accounts', async () => {
    const refused = io(dir);
    expect(await runCli(['import', 'big.jsonl', '--postgres', server.connectionString, '--migrate', '--config', 'fast.json'], refused.io)).toBe(1);
    expect([...refused.stderr().matchAll(/^line (\d+): invalid_hash/gm)].map((m) => Number(m[1]))).toEqual(Array.from({ length: 10 }, (_, k) => k * 10_000 + 7));
    await postgresAccounts({ pool }).migrate();
    expect(await count()).toBe(0);

    const run = io(dir);
    expect(await runCli(['import', 'big.jsonl', '--postgres', server.connectionString, '--migrate', '--config', 'fast.json', '--continue-on-error'], run.io)).toBe(0);
    expect(run.stdout()).toContain('99,990 accounts written to PostgreSQL (kanmon_accounts) (10 rows refused)');
    expect(await count()).toBe(99_990);
    expect(run.stdout() + run.stderr()).not.toMatch(/\$2[aby]\$|pbkdf2_sha256\$260000\$[A-Za-z0-9]|\$argon2id\$v=/); // no hash printed

    // Run again: every account is there already; without --continue-on-error nothing changes, with it all are skipped.
    const again = io(dir);
    expect(await runCli(['import', 'big.jsonl', '--postgres', server.connectionString, '--config', 'fast.json', '--continue-on-error'], again.io)).toBe(0);
    expect(again.stdout()).toContain('0 accounts written to PostgreSQL (kanmon_accounts) (10 rows refused, 99,990 already there and skipped)');
    expect(await count()).toBe(99_990);
  }, 120_000);

  it('an imported account logs in through createKanmon over postgresAccounts and is rehashed to Argon2id in the table', async () => {
    const policy = definePolicy('funabashi', fast);
    const accounts = postgresAccounts({ pool });
    const keyRing = createKeyRing({ keys: [{ id: 'k1', secret: new Uint8Array(32).fill(7) }], current: 'k1' });
    const audit = createAuditLog({ sink: memoryAuditSink(), keyRing, stream: 'auth', now: Date.now });
    const kanmon = createKanmon({ policy, store: memoryStore(), accounts, hasher: createPasswordHasher({ policy, keyRing }), keyRing, audit, now: Date.now });
    for (const line of [1, 2, 3, 4, 5, 6]) {
      const f = strong[line % strong.length]!;
      const before = (await accounts.find('default', `user${line}`))!.passwordHash;
      expect(before).not.toMatch(/^\$argon2id\$v=19\$m=1024,t=1,p=1\$/);
      const answer = await kanmon.login({ tenant: 'default', username: `user${line}`, password: f.password, clientIp: '10.1.2.3', tls: true });
      expect(answer.status, f.format).toBe('authenticated');
      expect((await accounts.find('default', `user${line}`))!.passwordHash).toMatch(/^\$argon2id\$v=19\$m=1024,t=1,p=1\$/);
    }
  }, 60_000);
});
