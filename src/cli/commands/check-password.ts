import { parseArgs } from 'node:util';
import { checkPassword } from '../../password/check-password.js';
import { formatIssue } from '../../messages/format-issue.js';
import { presetIds } from '../../policy/presets/index.js';
import { type CliCommand, type CliIo, type CliLang, EXIT_FINDING, EXIT_OK, EXIT_USAGE } from '../command.js';
import { policyFromFlags } from './policy.js';

/** Stop reading stdin after this much: anything longer is far beyond any maxLength anyway. */
const MAX_STDIN_BYTES = 1024 * 1024;

/** Options that look like someone tried to pass the password on the command line. */
const PASSWORD_FLAGS = new Set(['password', 'passwd', 'pass', 'pw', 'p']);

const text = {
  en: {
    argv:
      'kanmon check-password: refusing a password on the command line: it would stay in your shell history and be visible to other users in `ps`.\n' +
      'Pipe it on stdin instead (e.g. `kanmon check-password --preset funabashi < file`), or run the command in a terminal to be prompted without echo.',
    unknownOption: (name: string) => `kanmon check-password: unknown option --${name}`,
    badLang: "kanmon check-password: --lang must be 'ja' or 'en'",
    empty: 'kanmon check-password: no password received on stdin',
    noRawMode: 'kanmon check-password: this terminal cannot turn off echo; pipe the password on stdin instead',
    cancelled: 'kanmon check-password: cancelled',
    prompt: 'Password (not shown): ',
    ok: 'OK: the password meets the policy.',
    weak: 'The password does not meet the policy:',
  },
  ja: {
    argv:
      'kanmon check-password: コマンドラインで渡されたパスワードは受け付けません（シェルの履歴に残り、`ps` で他の利用者からも見えるため）。\n' +
      '標準入力から渡すか（例: `kanmon check-password --preset funabashi < file`）、端末で実行して表示されない入力欄に入力してください。',
    unknownOption: (name: string) => `kanmon check-password: 不明なオプション --${name}`,
    badLang: 'kanmon check-password: --lang には ja か en を指定してください',
    empty: 'kanmon check-password: 標準入力からパスワードを受け取れませんでした',
    noRawMode: 'kanmon check-password: この端末では入力を非表示にできません。標準入力から渡してください',
    cancelled: 'kanmon check-password: 中止しました',
    prompt: 'パスワード（表示されません）: ',
    ok: 'OK: このパスワードはポリシーを満たしています。',
    weak: 'このパスワードはポリシーを満たしていません:',
  },
} satisfies Record<CliLang, unknown>;

/** Read all of a piped stdin (at most {@link MAX_STDIN_BYTES}), without one trailing newline. */
async function readPiped(io: CliIo): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of io.stdin) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : (chunk as Buffer);
    chunks.push(buffer);
    size += buffer.length;
    if (size >= MAX_STDIN_BYTES) break;
  }
  if (size === 0) return null;
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/**
 * Prompt on a terminal with echo off (raw mode): nothing typed is written
 * back. Enter or Ctrl-D ends the input, Backspace deletes, Ctrl-C cancels.
 */
function promptHidden(io: CliIo, prompt: string): Promise<string | null> {
  const { stdin, stderr } = io;
  return new Promise((resolve) => {
    let value = '';
    const finish = (result: string | null) => {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      stdin.setRawMode?.(false);
      stdin.pause();
      stderr.write('\n');
      resolve(result);
    };
    const onEnd = () => finish(value);
    const onData = (chunk: Buffer | string) => {
      for (const char of typeof chunk === 'string' ? chunk : chunk.toString('utf8')) {
        if (char === '\r' || char === '\n' || char === '\u0004') return finish(value);
        if (char === '\u0003') return finish(null);
        if (char === '\u007f' || char === '\b') value = Array.from(value).slice(0, -1).join('');
        else value += char;
      }
    };
    stderr.write(prompt);
    stdin.setRawMode?.(true);
    stdin.on('data', onData);
    stdin.on('end', onEnd);
    stdin.resume();
  });
}

