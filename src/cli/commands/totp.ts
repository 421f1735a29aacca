import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import QRCode from 'qrcode';
import { KanmonError } from '../../errors.js';
import { createKeyRing } from '../../keys/key-ring.js';
import { TOTP_PENDING_PURPOSE, enrollTotp } from '../../mfa/enroll-totp.js';
import { presetIds } from '../../policy/presets/index.js';
import { type CliCommand, type CliIo, type CliLang, EXIT_OK, EXIT_USAGE } from '../command.js';
import { keyRingFromFlags } from '../key-ring.js';
import { policyFromFlags } from './policy.js';

const usage: Record<CliLang, string> = {
  en: `kanmon totp enroll --account <name> --issuer <issuer> [--id <account id>] [--tenant <id>]
                   [--preset <id>] [--config kanmon.config.json] [--keys keys.json]
                   [--format text|json] [--qr auto|ansi|utf8|none]

Provision a TOTP authenticator (RFC 6238): a fresh secret, its otpauth:// URI and a
QR code drawn in the terminal, to scan with the user's app or an operator's device.
Algorithm, digits and period come from the policy (--preset / --config).

Options:
  --account <name>   what the app shows (user name, e-mail, 氏名); no ':'
  --issuer <issuer>  the service name the app shows (e.g. 船橋市 電子申請); no ':'
  --id <id>          account id the sealed secret is bound to (default: --account)
  --tenant <id>      tenant (municipality) id of the seal (default: default)
  --preset <id>      ${presetIds.join(', ')}
  --config <file>    JSON policy overrides (mfa.totp.algorithm, digits, periodSeconds)
  --keys <file>      key ring JSON { "keys": [{ "id", "secret": "<base64>" }], "current" };
                     without it KANMON_KEYS is read. With keys, the secret is also printed
                     sealed (AES-256-GCM, purpose ${TOTP_PENDING_PURPOSE}) for the account record;
                     confirmTotpEnrollment() turns it active on the first correct code.
  --format <format>  text (default) or json ({ uri, sealedSecret, keyId, … })
  --qr <style>       auto (ansi on a terminal, utf8 otherwise), ansi, utf8, none

stdout carries the secret (in the URI): show it once, never keep it in logs.
Hints go to stderr, which never carries the secret.
Exit codes: 0 enrolled; 2 usage, policy or key error.

Example:
  KANMON_KEYS="$(cat /run/secrets/kanmon-keys.json)" \\
    kanmon totp enroll --account '山田 太郎' --issuer '船橋市 電子申請' --id u-42 --preset funabashi`,
  ja: `kanmon totp enroll --account <名前> --issuer <発行者> [--id <アカウントID>] [--tenant <id>]
                   [--preset <id>] [--config kanmon.config.json] [--keys keys.json]
                   [--format text|json] [--qr auto|ansi|utf8|none]

TOTP 認証アプリ（RFC 6238）を登録します。新しい秘密鍵を生成し、otpauth:// URI と
端末に描いた QR コードを表示します。利用者のアプリや運用担当者が設定する端末で読み取ります。
アルゴリズム・桁数・周期はポリシー（--preset / --config）に従います。

オプション:
  --account <名前>   認証アプリに表示する名前（利用者名、メールアドレス、氏名）。':' は不可
  --issuer <発行者>  認証アプリに表示するサービス名（例: 船橋市 電子申請）。':' は不可
  --id <id>          封印した秘密鍵を結び付けるアカウント ID（既定: --account の値）
  --tenant <id>      封印のテナント（自治体）ID（既定: default）
  --preset <id>      ${presetIds.join(', ')}
  --config <ファイル> ポリシーに重ねる JSON（mfa.totp.algorithm、digits、periodSeconds）
  --keys <ファイル>  鍵リングの JSON { "keys": [{ "id", "secret": "<base64>" }], "current" }。
                     省略時は環境変数 KANMON_KEYS を読みます。鍵があれば、アカウントに保存する
                     封印済みの秘密鍵（AES-256-GCM、用途 ${TOTP_PENDING_PURPOSE}）も表示します。
                     最初の正しいコードで confirmTotpEnrollment() が有効化します。
  --format <形式>    text（既定）または json（{ uri, sealedSecret, keyId, … }）
  --qr <形式>        auto（端末なら ansi、それ以外は utf8）、ansi、utf8、none

標準出力には秘密鍵（URI の中）が含まれます。一度だけ表示し、ログに残さないでください。
案内は標準エラーに出力し、標準エラーには秘密鍵を出しません。
終了コード: 0 登録情報を出力、2 使い方・ポリシー・鍵の誤り。

例:
  KANMON_KEYS="$(cat /run/secrets/kanmon-keys.json)" \\
    kanmon totp enroll --account '山田 太郎' --issuer '船橋市 電子申請' --id u-42 --preset funabashi`,
};

