import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { KanmonError } from '../../errors.js';
import { sealSecret } from '../../keys/secret-box.js';
import type { KeyRing } from '../../keys/key-ring.js';
import type { AccountRecord } from '../../login/account.js';
import { newAccount } from '../../login/new-account.js';
import { TOTP_PURPOSE } from '../../mfa/enroll-totp.js';
import { createPasswordHasher } from '../../password/hash/create-hasher.js';
import { type CliCommand, type CliIo, type CliLang, EXIT_FINDING, EXIT_OK, EXIT_USAGE } from '../command.js';
import { keyRingFromFlags } from '../key-ring.js';
import { createProgress } from '../progress.js';
import { type ImportRow, type ImportRowError, type InputFormat, csvHeader, fieldsOf, validateRow } from '../import/rows.js';
import { type ImportSink, jsonLinesSink, postgresSink } from '../import/sinks.js';
import { policyFromFlags } from './policy.js';

const usage: Record<CliLang, string> = {
  en: `kanmon import <export.csv|export.jsonl|-> --out accounts.jsonl [options]

Import the accounts of another system: every row is checked first (coded errors with their
line numbers); nothing is written unless every row is valid, or --continue-on-error is given.
Password hashes are kept as the old system wrote them (Django, passlib, PHP, Spring, ASP.NET
Identity, Keycloak; see docs/migration.md) and replaced by kanmon's at each user's next login.

Input: CSV with a header (username,hash[,id,roles,email,display_name,totp_secret,totp_algorithm];
roles separated by ;) or JSON Lines ({"username","hash",…}; a Keycloak user with "credentials" too).

Options:
  --out <file>            write the accounts as JSON Lines (AccountRecord), for your repository
  --postgres <url>        or insert them into kanmon's PostgreSQL account table (postgresAccounts),
                          all in one transaction (put the password in PGPASSWORD or ~/.pgpass)
  --table <name>          the table (default: kanmon_accounts); --migrate creates it if missing
  --dry-run               check every row, write nothing
  --format csv|jsonl      default: from the file name, else from the first character
  --tenant <id>           the accounts' tenant (default: default)
  --preset <id> / --config <file>   the policy (TOTP algorithm, hash for weak digests)
  --keys <file>           key ring that seals TOTP secrets (or KANMON_KEYS)
  --wrap-weak             accept unsalted MD5 / SHA-1 / SHA-256 hex digests and crypt(3) DES by wrapping them
                          (layered$…: kanmon's hash over the digest) — read the risk in the guide
  --force-change-weak / --keep-weak
                          whether a weak hash forces a change at the next login
                          (default: the policy's password.mustChangeInitial)
  --continue-on-error     write the valid rows, list the refused ones (and, with --postgres,
                          skip accounts whose id or login name is already in the table)
  -q, --quiet             no progress line
  --json                  the final summary as one JSON object on stdout (counts only)

Exit codes: 0 imported; 1 rows refused (nothing written without --continue-on-error); 2 usage error.
Nothing printed ever holds a hash or a secret. On a terminal a progress line (done, rate, ETA) goes to stderr;\npiped or with --quiet, none.`,
  ja: `kanmon import <export.csv|export.jsonl|-> --out accounts.jsonl [オプション]

他システムのアカウントを取り込みます。最初に全行を検査し（行番号付きのコード）、全行が正しい
場合（または --continue-on-error 指定時）だけ書き込みます。パスワードハッシュは旧システムの
形式のまま保存し（Django、passlib、PHP、Spring、ASP.NET Identity、Keycloak。docs/migration.md）、
各利用者の次回ログイン時に kanmon の形式へ置き換えます。

入力: ヘッダー付き CSV（username,hash[,id,roles,email,display_name,totp_secret,totp_algorithm]、
roles は ; 区切り）または JSON Lines（{"username","hash",…}。Keycloak の "credentials" も可）。

オプション:
  --out <ファイル>        アカウントを JSON Lines（AccountRecord）で書き出す
  --postgres <url>        または kanmon の PostgreSQL アカウント表（postgresAccounts）に 1 トランザクションで
                          挿入する（パスワードは PGPASSWORD か ~/.pgpass に）
  --table <名前>          表（既定: kanmon_accounts）。--migrate で未作成なら作成
  --dry-run               全行を検査するだけで書き込まない
  --format csv|jsonl      既定はファイル名、なければ先頭の文字から判定
  --tenant <id>           アカウントのテナント（既定: default）
  --preset <id> / --config <ファイル>   ポリシー（TOTP のアルゴリズム、弱いダイジェストを包むハッシュ）
  --keys <ファイル>       TOTP シークレットを封印する鍵リング（または KANMON_KEYS）
  --wrap-weak             ソルトなしの MD5・SHA-1・SHA-256 の 16 進ダイジェストと crypt(3) DES を包んで受け入れる
                          （layered$…: ダイジェストに対する kanmon のハッシュ）。リスクはガイド参照
  --force-change-weak / --keep-weak
                          弱いハッシュの利用者に次回ログインで変更を求めるか
                          （既定: ポリシーの password.mustChangeInitial）
  --continue-on-error     正しい行だけ書き込み、拒否した行を一覧にする（--postgres では
                          id・ログイン名が既に表にあるアカウントを除外）
  -q, --quiet             進捗を表示しない
  --json                  最後の集計を 1 つの JSON として標準出力に（件数のみ）

終了コード: 0 取り込み完了 / 1 拒否した行あり（--continue-on-error なしでは何も書き込まない） / 2 使い方の誤り
ハッシュやシークレットは一切表示しません。端末では標準エラーに進捗（件数・速度・残り時間）を表示し、\nパイプ・リダイレクト時や --quiet では表示しません。`,
};

