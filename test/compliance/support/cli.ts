import { PassThrough, Writable } from 'node:stream';
import type { CliIo, CliLang } from '../../../src/cli/command.js';
import { runCli } from '../../../src/cli/run.js';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function sink(chunks: Buffer[]): Writable {
  return new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
      done();
    },
  });
}

/** Run `kanmon <argv>` in-process, as the bin does, capturing its output. */
export async function kanmon(argv: readonly string[], options: { lang?: CliLang; cwd?: string } = {}): Promise<CliRun> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const io: CliIo = {
    stdin: new PassThrough(),
    stdout: sink(out),
    stderr: sink(err),
    env: {},
    lang: options.lang ?? 'en',
    cwd: options.cwd ?? process.cwd(),
  };
  const code = await runCli(argv, io);
  return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}
