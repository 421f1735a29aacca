/**
 * RM-27 (権限の割当一覧), SEC-12, IPC-3: `kanmon accounts report` turns an export (JSON, JSON Lines, CSV) or
 * the PostgreSQL tables into the list an auditor asks for: Japanese headers first, CSV per RFC 4180 with a
 * UTF-8 BOM on request so a spreadsheet opens 漢字 intact; bad input is a usage error (exit 2), never a crash.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createLockout, definePolicy, newAccount } from '../../src/index.js';
import { runCli } from '../../src/cli/run.js';
import type { CliIo } from '../../src/cli/command.js';
import { csvText, parseCsv } from '../../src/internal/csv.js';
import { postgresAccounts, postgresStore } from '../../src/postgres/index.js';
import { requireService, startPostgres } from '../support/services.js';

const DAY = 86_400_000;
/** 2026-06-01 10:00 in Tokyo. */
const NOW_ISO = '2026-06-01T10:00:00+09:00';
const NOW = Date.parse(NOW_ISO);

function io(cwd: string): CliIo & { bytes: () => Buffer; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  let err = '';
  stdout.on('data', (d: Buffer) => out.push(d));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  return { stdin: new PassThrough(), stdout, stderr, env: {}, lang: 'en', cwd, bytes: () => Buffer.concat(out), err: () => err };
}

const dir = mkdtempSync(join(tmpdir(), 'kanmon-accounts-'));
const records = [
  newAccount({ id: 'u-1', tenant: 'funabashi', username: 'sato', displayName: '佐藤 花子', roles: ['admin', 'staff'], passwordHash: '$x', passwordChangedAt: NOW - 30 * DAY, lastLoginAt: NOW - 2 * DAY, lastLoginIp: '10.0.0.5', createdAt: NOW - 400 * DAY, totpSecret: 'sealed' }),
  newAccount({ id: 'u-2', tenant: 'funabashi', username: 'takahashi', displayName: '髙橋 "タカ", 一郎', roles: ['staff'], passwordHash: '$x', passwordChangedAt: NOW - 200 * DAY, lastLoginAt: NOW - 90 * DAY, createdAt: NOW - 400 * DAY }),
  newAccount({ id: 'u-3', tenant: 'ichikawa', username: 'other', roles: ['staff'], passwordHash: '$x', passwordChangedAt: NOW, createdAt: NOW }),
];
writeFileSync(join(dir, 'accounts.json'), JSON.stringify(records));
writeFileSync(join(dir, 'accounts.jsonl'), records.map((r) => JSON.stringify(r)).join('\n') + '\n');
writeFileSync(
  join(dir, 'accounts.csv'),
  csvText([
    ['id', 'tenant', 'username', 'display_name', 'roles', 'mfa', 'disabled', 'created_at', 'password_changed_at', 'last_login_at'],
    ['u-1', 'funabashi', 'sato', '佐藤 花子', 'admin;staff', 'totp', 'false', '2025-04-27T10:00:00+09:00', '2026-05-02T10:00:00+09:00', '2026-05-30T10:00:00+09:00'],
    ['u-2', 'funabashi', 'takahashi', '髙橋 "タカ", 一郎', 'staff', '', 'no', '2025-04-27T10:00:00+09:00', '2025-11-13T10:00:00+09:00', '2026-03-03T10:00:00+09:00'],
  ]),
);

const run = async (args: string[]) => {
  const c = io(dir);
  const code = await runCli(['accounts', 'report', ...args], c);
  return { code, bytes: c.bytes(), text: c.bytes().toString('utf8'), err: c.err() };
};

