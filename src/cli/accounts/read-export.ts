import { KanmonError } from '../../errors.js';
import { parseCsv } from '../../internal/csv.js';
import type { InventoryEntry } from '../../login/admin/inventory-types.js';
import type { AccountRecord } from '../../login/account.js';

/** What an export file held: account records (the report computes the rest) or a finished inventory. */
export type ExportRows = { readonly kind: 'accounts'; readonly accounts: AccountRecord[] } | { readonly kind: 'inventory'; readonly entries: InventoryEntry[] };

type Raw = Readonly<Record<string, unknown>>;

const fail = (where: string, message: string) => new KanmonError('ERR_INVALID_ARGUMENT', `${where}: ${message}`);

/** The first of `names` the row has (camelCase or snake_case spellings of one field). */
function pick(row: Raw, ...names: string[]): unknown {
  for (const name of names) if (row[name] !== undefined && row[name] !== '') return row[name];
  return undefined;
}

/** Epoch ms from a number, a digit string or an ISO 8601 text; `null` when absent. */
function time(value: unknown, where: string, field: string): number | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value === 'string') {
    if (/^\d{1,16}$/.test(value)) return Number(value);
    const ms = Date.parse(value);
    if (!Number.isNaN(ms) && /^\d{4}-\d{2}-\d{2}/.test(value)) return ms;
  }
  throw fail(where, `${field} is not a time (epoch ms or ISO 8601): ${JSON.stringify(value).slice(0, 60)}`);
}

function flag(value: unknown, where: string, field: string): boolean {
  if (value === undefined || value === null || value === '') return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|1|yes|y|はい)$/i.test(value.trim())) return true;
  if (typeof value === 'string' && /^(false|0|no|n|いいえ)$/i.test(value.trim())) return false;
  throw fail(where, `${field} is not a boolean: ${JSON.stringify(value).slice(0, 60)}`);
}

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : null);

/** One account record of an export row; `where` names the line for errors. */
export function accountOfRow(row: Raw, where: string, defaultTenant: string): AccountRecord {
  const id = text(pick(row, 'id', 'accountId', 'account_id'));
  const username = text(pick(row, 'username', 'user_name', 'login'));
  if (id === null || username === null) throw fail(where, 'a row needs id and username');
  const rolesRaw = pick(row, 'roles', 'role');
  const roles = Array.isArray(rolesRaw) ? rolesRaw.filter((r): r is string => typeof r === 'string') : typeof rolesRaw === 'string' ? rolesRaw.split(/[;|\s]+/).filter(Boolean) : [];
  const createdAt = time(pick(row, 'createdAt', 'created_at'), where, 'createdAt');
  const passwordChangedAt = time(pick(row, 'passwordChangedAt', 'password_changed_at'), where, 'passwordChangedAt') ?? createdAt;
  if (passwordChangedAt === null) throw fail(where, 'a row needs passwordChangedAt (or createdAt)');
  const totp = pick(row, 'totpSecret', 'totp_secret');
  const mfa = pick(row, 'mfa', 'totp');
  const recovery = pick(row, 'recoveryCodes', 'recovery_codes');
  return {
    id,
    tenant: text(pick(row, 'tenant')) ?? defaultTenant,
    username,
    passwordHash: '',
    passwordChangedAt,
    passwordHistory: [],
    mustChangePassword: null,
    compromised: flag(pick(row, 'compromised'), where, 'compromised'),
    disabled: flag(pick(row, 'disabled'), where, 'disabled'),
    roles,
    totpSecret: typeof totp === 'string' && totp !== '' ? totp : mfa === 'totp' || (mfa !== undefined && mfa !== 'none' && flag(mfa, where, 'mfa')) ? 'present' : null,
    totpPendingSecret: null,
    recoveryCodes: recovery && typeof recovery === 'object' ? (recovery as AccountRecord['recoveryCodes']) : null,
    email: text(pick(row, 'email')),
    displayName: text(pick(row, 'displayName', 'display_name', 'name')),
    createdAt,
    lastLoginAt: time(pick(row, 'lastLoginAt', 'last_login_at'), where, 'lastLoginAt'),
    lastLoginIp: text(pick(row, 'lastLoginIp', 'last_login_ip')),
  };
}

const isEntry = (row: Raw): boolean => typeof row.accountId === 'string' && typeof row.dormant === 'boolean' && typeof row.idleDays === 'number';

function fromObjects(items: unknown[], file: string, line: (i: number) => number, defaultTenant: string): ExportRows {
  const rows = items.map((item, i) => {
    if (!item || typeof item !== 'object' || Array.isArray(item)) throw fail(`${file}:${line(i)}`, 'not an object');
    return item as Raw;
  });
  if (rows.length > 0 && rows.every(isEntry)) return { kind: 'inventory', entries: rows as unknown as InventoryEntry[] };
  return { kind: 'accounts', accounts: rows.map((row, i) => accountOfRow(row, `${file}:${line(i)}`, defaultTenant)) };
}

/**
 * The rows of an export: JSON (an array of account records, or an `inventory()` answer / its `accounts`),
 * JSON Lines (`.jsonl`, `.ndjson`: one record a line), or CSV with a header line of field names
 * (camelCase or snake_case; roles separated by `;`, `|` or spaces; times as epoch ms or ISO 8601).
 */
export function readExport(content: string, file: string, defaultTenant: string): ExportRows {
  const body = content.startsWith('\uFEFF') ? content.slice(1) : content;
  if (/\.csv$/i.test(file)) {
    const table = parseCsv(body);
    if (table === null) throw fail(file, 'not valid CSV (RFC 4180)');
    const [header, ...lines] = table;
    if (!header) return { kind: 'accounts', accounts: [] };
    const objects = lines.map((cells) => Object.fromEntries(header.map((name, i) => [name.trim(), cells[i] ?? ''])));
    return fromObjects(objects, file, (i) => i + 2, defaultTenant);
  }
  if (/\.(jsonl|ndjson)$/i.test(file)) {
    const items: unknown[] = [];
    const numbers: number[] = [];
    body.split(/\r?\n/).forEach((line, i) => {
      if (line.trim() === '') return;
      try {
        items.push(JSON.parse(line));
      } catch {
        throw fail(`${file}:${i + 1}`, 'not valid JSON');
      }
      numbers.push(i + 1);
    });
    return fromObjects(items, file, (i) => numbers[i] ?? 0, defaultTenant);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw fail(file, 'not valid JSON (use .jsonl for JSON Lines, .csv for CSV)');
  }
  const list = Array.isArray(parsed) ? parsed : parsed && typeof parsed === 'object' && Array.isArray((parsed as Raw).accounts) ? ((parsed as Raw).accounts as unknown[]) : null;
  if (list === null) throw fail(file, 'expected an array of accounts or an object with an accounts array');
  return fromObjects(list, file, (i) => i + 1, defaultTenant);
}
