import { readFile, rename, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createAuditLog } from '../../audit/create-audit-log.js';
import type { AuditSink } from '../../audit/sink.js';
import { fileAuditSink } from '../../audit/sinks/file/file-sink.js';
import { KanmonError } from '../../errors.js';
import { systemClock } from '../../internal/clock.js';
import type { AccountRepository } from '../../login/account.js';
import type { KanmonStore } from '../../store/store.js';
import { verifyDeletionCertificate } from '../../tenant/certificate.js';
import { purgeTenant } from '../../tenant/purge-tenant.js';
import { renderDeletionCertificateHtml } from '../../tenant/render-certificate.js';
import { type CliCommand, type CliIo, EXIT_FINDING, EXIT_OK, EXIT_USAGE } from '../command.js';
import { keyRingFromFlags } from '../key-ring.js';

const usage = {
  en: `kanmon tenant purge --tenant <id> --actor <name> (--postgres <url> | --redis <url>) --signing-key <private.pem> [--signing-kid <id>]
                     [--audit-dir <dir>] [--keys keys.json --destroy-key <id>]... -o <certificate.json> [--html <certificate.html>]
kanmon tenant certificate verify <certificate.json> --public-key <public.pem>

purge deletes the tenant's store keys (and, with --postgres, its accounts in kanmon_accounts), destroys the
tenant's own keys ("tenant" in the key file) and the --destroy-key keys (removed from the --keys file: their material is gone), records admin.tenant.purge in the
audit log (--audit-dir, else the PostgreSQL audit table), and writes a deletion certificate signed with the
operator's key (Ed25519 or P-256, PEM; never a tenant's key).
Exit codes: 0 done / verified, 1 certificate not valid or purge unavailable, 2 usage or key error.`,
  ja: `kanmon tenant purge --tenant <ID> --actor <実施者> (--postgres <URL> | --redis <URL>) --signing-key <秘密鍵.pem> [--signing-kid <ID>]
                     [--audit-dir <ディレクトリ>] [--keys keys.json --destroy-key <鍵ID>]... -o <証明書.json> [--html <証明書.html>]
kanmon tenant certificate verify <証明書.json> --public-key <公開鍵.pem>

purge はテナントのストアのキー（--postgres ではアカウント表 kanmon_accounts のアカウントも）を削除し、テナントの鍵（鍵ファイルの "tenant"）と --destroy-key の鍵を
破棄して --keys のファイルから取り除き（鍵の実体が消える）、監査ログ（--audit-dir、省略時は PostgreSQL の監査表）に
admin.tenant.purge を記録し、運用者の鍵（Ed25519 または P-256 の PEM。テナントの鍵は不可）で署名した削除証明書を書き出します。
終了コード: 0 完了・検証成功、1 証明書が無効・削除できず（サービス停止）、2 使い方・鍵の誤り。`,
};

/**
 * Removes destroyed keys from the key file, remembering their ids (and tenant) under `destroyed` so values they
 * protected answer `ERR_KEY_DESTROYED` when the file is loaded again (write to a temporary file, then rename).
 */
async function removeKeysFromFile(path: string, ids: readonly string[], io: CliIo): Promise<void> {
  const full = resolve(io.cwd, path);
  type Gone = string | { id: string; tenant?: string };
  const parsed = JSON.parse(await readFile(full, 'utf8')) as { keys: { id: string; tenant?: string }[]; destroyed?: Gone[]; tenantCurrent?: Record<string, string> };
  const gone: Gone[] = parsed.keys.filter((k) => ids.includes(k.id)).map((k) => (k.tenant === undefined ? k.id : { id: k.id, tenant: k.tenant }));
  parsed.keys = parsed.keys.filter((k) => !ids.includes(k.id));
  if (gone.length > 0) parsed.destroyed = [...(parsed.destroyed ?? []), ...gone];
  if (parsed.tenantCurrent) for (const [t, id] of Object.entries(parsed.tenantCurrent)) if (ids.includes(id)) delete parsed.tenantCurrent[t];
  await writeFile(`${full}.tmp`, JSON.stringify(parsed, null, 2) + '\n', { mode: 0o600 });
  await rename(`${full}.tmp`, full);
}

interface Backends {
  store: KanmonStore;
  accounts?: AccountRepository | undefined;
  auditSink: AuditSink;
  close(): Promise<void>;
}