const codeText: Record<CliLang, Record<string, string>> = {
  en: {
    invalid_json: 'not a JSON object',
    invalid_csv: 'not a CSV record with the header\'s columns',
    missing_username: 'no username',
    invalid_username: 'username with control characters or too long',
    duplicate_username: 'username already in an earlier row',
    invalid_id: 'id is not 1–128 printable ASCII characters',
    duplicate_id: 'id already in an earlier row',
    missing_hash: 'no password hash',
    unknown_format: 'password hash in no format kanmon reads',
    invalid_hash: 'password hash broken (truncated, bad encoding, inconsistent lengths)',
    cost_too_high: 'password hash cost above what kanmon verifies',
    unsupported_hash: 'password hash version kanmon does not verify',
    unsafe_hash: 'plain text or unsalted digest under a scheme name (e.g. Spring {sha256}, {noop}): never imported',
    weak_hash_not_wrapped: 'unsalted fast digest or crypt(3) DES: pass --wrap-weak to wrap it',
    invalid_roles: 'roles are not a list of names',
    invalid_email: 'e-mail address malformed',
    invalid_totp_secret: 'TOTP secret is not base32 of 10–64 bytes',
    totp_algorithm_mismatch: "TOTP algorithm is not the policy's mfa.totp.algorithm",
    totp_needs_key_ring: 'a TOTP secret needs a key ring to seal it (--keys or KANMON_KEYS)',
  },
  ja: {
    invalid_json: 'JSON オブジェクトではありません',
    invalid_csv: 'ヘッダーと列数の合う CSV レコードではありません',
    missing_username: 'username がありません',
    invalid_username: 'username に制御文字があるか長すぎます',
    duplicate_username: 'username が前の行と重複しています',
    invalid_id: 'id が 1〜128 文字の ASCII 印字可能文字ではありません',
    duplicate_id: 'id が前の行と重複しています',
    missing_hash: 'パスワードハッシュがありません',
    unknown_format: 'kanmon が読めない形式のパスワードハッシュです',
    invalid_hash: 'パスワードハッシュが壊れています（切り詰め、符号化の誤り、長さの不整合）',
    cost_too_high: 'パスワードハッシュのコストが kanmon の検証上限を超えています',
    unsupported_hash: 'kanmon が検証しない版のパスワードハッシュです',
    unsafe_hash: '平文またはソルトなしダイジェストです（Spring の {sha256}、{noop} など）。取り込みません',
    weak_hash_not_wrapped: 'ソルトなしの高速ダイジェストまたは crypt(3) DES です。--wrap-weak で包んで取り込めます',
    invalid_roles: 'roles が名前の一覧ではありません',
    invalid_email: 'メールアドレスの形式が誤っています',
    invalid_totp_secret: 'TOTP シークレットが 10〜64 バイトの base32 ではありません',
    totp_algorithm_mismatch: 'TOTP のアルゴリズムがポリシーの mfa.totp.algorithm と異なります',
    totp_needs_key_ring: 'TOTP シークレットの封印には鍵リングが必要です（--keys または KANMON_KEYS）',
  },
};

