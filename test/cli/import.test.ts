/**
 * issue 20, `kanmon import`: every row is checked before anything is written (coded errors with
 * line numbers), nothing is written unless all rows are valid or --continue-on-error is given,
 * TOTP secrets are sealed with the key ring, weak hashes are wrapped and marked, a progress bar
 * shows on a terminal only, and nothing printed holds a hash or a secret.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/command.js';
import { runCli } from '../../src/cli/run.js';
import { type AccountRecord, createAuditLog, createKanmon, memoryAuditSink, createKeyRing, createPasswordHasher, definePolicy, memoryAccounts, memoryStore, openSecret, readImportHash } from '../../src/index.js';
import { ALL_FOREIGN } from '../password/hash/foreign-fixtures.js';

let dir: string;
const keySecret = randomBytes(32).toString('base64');
const keys = JSON.stringify({ keys: [{ id: 'k1', secret: keySecret }], current: 'k1' });
const TOTP_BASE32 = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const fast = { hashing: { argon2: { memoryKiB: 1024, iterations: 1, parallelism: 1 } }, mfa: { internalNetworks: ['10.0.0.0/8'] } };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kanmon-import-'));
  await writeFile(join(dir, 'fast.json'), JSON.stringify(fast));
  await writeFile(join(dir, 'keys.json'), keys);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function capture(tty = false) {
  let text = '';
  let writes = 0;
  const stream = Object.assign(
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        text += chunk.toString('utf8');
        writes++;
        cb();
      },
    }),
    { isTTY: tty },
  );
  return { stream, text: () => text, writes: () => writes };
}

function io(options: { tty?: boolean; stdin?: string } = {}) {
  const out = capture();
  const err = capture(options.tty);
  const value: CliIo = { stdin: Readable.from([options.stdin ?? '']), stdout: out.stream, stderr: err.stream, env: {}, lang: 'en', cwd: dir };
  return { io: value, stdout: out.text, stderr: err.text, stderrWrites: err.writes };
}

/** Fixtures a vendor would export: every verifiable format but the fast digests (cycled). */
const strong = ALL_FOREIGN.filter((f) => !['spring-sha256', 'crypt-des', 'md5', 'sha1', 'sha256'].includes(f.format)); // the weak ones need --wrap-weak (tested below)
const exportedHash = (i: number): unknown => {
  const f = strong[i % strong.length]!;
  return f.format.startsWith('keycloak') ? JSON.parse(f.stored) : f.stored;
};