async function backends(values: { postgres?: string | undefined; redis?: string | undefined; 'audit-dir'?: string | undefined }, io: CliIo): Promise<Backends> {
  const fileSink = values['audit-dir'] === undefined ? undefined : fileAuditSink({ dir: resolve(io.cwd, values['audit-dir']) });
  if (values.postgres !== undefined) {
    const [{ default: pg }, { postgresStore }, { postgresAccounts }, { postgresAuditSink }] = await Promise.all([
      import('pg'),
      import('../../postgres/store.js'),
      import('../../postgres/accounts.js'),
      import('../../postgres/audit-sink.js'),
    ]);
    const pool = new pg.Pool({ connectionString: values.postgres, max: 2 });
    pool.on('error', () => undefined);
    return { store: postgresStore({ pool }), accounts: postgresAccounts({ pool }), auditSink: fileSink ?? postgresAuditSink({ pool }), close: () => pool.end() };
  }
  if (!fileSink) throw new KanmonError('ERR_INVALID_ARGUMENT', 'with --redis, give --audit-dir for the audit record');
  const [{ Redis }, { redisStore }] = await Promise.all([import('ioredis'), import('../../redis/store.js')]);
  const client = new Redis(values.redis!, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
  return { store: redisStore({ client }), auditSink: fileSink, close: async () => void (await client.quit()) };
}

async function purge(rest: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: [...rest],
    options: {
      tenant: { type: 'string' },
      actor: { type: 'string' },
      postgres: { type: 'string' },
      redis: { type: 'string' },
      'audit-dir': { type: 'string' },
      'audit-stream': { type: 'string' },
      'signing-key': { type: 'string' },
      'signing-kid': { type: 'string' },
      keys: { type: 'string' },
      'destroy-key': { type: 'string', multiple: true },
      output: { type: 'string', short: 'o' },
      html: { type: 'string' },
    },
    strict: true,
  });
  const destroy = values['destroy-key'] ?? [];
  if (!values.tenant || !values.actor || !values['signing-key'] || !values.output || (values.postgres === undefined) === (values.redis === undefined)) {
    io.stderr.write(usage[io.lang] + '\n');
    return EXIT_USAGE;
  }
  const privateKey = await readFile(resolve(io.cwd, values['signing-key']), 'utf8').catch((cause: unknown) => {
    throw new KanmonError('ERR_KEY_NOT_FOUND', `cannot read the signing key '${values['signing-key']}'`, { cause });
  });
  const keyRing = await keyRingFromFlags(values.keys, io); // the audit log's MAC keys, and the keys to destroy
  const b = await backends(values, io);
  try {
    const auditLog = createAuditLog({ sink: b.auditSink, keyRing, stream: values['audit-stream'] ?? 'kanmon-cli', now: systemClock });
    const result = await purgeTenant({
      tenant: values.tenant,
      actor: values.actor,
      store: b.store,
      accounts: b.accounts,
      keyRing,
      keyIds: destroy,
      auditLog,
      signingKey: { kid: values['signing-kid'] ?? 'operator', privateKey },
      now: systemClock,
    });
    await auditLog.close();
    if (!result.ok) {
      io.stderr.write(io.lang === 'ja' ? `削除できませんでした（サービス停止）。${result.retryAfterMs} ms 後に再実行してください\n` : `purge unavailable: retry in ${result.retryAfterMs} ms\n`);
      return EXIT_FINDING;
    }
    const destroyed = result.certificate.keysDestroyed; // the tenant's own keys and the --destroy-key ones
    if (values.keys !== undefined && destroyed.length > 0) await removeKeysFromFile(values.keys, destroyed, io);
    else if (destroyed.length > 0) io.stderr.write(io.lang === 'ja' ? 'KANMON_KEYS から破棄した鍵を導入者が削除してください\n' : 'remove the destroyed keys from KANMON_KEYS yourself\n');
    const c = result.certificate;
    await writeFile(resolve(io.cwd, values.output), JSON.stringify(c, null, 2) + '\n');
    if (values.html !== undefined) await writeFile(resolve(io.cwd, values.html), renderDeletionCertificateHtml(c, { lang: io.lang }));
    io.stdout.write(
      io.lang === 'ja'
        ? `${c.tenant}: ストア ${c.counts.storeKeys} 件、アカウント ${c.counts.accounts} 件、鍵 ${c.counts.keysDestroyed} 件を削除（${c.purgedAt}）\n`
        : `${c.tenant}: ${c.counts.storeKeys} store keys, ${c.counts.accounts} accounts, ${c.counts.keysDestroyed} keys deleted (${c.purgedAt})\n`,
    );
    return EXIT_OK;
  } finally {
    await b.close();
  }
}

async function verify(rest: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args: [...rest], options: { 'public-key': { type: 'string' } }, allowPositionals: true, strict: true });
  if (positionals.length !== 1 || !values['public-key']) {
    io.stderr.write(usage[io.lang] + '\n');
    return EXIT_USAGE;
  }
  const read = (path: string) =>
    readFile(resolve(io.cwd, path), 'utf8').catch((cause: unknown) => {
      throw new KanmonError('ERR_INVALID_ARGUMENT', `cannot read '${path}'`, { cause });
    });
  const [text, publicKey] = await Promise.all([read(positionals[0]!), read(values['public-key'])]);
  let result;
  try {
    result = verifyDeletionCertificate(text, { publicKey });
  } catch (cause) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', `'${values['public-key']}' is not a public key (PEM)`, { cause });
  }
  const ja = io.lang === 'ja';
  if (result.ok) {
    const c = result.certificate;
    io.stdout.write(ja ? `OK: ${c.tenant} の削除証明書（${c.purgedAt}、実施者 ${c.actor}）の署名は有効です\n` : `OK: deletion certificate of ${c.tenant} (${c.purgedAt}, by ${c.actor}) verified\n`);
    return EXIT_OK;
  }
  io.stdout.write(ja ? `無効な証明書: ${result.reason}\n` : `NOT VALID: ${result.reason}\n`);
  return EXIT_FINDING;
}

/** `kanmon tenant purge` and `kanmon tenant certificate verify` (RM-18, SEC-34, FNB-4.3). */
export const tenantCommand: CliCommand = {
  name: 'tenant',
  summary: {
    en: "End a tenant: purge its data and keys with a signed deletion certificate; verify a certificate",
    ja: 'テナントの終了: データと鍵を削除し署名付き削除証明書を発行、証明書を検証',
  },
  usage,
  run(args, io) {
    const [sub, ...rest] = args;
    if (sub === 'purge') return purge(rest, io);
    if (sub === 'certificate' && rest[0] === 'verify') return verify(rest.slice(1), io);
    io.stderr.write(usage[io.lang] + '\n');
    return Promise.resolve(EXIT_USAGE);
  },
};