const text = {
  en: {
    missing: (flag: string) => `--${flag} is required`,
    format: (v: string) => `unknown --format '${v}'; expected text or json`,
    qr: (v: string) => `unknown --qr '${v}'; expected auto, ansi, utf8 or none`,
    subcommand: (v: string | undefined) => (v === undefined ? 'missing sub-command: enroll' : `unknown sub-command '${v}'; expected enroll`),
    uri: 'URI',
    key: 'Key',
    sealed: 'Sealed',
    scan: 'Scan the QR code (or enter the key) in the authenticator app, then confirm with its first code.',
    store: (keyId: string) =>
      `Store the sealed value on the account (key ${keyId}, purpose ${TOTP_PENDING_PURPOSE}); it counts as a factor only after confirmTotpEnrollment() accepts the first code.`,
    noKeys:
      'No key ring (--keys or KANMON_KEYS): nothing sealed for storage. The URI above is the only copy of the secret; the server cannot verify codes unless it stores this secret sealed.',
    secretOut: 'stdout contains the TOTP secret: do not keep it in logs or tickets.',
  },
  ja: {
    missing: (flag: string) => `--${flag} は必須です`,
    format: (v: string) => `--format '${v}' は使えません。text または json です`,
    qr: (v: string) => `--qr '${v}' は使えません。auto、ansi、utf8、none のいずれかです`,
    subcommand: (v: string | undefined) => (v === undefined ? 'サブコマンドがありません: enroll' : `サブコマンド '${v}' はありません: enroll`),
    uri: 'URI',
    key: 'キー',
    sealed: '封印済み',
    scan: '認証アプリで QR コードを読み取るかキーを入力し、最初に表示されたコードで登録を確認してください。',
    store: (keyId: string) =>
      `封印済みの値をアカウントに保存してください（鍵 ${keyId}、用途 ${TOTP_PENDING_PURPOSE}）。confirmTotpEnrollment() が最初のコードを受け付けるまで第二要素として扱われません。`,
    noKeys:
      '鍵リング（--keys または KANMON_KEYS）がないため、保存用の封印済みの値は出力していません。秘密鍵は上の URI にしかありません。サーバーがこの秘密鍵を封印して保存しない限り、コードを検証できません。',
    secretOut: '標準出力には TOTP の秘密鍵が含まれます。ログやチケットに残さないでください。',
  },
} satisfies Record<CliLang, unknown>;

type QrStyle = 'ansi' | 'utf8' | 'none';

function qrStyle(value: string, io: CliIo): QrStyle | undefined {
  if (value === 'auto') return (io.stdout as { isTTY?: boolean }).isTTY ? 'ansi' : 'utf8';
  return value === 'ansi' || value === 'utf8' || value === 'none' ? value : undefined;
}

/** The QR code of `uri` as terminal text: ANSI colours (reads on dark and light themes) or plain half blocks. */
async function drawQr(uri: string, style: QrStyle): Promise<string> {
  if (style === 'none') return '';
  const options = { errorCorrectionLevel: 'M', margin: 2 } as const;
  if (style === 'ansi') return QRCode.toString(uri, { ...options, type: 'terminal', small: true });
  return QRCode.toString(uri, { ...options, type: 'utf8' });
}

