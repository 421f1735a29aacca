import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { presetIds } from '../../src/index.js';
import { kanmon } from './support/cli.js';

const docs = fileURLToPath(new URL('../../docs/', import.meta.url));

describe('docs/compliance: the committed matrices are what the command prints today', () => {
  for (const preset of presetIds) {
    for (const lang of ['ja', 'en'] as const) {
      const file = `compliance/${preset}${lang === 'ja' ? '' : '.en'}.md`;
      it(`docs/${file}`, async () => {
        const run = await kanmon(['compliance', '--preset', preset, '--format', 'md', '--lang', lang]);
        expect(run.code).toBe(preset === 'nist-800-63b' ? 1 : 0);
        const committed = readFileSync(docs + file, 'utf8');
        expect(committed === run.stdout, `docs/${file} is stale: run \`npm run docs:compliance\` and commit the result`).toBe(true);
      });
    }
  }

  it('the guides link every matrix and the NIST page', () => {
    const index = readFileSync(docs + 'compliance/README.md', 'utf8');
    for (const preset of presetIds) expect(index).toContain(`(${preset}.md)`);
    expect(index).toContain('../nist-conflicts.md');
  });
});
