/**
 * `kanmon totp enroll`, driven through the built command as an operator runs it.
 * RFC 6238 / Key URI format: the URI parses, Japanese issuer and label are
 * percent-encoded from UTF-8, the terminal QR code encodes exactly that URI,
 * the sealed secret (with a key ring) is the one in the URI and confirms with
 * its first code, and the raw secret never reaches stderr.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScureBase32Plugin } from 'otplib';
import QRCode from 'qrcode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { confirmTotpEnrollment, createKeyRing, definePolicy, openSecret } from '../../src/index.js';
import { memoryState, totpAt } from '../mfa/support.js';
import { errorCode } from '../support/errors.js';
import { kanmon, requireBuilt } from './built.js';

const base32 = new ScureBase32Plugin();
const keysJson = JSON.stringify({ keys: [{ id: 'k1', secret: randomBytes(32).toString('base64') }], current: 'k1' });
let dir = '';

beforeAll(async () => {
  requireBuilt();
  dir = await mkdtemp(join(tmpdir(), 'kanmon-totp-cli-'));
  await writeFile(join(dir, 'keys.json'), keysJson);
  await writeFile(join(dir, 'sha256.json'), JSON.stringify({ mfa: { totp: { algorithm: 'SHA256', digits: 8, periodSeconds: 60 } } }));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The value after `<label>: ` on one stdout line of the text format. */
function field(stdout: string, label: string): string {
  const line = stdout.split('\n').find((l) => l.startsWith(`${label}: `));
  if (line === undefined) throw new Error(`no '${label}:' line in:\n${stdout}`);
  return line.slice(label.length + 2);
}

const halfBlocks: Record<string, [boolean, boolean]> = { ' ': [false, false], '▀': [true, false], '▄': [false, true], '█': [true, true] };

/** Read a `qrcode` utf8 drawing (two modules per character cell, margin 2) back into its module rows. */
function modulesFromUtf8(drawing: string, size: number): boolean[][] {
  const lines = drawing.split('\n').slice(1, 1 + Math.ceil(size / 2)); // first line is the top margin
  const rows: boolean[][] = [];
  for (const line of lines) {
    const cells = [...line].slice(2, 2 + size);
    expect(cells).toHaveLength(size);
    const top = cells.map((c) => halfBlocks[c]![0]);
    const bottom = cells.map((c) => halfBlocks[c]![1]);
    rows.push(top, bottom);
  }
  return rows.slice(0, size);
}