describe('RM-27: kanmon accounts report', () => {
  it('CSV with --bom: bytes start EF BB BF, strict UTF-8, Japanese headers first, 漢字 and quoted names survive a parse', async () => {
    const r = await run(['--input', 'accounts.json', '--preset', 'funabashi', '--tenant', 'funabashi', '--format', 'csv', '--bom', '--now', NOW_ISO]);
    expect(r.code, r.err).toBe(0);
    expect([...r.bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const decoded = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(r.bytes);
    expect(decoded.endsWith('\r\n')).toBe(true);
    const table = parseCsv(decoded)!;
    expect(table[0]).toEqual(['アカウントID', 'ログイン名', '氏名', 'ロール', '特権', '多要素認証', '残り回復コード', '最終ログイン', '最終ログイン元', 'パスワード経過日数', 'ロック', '無効', '未使用日数', '休眠']);
    expect(table.slice(1)).toEqual([
      ['u-1', 'sato', '佐藤 花子', 'admin staff', 'はい', 'TOTP', '不明', '2026-05-30 10:00', '10.0.0.5', '30', '不明', 'いいえ', '2', 'いいえ'],
      ['u-2', 'takahashi', '髙橋 "タカ", 一郎', 'staff', 'いいえ', 'なし', '', '2026-03-03 10:00', '', '200', '不明', 'いいえ', '90', 'はい'],
    ]);
    // without --bom: no BOM; --lang en: English headers
    const plain = await run(['--input', 'accounts.json', '--preset', 'funabashi', '--tenant', 'funabashi', '--lang', 'en', '--now', NOW_ISO]);
    expect(plain.bytes[0]).toBe('A'.charCodeAt(0));
    expect(parseCsv(plain.text)![0]!.slice(0, 3)).toEqual(['Account ID', 'Login name', 'Name']);
  });

  it('the same report from JSON, JSON Lines and CSV exports', async () => {
    const args = ['--preset', 'funabashi', '--tenant', 'funabashi', '--format', 'json', '--now', NOW_ISO];
    const fromJson = JSON.parse((await run(['--input', 'accounts.json', ...args])).text) as { accounts: unknown[] };
    const fromLines = JSON.parse((await run(['--input', 'accounts.jsonl', ...args])).text) as { accounts: unknown[] };
    const fromCsv = JSON.parse((await run(['--input', 'accounts.csv', ...args])).text) as { accounts: { accountId: string; dormant: boolean; privileged: boolean; idleDays: number }[] };
    expect(fromLines.accounts).toEqual(fromJson.accounts);
    expect(fromJson.accounts).toHaveLength(2);
    expect(fromCsv.accounts.map((a) => [a.accountId, a.privileged, a.idleDays, a.dormant])).toEqual([
      ['u-1', true, 2, false],
      ['u-2', false, 90, true],
    ]);
  });

  it('Markdown: the header block names the clauses, the rule and the time zone; a | in a name is escaped', async () => {
    writeFileSync(join(dir, 'pipe.json'), JSON.stringify([{ ...records[0], displayName: 'a|b' }]));
    const r = await run(['--input', 'pipe.json', '--preset', 'funabashi', '--format', 'md', '--now', NOW_ISO]);
    expect(r.code, r.err).toBe(0);
    expect(r.text).toContain('# 権限の割当一覧');
    expect(r.text).toContain('RM-27');
    expect(r.text).toContain('最終ログインから 90 日（Asia/Tokyo の暦日）');
    expect(r.text).toContain('| u-1 | sato | a\\|b |');
  });

  it('a formula in a field is neutralised (CSV injection)', async () => {
    writeFileSync(join(dir, 'formula.json'), JSON.stringify([{ ...records[0], displayName: '=HYPERLINK("http://x")' }]));
    const r = await run(['--input', 'formula.json', '--preset', 'funabashi', '--now', NOW_ISO]);
    expect(parseCsv(r.text)![1]![2]).toBe('\'=HYPERLINK("http://x")');
  });

  it('bad input is a usage error with a message, never a crash', async () => {
    writeFileSync(join(dir, 'broken.csv'), 'id,username\n"u-1,sato\n');
    writeFileSync(join(dir, 'nameless.json'), JSON.stringify([{ id: 'u-1' }]));
    const cases: [string[], RegExp][] = [
      [['--preset', 'funabashi'], /--input or --postgres/],
      [['--input', 'accounts.json', '--preset', 'funabashi', '--format', 'xlsx'], /--format xlsx/],
      [['--input', 'accounts.json'], /--preset or --config is required/],
      [['--input', 'broken.csv', '--preset', 'funabashi'], /not valid CSV/],
      [['--input', 'nameless.json', '--preset', 'funabashi'], /nameless\.json:1: a row needs id and username/],
      [['--input', 'accounts.json', '--preset', 'funabashi', '--now', 'tomorrow'], /--now tomorrow/],
      [['--postgres', 'postgres://x', '--preset', 'funabashi'], /--postgres needs --tenant/],
    ];
    for (const [args, message] of cases) {
      const r = await run(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toMatch(message);
      expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
    }
  });
});

describe.skipIf(!requireService('postgres'))('RM-27: kanmon accounts report --postgres (real PostgreSQL)', () => {
  it('reads postgresAccounts() and the lock state from kanmon_state', async () => {
    const server = await startPostgres();
    const pool = new pg.Pool({ connectionString: server.connectionString });
    pool.on('error', () => undefined);
    try {
      const accounts = postgresAccounts({ pool });
      const store = postgresStore({ pool });
      await Promise.all([accounts.migrate(), store.migrate()]);
      await accounts.insertMany(records);
      const policy = definePolicy('funabashi');
      const lockout = createLockout({ policy, store });
      for (let i = 0; i < policy.lockout.maxFailures; i++) {
        const key = { account: 'takahashi', accountId: 'u-2', tenant: 'funabashi' };
        const reservation = await lockout.reserve(key);
        await lockout.fail(key, reservation);
      }
      const r = await run(['--postgres', server.connectionString, '--tenant', 'funabashi', '--preset', 'funabashi', '--lang', 'en']);
      expect(r.code, r.err).toBe(0);
      const table = parseCsv(r.text)!;
      const locked = table[0]!.indexOf('Locked');
      expect(table.slice(1).map((row) => [row[0], row[2], row[locked]])).toEqual([
        ['u-1', '佐藤 花子', 'no'],
        ['u-2', '髙橋 "タカ", 一郎', 'yes'],
      ]);
    } finally {
      await pool.end();
      await server.stop();
    }
  });
});
