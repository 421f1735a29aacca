/**
 * The built package, as a consumer gets it: `npm pack`, install the tarball
 * into a scratch project, import it as ESM and as CJS, and type-check both.
 * Runs against `dist/` (npm test builds before the suite).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
let dir = '';

beforeAll(async () => {
  if (!existsSync(join(root, 'dist/index.js'))) {
    throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
  }
  dir = await mkdtemp(join(tmpdir(), 'kanmon-consumer-'));
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: root });
  const [{ filename }] = JSON.parse(stdout) as [{ filename: string }];
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
  await run(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts', '--omit=peer', join(dir, filename), '@types/node@20'],
    { cwd: dir },
  );
}, 240_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const program = (importLine: string) => `${importLine}
const policy = definePolicy('funabashi');
const weak = checkPassword('password', policy);
let err;
try { definePolicy('funabashi', { password: { minLength: -1 } }); } catch (e) { err = e; }
console.log(JSON.stringify({
  minLength: policy.password.minLength,
  ok: weak.ok,
  codes: weak.issues.map((i) => i.code).sort(),
  errorCode: err instanceof KanmonError ? err.code : null,
}));
`;

describe('the packed tarball', () => {
  it('imports as ESM', async () => {
    await writeFile(join(dir, 'esm.mjs'), program("import { definePolicy, checkPassword, KanmonError } from 'kanmon';"));
    const { stdout } = await run('node', ['esm.mjs'], { cwd: dir });
    const out = JSON.parse(stdout) as { minLength: number; ok: boolean; codes: string[]; errorCode: string };
    expect(out).toMatchObject({ minLength: 10, ok: false, errorCode: 'ERR_INVALID_POLICY' });
    expect(out.codes).toContain('too_short');
  });

  it('requires as CJS', async () => {
    await writeFile(join(dir, 'cjs.cjs'), program("const { definePolicy, checkPassword, KanmonError } = require('kanmon');"));
    const { stdout } = await run('node', ['cjs.cjs'], { cwd: dir });
    expect(JSON.parse(stdout)).toMatchObject({ minLength: 10, ok: false, errorCode: 'ERR_INVALID_POLICY' });
  });

  it('resolves types for both import and require (NodeNext)', async () => {
    await writeFile(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        // A Node server project: @types/node is there, as in any consumer of a Node library.
        compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false, types: ['node'] },
        files: ['typed.mts', 'typed.cts'],
      }),
    );
    const body = `
const policy: Policy = definePolicy('funabashi');
const n: number = policy.password.minLength;
const result = checkPassword('x', policy);
if (!result.ok) { const code: string = result.issues[0]!.code; void code; }
// @ts-expect-error the policy is read-only
policy.password.minLength = 1;
void n;
`;
    await writeFile(join(dir, 'typed.mts'), `import { definePolicy, checkPassword, type Policy } from 'kanmon';\n${body}`);
    await writeFile(join(dir, 'typed.cts'), `import { definePolicy, checkPassword, type Policy } from 'kanmon';\n${body}`);
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    const result = await run('node', [tsc, '-p', 'tsconfig.json'], { cwd: dir }).then(
      () => ({ code: 0, out: '' }),
      (err: { code: number; stdout: string }) => ({ code: err.code, out: err.stdout }),
    );
    expect(result.out).toBe('');
    expect(result.code).toBe(0);
  }, 120_000); // skipLibCheck: false checks every .d.ts: ~12 s of CPU here, far more wall time on a shared machine

  it('ships the kanmon command', async () => {
    const { stdout } = await run('node', [join(dir, 'node_modules/kanmon/dist/cli/index.js'), '--help'], { cwd: dir });
    expect(stdout).toContain('kanmon');
  });
});
