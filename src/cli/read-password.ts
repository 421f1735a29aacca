import { KanmonError } from '../errors.js';
import type { CliIo } from './command.js';

/** Longest piped input read as a password. */
const MAX_STDIN_BYTES = 1024 * 1024;

/**
 * Read a password without it ever touching argv (where `ps` and shell history
 * see it): from a no-echo prompt on a terminal, or from piped stdin with one
 * trailing newline removed.
 */
export async function readPassword(io: CliIo, prompt: string): Promise<string> {
  const stdin = io.stdin;
  if (stdin.isTTY && typeof stdin.setRawMode === 'function') return promptNoEcho(io, prompt);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk as Uint8Array);
    size += buf.length;
    if (size > MAX_STDIN_BYTES) throw new KanmonError('ERR_INVALID_ARGUMENT', 'stdin is longer than 1 MiB: not a password');
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

function promptNoEcho(io: CliIo, prompt: string): Promise<string> {
  const stdin = io.stdin;
  io.stderr.write(prompt);
  stdin.setRawMode!(true);
  let text = '';
  return new Promise<string>((resolve, reject) => {
    const finish = (err?: Error) => {
      stdin.off('data', onData);
      stdin.setRawMode!(false);
      stdin.pause();
      io.stderr.write('\n');
      if (err) reject(err);
      else resolve(text);
    };
    const onData = (chunk: Buffer | string) => {
      for (const ch of typeof chunk === 'string' ? chunk : chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return finish();
        if (ch === '\u0003') return finish(new KanmonError('ERR_INVALID_ARGUMENT', 'cancelled'));
        if (ch === '\u007f' || ch === '\b') text = [...text].slice(0, -1).join('');
        else text += ch;
      }
    };
    stdin.on('data', onData);
    stdin.resume();
  });
}