export const checkPasswordCommand: CliCommand = {
  name: 'check-password',
  summary: {
    en: 'Check a password (from stdin or a hidden prompt) against a policy',
    ja: 'パスワードがポリシーを満たすか確認（標準入力または非表示の入力欄から）',
  },
  usage: {
    en:
      'kanmon check-password --preset <id> [--config kanmon.config.json] [--username <id>] [--email <address>] [--lang ja|en] [--json]\n\n' +
      'Reads the password from stdin, or prompts for it without echo on a terminal; never from the command line.\n' +
      'Exit status: 0 the password meets the policy, 1 it does not, 2 wrong usage.\n\nPresets: ' +
      presetIds.join(', '),
    ja:
      'kanmon check-password --preset <id> [--config kanmon.config.json] [--username <id>] [--email <address>] [--lang ja|en] [--json]\n\n' +
      'パスワードは標準入力から読みます。端末では入力内容を表示しない入力欄で尋ねます。コマンドライン引数では受け付けません。\n' +
      '終了コード: 0 ポリシーを満たす、1 満たさない、2 使い方の誤り。\n\nプリセット: ' +
      presetIds.join(', '),
  },
  async run(args, io) {
    const { values, tokens } = parseArgs({
      args: [...args],
      options: {
        preset: { type: 'string' },
        config: { type: 'string' },
        username: { type: 'string' },
        email: { type: 'string' },
        lang: { type: 'string' },
        json: { type: 'boolean' },
      },
      strict: false,
      allowPositionals: true,
      tokens: true,
    });
    const known = new Set(['preset', 'config', 'username', 'email', 'lang', 'json']);
    // Check for a password in argv first, and never print what was given.
    const positional = tokens.some((t) => t.kind === 'positional');
    const passwordFlag = tokens.some((t) => t.kind === 'option' && PASSWORD_FLAGS.has(t.name));
    if (positional || passwordFlag) {
      io.stderr.write(text[io.lang].argv + '\n');
      return EXIT_USAGE;
    }
    const unknown = tokens.find((t) => t.kind === 'option' && !known.has(t.name));
    if (unknown && unknown.kind === 'option') {
      io.stderr.write(text[io.lang].unknownOption(unknown.name) + '\n\n' + this.usage[io.lang] + '\n');
      return EXIT_USAGE;
    }
    const lang = values.lang ?? io.lang;
    if (lang !== 'ja' && lang !== 'en') {
      io.stderr.write(text[io.lang].badLang + '\n');
      return EXIT_USAGE;
    }
    const t = text[lang];
    const flag = (name: string) => (typeof values[name] === 'string' ? (values[name]) : undefined);
    if (flag('preset') === undefined && flag('config') === undefined) {
      io.stderr.write(this.usage[lang] + '\n');
      return EXIT_USAGE;
    }
    const policy = await policyFromFlags({ preset: flag('preset'), config: flag('config') }, io);

    let password: string | null;
    if (io.stdin.isTTY) {
      if (typeof io.stdin.setRawMode !== 'function') {
        io.stderr.write(t.noRawMode + '\n');
        return EXIT_USAGE;
      }
      password = await promptHidden(io, t.prompt);
      if (password === null) {
        io.stderr.write(t.cancelled + '\n');
        return EXIT_USAGE;
      }
    } else {
      password = await readPiped(io);
      if (password === null) {
        io.stderr.write(t.empty + '\n');
        return EXIT_USAGE;
      }
    }

    const result = checkPassword(password, policy, { username: flag('username'), email: flag('email') });
    if (values.json === true) {
      io.stdout.write(JSON.stringify({ ok: result.ok, issues: result.issues }) + '\n');
    } else if (result.ok) {
      io.stdout.write(t.ok + '\n');
    } else {
      io.stdout.write([t.weak, ...result.issues.map((issue) => `  - ${formatIssue(issue, lang)}`)].join('\n') + '\n');
    }
    return result.ok ? EXIT_OK : EXIT_FINDING;
  },
};