describe('kanmon totp enroll: the otpauth:// Key URI (RFC 6238, Key URI format)', () => {
  it('percent-encodes a Japanese issuer and label from UTF-8 (spaces as %20), and the URI parses back to them', async () => {
    const r = await kanmon(['totp', 'enroll', '--account', '山田 太郎', '--issuer', '船橋市 電子申請', '--preset', 'funabashi', '--qr', 'none']);
    expect(r.code).toBe(0);
    const uri = field(r.stdout, 'URI');
    expect(uri.startsWith('otpauth://totp/%E8%88%B9%E6%A9%8B%E5%B8%82%20%E9%9B%BB%E5%AD%90%E7%94%B3%E8%AB%8B:%E5%B1%B1%E7%94%B0%20%E5%A4%AA%E9%83%8E?')).toBe(true);
    expect(uri).not.toContain('+');
    const url = new URL(uri);
    expect(url.protocol).toBe('otpauth:');
    expect(url.host).toBe('totp');
    expect(decodeURIComponent(url.pathname.slice(1))).toBe('船橋市 電子申請:山田 太郎');
    expect(url.searchParams.get('issuer')).toBe('船橋市 電子申請');
    expect(url.searchParams.get('algorithm')).toBe('SHA1');
    expect(url.searchParams.get('digits')).toBe('6');
    expect(url.searchParams.get('period')).toBe('30');
    const secret = url.searchParams.get('secret')!;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/); // 160 bits for SHA-1 (RFC 4226 §4 R6)
    expect(base32.decode(secret)).toHaveLength(20);
    // The manual-entry key is the same secret, grouped in fours.
    expect(field(r.stdout, 'Key').replaceAll(' ', '')).toBe(secret);
  });

  it('takes algorithm, digits and period from the policy (--config), with a secret as long as the HMAC output', async () => {
    const r = await kanmon(['totp', 'enroll', '--account', 'ops@example.jp', '--issuer', 'LGWAN 保守', '--config', 'sha256.json', '--qr', 'none', '--format', 'json'], {}, dir);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { uri: string; algorithm: string; digits: number; periodSeconds: number; label: string };
    expect(out).toMatchObject({ algorithm: 'SHA256', digits: 8, periodSeconds: 60, label: 'ops@example.jp' });
    const url = new URL(out.uri);
    expect(url.pathname).toBe('/LGWAN%20%E4%BF%9D%E5%AE%88:ops%40example.jp');
    expect(url.searchParams.get('algorithm')).toBe('SHA256');
    expect(url.searchParams.get('digits')).toBe('8');
    expect(url.searchParams.get('period')).toBe('60');
    expect(base32.decode(url.searchParams.get('secret')!)).toHaveLength(32);
  });

  it('makes a fresh secret every run', async () => {
    const args = ['totp', 'enroll', '--account', 'a', '--issuer', 'b', '--qr', 'none'];
    const [one, two] = await Promise.all([kanmon(args), kanmon(args)]);
    expect(field(one.stdout, 'Key')).not.toBe(field(two.stdout, 'Key'));
  });
});

describe('kanmon totp enroll: the QR code drawn in the terminal', () => {
  it('utf8: the half-block drawing is exactly the QR code of the printed URI', async () => {
    const r = await kanmon(['totp', 'enroll', '--account', '山田 太郎', '--issuer', '船橋市 電子申請', '--qr', 'utf8']);
    expect(r.code).toBe(0);
    const uri = field(r.stdout, 'URI');
    const drawing = r.stdout.split('\n\n').slice(1).join('\n\n');
    const expected = QRCode.create(uri, { errorCorrectionLevel: 'M' }).modules;
    const rows = modulesFromUtf8(drawing, expected.size);
    for (let y = 0; y < expected.size; y++) {
      for (let x = 0; x < expected.size; x++) expect(rows[y]![x], `module ${x},${y}`).toBe(Boolean(expected.get(y, x)));
    }
  });

  it('auto is utf8 when stdout is not a terminal; ansi draws with explicit colours; none draws nothing', async () => {
    const [auto, ansi, none] = await Promise.all(
      ['auto', 'ansi', 'none'].map((qr) => kanmon(['totp', 'enroll', '--account', 'a', '--issuer', 'b', '--qr', qr])),
    );
    expect(auto!.stdout).toMatch(/[▀▄█]/);
    expect(auto!.stdout).not.toContain('\x1b[');
    expect(ansi!.stdout).toContain('\x1b[47m'); // white background: reads on dark and light themes
    expect(ansi!.stdout).toMatch(/[▀▄█]/);
    expect(none!.stdout).not.toMatch(/[▀▄█]/);
    expect(none!.stdout.trim().split('\n')).toHaveLength(2);
  });

  it('json carries the drawing too, unless --qr none', async () => {
    const r = await kanmon(['totp', 'enroll', '--account', 'a', '--issuer', 'b', '--format', 'json']);
    const out = JSON.parse(r.stdout) as { qr: string | null };
    expect(out.qr).toMatch(/[▀▄█]/);
  });
});

