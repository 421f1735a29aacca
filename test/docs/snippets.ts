/**
 * Type-check the TypeScript code blocks of README.md and docs/**\/*.md, and the
 * ```ts `@example` blocks of JSDoc in src/, against the BUILT package, as a
 * reader who copies them into a strict project would.
 *
 * Conventions (also in docs/README.md, "Code blocks"):
 * - Every ```ts / ```typescript block is one ES module. It imports what it uses
 *   from 'kanmon', 'kanmon/redis', 'kanmon/postgres', … (resolved to this
 *   checkout's package.json exports and dist/ types) and from node:*.
 * - Names the application already has (its request, its user record, a
 *   `policy`, a `keyRing`, …) may be used without defining them: they are
 *   declared in test/docs/prelude.ts, and imported into a block only when
 *   the block does not declare a name of its own.
 * - A block that is deliberately not code (a signature sketch, pseudo-code) is
 *   fenced ```ts nocheck. Those are counted; the test allows only a few.
 */
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';

export const root = resolve(import.meta.dirname, '../..');

export interface Snippet {
  /** Markdown file, relative to the repository root. */
  readonly file: string;
  /** 1-based line of the first line of code (the line after the fence). */
  readonly line: number;
  readonly code: string;
  readonly nocheck: boolean;
}

export interface SnippetError {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly code: number;
  readonly message: string;
}

const fenceOpen = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)(.*)$/;

/** Every ```ts / ```typescript block of one markdown text. */
export function extractSnippets(file: string, markdown: string): Snippet[] {
  const lines = markdown.split(/\r?\n/);
  const out: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = fenceOpen.exec(lines[i]!);
    if (!open) continue;
    const [, indent, fence, lang = '', meta = ''] = open;
    const close = new RegExp(`^\\s*${fence![0] === '`' ? '`' : '~'}{${fence!.length},}\\s*$`);
    let end = i + 1;
    while (end < lines.length && !close.test(lines[end]!)) end++;
    if (lang === 'ts' || lang === 'typescript') {
      const body = lines.slice(i + 1, end).map((l) => (l.startsWith(indent!) ? l.slice(indent!.length) : l));
      out.push({ file, line: i + 2, code: body.join('\n'), nocheck: /\bnocheck\b/.test(meta) });
    }
    i = end;
  }
  return out;
}

/** README.md and every docs/**\/*.md, sorted. */
export async function documentationFiles(): Promise<string[]> {
  const found: string[] = ['README.md'];
  async function walk(dir: string): Promise<void> {
    for (const entry of await readdir(join(root, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) await walk(path);
      else if (entry.name.endsWith('.md')) found.push(path);
    }
  }
  await walk('docs');
  return found.sort();
}

export async function collectSnippets(): Promise<Snippet[]> {
  const all: Snippet[] = [];
  for (const file of await documentationFiles()) all.push(...extractSnippets(file, await readFile(join(root, file), 'utf8')));
  return all;
}

const exampleOpen = /^\s*\*\s?```(ts|typescript)(\s.*)?$/;
const exampleClose = /^\s*\*\s?```\s*$/;

/** Every ```ts block inside a JSDoc comment (`@example`) of one source file, without the ` * ` margins. */
export function extractJsdocExamples(file: string, source: string): Snippet[] {
  const lines = source.split(/\r?\n/);
  const out: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = exampleOpen.exec(lines[i]!);
    if (!open) continue;
    let end = i + 1;
    while (end < lines.length && !exampleClose.test(lines[end]!) && !/\*\//.test(lines[end]!)) end++;
    const body = lines.slice(i + 1, end).map((l) => l.replace(/^\s*\* ?/, ''));
    out.push({ file, line: i + 2, code: body.join('\n'), nocheck: /\bnocheck\b/.test(open[2] ?? '') });
    i = end;
  }
  return out;
}

/** The JSDoc examples of every src/**\/*.ts file. */
export async function collectJsdocExamples(): Promise<Snippet[]> {
  const all: Snippet[] = [];
  async function walk(dir: string): Promise<void> {
    for (const entry of await readdir(join(root, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) await walk(path);
      else if (entry.name.endsWith('.ts')) all.push(...extractJsdocExamples(path, await readFile(join(root, path), 'utf8')));
    }
  }
  await walk('src');
  return all.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}

/** Names declared at the top level of a module (imports, variables, functions, classes, types). */
function topLevelNames(source: ts.SourceFile): Set<string> {
  const names = new Set<string>();
  const bind = (name: ts.BindingName): void => {
    if (ts.isIdentifier(name)) names.add(name.text);
    else for (const element of name.elements) if (!ts.isOmittedExpression(element)) bind(element.name);
  };
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement) && statement.importClause) {
      const clause = statement.importClause;
      if (clause.name) names.add(clause.name.text);
      const bindings = clause.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) names.add(bindings.name.text);
      if (bindings && ts.isNamedImports(bindings)) for (const element of bindings.elements) names.add(element.name.text);
    } else if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) bind(declaration.name);
    } else if (
      (ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement) || ts.isInterfaceDeclaration(statement) ||
        ts.isTypeAliasDeclaration(statement) || ts.isEnumDeclaration(statement)) &&
      statement.name
    ) {
      names.add(statement.name.text);
    }
  }
  return names;
}

