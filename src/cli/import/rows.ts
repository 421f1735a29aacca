import { type ImportHashFormat, type ImportHashRefusal, readImportHash } from '../../password/hash/foreign/import-hash.js';
import type { LayeredInner } from '../../password/hash/create-hasher.js';

/** Why a row of an export cannot be imported: a code, its line, the field; never the value. */
export type ImportRowCode =
  | 'invalid_json'
  | 'invalid_csv'
  | 'missing_username'
  | 'invalid_username'
  | 'duplicate_username'
  | 'invalid_id'
  | 'duplicate_id'
  | 'missing_hash'
  | ImportHashRefusal
  /** An unsalted MD5/SHA-1/SHA-256 digest, and `--wrap-weak` was not given. */
  | 'weak_hash_not_wrapped'
  | 'invalid_roles'
  | 'invalid_email'
  | 'invalid_totp_secret'
  /** The row's TOTP algorithm is not the policy's (`mfa.totp.algorithm`): codes would not match. */
  | 'totp_algorithm_mismatch'
  /** A TOTP secret to seal, and no key ring (`--keys` or `KANMON_KEYS`). */
  | 'totp_needs_key_ring';

export interface ImportRowError {
  readonly line: number;
  readonly code: ImportRowCode;
  readonly field?: string | undefined;
}

/** A valid row, ready to write (the fast digest is wrapped and the TOTP secret sealed at write time). */
export interface ImportRow {
  readonly line: number;
  readonly id: string | undefined;
  readonly username: string;
  readonly format: ImportHashFormat;
  /** What to store; `null` when `wrap` says to wrap `value`. */
  readonly stored: string | null;
  readonly value: string;
  readonly wrap: LayeredInner | null;
  readonly weak: boolean;
  readonly roles: readonly string[];
  readonly email: string | null;
  readonly displayName: string | null;
  readonly totpSecret: Buffer | null;
}

export type InputFormat = 'csv' | 'jsonl';

/** What every row is checked against. */
export interface RowRules {
  readonly wrapWeak: boolean;
  readonly totpAlgorithm: 'SHA1' | 'SHA256' | 'SHA512';
  readonly hasKeyRing: boolean;
}

type Fields = Record<string, unknown>;

/** One CSV record (RFC 4180 quoting, one line: a quoted field holds no line break), or `null` when malformed. */
export function splitCsv(line: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) return null;
        value += line.slice(i, q);
        if (line[q + 1] === '"') {
          value += '"';
          i = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      out.push(value);
      if (i === line.length) return out;
      if (line[i] !== ',') return null;
      i++;
    } else {
      const comma = line.indexOf(',', i);
      const value = comma < 0 ? line.slice(i) : line.slice(i, comma);
      if (value.includes('"')) return null;
      out.push(value);
      if (comma < 0) return out;
      i = comma + 1;
    }
  }
}

const CSV_COLUMNS = ['username', 'hash', 'id', 'roles', 'email', 'display_name', 'totp_secret', 'totp_algorithm'];

/** The header of a CSV export: its column names, or the first unknown one. */
export function csvHeader(line: string): { ok: true; columns: string[] } | { ok: false; column: string } {
  const columns = (splitCsv(line.replace(/^\uFEFF/, '')) ?? []).map((c) => c.trim().toLowerCase());
  const unknown = columns.find((c) => !CSV_COLUMNS.includes(c));
  if (unknown !== undefined || !columns.includes('username') || !columns.includes('hash')) return { ok: false, column: unknown ?? 'username/hash' };
  return { ok: true, columns };
}

/** The fields of one line, as an object (JSON Lines) or by the header (CSV). */
export function fieldsOf(text: string, format: InputFormat, columns: readonly string[]): Fields | ImportRowCode {
  if (format === 'jsonl') {
    try {
      const parsed: unknown = JSON.parse(text);
      return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Fields) : 'invalid_json';
    } catch {
      return 'invalid_json';
    }
  }
  const cells = splitCsv(text);
  if (!cells || cells.length !== columns.length) return 'invalid_csv';
  const fields: Fields = {};
  columns.forEach((c, i) => {
    if (cells[i] !== '') fields[c] = cells[i];
  });
  return fields;
}

