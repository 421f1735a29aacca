import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { clauses } from '../../src/index.js';

/**
 * Every `enforce` clause names the test files that prove it. This walks the
 * catalog and checks each file exists and mentions the clause id.
 *
 * A file whose domain folder (test/password/, test/lockout/, …) is not on this
 * branch yet belongs to an issue not merged here: it is reported as pending and,
 * when nothing else is wrong, the check is skipped with that list as its reason.
 * Once the folder exists, a missing file or a file that does not mention the
 * clause fails, with the exact list.
 */

const root = fileURLToPath(new URL('../../', import.meta.url));

function mentions(text: string, id: string): boolean {
  const escaped = id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  // `SEC-6` must not be found inside `SEC-6.1` or `SEC-60`.
  return new RegExp(`(?<![A-Za-z0-9.-])${escaped}(?![0-9]|\\.[0-9])`).test(text);
}

interface Problem {
  readonly clause: string;
  readonly file: string;
  readonly problem: 'missing' | 'does not mention the clause' | 'pending: domain folder not on this branch';
}

const problems: Problem[] = [];
for (const clause of clauses) {
  if (clause.status !== 'enforce') continue;
  for (const file of clause.tests) {
    const path = join(root, file);
    if (!existsSync(path)) {
      const domain = file.split('/').slice(0, 2).join('/');
      problems.push({ clause: clause.id, file, problem: existsSync(join(root, domain)) ? 'missing' : 'pending: domain folder not on this branch' });
    } else if (!mentions(readFileSync(path, 'utf8'), clause.id)) {
      problems.push({ clause: clause.id, file, problem: 'does not mention the clause' });
    }
  }
}

const pending = problems.filter((p) => p.problem.startsWith('pending'));
const onlyPending = problems.length > 0 && pending.length === problems.length;
const pendingFiles = [...new Set(pending.map((p) => p.file))].sort();
const pendingFolders = [...new Set(pendingFiles.map((f) => dirname(f).split('/').slice(0, 2).join('/')))].sort();

if (onlyPending) {
  console.warn(
    `\n[kanmon] SKIPPING the enforce-clause test-file check: ${pendingFiles.length} named test files live in folders ` +
      `not on this branch yet (${pendingFolders.join(', ')}), written under other issues:\n` +
      pendingFiles.map((f) => `  - ${f}: ${pending.filter((p) => p.file === f).map((p) => p.clause).join(', ')}`).join('\n') +
      '\n',
  );
}

describe('enforce clauses are proven by tests', () => {
  it('the id matcher finds SEC-6 but not inside SEC-6.1 or SEC-60', () => {
    expect(mentions('headed SEC-6: config', 'SEC-6')).toBe(true);
    expect(mentions('(SEC-6.1)', 'SEC-6')).toBe(false);
    expect(mentions('SEC-60', 'SEC-6')).toBe(false);
    expect(mentions('FNB-3.1.3 and more', 'FNB-3.1.3')).toBe(true);
    expect(mentions('XFNB-3.1.3', 'FNB-3.1.3')).toBe(false);
  });

  it('every enforce clause names at least one test file', () => {
    const without = clauses.filter((c) => c.status === 'enforce' && c.tests.length === 0).map((c) => c.id);
    expect(without).toEqual([]);
  });

  it.skipIf(onlyPending)(
    onlyPending
      ? `every named test file exists and mentions its clause — SKIPPED: only files of other issues are missing (${pendingFolders.join(', ')} not on this branch): ${pendingFiles.join(', ')}`
      : 'every named test file exists and mentions its clause',
    () => {
      expect(problems).toEqual([]);
    },
  );
});