/** The names test/docs/prelude.ts exports. */
function exportedNames(source: ts.SourceFile): string[] {
  const names: string[] = [];
  for (const statement of source.statements) {
    const exported = ts.canHaveModifiers(statement) && ts.getModifiers(statement)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    if (!exported) continue;
    if (ts.isVariableStatement(statement)) {
      for (const d of statement.declarationList.declarations) if (ts.isIdentifier(d.name)) names.push(d.name.text);
    } else if ((ts.isFunctionDeclaration(statement) || ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement)) && statement.name) {
      names.push(statement.name.text);
    }
  }
  return names;
}

/** The compiler options of a strict consumer project (those of this repository). */
export const consumerOptions: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  lib: ['lib.es2023.d.ts'],
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  types: ['node'],
  strict: true,
  noUncheckedIndexedAccess: true,
  verbatimModuleSyntax: true,
  isolatedModules: true,
  esModuleInterop: true,
  skipLibCheck: true,
  noEmit: true,
};

export interface CheckResult {
  readonly checked: number;
  readonly skipped: readonly Snippet[];
  readonly errors: readonly SnippetError[];
}

/**
 * Write each checked snippet as a module under `.tmp/` inside the repository
 * (so 'kanmon' resolves by the package's own name through its exports map to
 * dist/, and peers such as ioredis and express resolve from node_modules),
 * then type-check them all in one program.
 */
export async function checkSnippets(snippets: readonly Snippet[]): Promise<CheckResult> {
  await mkdir(join(root, '.tmp'), { recursive: true });
  const dir = await mkdtemp(join(root, '.tmp', 'doc-snippets-'));
  try {
    const preludeText = (await readFile(join(root, 'test/docs/prelude.ts'), 'utf8')).replaceAll("'../../src/index.js'", "'kanmon'");
    await writeFile(join(dir, 'prelude.ts'), preludeText);
    const prelude = exportedNames(ts.createSourceFile('prelude.ts', preludeText, ts.ScriptTarget.ES2022));

    const files = new Map<string, { snippet: Snippet; prefix: number }>();
    const checked = snippets.filter((s) => !s.nocheck);
    for (const [index, snippet] of checked.entries()) {
      const name = join(dir, `${String(index).padStart(3, '0')}-${snippet.file.replace(/[^A-Za-z0-9]+/g, '_')}-L${snippet.line}.ts`);
      const own = topLevelNames(ts.createSourceFile(name, snippet.code, ts.ScriptTarget.ES2022));
      const borrowed = prelude.filter((n) => !own.has(n));
      // On the block's first line, so that every line number stays the markdown's.
      const prefix = borrowed.length > 0 ? `import { ${borrowed.join(', ')} } from './prelude.js'; ` : '';
      await writeFile(name, `${prefix}${snippet.code}\nexport {};\n`);
      files.set(resolve(name), { snippet, prefix: prefix.length });
    }

    const program = ts.createProgram([...files.keys(), join(dir, 'prelude.ts')], consumerOptions);
    const errors: SnippetError[] = [];
    for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
      const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
      const source = diagnostic.file ? files.get(resolve(diagnostic.file.fileName)) : undefined;
      if (!diagnostic.file || diagnostic.start === undefined || !source) {
        const where = diagnostic.file ? relative(root, diagnostic.file.fileName) : 'program';
        errors.push({ file: where, line: 0, column: 0, code: diagnostic.code, message });
        continue;
      }
      const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
      const column = (line === 0 ? character - source.prefix : character) + 1;
      errors.push({ file: source.snippet.file, line: source.snippet.line + line, column, code: diagnostic.code, message });
    }
    return { checked: checked.length, skipped: snippets.filter((s) => s.nocheck), errors };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `README.md:52:7 TS2304 Cannot find name 'x'.` one per line, editor-clickable. */
export function formatErrors(errors: readonly SnippetError[]): string {
  return errors.map((e) => `${e.file}:${e.line}:${e.column} TS${e.code} ${e.message}`).join('\n');
}