describe('kanmon totp enroll: the secret (SEC-17 sealed at rest; never in logs)', () => {
  it('with KANMON_KEYS: prints the secret sealed for the account, pending until confirmTotpEnrollment accepts the first code', async () => {
    const r = await kanmon(['totp', 'enroll', '--account', '山田 太郎', '--id', 'u-42', '--tenant', 'funabashi', '--issuer', '船橋市', '--preset', 'funabashi', '--qr', 'none'], {
      KANMON_KEYS: keysJson,
    });
    expect(r.code).toBe(0);
    const secret = new URL(field(r.stdout, 'URI')).searchParams.get('secret')!;
    const sealed = field(r.stdout, 'Sealed');
    expect(sealed).toMatch(/^kmn1\.k1\./);
    expect(sealed).not.toContain(secret);

    const keyRing = createKeyRing(JSON.parse(keysJson) as Parameters<typeof createKeyRing>[0]);
    const opened = openSecret(keyRing, sealed, { tenant: 'funabashi', account: 'u-42', purpose: 'totp-pending' });
    expect(base32.encode(opened.value, { padding: false })).toBe(secret);
    // Bound to the account and tenant given: not usable for another account.
    expect(errorCode(() => openSecret(keyRing, sealed, { tenant: 'funabashi', account: 'u-43', purpose: 'totp-pending' }))).toBe('ERR_SEAL_INVALID');

    const policy = definePolicy('funabashi');
    const now = () => 1_800_000_000_000;
    const code = totpAt(base32.decode(secret), now());
    const confirmed = await confirmTotpEnrollment(
      { account: 'u-42', tenant: 'funabashi', pendingSealedSecret: sealed, code },
      { policy, keyRing, now, ...memoryState(policy, now) },
    );
    expect(confirmed.ok).toBe(true);

    expect(r.stderr).toContain('key k1');
    expect(r.stderr).not.toContain(secret);
    expect(r.stderr).not.toContain(sealed);
  });

  it('--keys <file> works the same; json names the key id and seal purpose', async () => {
    const r = await kanmon(['totp', 'enroll', '--account', 'a', '--issuer', 'b', '--keys', 'keys.json', '--format', 'json', '--qr', 'none'], {}, dir);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { sealedSecret: string; keyId: string; sealPurpose: string; account: string; tenant: string };
    expect(out).toMatchObject({ keyId: 'k1', sealPurpose: 'totp-pending', account: 'a', tenant: 'default' });
    expect(out.sealedSecret).toMatch(/^kmn1\.k1\./);
  });

  it('without a key ring: nothing sealed is printed and stderr says the URI is the only copy, without the secret', async () => {
    const r = await kanmon(['totp', 'enroll', '--account', 'a', '--issuer', 'b', '--qr', 'none']);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('Sealed:');
    expect(r.stdout).not.toContain('kmn1.');
    const secret = field(r.stdout, 'Key').replaceAll(' ', '');
    expect(r.stderr).toContain('No key ring');
    expect(r.stderr).not.toContain(secret);
    const json = JSON.parse((await kanmon(['totp', 'enroll', '--account', 'a', '--issuer', 'b', '--qr', 'none', '--format', 'json'])).stdout) as { sealedSecret: unknown; keyId: unknown };
    expect(json).toMatchObject({ sealedSecret: null, keyId: null });
  });
});

