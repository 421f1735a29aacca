import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { exportAuditLog } from '../../audit/export.js';
import type { AuditHead } from '../../audit/create-audit-log.js';
import { verifyAuditLog } from '../../audit/verify/verify-audit-log.js';
import { KanmonError } from '../../errors.js';
import { createIsoTimeFormatter } from '../../internal/iso-time.js';
import { type CliCommand, type CliIo, EXIT_FINDING, EXIT_OK, EXIT_USAGE } from '../command.js';
import { keyRingFromFlags } from '../key-ring.js';
import { createProgress } from '../progress.js';

const usage = {
  en: `kanmon audit verify <log dir | file.jsonl> [--anchor <stream>:<seq>:<mac> | --anchor anchors.json]... [--keys keys.json] [--json] [--quiet]
kanmon audit export <log dir> --from <date> --to <date> [--tenant <id>] [--format jsonl|csv] -o <file> [--keys keys.json] [--json] [--quiet]

Keys: --keys names a JSON file { "keys": [{ "id": "...", "secret": "<base64>" }], "current": "..." };
without it the same JSON is read from the KANMON_KEYS environment variable.
Dates: ISO 8601 (2026-04-01T09:00:00+09:00) or a day (2026-04-01) in --time-zone (default Asia/Tokyo).
export writes <file> and <file>.manifest.json; 'kanmon audit verify <file>' checks them together.
On a terminal a progress line (bytes, rate, ETA) goes to stderr; piped or with --quiet (-q), none.
--json: the result (verify) or a summary (export) as JSON on stdout.
Exit codes: 0 verified, 1 verification failed, 2 usage or key error.`,
  ja: `kanmon audit verify <ログディレクトリ | file.jsonl> [--anchor <stream>:<seq>:<mac> | --anchor anchors.json]... [--keys keys.json] [--json] [--quiet]
kanmon audit export <ログディレクトリ> --from <日付> --to <日付> [--tenant <id>] [--format jsonl|csv] -o <ファイル> [--keys keys.json] [--json] [--quiet]

鍵: --keys に JSON ファイル { "keys": [{ "id": "...", "secret": "<base64>" }], "current": "..." } を指定。
省略時は環境変数 KANMON_KEYS から同じ JSON を読みます。
日付: ISO 8601（2026-04-01T09:00:00+09:00）または日付のみ（2026-04-01、--time-zone の 0 時。既定 Asia/Tokyo）。
export は <ファイル> と <ファイル>.manifest.json を書き出し、'kanmon audit verify <ファイル>' で両方を検証します。
端末では標準エラーに進捗（バイト数・速度・残り時間）を表示し、パイプ・リダイレクト時や --quiet（-q）では表示しません。
--json: 結果（verify）または集計（export）を JSON で標準出力に。
終了コード: 0 検証成功、1 検証失敗、2 使い方・鍵の誤り。`,
};

async function anchorsFrom(values: readonly string[], io: CliIo): Promise<AuditHead[]> {
  const out: AuditHead[] = [];
  for (const value of values) {
    const m = /^([A-Za-z0-9_-]{1,64}):(\d{1,16}):([A-Za-z0-9_-]{43})$/.exec(value);
    if (m) {
      out.push({ stream: m[1]!, seq: Number(m[2]), mac: m[3]! });
      continue;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(resolve(io.cwd, value), 'utf8'));
    } catch (cause) {
      throw new KanmonError('ERR_INVALID_ARGUMENT', `--anchor '${value}' is neither <stream>:<seq>:<mac> nor a readable JSON file`, { cause });
    }
    out.push(...(Array.isArray(parsed) ? (parsed as AuditHead[]) : [parsed as AuditHead]));
  }
  return out;
}

/**
 * The bytes a read of `path` will go through, for the progress line's percent and ETA: the file, or the
 * `<stream>/<YYYY-MM-DD>.jsonl` files of a log directory (with `days`, only the days in that range).
 */