/** The base32 secret in groups of four, as authenticator apps show "setup keys". */
function grouped(secret: string): string {
  return secret.replace(/(.{4})(?=.)/g, '$1 ');
}

async function enroll(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: {
      account: { type: 'string' },
      issuer: { type: 'string' },
      id: { type: 'string' },
      tenant: { type: 'string' },
      preset: { type: 'string' },
      config: { type: 'string' },
      keys: { type: 'string' },
      format: { type: 'string', default: 'text' },
      qr: { type: 'string', default: 'auto' },
    },
    strict: true,
    allowPositionals: true,
  });
  const t = text[io.lang];
  if (positionals.length > 0) throw new KanmonError('ERR_INVALID_ARGUMENT', `unexpected argument '${positionals[0]}'`);
  if (values.account === undefined) throw new KanmonError('ERR_INVALID_ARGUMENT', t.missing('account'));
  if (values.issuer === undefined) throw new KanmonError('ERR_INVALID_ARGUMENT', t.missing('issuer'));
  const format = values.format;
  if (format !== 'text' && format !== 'json') throw new KanmonError('ERR_INVALID_ARGUMENT', t.format(format));
  const style = qrStyle(values.qr, io);
  if (style === undefined) throw new KanmonError('ERR_INVALID_ARGUMENT', t.qr(values.qr));

  const policy = await policyFromFlags(values, io);
  const configured = await keyRingFromFlags(values.keys, io, false);
  // Without a key ring the seal is made under a throw-away key and dropped:
  // enrolment still needs one, and a sealed value nobody can open is useless.
  const keyRing = configured ?? createKeyRing({ keys: [{ id: 'ephemeral', secret: randomBytes(32) }], current: 'ephemeral' });
  const account = { id: values.id ?? values.account, label: values.account, tenant: values.tenant ?? 'default' };
  const enrolment = await enrollTotp(account, policy, { keyRing, issuer: values.issuer });
  const sealedSecret = configured ? enrolment.pendingSealedSecret : null;
  const keyId = configured ? configured.currentId : null;
  const { algorithm, digits, periodSeconds } = policy.mfa.totp;

  if (format === 'json') {
    const qr = style === 'none' ? null : await drawQr(enrolment.uri, style);
    const out = {
      status: enrolment.status,
      account: account.id,
      label: account.label,
      tenant: account.tenant,
      issuer: values.issuer,
      algorithm,
      digits,
      periodSeconds,
      uri: enrolment.uri,
      sealedSecret,
      keyId,
      sealPurpose: sealedSecret === null ? null : TOTP_PENDING_PURPOSE,
      qr,
    };
    io.stdout.write(JSON.stringify(out, null, 2) + '\n');
  } else {
    const lines = [`${t.uri}: ${enrolment.uri}`, `${t.key}: ${grouped(enrolment.secret)}`];
    if (sealedSecret !== null) lines.push(`${t.sealed}: ${sealedSecret}`);
    io.stdout.write(lines.join('\n') + '\n');
    if (style !== 'none') io.stdout.write('\n' + (await drawQr(enrolment.uri, style)) + '\n');
  }
  io.stderr.write(`${t.secretOut}\n${t.scan}\n${keyId !== null ? t.store(keyId) : t.noKeys}\n`);
  return EXIT_OK;
}

export const totpCommand: CliCommand = {
  name: 'totp',
  summary: {
    en: 'Provision a TOTP authenticator: otpauth:// URI, terminal QR code, sealed secret',
    ja: 'TOTP 認証アプリの登録: otpauth:// URI、端末への QR コード表示、封印済みの秘密鍵',
  },
  usage,
  async run(args, io) {
    const [sub, ...rest] = args;
    if (sub === 'enroll') return enroll(rest, io);
    io.stderr.write(`kanmon totp: ERR_INVALID_ARGUMENT: ${text[io.lang].subcommand(sub)}\n\n${usage[io.lang]}\n`);
    return EXIT_USAGE;
  },
};
