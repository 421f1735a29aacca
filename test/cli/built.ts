// Run the BUILT `kanmon` command (dist/cli/index.js) as a child process, as a
// user's shell would: real argv, real environment, real exit code.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

export const root = resolve(import.meta.dirname, '../..');
export const bin = resolve(root, 'dist/cli/index.js');

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Throws when dist/ is missing: `npm test` builds before the suite. */
export function requireBuilt(): void {
  if (!existsSync(bin)) throw new Error('dist/cli/index.js is missing: run `npm run build` first (npm test does)');
}

/**
 * `kanmon ...args` with a clean environment (only PATH, HOME and what `env`
 * adds: LANG defaults to C so the language is chosen by the test) and stdin closed.
 */
export function kanmon(args: readonly string[], env: Record<string, string> = {}, cwd = root): Promise<CliRun> {
  return new Promise((resolvePromise, reject) => {
    const child = execFile(
      process.execPath,
      [bin, ...args],
      { cwd, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LANG: 'C', ...env }, encoding: 'utf8', timeout: 20_000 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(new Error(`kanmon ${args.join(' ')} did not exit normally`, { cause: error }));
          return;
        }
        resolvePromise({ code: error ? Number(error.code) : 0, stdout, stderr });
      },
    );
    child.stdin?.end();
  });
}