// eslint-disable-next-line no-control-regex -- control characters are exactly what it refuses
const controlOrSpaceOnly = /[\u0000-\u001f\u007f]|^\s*$/;
const base32 = /^[A-Z2-7]+=*$/;
const email = /^[^\s@]{1,64}@[^\s@]{1,255}$/;

/** RFC 4648 base32 (spaces and case forgiven, as authenticator exports write it). */
function decodeBase32(text: string): Buffer | null {
  const clean = text.replace(/\s+/g, '').toUpperCase();
  if (!base32.test(clean)) return null;
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bits: number[] = [];
  let value = 0;
  let count = 0;
  for (const c of clean.replace(/=+$/, '')) {
    value = (value << 5) | alphabet.indexOf(c);
    count += 5;
    if (count >= 8) {
      bits.push((value >>> (count - 8)) & 0xff);
      count -= 8;
    }
  }
  return Buffer.from(bits);
}

/** The password credential of a Keycloak user export (`credentials: [{ type: 'password', … }]`). */
function keycloakCredential(fields: Fields): unknown {
  const creds = fields.credentials;
  return Array.isArray(creds) ? creds.find((c: unknown) => typeof c === 'object' && c !== null && (c as Fields).type === 'password') : undefined;
}

/** Check one row; every field is checked and the first problem is answered with its code and field. */
export function validateRow(line: number, fields: Fields, rules: RowRules): ImportRow | ImportRowError {
  const fail = (code: ImportRowCode, field?: string): ImportRowError => ({ line, code, field });
  const { username } = fields;
  if (username === undefined || username === null || username === '') return fail('missing_username', 'username');
  if (typeof username !== 'string' || username.length > 256 || controlOrSpaceOnly.test(username)) return fail('invalid_username', 'username');
  const id = fields.id;
  if (id !== undefined && (typeof id !== 'string' || !/^[\x21-\x7e]{1,128}$/.test(id))) return fail('invalid_id', 'id');

  const hashValue = fields.hash ?? fields.password_hash ?? fields.passwordHash ?? keycloakCredential(fields);
  if (hashValue === undefined || hashValue === null || hashValue === '') return fail('missing_hash', 'hash');
  const read = readImportHash(hashValue);
  if (!read.ok) return fail(read.reason, 'hash');
  if (read.wrap && !rules.wrapWeak) return fail('weak_hash_not_wrapped', 'hash');

  let roles: string[] = [];
  const rawRoles = fields.roles;
  if (typeof rawRoles === 'string') roles = rawRoles.split(/[;|]/).map((r) => r.trim()).filter((r) => r !== '');
  else if (Array.isArray(rawRoles) && rawRoles.every((r) => typeof r === 'string')) roles = rawRoles;
  else if (rawRoles !== undefined && rawRoles !== null) return fail('invalid_roles', 'roles');
  if (roles.some((r) => r.length > 64 || controlOrSpaceOnly.test(r))) return fail('invalid_roles', 'roles');

  const mail = fields.email ?? null;
  if (mail !== null && (typeof mail !== 'string' || !email.test(mail))) return fail('invalid_email', 'email');
  const display = fields.display_name ?? fields.displayName ?? null;

  const totp = (fields.totp ?? null) as Fields | null;
  const secretText = totp?.secret ?? fields.totp_secret ?? fields.totpSecret;
  let totpSecret: Buffer | null = null;
  if (secretText !== undefined && secretText !== null && secretText !== '') {
    const decoded = typeof secretText === 'string' ? decodeBase32(secretText) : null;
    if (!decoded || decoded.length < 10 || decoded.length > 64) return fail('invalid_totp_secret', 'totp_secret');
    const algorithmValue = totp?.algorithm ?? fields.totp_algorithm ?? fields.totpAlgorithm ?? 'SHA1';
    const algorithm = typeof algorithmValue === 'string' ? algorithmValue.toUpperCase().replace('-', '') : '';
    if (algorithm !== rules.totpAlgorithm) return fail('totp_algorithm_mismatch', 'totp_algorithm');
    if (!rules.hasKeyRing) return fail('totp_needs_key_ring', 'totp_secret');
    totpSecret = decoded;
  }
  return {
    line,
    id: id,
    username,
    format: read.format,
    stored: read.stored,
    value: typeof hashValue === 'string' ? hashValue : '',
    wrap: read.wrap,
    weak: read.weak,
    roles,
    email: mail,
    displayName: typeof display === 'string' ? display : null,
    totpSecret,
  };
}
