import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type PgModule from 'pg';
import { KanmonError } from '../../errors.js';
import { createLockout } from '../../lockout/create-lockout.js';
import { inventoryEntry } from '../../login/admin/inventory-entry.js';
import type { InventoryEntry } from '../../login/admin/inventory-types.js';
import type { AccountRecord } from '../../login/account.js';
import { recoveryCodesRemaining } from '../../mfa/recovery-codes.js';
import type { Policy } from '../../policy/define-policy.js';
import { type AccountReport, type AccountReportFormat, accountReportFormats, renderAccountReport } from '../accounts/render.js';
import { readExport } from '../accounts/read-export.js';
import { type CliCommand, type CliIo, type CliLang, EXIT_OK, EXIT_USAGE } from '../command.js';
import { policyFromFlags } from './policy.js';

const usage: Record<CliLang, string> = {
  en: `kanmon accounts report (--input <file> | --postgres <url> --tenant <id>) [--preset <id> | --config <file>]
                        [--format csv|md|json] [--bom] [--lang ja|en] [--tenant <id>] [--table kanmon_accounts] [--now <ISO 8601>]

The list of privilege assignments an auditor asks for under RM-27: every account with its
roles, privilege, second factor, last login, password age, lock, disabled and dormant (SEC-12, IPC-3).

Options:
  --input <file>     an export: .json (account records, or the answer of kanmon.inventory()), .jsonl / .ndjson
                     (one record a line) or .csv (a header line of field names: id, username, roles, ...)
  --postgres <url>   read the account table of postgresAccounts() (and lock state from kanmon_state when present)
  --tenant <id>      the tenant (required with --postgres; filters an export)
  --preset, --config the policy: privileged roles, dormantDays, time zone (required unless the input is an inventory)
  --format <format>  csv (default), md, json
  --bom              start CSV with a UTF-8 byte order mark (Excel then opens Japanese text intact)
  --lang <lang>      column headers in ja (default) or en
  --now <time>       the report's time (default: now)

Example:
  kanmon accounts report --postgres "$DATABASE_URL" --tenant funabashi --preset funabashi --format csv --bom > assignments.csv`,
  ja: `kanmon accounts report (--input <ファイル> | --postgres <URL> --tenant <ID>) [--preset <id> | --config <ファイル>]
                        [--format csv|md|json] [--bom] [--lang ja|en] [--tenant <ID>] [--table kanmon_accounts] [--now <ISO 8601>]

RM-27 の「権限の割当一覧」として監査人に提出する一覧を作ります。各アカウントのロール、特権の有無、
多要素認証、最終ログイン、パスワード経過日数、ロック、無効、休眠（SEC-12、IPC-3）を出力します。

オプション:
  --input <ファイル>  エクスポート: .json（アカウントの配列、または kanmon.inventory() の結果）、
                      .jsonl / .ndjson（1 行 1 件）、.csv（1 行目が項目名: id, username, roles, ...）
  --postgres <URL>    postgresAccounts() のテーブルを読む（kanmon_state があればロック状態も）
  --tenant <ID>       テナント（--postgres では必須。エクスポートでは絞り込み）
  --preset, --config  ポリシー: 特権ロール、dormantDays、タイムゾーン（入力が inventory の結果なら不要）
  --format <形式>     csv（既定）、md、json
  --bom               CSV の先頭に UTF-8 の BOM を付ける（Excel で日本語が文字化けしない）
  --lang <言語>       列見出しを ja（既定）または en で
  --now <日時>        一覧の基準日時（既定: 現在）

例:
  kanmon accounts report --postgres "$DATABASE_URL" --tenant funabashi --preset funabashi --format csv --bom > 権限一覧.csv`,
};

const isFormat = (v: string): v is AccountReportFormat => (accountReportFormats as readonly string[]).includes(v);

/** The accounts of one tenant in the postgresAccounts() table, with lock state and recovery codes from kanmon_state when it exists. */
async function fromPostgres(url: string, tenant: string, table: string | undefined, policy: Policy, at: number): Promise<InventoryEntry[]> {
  let pg: typeof PgModule;
  try {
    pg = (await import('pg')).default;
  } catch (cause) {
    throw new KanmonError('ERR_ENGINE_UNAVAILABLE', "--postgres needs the 'pg' package (npm install pg)", { cause });
  }
  const { postgresAccounts } = await import('../../postgres/accounts.js');
  const { postgresStore } = await import('../../postgres/store.js');
  const { stateTableName } = await import('../../postgres/schema.js');
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  pool.on('error', () => undefined);
  try {
    const accounts = postgresAccounts({ pool, ...(table ? { table } : {}) });
    const { rows } = await pool.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [stateTableName]);
    const store = rows[0]?.t ? postgresStore({ pool }) : null;
    const lockout = store ? createLockout({ policy, store }) : null;
    const entries: InventoryEntry[] = [];
    let cursor: string | null = null;
    do {
      const page: { accounts: readonly AccountRecord[]; cursor: string | null } = await accounts.list({ tenant, cursor, limit: 500 });
      for (const account of page.accounts) {
        const locked = lockout ? (await lockout.status({ account: account.username, accountId: account.id, tenant })).locked : null;
        const recoveryCodesLeft = store && account.recoveryCodes ? await recoveryCodesRemaining(account.recoveryCodes, { store, account: account.id, tenant }) : null;
        entries.push(inventoryEntry(account, policy, at, { locked, recoveryCodesLeft }));
      }
      cursor = page.cursor;
    } while (cursor !== null);
    return entries;
  } finally {
    await pool.end();
  }
}