async function logBytes(path: string, days?: { from: string; to: string }): Promise<number> {
  const info = await stat(path).catch(() => null);
  if (!info) return 0;
  if (info.isFile()) return info.size;
  let total = 0;
  for (const stream of await readdir(path, { withFileTypes: true }).catch(() => [])) {
    if (!stream.isDirectory()) continue;
    for (const file of await readdir(join(path, stream.name)).catch(() => [] as string[])) {
      const day = /^(\d{4}-\d{2}-\d{2})\.jsonl$/.exec(file)?.[1];
      if (day === undefined || (days && (day < days.from || day > days.to))) continue;
      total += (await stat(join(path, stream.name, file)).catch(() => ({ size: 0 }))).size;
    }
  }
  return total;
}

/** A UTC day (YYYY-MM-DD) `offsetDays` from `ms`, for {@link logBytes}. */
const dayOf = (ms: number, offsetDays: number) => new Date(ms + offsetDays * 86_400_000).toISOString().slice(0, 10);

/** A date flag: full ISO 8601 with offset, or a day at midnight in `timeZone`. */
export function parseDateFlag(value: string, timeZone: string): number {
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (day) {
    const utcMidnight = Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3]));
    const offsetOf = (ts: number) => {
      const m = /([+-])(\d{2}):(\d{2})$/.exec(createIsoTimeFormatter(timeZone)(ts))!;
      return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) * 60_000;
    };
    const guess = utcMidnight - offsetOf(utcMidnight);
    return utcMidnight - offsetOf(guess);
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', `'${value}' is not a date (2026-04-01) or an ISO 8601 time with offset`);
  }
  return Date.parse(value);
}