/** At most this many refused rows are listed one by one; the rest are counted. */
const MAX_LISTED = 1000;
const BATCH = 1000;

async function readInput(path: string, io: CliIo): Promise<string> {
  if (path !== '-') {
    try {
      return await readFile(resolve(io.cwd, path), 'utf8');
    } catch (cause) {
      throw new KanmonError('ERR_INVALID_ARGUMENT', `cannot read '${path}'`, { cause });
    }
  }
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks).toString('utf8');
}

function formatOf(flag: string | undefined, path: string, text: string): InputFormat {
  if (flag === 'csv' || flag === 'jsonl') return flag;
  if (flag !== undefined) throw new KanmonError('ERR_INVALID_ARGUMENT', `--format must be csv or jsonl, not '${flag}'`);
  if (/\.csv$/i.test(path)) return 'csv';
  if (/\.(jsonl|ndjson)$/i.test(path)) return 'jsonl';
  return text.trimStart().startsWith('{') ? 'jsonl' : 'csv';
}

/** Check every line: the valid rows and the refused ones, in line order. */
function validateAll(text: string, format: InputFormat, rules: Parameters<typeof validateRow>[2], io: CliIo, quiet: boolean): { rows: ImportRow[]; errors: ImportRowError[] } {
  const lines = text.split(/\r?\n/);
  const rows: ImportRow[] = [];
  const errors: ImportRowError[] = [];
  let columns: string[] = [];
  let start = 0;
  if (format === 'csv') {
    const header = csvHeader(lines[0] ?? '');
    if (!header.ok) throw new KanmonError('ERR_INVALID_ARGUMENT', `line 1: the CSV header must name username and hash, and only known columns (found '${header.column}')`);
    columns = header.columns;
    start = 1;
  }
  const usernames = new Set<string>();
  const ids = new Set<string>();
  const progress = createProgress(io.stderr, { label: io.lang === 'ja' ? '検査' : 'checking', total: lines.length, unit: 'lines', quiet });
  for (let i = start; i < lines.length; i++) {
    if ((i & 1023) === 0) progress.update(i);
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const fields = fieldsOf(line, format, columns);
    const row = typeof fields === 'string' ? { line: i + 1, code: fields } : validateRow(i + 1, fields, rules);
    if ('code' in row) errors.push(row);
    else if (usernames.has(row.username)) errors.push({ line: row.line, code: 'duplicate_username', field: 'username' });
    else if (row.id !== undefined && ids.has(row.id)) errors.push({ line: row.line, code: 'duplicate_id', field: 'id' });
    else {
      usernames.add(row.username);
      if (row.id !== undefined) ids.add(row.id);
      rows.push(row);
    }
  }
  progress.finish();
  return { rows, errors };
}

function listErrors(errors: readonly ImportRowError[], io: CliIo): void {
  const text = codeText[io.lang];
  let out = '';
  for (const e of errors.slice(0, MAX_LISTED)) out += `line ${e.line}: ${e.code}${e.field ? ` (${e.field})` : ''}: ${text[e.code] ?? e.code}\n`;
  if (errors.length > MAX_LISTED) out += io.lang === 'ja' ? `…ほか ${errors.length - MAX_LISTED} 行\n` : `… and ${errors.length - MAX_LISTED} more rows\n`;
  io.stderr.write(out);
}

