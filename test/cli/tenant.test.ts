/**
 * RM-18, SEC-34, FNB-4.3: `kanmon tenant purge` against a real PostgreSQL
 * (store, accounts, audit table) and `kanmon tenant certificate verify`.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/command.js';
import { runCli } from '../../src/cli/run.js';
import { keyRingFromFlags } from '../../src/cli/key-ring.js';
import { createAuditLog } from '../../src/audit/create-audit-log.js';
import { fileAuditSink } from '../../src/audit/sinks/file/file-sink.js';
import { openSecret, sealSecret } from '../../src/keys/secret-box.js';
import { postgresAccounts } from '../../src/postgres/accounts.js';
import { postgresAuditSink } from '../../src/postgres/audit-sink.js';
import { postgresStore } from '../../src/postgres/store.js';
import { storeKey } from '../../src/store/key.js';
import { type PostgresServer, requireService, startPostgres } from '../support/services.js';

function io(dir: string, lang: 'en' | 'ja' = 'en') {
  let out = '';
  let err = '';
  const w = (f: (s: string) => void) => new Writable({ write: (c: Buffer, _e, cb) => (f(c.toString('utf8')), cb()) });
  const value: CliIo = { stdin: Readable.from(['']), stdout: w((s) => (out += s)), stderr: w((s) => (err += s)), env: {}, lang, cwd: dir };
  return { io: value, stdout: () => out, stderr: () => err };
}

const operator = generateKeyPairSync('ed25519');

describe('kanmon tenant certificate verify: usage', () => {
  it('answers usage (2) without a certificate or a key, and 1 for a file that is no certificate', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kanmon-cert-'));
    try {
      expect(await runCli(['tenant', 'certificate', 'verify'], io(dir).io)).toBe(2);
      await writeFile(join(dir, 'pub.pem'), operator.publicKey.export({ type: 'spki', format: 'pem' }));
      await writeFile(join(dir, 'x.json'), '{"format":"something else"}');
      const o = io(dir);
      expect(await runCli(['tenant', 'certificate', 'verify', 'x.json', '--public-key', 'pub.pem'], o.io)).toBe(1);
      expect(o.stdout()).toContain('NOT VALID: malformed');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!requireService('postgres'))('kanmon tenant purge (real PostgreSQL)', () => {
  let server: PostgresServer;
  let pool: pg.Pool;
  let dir: string;
  beforeAll(async () => {
    server = await startPostgres();
    pool = new pg.Pool({ connectionString: server.connectionString, max: 4 });
    pool.on('error', () => undefined);
    await postgresStore({ pool }).migrate();
    await postgresAccounts({ pool }).migrate();
    await postgresAuditSink({ pool }).migrate();
    dir = await mkdtemp(join(tmpdir(), 'kanmon-tenant-cli-'));
  });
  afterAll(async () => {
    await pool?.end();
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('purges one tenant, removes its key from the key file, writes a certificate that verifies and fails after an edit', async () => {
    const store = postgresStore({ pool });
    const accounts = postgresAccounts({ pool });
    for (const tenant of ['city-a', 'city-b']) {
      for (let i = 0; i < 3; i++) {
        await store.increment(storeKey(tenant, 'lockout-ip', `10.0.0.${i}`));
        await accounts.create({
          id: `${tenant}-${i}`, tenant, username: `u${i}`, passwordHash: 'x', passwordChangedAt: 0, passwordHistory: [], mustChangePassword: null,
          compromised: false, disabled: false, roles: [], totpSecret: null, totpPendingSecret: null, recoveryCodes: null,
        });
      }
    }
    const keys = { keys: [{ id: 'shared', secret: Buffer.alloc(32, 1).toString('base64') }, { id: 'city-a-1', secret: Buffer.alloc(32, 2).toString('base64') }], current: 'shared' };
    await writeFile(join(dir, 'keys.json'), JSON.stringify(keys));
    await writeFile(join(dir, 'operator.pem'), operator.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    await writeFile(join(dir, 'operator.pub.pem'), operator.publicKey.export({ type: 'spki', format: 'pem' }));

    const o = io(dir, 'ja');
    const code = await runCli(
      ['tenant', 'purge', '--tenant', 'city-a', '--actor', '運用担当 鈴木', '--postgres', server.connectionString, '--keys', 'keys.json', '--destroy-key', 'city-a-1',
        '--signing-key', 'operator.pem', '--signing-kid', 'op-2026', '-o', 'cert.json', '--html', 'cert.html'],
      o.io,
    );
    expect(o.stderr()).toBe('');
    expect(code).toBe(0);
    expect(o.stdout()).toContain('city-a: ストア 3 件、アカウント 3 件、鍵 1 件を削除');
    const count = async (sql: string, tenant: string) => Number((await pool.query<{ n: string }>(sql, [tenant])).rows[0]!.n);
    for (const table of ['kanmon_state', 'kanmon_state_entries', 'kanmon_accounts']) {
      expect(await count(`SELECT count(*) AS n FROM ${table} WHERE tenant = $1`, 'city-a')).toBe(0);
    }
    expect(await count(`SELECT count(*) AS n FROM kanmon_state WHERE tenant = $1`, 'city-b')).toBe(3);
    expect(await count(`SELECT count(*) AS n FROM kanmon_accounts WHERE tenant = $1`, 'city-b')).toBe(3);
    expect(await count(`SELECT count(*) AS n FROM kanmon_audit WHERE tenant = $1 AND type = 'admin.tenant.purge'`, 'city-a')).toBe(1);
    // the destroyed key's material is gone from the key file
    const left = JSON.parse(await readFile(join(dir, 'keys.json'), 'utf8')) as typeof keys;
    expect(left.keys.map((k) => k.id)).toEqual(['shared']);
    expect(await readFile(join(dir, 'cert.html'), 'utf8')).toContain('データ削除証明書');

    const v = io(dir);
    expect(await runCli(['tenant', 'certificate', 'verify', 'cert.json', '--public-key', 'operator.pub.pem'], v.io)).toBe(0);
    expect(v.stdout()).toContain('OK: deletion certificate of city-a');
    const cert = JSON.parse(await readFile(join(dir, 'cert.json'), 'utf8')) as { counts: { accounts: number } };
    cert.counts.accounts = 2;
    await writeFile(join(dir, 'edited.json'), JSON.stringify(cert));
    const e = io(dir);
    expect(await runCli(['tenant', 'certificate', 'verify', 'edited.json', '--public-key', 'operator.pub.pem'], e.io)).toBe(1);
    expect(e.stdout()).toContain('NOT VALID: bad_signature');
  });

  it("issue 19: purge destroys the tenant's own keys from the key file (no --destroy-key), remembers them as destroyed, and the certificate lists them", async () => {
    const b64 = (n: number) => Buffer.alloc(32, n).toString('base64');
    const keys = {
      keys: [{ id: 'shared', secret: b64(1) }, { id: 'tk-a-1', secret: b64(4), tenant: 'city-ta' }, { id: 'tk-b-1', secret: b64(5), tenant: 'city-tb' }],
      current: 'shared',
      tenantCurrent: { 'city-ta': 'tk-a-1' },
    };
    await writeFile(join(dir, 'tenant-keys.json'), JSON.stringify(keys));
    const before = await keyRingFromFlags('tenant-keys.json', io(dir).io);
    const sealedA = sealSecret(before, 'seed-a', { tenant: 'city-ta', account: 'u', purpose: 'totp' });
    const sealedB = sealSecret(before, 'seed-b', { tenant: 'city-tb', account: 'u', purpose: 'totp' });
    const o = io(dir);
    const code = await runCli(
      ['tenant', 'purge', '--tenant', 'city-ta', '--actor', 'ops', '--postgres', server.connectionString, '--keys', 'tenant-keys.json',
        '--signing-key', 'operator.pem', '-o', 'cert-t.json'],
      o.io,
    );
    expect(o.stderr()).toBe('');
    expect(code).toBe(0);
    const cert = JSON.parse(await readFile(join(dir, 'cert-t.json'), 'utf8')) as { keysDestroyed: string[]; counts: { keysDestroyed: number } };
    expect(cert.keysDestroyed).toEqual(['tk-a-1']);
    expect(cert.counts.keysDestroyed).toBe(1);
    const left = JSON.parse(await readFile(join(dir, 'tenant-keys.json'), 'utf8')) as { keys: { id: string }[]; destroyed: unknown; tenantCurrent: unknown };
    expect(left.keys.map((k) => k.id)).toEqual(['shared', 'tk-b-1']);
    expect(left.destroyed).toEqual([{ id: 'tk-a-1', tenant: 'city-ta' }]);
    expect(left.tenantCurrent).toEqual({});
    expect(await readFile(join(dir, 'tenant-keys.json'), 'utf8')).not.toContain(b64(4));
    const after = await keyRingFromFlags('tenant-keys.json', io(dir).io);
    expect(() => openSecret(after, sealedA, { tenant: 'city-ta', account: 'u', purpose: 'totp' })).toThrow(expect.objectContaining({ code: 'ERR_KEY_DESTROYED' }));
    expect(openSecret(after, sealedB, { tenant: 'city-tb', account: 'u', purpose: 'totp' }).value.toString()).toBe('seed-b');
  });
});

describe('issue 19: kanmon audit verify reports a crypto-shredded tenant with its code', () => {
  it('exit 0, one ERR_KEY_DESTROYED line naming the tenant and range; the other tenant verifies (ja and en)', async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'kanmon-shred-verify-'));
    try {
      const b64 = (n: number) => Buffer.alloc(32, n).toString('base64');
      const keys = { keys: [{ id: 'shared', secret: b64(1) }, { id: 'a-1', secret: b64(2), tenant: 'city-a' }, { id: 'b-1', secret: b64(3), tenant: 'city-b' }], current: 'shared' };
      await writeFile(join(tmp, 'keys.json'), JSON.stringify(keys));
      const keyRing = await keyRingFromFlags('keys.json', io(tmp).io);
      const log = createAuditLog({ sink: fileAuditSink({ dir: join(tmp, 'log') }), keyRing, stream: 'web-1', now: () => 1_775_000_000_000 });
      for (const t of ['city-a', 'city-b', 'city-a']) await log.append({ type: 'auth.login.failure', tenant: t, actor: 'u', reason: 'invalid_password' });
      await log.close();
      await writeFile(join(tmp, 'keys.json'), JSON.stringify({ ...keys, keys: keys.keys.filter((k) => k.id !== 'a-1'), destroyed: [{ id: 'a-1', tenant: 'city-a' }] }));
      const en = io(tmp);
      expect(await runCli(['audit', 'verify', 'log', '--keys', 'keys.json'], en.io)).toBe(0);
      expect(en.stdout()).toContain('ERR_KEY_DESTROYED: 2 records of tenant city-a (stream web-1 seq 1–3, key a-1) were crypto-shredded');
      expect(en.stdout()).toContain('OK: 3 records verified');
      const ja = io(tmp, 'ja');
      expect(await runCli(['audit', 'verify', 'log', '--keys', 'keys.json'], ja.io)).toBe(0);
      expect(ja.stdout()).toContain('ERR_KEY_DESTROYED: テナント city-a の 2 件');
      // without the destroyed list, the key is unknown: that is a finding, not a shredded tenant
      await writeFile(join(tmp, 'keys.json'), JSON.stringify({ ...keys, keys: keys.keys.filter((k) => k.id !== 'a-1') }));
      const lost = io(tmp);
      expect(await runCli(['audit', 'verify', 'log', '--keys', 'keys.json'], lost.io)).toBe(1);
      expect(lost.stdout()).toContain('unknown_key');
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });
});
