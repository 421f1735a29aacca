/**
 * `kanmon check-password`, run in-process through runCli with an injected io.
 * FNB-3.1.1 (keep passwords secret): the password is never taken from argv
 * and never echoed, on stdout, stderr or the terminal.
 */
import { EventEmitter } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo, CliLang } from '../../src/cli/command.js';
import { runCli } from '../../src/cli/run.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function sink(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

let cwd = '';
beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'kanmon-cli-'));
});
afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

async function run(args: string[], stdin: CliIo['stdin'], lang: CliLang = 'en'): Promise<Run> {
  const out = sink();
  const err = sink();
  const io: CliIo = { stdin, stdout: out.stream, stderr: err.stream, env: {}, lang, cwd };
  const code = await runCli(args, io);
  return { code, stdout: out.text(), stderr: err.text() };
}

const piped = (text: string) => Readable.from([Buffer.from(text, 'utf8')]);

/** A terminal: isTTY, raw mode recorded; keystrokes typed by the test arrive, chunk by chunk, once it is read. */
class FakeTty extends EventEmitter {
  isTTY = true;
  rawModes: boolean[] = [];
  private readonly pending: string[] = [];
  setRawMode(mode: boolean) {
    this.rawModes.push(mode);
    return this;
  }
  resume() {
    const next = () => {
      const chunk = this.pending.shift();
      if (chunk === undefined) return;
      this.emit('data', Buffer.from(chunk, 'utf8'));
      setImmediate(next);
    };
    setImmediate(next);
    return this;
  }
  pause() {
    return this;
  }
  type(...chunks: string[]) {
    this.pending.push(...chunks);
  }
}

describe('kanmon check-password', () => {
  it('exit 0 for a password meeting the preset, read from stdin', async () => {
    const r = await run(['check-password', '--preset', 'funabashi'], piped('Xk9#mQ2$vLp7\n'));
    expect(r).toEqual({ code: 0, stdout: 'OK: the password meets the policy.\n', stderr: '' });
  });

  it('exit 1 and every issue, in Japanese with --lang ja, never the password', async () => {
    const r = await run(['check-password', '--preset', 'funabashi', '--lang', 'ja'], piped('taro1985\n'));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('このパスワードはポリシーを満たしていません');
    expect(r.stdout).toContain('パスワードは10文字以上で入力してください（現在8文字）。');
    expect(r.stdout).toContain('英大文字（A〜Z）を1文字以上含めてください。');
    expect(r.stdout + r.stderr).not.toContain('taro1985');
  });

  it('--username feeds the context rule; --json prints the issues as data', async () => {
    const r = await run(['check-password', '--preset', 'funabashi', '--username', 'tanaka', '--json'], piped('Tanaka#2931x'));
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({ ok: false, issues: [{ code: 'contains_context', source: 'username', reversed: false }] });
  });

  it('--config overrides the preset', async () => {
    await writeFile(join(cwd, 'kanmon.config.json'), JSON.stringify({ password: { minLength: 14 } }));
    const r = await run(['check-password', '--preset', 'funabashi', '--config', 'kanmon.config.json', '--json'], piped('Xk9#mQ2$vLp7'));
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({ ok: false, issues: [{ code: 'too_short', minimum: 14, actual: 12 }] });
  });

  it('refuses a password given as an argument, with a hint, exit 2, without echoing it', async () => {
    for (const args of [
      ['check-password', '--preset', 'funabashi', 'S3cret#Pass'],
      ['check-password', 'S3cret#Pass', '--preset', 'funabashi'],
      ['check-password', '--preset', 'funabashi', '--password=S3cret#Pass'],
      ['check-password', '--preset', 'funabashi', '--password', 'S3cret#Pass'],
      ['check-password', '--preset', 'funabashi', '-p', 'S3cret#Pass'],
    ]) {
      const r = await run(args, piped(''));
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('refusing a password on the command line');
      expect(r.stderr).toContain('stdin');
      expect(r.stdout + r.stderr).not.toContain('S3cret');
    }
    const ja = await run(['check-password', '--preset', 'funabashi', 'S3cret#Pass'], piped(''), 'ja');
    expect(ja.stderr).toContain('コマンドラインで渡されたパスワードは受け付けません');
  });

  it('usage errors exit 2: no preset, unknown option, bad --lang, unknown preset, empty stdin', async () => {
    expect((await run(['check-password'], piped('x'))).code).toBe(2);
    const unknown = await run(['check-password', '--preset', 'funabashi', '--verbose'], piped('x'));
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown option --verbose');
    expect((await run(['check-password', '--preset', 'funabashi', '--lang', 'fr'], piped('x'))).code).toBe(2);
    const preset = await run(['check-password', '--preset', 'nowhere'], piped('x'));
    expect(preset.code).toBe(2);
    expect(preset.stderr).toContain('ERR_INVALID_POLICY');
    const empty = await run(['check-password', '--preset', 'funabashi'], piped(''));
    expect(empty).toMatchObject({ code: 2, stderr: 'kanmon check-password: no password received on stdin\n' });
  });

  it('on a terminal, prompts with echo off, handles Backspace, and restores the terminal', async () => {
    const tty = new FakeTty();
    tty.type('Xk9#mQ2$vLp7x\u007f\r');
    const r = await run(['check-password', '--preset', 'funabashi'], tty as unknown as CliIo['stdin']);
    expect(r.code).toBe(0);
    expect(tty.rawModes).toEqual([true, false]);
    expect(r.stderr).toBe('Password (not shown): \n');
    expect(r.stdout).toBe('OK: the password meets the policy.\n');
  });

  it('on a terminal, keystrokes split over chunks are joined; Ctrl-C cancels with exit 2', async () => {
    const tty = new FakeTty();
    tty.type('Xk9#m', 'Q2$vLp7\n');
    expect((await run(['check-password', '--preset', 'funabashi'], tty as unknown as CliIo['stdin'])).code).toBe(0);

    const cancelled = new FakeTty();
    cancelled.type('Xk9#\u0003');
    const r = await run(['check-password', '--preset', 'funabashi', '--lang', 'ja'], cancelled as unknown as CliIo['stdin']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('中止しました');
    expect(cancelled.rawModes).toEqual([true, false]);
  });

  it('refuses a terminal that cannot turn echo off', async () => {
    const tty = Object.assign(new EventEmitter(), { isTTY: true });
    const r = await run(['check-password', '--preset', 'funabashi'], tty as unknown as CliIo['stdin']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cannot turn off echo');
  });

  it('is listed in kanmon --help', async () => {
    const r = await run(['--help'], piped(''));
    expect(r.stdout).toContain('check-password');
  });
});
