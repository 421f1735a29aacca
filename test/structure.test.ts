/**
 * Issue 15 (one shape for every flow): the shape the next capabilities grow in stays true.
 * Files small enough to read, a login facade that only wires, no import cycles (type imports
 * included: a cycle of types is still two files that cannot be read apart), and adapters that
 * know only the HTTP core and the error type.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const src = resolve(import.meta.dirname, '../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const files = sourceFiles(src);
const rel = (path: string) => relative(src, path).split('\\').join('/');

/** The relative imports of a file (static, type-only, re-exports and dynamic), as files under src/. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm)].map((m) => m[1]!);
  return specifiers.map((s) => resolve(dirname(file), s.replace(/\.js$/, '.ts')));
}

/** Files that are data, not code: the clause catalog (with the original Japanese) and the password lists. */
const DATA = new Set(['compliance/clauses.ts']);
const isData = (path: string) => DATA.has(path) || /(^|\/)data\//.test(path) || /common-passwords/.test(path);

describe('issue 15: the shape of the source', () => {
  it('finds the source (the scan cannot pass on an empty tree)', () => {
    expect(files.length).toBeGreaterThan(150);
    expect(files.map(rel)).toContain('login/create-kanmon.ts');
  });

  it('no source file over 400 lines except data', () => {
    const over = files
      .map((f) => ({ file: rel(f), lines: readFileSync(f, 'utf8').split('\n').length - 1 }))
      .filter(({ file, lines }) => lines > 400 && !isData(file));
    expect(over).toEqual([]);
  });

  it('createKanmon is wiring: at most 200 lines', () => {
    const lines = readFileSync(join(src, 'login/create-kanmon.ts'), 'utf8').split('\n').length - 1;
    expect(lines).toBeLessThanOrEqual(200);
  });

  it('no import cycles (type-only imports included)', () => {
    const graph = new Map(files.map((f) => [f, importsOf(f).filter((to) => files.includes(to))]));
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (file: string, path: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        cycles.push([...path.slice(path.indexOf(file)), file].map(rel).join(' → '));
        return;
      }
      state.set(file, 'open');
      for (const to of graph.get(file) ?? []) visit(to, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of files) visit(file, []);
    expect(cycles).toEqual([]);
  });

  it('the adapters import only the HTTP core and errors', () => {
    const strays = files
      .filter((f) => /^(express|fastify|nestjs)\//.test(rel(f)))
      .flatMap((f) => importsOf(f).map((to) => ({ from: rel(f), to: rel(to) })))
      .filter(({ from, to }) => to.split('/')[0] !== from.split('/')[0] && !to.startsWith('http/') && to !== 'errors.ts');
    expect(strays).toEqual([]);
  });
});
