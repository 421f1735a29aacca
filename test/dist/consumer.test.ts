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
let tarball = '';

beforeAll(async () => {
  if (!existsSync(join(root, 'dist/index.js'))) {
    throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
  }
  dir = await mkdtemp(join(tmpdir(), 'kanmon-consumer-'));
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: root });
  const [{ filename }] = JSON.parse(stdout) as [{ filename: string }];
  tarball = join(dir, filename);
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

/** Store-author names: in kanmon/store, not in the root. */
const storeValues = ['reserveTransition', 'resetTransition', 'succeedTransition', 'failTransition', 'storeKey', 'isStoreKey', 'isTenantId', 'tenantOfKey', 'hasEntryLists', 'MAX_ENTRY_DATA', 'MAX_ENTRIES_PER_KEY'];
/** Internals: exported by neither. */
const internalValues = ['policySchema', 'parseAuditRecord', 'auditEventInputSchema', 'auditRecordSchema', 'auditOutcomes', 'normalizeIp', 'stepAt'];
/** Types the root no longer exports (the store-author ones are in kanmon/store). */
const goneTypes = [
  'Transition',
  'TransitionOutcome',
  'RecordWrite',
  'StoreRecord',
  'InPlaceOutcome',
  'ReserveArgs',
  'ReserveResult',
  'ResetArgs',
  'ResetResult',
  'SettleArgs',
  'FailArgs',
  'SourceLimit',
  'SucceedArgs',
  'SucceedOp',
  'SucceedResult',
  'PasswordSettings',
  'PolicySettings',
  'DeepReadonly',
];
/** Prints the runtime export names of the root and of kanmon/store, and what storeKey and a transition answer. */
const surfaceProgram = (load: string) => `${load}
console.log(JSON.stringify({
  root: Object.keys(root).sort(),
  store: Object.keys(store).sort(),
  key: store.storeKey('t1', 'lockout', 'pw', 'alice'),
  tenant: store.tenantOfKey(store.storeKey('t1', 'lockout', 'pw', 'alice')),
  transition: store.reserveTransition.name,
}));
`;

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

  describe('public surface (issue 15): the root is what an application uses, kanmon/store what a store author uses', () => {
    type Surface = { root: string[]; store: string[]; key: string; tenant: string; transition: string };
    const check = (out: Surface) => {
      for (const name of [...storeValues, ...internalValues]) expect(out.root, name).not.toContain(name);
      for (const name of ['createKanmon', 'definePolicy', 'memoryStore', 'memoryAccounts', 'createLockout', 'findEvents', 'KanmonError']) expect(out.root).toContain(name);
      expect(out.store).toEqual([...storeValues].sort());
      expect(out.key).toBe(`{t1}:lockout:pw:alice`);
      expect(out.tenant).toBe('t1');
      expect(out.transition).toBe('lockout.reserve');
    };

    it('as ESM', async () => {
      await writeFile(join(dir, 'surface.mjs'), surfaceProgram("import * as root from 'kanmon';\nimport * as store from 'kanmon/store';"));
      const { stdout } = await run('node', ['surface.mjs'], { cwd: dir });
      check(JSON.parse(stdout) as Surface);
    });

    it('as CJS', async () => {
      await writeFile(join(dir, 'surface.cjs'), surfaceProgram("const root = require('kanmon');\nconst store = require('kanmon/store');"));
      const { stdout } = await run('node', ['surface.cjs'], { cwd: dir });
      check(JSON.parse(stdout) as Surface);
    });
  });

  it('carries the API reference for offline reading (issue 21: docs/api/README.md and the generated html/, as the README says)', () => {
    const installed = join(dir, 'node_modules/kanmon/docs/api');
    expect(existsSync(join(installed, 'README.md'))).toBe(true);
    // Generated by `npm run docs:api` (npm test and prepack run it before packing).
    expect(existsSync(join(installed, 'html/index.html')), 'docs/api/html/ is missing: run `npm run docs:api` first').toBe(true);
    expect(existsSync(join(installed, 'html/functions/kanmon.createKanmon.html'))).toBe(true);
  });

  it('passes publint (strict) and attw (every entry point, every resolution mode)', async () => {
    const publint = await run('node', [join(root, 'node_modules/publint/src/cli.js'), 'run', tarball, '--strict'], { cwd: root }).then(
      ({ stdout }) => ({ code: 0, out: stdout }),
      (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, out: err.stdout + err.stderr }),
    );
    expect(publint.out).toContain('All good');
    expect(publint.code).toBe(0);
    // --no-definitely-typed: offline; kanmon ships its own types.
    const attw = await run('node', [join(root, 'node_modules/@arethetypeswrong/cli/dist/index.js'), tarball, '--no-definitely-typed', '--format', 'json'], { cwd: root }).then(
      ({ stdout }) => ({ code: 0, out: stdout }),
      (err: { code: number; stdout: string }) => ({ code: err.code, out: err.stdout }),
    );
    const report = JSON.parse(attw.out) as { analysis: { entrypoints: Record<string, unknown> }; problems: Record<string, unknown> };
    expect(Object.keys(report.analysis.entrypoints)).toEqual(expect.arrayContaining(['.', './store', './redis', './postgres', './express', './fastify', './nestjs']));
    expect(Object.keys(report.problems)).toEqual([]); // grouped by kind: no kind at all
    expect(attw.code).toBe(0);
  }, 60_000);

  it('resolves types for both import and require (NodeNext)', async () => {
    await writeFile(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        // A Node server project: @types/node is there, as in any consumer of a Node library.
        compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false, types: ['node'] },
        files: ['typed.mts', 'typed.cts', 'store.mts', 'store.cts', 'root-surface.mts'],
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
    // A store author's view: the contract and the transitions from kanmon/store, the store type also from the root.
    const storeImports = `import { type KanmonStore } from 'kanmon';
import { type ReserveArgs, type ReserveResult, type StoreRecord, type Transition, reserveTransition, storeKey, isStoreKey } from 'kanmon/store';
import type * as Store from 'kanmon/store';`;
    const storeBody = `
const t: Transition<ReserveArgs, ReserveResult> = reserveTransition;
const record: StoreRecord | null = null;
const key: string = storeKey('t1', 'lockout', 'pw', 'alice');
const valid: boolean = isStoreKey(key);
type Update = KanmonStore['update'];
type Outcome = Store.TransitionOutcome<null>;
void t; void record; void valid;
export type { Update, Outcome };
`;
    await writeFile(join(dir, 'store.mts'), `${storeImports}\n${storeBody}`);
    await writeFile(join(dir, 'store.cts'), `${storeImports}\n${storeBody}`);
    // Each name the root no longer exports: an unused @ts-expect-error fails, so a name that comes back is caught.
    await writeFile(join(dir, 'root-surface.mts'), goneTypes.map((name) => `// @ts-expect-error not in the root export\nimport type { ${name} } from 'kanmon';`).join('\n') + '\n');
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