async function report(values: Record<string, string | boolean | undefined>, io: CliIo, at: number): Promise<AccountReport> {
  const str = (name: string) => (typeof values[name] === 'string' ? (values[name]) : undefined);
  const tenant = str('tenant');
  const hasPolicy = str('preset') !== undefined || str('config') !== undefined;
  const policy = hasPolicy ? await policyFromFlags({ preset: str('preset'), config: str('config') }, io) : null;
  const needPolicy = () => {
    if (policy === null) throw new KanmonError('ERR_INVALID_ARGUMENT', '--preset or --config is required to judge privilege and dormancy of account records');
    return policy;
  };
  const url = str('postgres');
  if (url !== undefined) {
    if (tenant === undefined) throw new KanmonError('ERR_INVALID_ARGUMENT', '--postgres needs --tenant');
    const p = needPolicy();
    return { tenant, generatedAt: at, dormantDays: p.accounts.dormantDays, timeZone: p.timeZone, source: 'postgres', accounts: await fromPostgres(url, tenant, str('table'), p, at) };
  }
  const file = str('input') ?? '';
  const rows = readExport(await readFile(resolve(io.cwd, file), 'utf8'), file, tenant ?? 'default');
  if (rows.kind === 'inventory') {
    return { tenant: tenant ?? null, generatedAt: at, dormantDays: policy?.accounts.dormantDays ?? null, timeZone: policy?.timeZone ?? 'Asia/Tokyo', source: file, accounts: rows.entries };
  }
  const p = needPolicy();
  const accounts = rows.accounts.filter((a) => tenant === undefined || a.tenant === tenant).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return {
    tenant: tenant ?? null,
    generatedAt: at,
    dormantDays: p.accounts.dormantDays,
    timeZone: p.timeZone,
    source: file,
    accounts: accounts.map((a) => inventoryEntry(a, p, at, { locked: null, recoveryCodesLeft: null })),
  };
}

export const accountsCommand: CliCommand = {
  name: 'accounts',
  summary: {
    en: 'Account inventory for auditors (RM-27 list of privilege assignments; dormant accounts)',
    ja: '監査向けアカウント棚卸し（RM-27 権限の割当一覧、休眠アカウント）',
  },
  usage,
  async run(args, io) {
    const [sub, ...rest] = args;
    const fail = (message: string) => {
      io.stderr.write(`kanmon accounts: ${message}\n\n${usage[io.lang]}\n`);
      return EXIT_USAGE;
    };
    if (sub !== 'report') return fail(io.lang === 'ja' ? 'サブコマンドは report です' : 'the sub-command is report');
    let values: Record<string, string | boolean | undefined>;
    try {
      values = parseArgs({
        args: rest,
        options: {
          input: { type: 'string' },
          postgres: { type: 'string' },
          tenant: { type: 'string' },
          table: { type: 'string' },
          preset: { type: 'string' },
          config: { type: 'string' },
          format: { type: 'string', default: 'csv' },
          bom: { type: 'boolean', default: false },
          lang: { type: 'string', default: 'ja' },
          now: { type: 'string' },
        },
        strict: true,
        allowPositionals: false,
      }).values;
    } catch (err) {
      return fail(err instanceof Error ? err.message : String(err));
    }
    const format = String(values.format);
    if (!isFormat(format)) return fail(`--format ${format}: ${accountReportFormats.join(', ')}`);
    const lang = String(values.lang);
    if (lang !== 'ja' && lang !== 'en') return fail(`--lang ${lang}: ja, en`);
    if ((values.input === undefined) === (values.postgres === undefined)) return fail(io.lang === 'ja' ? '--input か --postgres のどちらか一つを指定します' : 'give one of --input or --postgres');
    const at = values.now === undefined ? Date.now() : Date.parse(String(values.now));
    if (!Number.isSafeInteger(at) || !/^\d{4}-\d{2}-\d{2}/.test(String(values.now ?? '2000-01-01'))) return fail(`--now ${String(values.now)}: an ISO 8601 time`);
    const result = await report(values, io, at);
    io.stdout.write(renderAccountReport(result, format, { lang, bom: values.bom === true }));
    return EXIT_OK;
  },
};
