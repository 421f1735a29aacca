// Regenerate docs/compliance/<preset>.md (Japanese) and <preset>.en.md (English)
// with the `kanmon compliance` command from dist/. Run: npm run docs:compliance
// test/compliance/docs.test.ts fails when a committed matrix is stale.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const presets = ['funabashi', 'remote-maintenance', 'external-service-common', 'nist-800-63b'];

for (const preset of presets) {
  for (const lang of ['ja', 'en']) {
    const args = ['dist/cli/index.js', 'compliance', '--preset', preset, '--format', 'md', '--lang', lang];
    const run = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
    // Exit 1 means "something is weakened": expected for nist-800-63b, whose matrix shows the conflicts.
    if (run.status !== 0 && run.status !== 1) {
      process.stderr.write(run.stderr);
      process.exit(run.status ?? 70);
    }
    const file = `docs/compliance/${preset}${lang === 'ja' ? '' : '.en'}.md`;
    writeFileSync(root + file, run.stdout);
    process.stdout.write(`${file}${run.status === 1 ? ' (weakened clauses listed)' : ''}\n`);
  }
}