export const importCommand: CliCommand = {
  name: 'import',
  summary: {
    en: "Import another system's accounts (CSV / JSON Lines): hashes kept as they are, upgraded at each next login",
    ja: '他システムのアカウントを取り込む（CSV・JSON Lines）。ハッシュはそのまま保存し次回ログインで更新',
  },
  usage,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: {
        out: { type: 'string' },
        postgres: { type: 'string' },
        table: { type: 'string' },
        migrate: { type: 'boolean' },
        'dry-run': { type: 'boolean' },
        format: { type: 'string' },
        tenant: { type: 'string' },
        preset: { type: 'string' },
        config: { type: 'string' },
        keys: { type: 'string' },
        'wrap-weak': { type: 'boolean' },
        'force-change-weak': { type: 'boolean' },
        'keep-weak': { type: 'boolean' },
        'continue-on-error': { type: 'boolean' },
        quiet: { type: 'boolean', short: 'q' },
        json: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: true,
    });
    const targets = [values.out, values.postgres, values['dry-run'] ? true : undefined].filter((t) => t !== undefined).length;
    if (positionals.length !== 1 || targets !== 1 || (values['force-change-weak'] && values['keep-weak'])) {
      io.stderr.write(usage[io.lang] + '\n');
      return EXIT_USAGE;
    }
    const path = positionals[0]!;
    const tenant = values.tenant ?? 'default';
    const policy = await policyFromFlags(values, io);
    const keyRing: KeyRing | undefined = await keyRingFromFlags(values.keys, io, false);
    const text = await readInput(path, io);
    const format = formatOf(values.format, path, text);
    const { rows, errors } = validateAll(text, format, { wrapWeak: values['wrap-weak'] === true, totpAlgorithm: policy.mfa.totp.algorithm, hasKeyRing: keyRing !== undefined }, io, values.quiet === true);

    if (errors.length > 0) listErrors(errors, io);
    if (errors.length > 0 && !values['continue-on-error']) {
      io.stderr.write(io.lang === 'ja' ? `kanmon import: ${errors.length} 行を拒否しました。何も書き込んでいません。\n` : `kanmon import: ${errors.length} row(s) refused; nothing written.\n`);
      return EXIT_FINDING;
    }
    if (values['dry-run']) {
      io.stdout.write(values.json ? jsonSummary(rows, errors, null, 0, 0) : summary(io.lang, rows, errors, null, 0, 0));
      return errors.length > 0 ? EXIT_FINDING : EXIT_OK;
    }

    const forceChange = values['force-change-weak'] ?? (values['keep-weak'] ? false : policy.password.mustChangeInitial);
    const hasher = createPasswordHasher({ policy, keyRing: policy.hashing.pepper ? keyRing : undefined });
    let skipped = 0;
    const sink: ImportSink =
      values.postgres !== undefined
        ? postgresSink({ connectionString: values.postgres, table: values.table, migrate: values.migrate === true, skipExisting: values['continue-on-error'] === true, onDone: (r) => (skipped = r.skipped) })
        : jsonLinesSink(resolve(io.cwd, values.out!));
    const target = values.postgres !== undefined ? `PostgreSQL (${values.table ?? 'kanmon_accounts'})` : values.out!;
    const now = Date.now();
    let forced = 0;
    let sealed = 0;
    const progress = createProgress(io.stderr, { label: io.lang === 'ja' ? '書き込み' : 'writing', total: rows.length, unit: 'rows', quiet: values.quiet === true });
    try {
      for (let i = 0; i < rows.length; i += BATCH) {
        const batch = await Promise.all(rows.slice(i, i + BATCH).map(async (row): Promise<AccountRecord> => {
          const id = row.id ?? randomUUID();
          const passwordHash = row.wrap ? await hasher.hashLayered(row.wrap, row.value) : row.stored!;
          const mustChange = row.weak && forceChange;
          if (mustChange) forced++;
          let totpSecret: string | null = null;
          if (row.totpSecret) {
            totpSecret = sealSecret(keyRing!, row.totpSecret, { tenant, account: id, purpose: TOTP_PURPOSE });
            row.totpSecret.fill(0);
            sealed++;
          }
          return newAccount({ id, tenant, username: row.username, passwordHash, passwordChangedAt: now, roles: [...row.roles], email: row.email, displayName: row.displayName, totpSecret, mustChangePassword: mustChange ? 'policy_changed' : null });
        }));
        await sink.write(batch);
        progress.update(i + batch.length);
      }
      await sink.commit();
    } catch (err) {
      await sink.abort();
      throw err;
    }
    progress.finish();
    io.stdout.write(values.json ? jsonSummary(rows, errors, target, forced, sealed, skipped) : summary(io.lang, rows, errors, target, forced, sealed, skipped));
    return EXIT_OK;
  },
};

