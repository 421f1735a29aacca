/**
 * The API reference (issue 21 item 4). `npm run docs:api` (TypeDoc,
 * typedoc.config.mjs) fails on any warning, so a public symbol without a
 * summary or a broken {@link} stops `npm test` before this file runs. This
 * file checks what TypeDoc does not:
 * - every relative link of the generated HTML, of README.md and of docs/
 *   resolves to a file (and to its anchor, when it names one); no network;
 * - every exported function carries an `@example` with a ```ts block, which
 *   test/docs/snippets.test.ts type-checks against the built package.
 */
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { documentationFiles, root } from './snippets.js';

const html = join(root, 'docs/api/html');
const json = join(root, '.tmp/api-reference.json');

/** Every file under a folder, absolute. */
async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(path)));
    else out.push(path);
  }
  return out;
}

/** A link that stays inside the checkout: no scheme, not protocol-relative, not `mailto:`. */
function isRelative(target: string): boolean {
  return target !== '' && !/^[a-z][a-z0-9+.-]*:/i.test(target) && !target.startsWith('//');
}

export interface BrokenLink {
  readonly from: string;
  readonly target: string;
  readonly why: 'missing file' | 'missing anchor';
}

const anchorCache = new Map<string, Set<string>>();
async function anchorsOf(file: string): Promise<Set<string>> {
  let anchors = anchorCache.get(file);
  if (!anchors) {
    const text = await readFile(file, 'utf8');
    anchors = new Set([...text.matchAll(/\s(?:id|name)="([^"]+)"/g)].map((m) => m[1]!));
    anchorCache.set(file, anchors);
  }
  return anchors;
}

/** Resolve `target` (relative to `from`); a fragment is checked only in HTML targets (markdown anchors are the host's). */
export async function checkLink(from: string, target: string): Promise<BrokenLink | null> {
  const [pathPart = '', fragment] = target.split('#', 2) as [string, string | undefined];
  const path = decodeURIComponent(pathPart.split('?')[0]!);
  const file = path === '' ? from : resolve(dirname(from), path);
  const display = { from: relative(root, from), target };
  if (!existsSync(file)) return { ...display, why: 'missing file' };
  if (fragment && file.endsWith('.html') && !(await anchorsOf(file)).has(decodeURIComponent(fragment))) return { ...display, why: 'missing anchor' };
  return null;
}

/** `href` and `src` values of an HTML page. */
export function htmlLinks(text: string): string[] {
  return [...text.matchAll(/\s(?:href|src)="([^"]*)"/g)].map((m) => m[1]!.replaceAll('&amp;', '&'));
}

/** Inline markdown link targets `[text](target)` outside fenced code blocks and code spans. */
export function markdownLinks(text: string): string[] {
  const out: string[] = [];
  let fence: string | null = null;
  for (const line of text.split(/\r?\n/)) {
    const open = /^\s*(`{3,}|~{3,})/.exec(line);
    if (open) {
      if (fence === null) fence = open[1]!;
      else if (open[1]!.startsWith(fence)) fence = null;
      continue;
    }
    if (fence !== null) continue;
    const prose = line.replace(/`[^`]*`/g, '');
    for (const m of prose.matchAll(/\]\(<?([^)\s>]+)>?(?:\s+"[^"]*")?\)/g)) out.push(m[1]!);
  }
  return out;
}

interface Reflection {
  readonly id: number;
  readonly name: string;
  readonly kind: number;
  readonly children?: readonly Reflection[];
  readonly signatures?: readonly { readonly comment?: Comment }[];
  readonly comment?: Comment;
}
interface Comment {
  readonly blockTags?: readonly { readonly tag: string; readonly content: readonly { readonly text: string }[] }[];
}
/** TypeDoc's ReflectionKind.Function. */
const FUNCTION = 64;

/** `module.name` of every exported function that has no `@example` holding a ```ts block. */
export function functionsWithoutExample(project: Reflection): { readonly functions: number; readonly missing: string[] } {
  let functions = 0;
  const missing: string[] = [];
  for (const module of project.children ?? []) {
    for (const symbol of module.children ?? []) {
      if (symbol.kind !== FUNCTION) continue;
      functions++;
      const comments = [symbol.comment, ...(symbol.signatures ?? []).map((s) => s.comment)];
      const typed = comments.some((c) =>
        c?.blockTags?.some((t) => t.tag === '@example' && /^```(ts|typescript)\b/m.test(t.content.map((p) => p.text).join(''))),
      );
      if (!typed) missing.push(`${module.name}.${symbol.name}`);
    }
  }
  return { functions, missing: missing.sort() };
}

let pages: string[] = [];
beforeAll(async () => {
  if (!existsSync(join(html, 'index.html')) || !existsSync(json)) {
    throw new Error('docs/api/html/ or .tmp/api-reference.json is missing: run `npm run docs:api` first (npm test does)');
  }
  pages = (await walk(html)).filter((f) => f.endsWith('.html'));
});

describe('API reference (issue 21 item 4: TypeDoc, linked from the README, link-checked)', () => {
  it('has a page for every public entry point of package.json "exports"', async () => {
    const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
    const project = JSON.parse(await readFile(json, 'utf8')) as Reflection;
    const entries = Object.keys(pkg.exports)
      .filter((s) => s !== './package.json')
      .filter((s) => existsSync(join(root, s === '.' ? 'src/index.ts' : `src/${s.slice(2)}/index.ts`)));
    const modules = (project.children ?? []).map((m) => m.name).sort();
    // A new subpath's src/<name>/index.ts opens with a comment: a summary, then `@module kanmon/<name>`.
    expect(modules, 'module names come from the `@module` tag of each entry file').toEqual(entries.map((s) => (s === '.' ? 'kanmon' : `kanmon/${s.slice(2)}`)).sort());
  });

  it('every relative href/src of the generated HTML resolves to a file and anchor', async () => {
    expect(pages.length).toBeGreaterThan(100);
    const broken: BrokenLink[] = [];
    for (const page of pages) {
      for (const target of htmlLinks(await readFile(page, 'utf8'))) {
        if (!isRelative(target)) continue;
        const bad = await checkLink(page, target);
        if (bad) broken.push(bad);
      }
    }
    expect(broken).toEqual([]);
  });

  it('every relative link of README.md and docs/**/*.md resolves (the README links the reference)', async () => {
    const broken: BrokenLink[] = [];
    for (const file of await documentationFiles()) {
      const path = join(root, file);
      for (const target of markdownLinks(await readFile(path, 'utf8'))) {
        if (!isRelative(target)) continue;
        const bad = await checkLink(path, target);
        if (bad) broken.push(bad);
      }
    }
    expect(broken).toEqual([]);
    const readme = markdownLinks(await readFile(join(root, 'README.md'), 'utf8'));
    expect(readme).toContain('docs/api/README.md');
  });

  it('every exported function has an @example with a ```ts block (type-checked by snippets.test.ts)', async () => {
    const project = JSON.parse(await readFile(json, 'utf8')) as Reflection;
    const { functions, missing } = functionsWithoutExample(project);
    expect(functions).toBeGreaterThan(80);
    expect(missing, `${missing.length} of ${functions} exported functions have no \`@example\` with a \`\`\`ts block`).toEqual([]);
  });
});

describe('the link checker itself', () => {
  it('finds markdown links outside code, and HTML href/src', () => {
    const md = ['[a](x.md) `[b](no.md)` [c](<y z.md>)', '```md', '[d](no.md)', '```', '[e](https://example.org) [f](#top) [g](z.md "t")'].join('\n');
    expect(markdownLinks(md)).toEqual(['x.md', 'https://example.org', '#top', 'z.md']);
    expect(htmlLinks('<a href="a.html#b">x</a><img src="i.png"><a class="c" href="?q=1&amp;r=2">')).toEqual(['a.html#b', 'i.png', '?q=1&r=2']);
  });

  it('reports a missing file and a missing anchor, and accepts what exists', async () => {
    const page = join(html, 'index.html');
    expect(await checkLink(page, 'no-such-page.html#x')).toMatchObject({ why: 'missing file' });
    expect(await checkLink(page, 'index.html#nowhere-at-all')).toMatchObject({ why: 'missing anchor' });
    expect(await checkLink(page, 'assets/style.css')).toBeNull();
    expect(await checkLink(join(root, 'README.md'), 'docs/nothing-here.md')).toMatchObject({ why: 'missing file' });
    expect(await checkLink(join(root, 'README.md'), 'docs/README.md')).toBeNull();
  });

  it('counts a function without a ```ts @example as missing', () => {
    const fn = (name: string, text: string | null): Reflection => ({
      id: 1,
      name,
      kind: FUNCTION,
      signatures: [{ comment: text === null ? {} : { blockTags: [{ tag: '@example', content: [{ text }] }] } }],
    });
    const project: Reflection = {
      id: 0,
      name: 'p',
      kind: 1,
      children: [{ id: 2, name: 'kanmon', kind: 2, children: [fn('a', '```ts\na();\n```'), fn('b', 'b();'), fn('c', null), { id: 3, name: 'K', kind: 128 }] }],
    };
    expect(functionsWithoutExample(project)).toEqual({ functions: 3, missing: ['kanmon.b', 'kanmon.c'] });
  });
});
