import { csvText } from '../../internal/csv.js';
import { createIsoTimeFormatter } from '../../internal/iso-time.js';
import type { InventoryEntry } from '../../login/admin/inventory-types.js';

/** The report's output formats. */
export const accountReportFormats = ['csv', 'md', 'json'] as const;
export type AccountReportFormat = (typeof accountReportFormats)[number];

/** What the report is about: the inventory and how it was taken. */
export interface AccountReport {
  readonly tenant: string | null;
  readonly generatedAt: number;
  readonly dormantDays: number | null;
  readonly timeZone: string;
  /** Where the rows came from (a file name, `postgres`). */
  readonly source: string;
  readonly accounts: readonly InventoryEntry[];
}

const labels = {
  ja: {
    title: '権限の割当一覧（アカウント棚卸し）',
    clause: '対応条項: RM-27 権限の割当一覧、SEC-12 アカウントの発行・削除の管理、IPC-3 ログインできる職員の管理',
    tenant: 'テナント',
    generatedAt: '作成日時',
    dormant: '休眠の基準',
    dormantRule: (days: number | null, tz: string) => (days === null ? '設定なし（policy.accounts.dormantDays = null）' : `最終ログインから ${days} 日（${tz} の暦日）`),
    source: 'データ元',
    count: '件数',
    columns: ['アカウントID', 'ログイン名', '氏名', 'ロール', '特権', '多要素認証', '残り回復コード', '最終ログイン', '最終ログイン元', 'パスワード経過日数', 'ロック', '無効', '未使用日数', '休眠'],
    yes: 'はい',
    no: 'いいえ',
    unknown: '不明',
    never: 'なし',
    none: 'なし',
  },
  en: {
    title: 'Privilege assignments (account inventory)',
    clause: 'Clauses: RM-27 list of privilege assignments, SEC-12 account issue and removal, IPC-3 staff who may log in',
    tenant: 'Tenant',
    generatedAt: 'Generated',
    dormant: 'Dormant after',
    dormantRule: (days: number | null, tz: string) => (days === null ? 'not set (policy.accounts.dormantDays = null)' : `${days} days without a login (calendar days in ${tz})`),
    source: 'Source',
    count: 'Accounts',
    columns: ['Account ID', 'Login name', 'Name', 'Roles', 'Privileged', 'MFA', 'Recovery codes left', 'Last login', 'Last login from', 'Password age (days)', 'Locked', 'Disabled', 'Idle days', 'Dormant'],
    yes: 'yes',
    no: 'no',
    unknown: 'unknown',
    never: 'never',
    none: 'none',
  },
} as const;

/** The table of the report: the header line, then one line per account (text as an auditor reads it). */
export function reportTable(report: AccountReport, lang: 'ja' | 'en'): string[][] {
  const t = labels[lang];
  const time = createIsoTimeFormatter(report.timeZone);
  const when = (ms: number | null) => (ms === null ? t.never : time(ms).slice(0, 16).replace('T', ' '));
  const bool = (v: boolean | null) => (v === null ? t.unknown : v ? t.yes : t.no);
  const rows = report.accounts.map((a) => [
    a.accountId,
    a.username,
    a.displayName ?? '',
    a.roles.join(' '),
    bool(a.privileged),
    a.mfa.status === 'totp' ? 'TOTP' : t.none,
    a.mfa.recoveryCodesLeft === null ? (a.mfa.status === 'totp' ? t.unknown : '') : String(a.mfa.recoveryCodesLeft),
    when(a.lastLoginAt),
    a.lastLoginIp ?? '',
    String(a.passwordAgeDays),
    bool(a.locked),
    bool(a.disabled),
    String(a.idleDays),
    bool(a.dormant),
  ]);
  return [[...t.columns], ...rows];
}

const mdCell = (s: string) => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

/** The report in `format`: CSV (RFC 4180, CRLF; `bom` for Excel), Markdown with its header block, or JSON. */
export function renderAccountReport(report: AccountReport, format: AccountReportFormat, options: { readonly lang: 'ja' | 'en'; readonly bom?: boolean }): string {
  if (format === 'json') return JSON.stringify({ ...report, accounts: report.accounts }, null, 2) + '\n';
  const table = reportTable(report, options.lang);
  if (format === 'csv') return csvText(table, { bom: options.bom === true });
  const t = labels[options.lang];
  const time = createIsoTimeFormatter(report.timeZone);
  const [header = [], ...rows] = table;
  return [
    `# ${t.title}`,
    '',
    t.clause,
    '',
    ...(report.tenant === null ? [] : [`- ${t.tenant}: ${report.tenant}`]),
    `- ${t.generatedAt}: ${time(report.generatedAt)}`,
    `- ${t.dormant}: ${t.dormantRule(report.dormantDays, report.timeZone)}`,
    `- ${t.source}: ${report.source}`,
    `- ${t.count}: ${report.accounts.length}`,
    '',
    `| ${header.map(mdCell).join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.map(mdCell).join(' | ')} |`),
    '',
  ].join('\n');
}