/** `--json`: the summary as one JSON object (counts only: no row's content). */
function jsonSummary(rows: readonly ImportRow[], errors: readonly ImportRowError[], out: string | null, forced: number, sealed: number, skipped = 0): string {
  const count = (keys: readonly string[]) => Object.fromEntries([...keys.reduce((m, k) => m.set(k, (m.get(k) ?? 0) + 1), new Map<string, number>())]);
  return (
    JSON.stringify({
      command: 'import',
      dryRun: out === null,
      target: out,
      written: out === null ? 0 : rows.length - skipped,
      valid: rows.length,
      refused: errors.length,
      skipped,
      byFormat: count(rows.map((r) => r.format)),
      weak: rows.filter((r) => r.weak).length,
      wrapped: rows.filter((r) => r.wrap).length,
      forcedChange: forced,
      totpSealed: sealed,
      refusedByCode: count(errors.map((e) => e.code)),
    }) + '\n'
  );
}

function summary(lang: CliLang, rows: readonly ImportRow[], errors: readonly ImportRowError[], out: string | null, forced: number, sealed: number, skipped = 0): string {
  const byFormat = new Map<string, number>();
  for (const r of rows) byFormat.set(r.format, (byFormat.get(r.format) ?? 0) + 1);
  const byCode = new Map<string, number>();
  for (const e of errors) byCode.set(e.code, (byCode.get(e.code) ?? 0) + 1);
  const n = (x: number) => x.toLocaleString('en');
  const wrapped = rows.filter((r) => r.wrap).length;
  const weak = rows.filter((r) => r.weak).length;
  const ja = lang === 'ja';
  const lines = [
    out === null
      ? ja ? `kanmon import: 検査のみ。${n(rows.length)} 件は取り込めます（拒否 ${n(errors.length)} 行）` : `kanmon import: dry run; ${n(rows.length)} accounts would be imported (${n(errors.length)} rows refused)`
      : ja
        ? `kanmon import: ${n(rows.length - skipped)} 件を ${out} に書き込みました（拒否 ${n(errors.length)} 行${skipped > 0 ? `、既存のため除外 ${n(skipped)} 件` : ''}）`
        : `kanmon import: ${n(rows.length - skipped)} accounts written to ${out} (${n(errors.length)} rows refused${skipped > 0 ? `, ${n(skipped)} already there and skipped` : ''})`,
    ja ? '形式別:' : 'by format:',
    ...[...byFormat].sort((a, b) => b[1] - a[1]).map(([f, c]) => `  ${f.padEnd(24)}${n(c).padStart(10)}`),
    ja ? `弱いハッシュ: ${n(weak)}（うち包んだ高速ダイジェスト ${n(wrapped)}、次回ログインで変更を求める ${n(forced)}）` : `weak hashes: ${n(weak)} (wrapped fast digests ${n(wrapped)}; forced change at next login ${n(forced)})`,
    ja ? `封印した TOTP シークレット: ${n(sealed)}` : `TOTP secrets sealed: ${n(sealed)}`,
  ];
  if (byCode.size > 0) lines.push(ja ? '拒否（コード別）:' : 'refused, by code:', ...[...byCode].map(([c, k]) => `  ${c.padEnd(24)}${n(k).padStart(10)}`));
  return lines.join('\n') + '\n';
}