describe('kanmon totp: bad arguments get a coded error and exit 2, with nothing on stdout', () => {
  const cases: [string, string[], Record<string, string>, RegExp][] = [
    ['missing --account', ['totp', 'enroll', '--issuer', 'b'], {}, /ERR_INVALID_ARGUMENT: --account is required/],
    ['missing --issuer', ['totp', 'enroll', '--account', 'a'], {}, /ERR_INVALID_ARGUMENT: --issuer is required/],
    ['a colon in the label', ['totp', 'enroll', '--account', 'city:yamada', '--issuer', 'b'], {}, /ERR_INVALID_ARGUMENT: .*':'/],
    ['a colon in the issuer', ['totp', 'enroll', '--account', 'a', '--issuer', 'x:y'], {}, /ERR_INVALID_ARGUMENT: .*issuer/],
    ['an empty label', ['totp', 'enroll', '--account', '', '--issuer', 'b'], {}, /ERR_INVALID_ARGUMENT/],
    ['an unknown option', ['totp', 'enroll', '--account', 'a', '--issuer', 'b', '--secret', 'JBSWY3DP'], {}, /ERR_INVALID_ARGUMENT: Unknown option '--secret'/],
    ['a stray positional', ['totp', 'enroll', 'extra', '--account', 'a', '--issuer', 'b'], {}, /ERR_INVALID_ARGUMENT: unexpected argument 'extra'/],
    ['a bad --format', ['totp', 'enroll', '--account', 'a', '--issuer', 'b', '--format', 'xml'], {}, /ERR_INVALID_ARGUMENT: unknown --format 'xml'/],
    ['a bad --qr', ['totp', 'enroll', '--account', 'a', '--issuer', 'b', '--qr', 'png'], {}, /ERR_INVALID_ARGUMENT: unknown --qr 'png'/],
    ['an unknown preset', ['totp', 'enroll', '--account', 'a', '--issuer', 'b', '--preset', 'tokyo'], {}, /ERR_INVALID_POLICY: unknown preset 'tokyo'/],
    ['no sub-command', ['totp'], {}, /ERR_INVALID_ARGUMENT: missing sub-command: enroll/],
    ['an unknown sub-command', ['totp', 'verify'], {}, /ERR_INVALID_ARGUMENT: unknown sub-command 'verify'/],
    ['KANMON_KEYS not JSON', ['totp', 'enroll', '--account', 'a', '--issuer', 'b'], { KANMON_KEYS: 'k1=c2VjcmV0' }, /ERR_INVALID_ARGUMENT: KANMON_KEYS: keys are not valid JSON/],
    ['a key under 32 bytes', ['totp', 'enroll', '--account', 'a', '--issuer', 'b'], { KANMON_KEYS: JSON.stringify({ keys: [{ id: 'k1', secret: 'c2hvcnQ=' }], current: 'k1' }) }, /ERR_INVALID_ARGUMENT: key 'k1': secret must be at least 32 bytes/],
    ['a missing key file', ['totp', 'enroll', '--account', 'a', '--issuer', 'b', '--keys', 'nowhere.json'], {}, /ERR_KEY_NOT_FOUND: cannot read the key file 'nowhere.json'/],
  ];
  it.each(cases)('%s', async (_name, args, env, message) => {
    const r = await kanmon(args, env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
    if (env.KANMON_KEYS) expect(r.stderr).not.toContain(env.KANMON_KEYS);
  });
});

describe('kanmon totp --help, in English and Japanese (LANG)', () => {
  it('English by default, Japanese under LANG=ja_JP.UTF-8; the same from `help totp` and `totp enroll --help`', async () => {
    const [en, ja, jaHelp, jaEnroll] = await Promise.all([
      kanmon(['totp', '--help']),
      kanmon(['totp', '--help'], { LANG: 'ja_JP.UTF-8' }),
      kanmon(['help', 'totp'], { LANG: 'ja_JP.UTF-8' }),
      kanmon(['totp', 'enroll', '--help'], { LANG: 'ja_JP.UTF-8' }),
    ]);
    expect(en.code).toBe(0);
    expect(en.stdout).toContain('kanmon totp enroll --account <name> --issuer <issuer>');
    expect(en.stdout).toContain('Provision a TOTP authenticator');
    expect(en.stdout).not.toMatch(/[\u3040-\u30ff]/); // no kana in the English text
    expect(ja.code).toBe(0);
    expect(ja.stdout).toContain('kanmon totp enroll --account <名前> --issuer <発行者>');
    expect(ja.stdout).toContain('TOTP 認証アプリ（RFC 6238）を登録します');
    expect(jaHelp.stdout).toBe(ja.stdout);
    expect(jaEnroll.stdout).toBe(ja.stdout);
  });
});
