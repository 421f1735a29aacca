import { createReadStream } from 'node:fs';
import { rename, stat, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { KanmonError } from '../../errors.js';
import { type BreachedListFormat, buildBreachedPasswordFilter } from '../../password/breached/build.js';
import { buildBreachedPasswordFile } from '../../password/breached/build-file.js';
import { openBreachedPasswordFilter } from '../../password/breached/open-file.js';
import { type CliCommand, type CliIo, EXIT_FINDING, EXIT_OK, EXIT_USAGE } from '../command.js';
import { createProgress } from '../progress.js';
import { readPassword } from '../read-password.js';

const usage = {
  en: [
    'kanmon breached build <file> -o <filter.bin> [--min-count N] [--fpr 1e-6] [--format auto|hibp|plain] [--memory MiB] [--classic] [--quiet] [--json]',
    'kanmon breached check <filter.bin>      (password from stdin or a no-echo prompt)',
    'kanmon breached verify <filter.bin>     (read the whole file and check its SHA-256)',
    '',
    '<file>: a Have I Been Pwned "Pwned Passwords" SHA-1 download (HASH:COUNT lines, any order,',
    'CRLF or LF) or a plain list of passwords, one per line. On a terminal a progress line (bytes, rate,',
    'ETA) goes to stderr; piped or with --quiet, none.',
    '',
    'Options (build):',
    '  -o, --output <file>  where to write the filter (written to a temporary file, then renamed)',
    '  --min-count <N>      HIBP lists: skip hashes seen fewer than N times (default 1)',
    '  --fpr <rate>         false-positive rate of the filter (default 1e-6)',
    '  --format <format>    auto (default: decided by the first non-empty line), hibp or plain',
    '  --memory <MiB>       filter bytes held in memory at once (default 64); a larger filter is built',
    '                       partition by partition through temporary files next to the output',
    '  --classic            write format version 1 (the whole filter built in memory; smaller, for small lists)',
    '  -q, --quiet          no progress line and no summary on stderr',
    '  --json               the summary as one JSON object on stdout (instead of the file name)',
    '',
    'Exit codes: build 0 written; check 0 not found, 1 breached; verify 0 intact; 2 usage error or a bad file.',
  ].join('\n'),
  ja: [
    'kanmon breached build <ファイル> -o <filter.bin> [--min-count N] [--fpr 1e-6] [--format auto|hibp|plain] [--memory MiB] [--classic] [--quiet] [--json]',
    'kanmon breached check <filter.bin>      （パスワードは標準入力またはエコーなしのプロンプト）',
    'kanmon breached verify <filter.bin>     （ファイル全体を読み SHA-256 を検証）',
    '',
    '<ファイル>: Have I Been Pwned の "Pwned Passwords" SHA-1 版（HASH:COUNT 行、順不同、CRLF/LF）',
    'またはパスワードを 1 行に 1 つ並べた一覧。端末では標準エラーに進捗（バイト数・速度・残り時間）を表示し、',
    'パイプ・リダイレクト時や --quiet では表示しません。',
    '',
    'オプション（build）:',
    '  -o, --output <ファイル>  フィルタの出力先（一時ファイルに書いてから名前を変更）',
    '  --min-count <N>          HIBP 版: 出現回数が N 未満のハッシュを除外（既定 1）',
    '  --fpr <率>               フィルタの偽陽性率（既定 1e-6）',
    '  --format <形式>          auto（既定: 最初の空でない行で判定）、hibp、plain',
    '  --memory <MiB>           一度にメモリに置くフィルタのバイト数（既定 64）。大きいフィルタは出力先と同じ',
    '                           ディレクトリの一時ファイルを使い、区画ごとに作成',
    '  --classic                形式バージョン 1 で書き出す（フィルタ全体をメモリで作成。小さい一覧向けで、より小さい）',
    '  -q, --quiet              進捗も標準エラーの集計も表示しない',
    '  --json                   集計を 1 つの JSON として標準出力に（ファイル名の代わりに）',
    '',
    '終了コード: build は 0 書き出し完了、check は 0 該当なし・1 漏えい済み、verify は 0 異常なし、2 使い方の誤りまたは不正なファイル。',
  ].join('\n'),
};

function mib(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1) + ' MiB';
}

