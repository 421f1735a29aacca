/**
 * "README examples and docs code blocks are type-checked in CI" (issue 9):
 * every ```ts block of README.md and docs/**\/*.md compiles, strict, against
 * the built package. Conventions: test/docs/snippets.ts and docs/README.md.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkSnippets, collectJsdocExamples, collectSnippets, extractJsdocExamples, extractSnippets, formatErrors, root, type CheckResult } from './snippets.js';

/** Blocks fenced ```ts nocheck: a handful of signature sketches at most. */
const MAX_SKIPPED = 3;

let result: CheckResult;
let examples: CheckResult;
beforeAll(async () => {
  if (!existsSync(join(root, 'dist/index.d.ts'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
  [result, examples] = await Promise.all([checkSnippets(await collectSnippets()), checkSnippets(await collectJsdocExamples())]);
}, 180_000);

describe('documentation code blocks', () => {
  it('every ts block in README.md and docs/ type-checks against the built package (strict)', () => {
    expect(result.checked).toBeGreaterThan(20);
    // One line per error, file:line:column first: the diff names the doc to fix.
    expect(formatErrors(result.errors)).toBe('');
  });

  it(`at most ${MAX_SKIPPED} blocks are fenced \`ts nocheck\``, () => {
    const where = result.skipped.map((s) => `${s.file}:${s.line}`).join(', ');
    expect(result.skipped.length, `skipped: ${where}`).toBeLessThanOrEqual(MAX_SKIPPED);
  });
});

describe('JSDoc examples (STYLE: "JSDoc on every export with @example that compiles")', () => {
  it('every ```ts @example in src/ type-checks against the built package', () => {
    expect(examples.checked).toBeGreaterThan(30);
    expect(formatErrors(examples.errors)).toBe('');
    expect(examples.skipped).toEqual([]);
  });
});

describe('the checker itself', () => {
  it('finds ts / typescript blocks (indented or tilde-fenced too), with the markdown line of their first line, and nocheck', () => {
    const md = ['# t', '```ts', 'const a = 1;', '```', '', '```sh', 'echo', '```', '1. item', '   ~~~typescript nocheck', '   let b: number = 2;', '   ~~~', '````ts', '```', '````'].join('\n');
    expect(extractSnippets('x.md', md)).toEqual([
      { file: 'x.md', line: 3, code: 'const a = 1;', nocheck: false },
      { file: 'x.md', line: 11, code: 'let b: number = 2;', nocheck: true },
      { file: 'x.md', line: 14, code: '```', nocheck: false },
    ]);
  });

  it('finds ```ts blocks in JSDoc comments, margins removed, with the source line of their first line', () => {
    const source = ['/**', ' * Does it.', ' *', ' * @example', ' * ```ts', " * import { x } from 'kanmon';", ' *   x(1);', ' * ```', ' */', 'export function x() {}'].join('\n');
    expect(extractJsdocExamples('src/x.ts', source)).toEqual([{ file: 'src/x.ts', line: 6, code: "import { x } from 'kanmon';\n  x(1);", nocheck: false }]);
  });

  it('reports a broken block by markdown file, line and column, and does not report prelude names a block defines itself', async () => {
    const code = [
      "import { definePolicy } from 'kanmon';",
      "const policy = definePolicy('funabashi');",
      'policy.password.minLength.toFixed(0);',
      "const n: number = 'ten';",
      'undefinedThing();',
    ].join('\n');
    const r = await checkSnippets([{ file: 'docs/x.md', line: 40, code, nocheck: false }]);
    expect(r.errors.map((e) => `${e.file}:${e.line}:${e.column} TS${e.code}`)).toEqual(['docs/x.md:43:7 TS2322', 'docs/x.md:44:1 TS2304']);
    expect(formatErrors(r.errors)).toContain("docs/x.md:44:1 TS2304 Cannot find name 'undefinedThing'.");
  }, 60_000);

  it('checks the built subpaths and prelude names, and reports a wrong call on the first line with its own column', async () => {
    const code = "import { redisStore } from 'kanmon/redis'; redisStore({ client: 42 });\npolicy.password.minLength;";
    const r = await checkSnippets([{ file: 'README.md', line: 10, code, nocheck: false }]);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ file: 'README.md', line: 10, column: 57, code: 2322 });
  }, 60_000);
});