const readRecords = async (name: string): Promise<AccountRecord[]> =>
  (await readFile(join(dir, name), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as AccountRecord);

describe('kanmon import: 100,000 rows, 10 bad', () => {
  const BAD_LINES = [7, 1234, 20_000, 33_333, 50_001, 64_000, 77_777, 88_888, 99_998, 100_000];
  let text: string;
  beforeAll(() => {
    const lines: string[] = [];
    for (let line = 1; line <= 100_000; line++) {
      const row: Record<string, unknown> = { username: `user${line}`, hash: exportedHash(line), roles: line % 10 === 0 ? ['staff'] : [], email: `user${line}@example.lg.jp` };
      if (BAD_LINES.includes(line)) {
        const k = BAD_LINES.indexOf(line);
        if (k % 5 === 0) row.hash = 'pbkdf2_sha256$260000$salt$truncated';
        else if (k % 5 === 1) row.hash = '{sha256}97cde38028ad898ebc02e690819fa220e88c62e0699403e94fff291cfffaf8410849f27605abcbc0';
        else if (k % 5 === 2) row.username = 'user1';
        else if (k % 5 === 3) row.hash = 'argon2$argon2id$v=19$m=4194304,t=2,p=8$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc';
        else row.hash = '$6$rounds=5000$usesomesillystri$D4IrlXatmP7rx3P3InaxBeoomnAihCKRVQP22JZ6EY47Wc6BkroIuUUBOov1i.S5KPgErtP/EN5mcO.ChWQW21';
      }
      lines.push(JSON.stringify(row));
    }
    text = lines.join('\n') + '\n';
  });

  it('without --continue-on-error: exit 1, the 10 line numbers with their codes, nothing written', async () => {
    await writeFile(join(dir, 'big.jsonl'), text);
    const run = io();
    expect(await runCli(['import', 'big.jsonl', '--out', 'big-out.jsonl', '--config', 'fast.json'], run.io)).toBe(1);
    const listed = [...run.stderr().matchAll(/^line (\d+): (\w+)/gm)].map((m) => [Number(m[1]), m[2]]);
    expect(listed.map(([l]) => l)).toEqual(BAD_LINES);
    expect(listed.map(([, c]) => c)).toEqual(['invalid_hash', 'unsafe_hash', 'duplicate_username', 'cost_too_high', 'unknown_format', 'invalid_hash', 'unsafe_hash', 'duplicate_username', 'cost_too_high', 'unknown_format']);
    expect(run.stderr()).toContain('nothing written');
    expect((await readdir(dir)).filter((f) => f.startsWith('big-out'))).toEqual([]);
    expect(run.stdout()).toBe('');
  }, 60_000);

  it('with --continue-on-error: 99,990 accounts and a summary per format; no hash in any output', async () => {
    const run = io();
    expect(await runCli(['import', 'big.jsonl', '--out', 'big-out.jsonl', '--config', 'fast.json', '--continue-on-error'], run.io)).toBe(0);
    const records = await readRecords('big-out.jsonl');
    expect(records).toHaveLength(99_990);
    expect(new Set(records.map((r) => r.username)).size).toBe(99_990);
    expect(records.every((r) => r.tenant === 'default')).toBe(true);
    // Weak as stored (ASP.NET v2's 1,000 and the v3 test vectors' 250 PBKDF2 iterations): a change is forced (funabashi: mustChangeInitial).
    const forced = records.filter((r) => r.mustChangePassword === 'policy_changed');
    expect(forced.length).toBeGreaterThan(0);
    expect(forced.every((r) => readImportHash(r.passwordHash).ok && (readImportHash(r.passwordHash) as { weak: boolean }).weak)).toBe(true);
    expect(records.filter((r) => r.mustChangePassword === null).every((r) => !(readImportHash(r.passwordHash) as { weak: boolean }).weak)).toBe(true);
    expect(run.stdout()).toContain('99,990 accounts written to big-out.jsonl (10 rows refused)');
    for (const format of ['django-pbkdf2-sha256', 'aspnet-v3', 'keycloak-argon2', 'spring-scrypt', 'argon2id', 'passlib-pbkdf2-sha512']) expect(run.stdout()).toMatch(new RegExp(`^  ${format} +[\\d,]+$`, 'm'));
    expect(run.stdout()).toMatch(/^ {2}unsafe_hash +2$/m);
    const printed = run.stdout() + run.stderr();
    for (const f of ALL_FOREIGN) expect(printed).not.toContain(f.stored.slice(-20));
    expect(printed).not.toContain('97cde38028ad');
  }, 60_000);
});

describe('kanmon import: rows', () => {
  it('CSV with quoted Keycloak JSON, TOTP sealed with the key ring, a weak digest wrapped and marked', async () => {
    const md5 = ALL_FOREIGN.find((f) => f.format === 'md5')!;
    const keycloak = ALL_FOREIGN.find((f) => f.format === 'keycloak-pbkdf2-sha256')!;
    const django = ALL_FOREIGN.find((f) => f.format === 'django-pbkdf2-sha256')!;
    const q = (s: string) => `"${s.replaceAll('"', '""')}"`;
    await writeFile(
      join(dir, 'small.csv'),
      [
        'username,hash,roles,email,totp_secret,totp_algorithm',
        `sato,${q(django.stored)},staff;admin,sato@example.lg.jp,${TOTP_BASE32},SHA1`,
        `suzuki,${q(keycloak.stored)},,,,`,
        `tanaka,${md5.stored},,,,`,
      ].join('\r\n'),
    );
    const refused = io();
    expect(await runCli(['import', 'small.csv', '--out', 'small.jsonl', '--config', 'fast.json', '--keys', 'keys.json'], refused.io)).toBe(1);
    expect(refused.stderr()).toMatch(/^line 4: weak_hash_not_wrapped \(hash\)/m);

    const run = io();
    expect(await runCli(['import', 'small.csv', '--out', 'small.jsonl', '--config', 'fast.json', '--keys', 'keys.json', '--wrap-weak'], run.io)).toBe(0);
    const [sato, suzuki, tanaka] = await readRecords('small.jsonl');
    expect(sato).toMatchObject({ username: 'sato', passwordHash: django.stored, roles: ['staff', 'admin'], email: 'sato@example.lg.jp', mustChangePassword: null });
    const ring = createKeyRing(JSON.parse(keys) as Parameters<typeof createKeyRing>[0]);
    const opened = openSecret(ring, sato!.totpSecret!, { tenant: 'default', account: sato!.id, purpose: 'totp' });
    // RFC 4648 base32 of JBSWY3DPEHPK3PXP… (decoded independently by Python's base64.b32decode)
    expect(opened.value.toString('hex')).toBe('48656c6c6f21deadbeef48656c6c6f21deadbeef');
    expect(sato!.totpSecret).not.toContain(TOTP_BASE32);
    expect(suzuki!.passwordHash).toMatch(/^imported\$\$pbkdf2-sha256\$i=27500\$/);
    expect(tanaka!.passwordHash).toMatch(/^layered\$md5\$\$argon2id\$/);
    expect(tanaka!.passwordHash).not.toContain(md5.stored);
    expect(tanaka!.mustChangePassword).toBe('policy_changed'); // funabashi: password.mustChangeInitial
    expect(run.stdout()).toMatch(/weak hashes: 1 \(wrapped fast digests 1; forced change at next login 1\)/);
    expect(run.stdout()).toContain('TOTP secrets sealed: 1');
    expect(run.stdout() + run.stderr()).not.toContain(TOTP_BASE32);

    const keep = io();
    expect(await runCli(['import', 'small.csv', '--out', 'keep.jsonl', '--config', 'fast.json', '--keys', 'keys.json', '--wrap-weak', '--keep-weak'], keep.io)).toBe(0);
    expect((await readRecords('keep.jsonl'))[2]!.mustChangePassword).toBeNull();
  });

  it('the imported accounts log in through createKanmon and leave with Argon2id', async () => {
    const policy = definePolicy('funabashi', fast);
    const accounts = memoryAccounts();
    const records = await readRecords('keep.jsonl');
    for (const r of records) await accounts.create(r);
    const keyRing = createKeyRing(JSON.parse(keys) as Parameters<typeof createKeyRing>[0]);
    const audit = createAuditLog({ sink: memoryAuditSink(), keyRing, stream: 'auth', now: Date.now });
    const kanmon = createKanmon({ policy, store: memoryStore(), accounts, hasher: createPasswordHasher({ policy, keyRing }), keyRing, audit, now: Date.now });
    const django = ALL_FOREIGN.find((f) => f.format === 'django-pbkdf2-sha256')!;
    const md5 = ALL_FOREIGN.find((f) => f.format === 'md5')!;
    const keycloak = ALL_FOREIGN.find((f) => f.format === 'keycloak-pbkdf2-sha256')!;
    for (const [username, password] of [['suzuki', keycloak.password], ['tanaka', md5.password]] as const) {
      const answer = await kanmon.login({ tenant: 'default', username, password, clientIp: '10.1.2.3', tls: true });
      expect(answer.status, username).toBe('authenticated');
      expect((await accounts.find('default', username))!.passwordHash).toMatch(/^\$argon2id\$v=19\$m=1024,t=1,p=1\$/);
    }
    expect(django.password).toBeTypeOf('string');
  });

  it.each([
    ['{"username":"a","hash":"pbkdf2_sha256$1$s$AAAA"', 'invalid_json'],
    ['[1,2]', 'invalid_json'],
    ['{"hash":"$2b$10$abc"}', 'missing_username'],
    ['{"username":"a\\u0000b","hash":"x"}', 'invalid_username'],
    ['{"username":"a"}', 'missing_hash'],
    ['{"username":"a","hash":"$1$saltsalt$qjXMvbEw8oaL.CzflDugX/"}', 'unknown_format'],
    ['{"username":"a","hash":"abjnZsba4ZEu."}', 'weak_hash_not_wrapped'],
    ['{"username":"a","hash":"{noop}password"}', 'unsafe_hash'],
    ['{"username":"a","hash":"bcrypt$$2b$31$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"}', 'cost_too_high'],
    ['{"username":"a","hash":"argon2$argon2i$v=19$m=512,t=2,p=2$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"}', 'unsupported_hash'],
    [`{"username":"a","hash":"{bcrypt}$2a$10$dXJ3SW6G7P50lGmMkkmwe.20cQQubK3.HZWzG3YB1tlRy.fqvM/BG","roles":"x","totp":{"secret":"not base32!"}}`, 'invalid_totp_secret'],
    [`{"username":"a","hash":"{bcrypt}$2a$10$dXJ3SW6G7P50lGmMkkmwe.20cQQubK3.HZWzG3YB1tlRy.fqvM/BG","totp":{"secret":"${TOTP_BASE32}","algorithm":"SHA256"}}`, 'totp_algorithm_mismatch'],
    ['{"username":"a","hash":"{bcrypt}$2a$10$dXJ3SW6G7P50lGmMkkmwe.20cQQubK3.HZWzG3YB1tlRy.fqvM/BG","roles":[1]}', 'invalid_roles'],
    ['{"username":"a","hash":"{bcrypt}$2a$10$dXJ3SW6G7P50lGmMkkmwe.20cQQubK3.HZWzG3YB1tlRy.fqvM/BG","email":"no at sign"}', 'invalid_email'],
  ])('%s → %s, with its line number', async (line, code) => {
    const run = io({ stdin: `{"username":"ok","hash":"{bcrypt}$2a$10$dXJ3SW6G7P50lGmMkkmwe.20cQQubK3.HZWzG3YB1tlRy.fqvM/BG"}\n${line}\n` });
    expect(await runCli(['import', '-', '--dry-run', '--config', 'fast.json', '--keys', 'keys.json', '--format', 'jsonl'], run.io)).toBe(1);
    expect(run.stderr()).toMatch(new RegExp(`^line 2: ${code}\\b`, 'm'));
    expect(run.stderr()).not.toContain('dXJ3SW6G7P50');
  });

  it('a TOTP secret without a key ring is refused: it is never written in the clear', async () => {
    const run = io({ stdin: `{"username":"a","hash":"{bcrypt}$2a$10$dXJ3SW6G7P50lGmMkkmwe.20cQQubK3.HZWzG3YB1tlRy.fqvM/BG","totp_secret":"${TOTP_BASE32}"}\n` });
    expect(await runCli(['import', '-', '--out', 'nokeys.jsonl', '--config', 'fast.json'], run.io)).toBe(1);
    expect(run.stderr()).toMatch(/^line 1: totp_needs_key_ring/m);
  });
});

describe('kanmon import: progress', () => {
  it('on a terminal: rows/s and ETA on stderr, at most 10 redraws a second; piped: nothing', async () => {
    const lines = Array.from({ length: 20_000 }, (_, i) => JSON.stringify({ username: `p${i}`, hash: exportedHash(i) })).join('\n');
    await writeFile(join(dir, 'progress.jsonl'), lines);
    const tty = io({ tty: true });
    const started = performance.now();
    expect(await runCli(['import', 'progress.jsonl', '--out', 'p1.jsonl', '--config', 'fast.json'], tty.io)).toBe(0);
    const seconds = (performance.now() - started) / 1000;
    expect(tty.stderr()).toMatch(/rows\/s {2}ETA \d+s/);
    const redraws = tty.stderr().split('\r').length - 1;
    // two phases (checking, writing), each: at most 10 a second plus its final line
    expect(redraws).toBeLessThanOrEqual(Math.ceil(seconds * 10) * 2 + 4);
    const piped = io({ tty: false });
    expect(await runCli(['import', 'progress.jsonl', '--out', 'p2.jsonl', '--config', 'fast.json'], piped.io)).toBe(0);
    expect(piped.stderr()).toBe('');
  });

  it('--quiet on a terminal draws nothing; --json prints one summary object that parses', async () => {
    const lines = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ username: `q${i}`, hash: exportedHash(i) })).join('\n') + '\n{"username":"bad"}';
    await writeFile(join(dir, 'quiet.jsonl'), lines);
    const quiet = io({ tty: true });
    expect(await runCli(['import', 'quiet.jsonl', '--out', 'q1.jsonl', '--config', 'fast.json', '--continue-on-error', '--quiet', '--json'], quiet.io)).toBe(0);
    expect(quiet.stderr()).not.toContain('\r');
    expect(quiet.stderr()).not.toMatch(/rows\/s|ETA/);
    const summary = JSON.parse(quiet.stdout()) as Record<string, unknown>;
    expect(summary).toMatchObject({ command: 'import', dryRun: false, written: 3000, valid: 3000, refused: 1, refusedByCode: { missing_hash: 1 } });
  });
});