async function build(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: {
      output: { type: 'string', short: 'o' },
      'min-count': { type: 'string' },
      fpr: { type: 'string' },
      format: { type: 'string' },
      memory: { type: 'string' },
      classic: { type: 'boolean' },
      quiet: { type: 'boolean', short: 'q' },
      json: { type: 'boolean' },
    },
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length !== 1 || values.output === undefined) {
    io.stderr.write(usage[io.lang] + '\n');
    return EXIT_USAGE;
  }
  const input = resolve(io.cwd, positionals[0]!);
  const output = resolve(io.cwd, values.output);
  const minCount = values['min-count'] === undefined ? 1 : Number(values['min-count']);
  const fpr = values.fpr === undefined ? 1e-6 : Number(values.fpr);
  if (!Number.isSafeInteger(minCount) || minCount < 0) throw new KanmonError('ERR_INVALID_ARGUMENT', '--min-count must be a non-negative integer');
  if (!(fpr > 0 && fpr < 1)) throw new KanmonError('ERR_INVALID_ARGUMENT', '--fpr must be between 0 and 1, e.g. 1e-6');
  const format = (values.format ?? 'auto') as BreachedListFormat;
  const memoryMiB = values.memory === undefined ? 64 : Number(values.memory);
  if (!(memoryMiB >= 1 && memoryMiB <= 65536)) throw new KanmonError('ERR_INVALID_ARGUMENT', '--memory must be a number of MiB between 1 and 65536');
  const total = (await stat(input)).size;
  const started = performance.now();
  const open = () => createReadStream(input, { highWaterMark: 1 << 20 });
  let result: { format: 'hibp' | 'plain'; count: number; skipped: number; lines: number; hashes: number; bits: number; fileBytes: number; expectedFpr: number };
  if (values.classic) {
    // Version 1: two passes over the file (count, then insert): one line over both, 100 % at the end of the second.
    const progress = createProgress(io.stderr, { label: 'pass 1/2', total: 2 * total, unit: 'bytes', quiet: values.quiet === true });
    const built = await buildBreachedPasswordFilter(open, { fpr, minCount, format, onProgress: ({ pass, bytes }) => progress.update((pass - 1) * total + bytes, `pass ${pass}/2`) });
    progress.finish();
    const temp = `${output}.${process.pid}.tmp`;
    await writeFile(temp, built.bytes);
    await rename(temp, output);
    result = { ...built, fileBytes: built.bytes.length };
  } else {
    // Version 2: count, sort into partitions, write partitions; the third pass is shown in input-sized steps.
    const progress = createProgress(io.stderr, { label: 'pass 1/3', total: 3 * total, unit: 'bytes', quiet: values.quiet === true });
    let fileBytes = 1;
    const built = await buildBreachedPasswordFile(open, output, {
      fpr,
      minCount,
      format,
      memoryBytes: Math.round(memoryMiB * 1024 * 1024),
      onProgress: ({ pass, bytes }) => {
        if (pass === 3) fileBytes = Math.max(fileBytes, bytes);
        progress.update(pass < 3 ? (pass - 1) * total + bytes : 2 * total + Math.round((total * bytes) / fileBytes), `pass ${pass}/3`);
      },
    });
    progress.finish();
    result = { ...built, bits: built.blocks * 512 };
  }
  const seconds = (performance.now() - started) / 1000;
  if (values.json) {
    const summary = { command: 'breached build', output, format: result.format, entries: result.count, skipped: result.skipped, lines: result.lines, bytesRead: total, seconds: Number(seconds.toFixed(3)), hashes: result.hashes, bits: result.bits, filterBytes: result.fileBytes, expectedFpr: result.expectedFpr };
    io.stdout.write(JSON.stringify(summary) + '\n');
    return EXIT_OK;
  }
  if (!values.quiet) io.stderr.write(
    `${result.format}: ${result.count.toLocaleString('en-US')} entries (${result.skipped.toLocaleString('en-US')} skipped) from ${result.lines.toLocaleString('en-US')} lines in ${seconds.toFixed(1)} s\n` +
      `k=${result.hashes}, m=${result.bits.toLocaleString('en-US')} bits, ${mib(result.fileBytes)}, expected FPR ${result.expectedFpr.toExponential(2)}\n`,
  );
  io.stdout.write(output + '\n');
  return EXIT_OK;
}

async function check(args: readonly string[], io: CliIo): Promise<number> {
  const { positionals } = parseArgs({ args: [...args], options: {}, strict: true, allowPositionals: true });
  if (positionals.length !== 1) {
    io.stderr.write(usage[io.lang] + '\n');
    return EXIT_USAGE;
  }
  const filter = await openBreachedPasswordFilter(resolve(io.cwd, positionals[0]!));
  const password = await readPassword(io, io.lang === 'ja' ? 'パスワード: ' : 'Password: ');
  const found = filter.has(password);
  await filter.close();
  io.stdout.write((found ? 'breached' : 'not found') + '\n');
  return found ? EXIT_FINDING : EXIT_OK;
}

async function verify(args: readonly string[], io: CliIo): Promise<number> {
  const { positionals } = parseArgs({ args: [...args], options: {}, strict: true, allowPositionals: true });
  if (positionals.length !== 1) {
    io.stderr.write(usage[io.lang] + '\n');
    return EXIT_USAGE;
  }
  // Opening with the default verify: 'full' checks the header, the size and the body's SHA-256.
  const filter = await openBreachedPasswordFilter(resolve(io.cwd, positionals[0]!));
  await filter.close();
  io.stdout.write(`ok: version ${filter.version}, ${filter.count.toLocaleString('en-US')} entries\n`);
  return EXIT_OK;
}

export const breachedCommand: CliCommand = {
  name: 'breached',
  summary: {
    en: 'Build or query the offline breached-password filter',
    ja: 'オフラインの漏えいパスワードフィルタを作成・照会',
  },
  usage,
  async run(args, io) {
    const [sub, ...rest] = args;
    if (sub === 'build') return build(rest, io);
    if (sub === 'check') return check(rest, io);
    if (sub === 'verify') return verify(rest, io);
    io.stderr.write(usage[io.lang] + '\n');
    return EXIT_USAGE;
  },
};