export const auditCommand: CliCommand = {
  name: 'audit',
  summary: {
    en: 'Verify the tamper-evident audit log; export a time range for auditors',
    ja: '監査ログの改ざん検証、監査向けの期間指定エクスポート',
  },
  usage,
  async run(args, io) {
    const [sub, ...rest] = args;
    if (sub === 'verify') {
      const { values, positionals } = parseArgs({
        args: rest,
        options: { anchor: { type: 'string', multiple: true }, keys: { type: 'string' }, json: { type: 'boolean' }, quiet: { type: 'boolean', short: 'q' } },
        allowPositionals: true,
        strict: true,
      });
      if (positionals.length !== 1) {
        io.stderr.write(usage[io.lang] + '\n');
        return EXIT_USAGE;
      }
      const keyRing = await keyRingFromFlags(values.keys, io);
      const anchors = await anchorsFrom(values.anchor ?? [], io);
      const source = resolve(io.cwd, positionals[0]!);
      const quiet = values.quiet === true || !(io.stderr as { isTTY?: boolean }).isTTY;
      const progress = createProgress(io.stderr, { label: io.lang === 'ja' ? '検証' : 'verifying', total: quiet ? null : await logBytes(source), unit: 'bytes', quiet });
      const result = await verifyAuditLog(source, keyRing, { anchors, ...(progress.active ? { onProgress: ({ bytes }: { bytes: number }) => progress.update(bytes) } : {}) });
      progress.finish();
      if (values.json) io.stdout.write(JSON.stringify(result, null, 2) + '\n');
      else {
        const ja = io.lang === 'ja';
        for (const s of result.streams) {
          io.stdout.write(
            `${s.stream}: ${s.count} ${ja ? '件' : 'records'}, seq ${s.firstSeq}–${s.lastSeq}` +
              (s.head ? `, head ${s.head.stream}:${s.head.seq}:${s.head.mac}` : '') +
              (s.recovered > 0 ? (ja ? `, 封印済みの破損末尾 ${s.recovered}` : `, ${s.recovered} sealed torn tail(s)`) : '') +
              '\n',
          );
        }
        for (const r of result.shredded ?? []) {
          // a crypto-shredded tenant's records: not tampering, no longer checkable (issue 19)
          io.stdout.write(
            ja
              ? `ERR_KEY_DESTROYED: テナント ${r.tenant} の ${r.count} 件（ストリーム ${r.stream} seq ${r.firstSeq}–${r.lastSeq}、鍵 ${r.kid}）は鍵の破棄により暗号消去済み：改ざんではないが検証できません\n`
              : `ERR_KEY_DESTROYED: ${r.count} records of tenant ${r.tenant} (stream ${r.stream} seq ${r.firstSeq}–${r.lastSeq}, key ${r.kid}) were crypto-shredded: not tampering, no longer verifiable\n`,
          );
        }
        if (result.ok) io.stdout.write(ja ? `OK: ${result.count} 件を検証しました\n` : `OK: ${result.count} records verified\n`);
        else {
          const b = result.firstBad!;
          io.stdout.write(
            (ja ? `改ざんを検出: ストリーム ${b.stream} seq ${b.seq}: ${b.reason}` : `TAMPERING DETECTED: stream ${b.stream} seq ${b.seq}: ${b.reason}`) +
              (b.where ? ` (${b.where})` : '') +
              '\n',
          );
        }
      }
      return result.ok ? EXIT_OK : EXIT_FINDING;
    }
    if (sub === 'export') {
      const { values, positionals } = parseArgs({
        args: rest,
        options: {
          from: { type: 'string' },
          to: { type: 'string' },
          tenant: { type: 'string' },
          format: { type: 'string' },
          output: { type: 'string', short: 'o' },
          keys: { type: 'string' },
          'time-zone': { type: 'string' },
          json: { type: 'boolean' },
          quiet: { type: 'boolean', short: 'q' },
        },
        allowPositionals: true,
        strict: true,
      });
      const format = values.format ?? 'jsonl';
      if (positionals.length !== 1 || values.output === undefined || (format !== 'jsonl' && format !== 'csv')) {
        io.stderr.write(usage[io.lang] + '\n');
        return EXIT_USAGE;
      }
      const timeZone = values['time-zone'] ?? 'Asia/Tokyo';
      const keyRing = await keyRingFromFlags(values.keys, io);
      const source = resolve(io.cwd, positionals[0]!);
      const from = values.from === undefined ? undefined : parseDateFlag(values.from, timeZone);
      const to = values.to === undefined ? undefined : parseDateFlag(values.to, timeZone);
      const quiet = values.quiet === true || !(io.stderr as { isTTY?: boolean }).isTTY;
      const days = { from: from === undefined ? '0000-00-00' : dayOf(from, -1), to: to === undefined ? '9999-99-99' : dayOf(to, 1) };
      const progress = createProgress(io.stderr, { label: io.lang === 'ja' ? '書き出し' : 'exporting', total: quiet ? null : await logBytes(source, days), unit: 'bytes', quiet });
      const { data, manifest } = await exportAuditLog({
        source,
        keyRing,
        now: () => Date.now(),
        from,
        to,
        tenant: values.tenant,
        format,
        timeZone,
        ...(progress.active ? { onProgress: ({ bytes }: { bytes: number }) => progress.update(bytes) } : {}),
      });
      progress.finish();
      const out = resolve(io.cwd, values.output);
      await writeFile(out, data);
      await writeFile(`${out}.manifest.json`, JSON.stringify(manifest, null, 2) + '\n');
      if (values.json) {
        io.stdout.write(JSON.stringify({ command: 'audit export', output: out, manifest: `${out}.manifest.json`, format, records: manifest.count, bytes: data.length, sha256: manifest.sha256 }) + '\n');
        return EXIT_OK;
      }
      io.stdout.write(
        io.lang === 'ja'
          ? `${manifest.count} 件を ${out} に書き出しました（SHA-256 ${manifest.sha256}、マニフェスト ${out}.manifest.json）\n`
          : `${manifest.count} records written to ${out} (SHA-256 ${manifest.sha256}; manifest ${out}.manifest.json)\n`,
      );
      return EXIT_OK;
    }
    io.stderr.write(usage[io.lang] + '\n');
    return EXIT_USAGE;
  },
};
