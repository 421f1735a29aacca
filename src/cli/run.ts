import { KanmonError } from '../errors.js';
import { type CliCommand, type CliIo, EXIT_OK, EXIT_USAGE } from './command.js';
import { commands } from './commands/index.js';

const text = {
  en: {
    title: 'kanmon: authentication controls for Japanese municipal procurement requirements',
    usage: 'Usage: kanmon <command> [options]\n       kanmon <command> --help',
    commands: 'Commands:',
    more: "Help on one command: kanmon <command> --help (or kanmon help <command>).\nLanguage: Japanese when LC_ALL, LC_MESSAGES or LANG starts with ja (e.g. LANG=ja_JP.UTF-8).",
    unknown: (name: string) => `Unknown command '${name}'. Run 'kanmon --help'.`,
  },
  ja: {
    title: 'kanmon: 自治体の調達要件に対応した認証コントロール',
    usage: '使い方: kanmon <コマンド> [オプション]\n        kanmon <コマンド> --help',
    commands: 'コマンド:',
    more: 'コマンドごとの説明: kanmon <コマンド> --help（または kanmon help <コマンド>）。\n表示言語: LC_ALL・LC_MESSAGES・LANG が ja で始まれば日本語（例: LANG=ja_JP.UTF-8）、それ以外は英語。',
    unknown: (name: string) => `コマンド「${name}」はありません。'kanmon --help' で一覧を表示します。`,
  },
};

function help(io: CliIo, list: readonly CliCommand[]): string {
  const t = text[io.lang];
  const width = Math.max(...list.map((c) => c.name.length)) + 2;
  const rows = list.map((c) => `  ${c.name.padEnd(width)}${c.summary[io.lang]}`);
  return [t.title, '', t.usage, '', t.commands, ...rows, '', t.more, ''].join('\n');
}

/**
 * Run the `kanmon` command with `argv` (without `node` and the script path).
 * Resolves to the exit code; never throws for user input: a `KanmonError`
 * becomes a one-line message on stderr and exit code 2.
 */
export async function runCli(argv: readonly string[], io: CliIo, list: readonly CliCommand[] = commands): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const wanted = name === 'help' ? rest[0] : undefined;
    const target = wanted === undefined ? undefined : list.find((c) => c.name === wanted);
    if (wanted !== undefined && !target) {
      io.stderr.write(text[io.lang].unknown(wanted) + '\n');
      return EXIT_USAGE;
    }
    io.stdout.write(target ? target.usage[io.lang] + '\n' : help(io, list));
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  const command = list.find((c) => c.name === name);
  if (!command) {
    io.stderr.write(text[io.lang].unknown(name) + '\n');
    return EXIT_USAGE;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(command.usage[io.lang] + '\n');
    return EXIT_OK;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof KanmonError) {
      io.stderr.write(`kanmon ${name}: ${err.code}: ${err.message}\n`);
      return EXIT_USAGE;
    }
    if (err instanceof TypeError && 'code' in err && String((err as { code: unknown }).code).startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`kanmon ${name}: ERR_INVALID_ARGUMENT: ${err.message}\n\n${command.usage[io.lang]}\n`);
      return EXIT_USAGE;
    }
    throw err;
  }
}
