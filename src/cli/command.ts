import type { Readable, Writable } from 'node:stream';

/** The language of the command's own text: `ja` when `LANG`/`LC_ALL` says Japanese. */
export type CliLang = 'ja' | 'en';

/** What a command may touch: injected so tests run commands in-process. */
export interface CliIo {
  readonly stdin: Readable & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly lang: CliLang;
  readonly cwd: string;
}

/** One `kanmon` sub-command. `run` resolves to the process exit code. */
export interface CliCommand {
  readonly name: string;
  readonly summary: Readonly<Record<CliLang, string>>;
  readonly usage: Readonly<Record<CliLang, string>>;
  run(args: readonly string[], io: CliIo): Promise<number>;
}

/** Exit codes shared by every command. */
export const EXIT_OK = 0;
/** A finding (weakened clause, weak password, failed verification). */
export const EXIT_FINDING = 1;
/** Wrong usage: unknown flag, missing argument. */
export const EXIT_USAGE = 2;

export function langFromEnv(env: Readonly<Record<string, string | undefined>>): CliLang {
  const value = env.LC_ALL || env.LC_MESSAGES || env.LANG || '';
  return /^ja/i.test(value) ? 'ja' : 'en';
}
