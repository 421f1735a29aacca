// `kanmon import` (issue 20): reading and checking an export, without any hashing.
// - one exported row: JSON.parse alone (the floor) vs kanmon's row check (readImportHash on a
//   mix of Django, passlib, PHP, Spring, ASP.NET, Keycloak formats), side by side
// - end to end: `kanmon import` of 100,000 mixed rows to JSON Lines in a fresh CLI process
//   (target ≥ 20,000 rows/s; no fast digest to wrap, so no hash is computed)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { readImportHash } from '../dist/index.js';
import { compare, figure } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const read = (name) => JSON.parse(readFileSync(join(here, '../test/vectors/foreign-hashes', name), 'utf8'));
const fixtures = [...read('python.json'), ...read('php.json'), ...read('spec.json')].filter((f) => !['spring-sha256', 'crypt-des', 'md5', 'sha1', 'sha256'].includes(f.format));
const rows = fixtures.map((f, i) => JSON.stringify({ username: `user${i}`, hash: f.format.startsWith('keycloak') ? JSON.parse(f.stored) : f.stored, roles: ['staff'], email: `user${i}@example.lg.jp` }));

export default async function run() {
  await compare(
    'import: one exported row (no hashing)',
    {
      'JSON.parse only (floor)': (i) => JSON.parse(rows[i % rows.length]),
      'kanmon row check (JSON.parse + readImportHash)': (i) => {
        const row = JSON.parse(rows[i % rows.length]);
        const r = readImportHash(row.hash);
        if (!r.ok) throw new Error(r.reason);
      },
    },
    { rounds: 6, timeMs: 3000, batch: 64 },
  );

  const dir = mkdtempSync(join(tmpdir(), 'kanmon-bench-import-'));
  try {
    const N = 100_000;
    const lines = [];
    for (let i = 0; i < N; i++) {
      const f = fixtures[i % fixtures.length];
      lines.push(JSON.stringify({ username: `user${i}`, hash: f.format.startsWith('keycloak') ? JSON.parse(f.stored) : f.stored, roles: ['staff'], email: `user${i}@example.lg.jp` }));
    }
    writeFileSync(join(dir, 'export.jsonl'), lines.join('\n'));
    const cli = join(here, '../dist/cli/index.js');
    const seconds = [];
    for (let round = 0; round < 3; round++) {
      const started = performance.now();
      const result = spawnSync(process.execPath, [cli, 'import', 'export.jsonl', '--out', `out${round}.jsonl`, '--preset', 'funabashi'], { cwd: dir, encoding: 'utf8' });
      if (result.status !== 0) throw new Error(`kanmon import failed: ${result.stderr}`);
      seconds.push((performance.now() - started) / 1000);
    }
    seconds.sort((a, b) => a - b);
    const median = seconds[1];
    figure('kanmon import: 100,000 mixed rows to JSON Lines, one CLI process each (median of 3, process start included)', {
      formats: new Set(fixtures.map((f) => f.format)).size,
      'seconds (median)': median.toFixed(2),
      'rows/s': Math.round(N / median).toLocaleString('en-US'),
      'target ≥ 20,000 rows/s': N / median >= 20_000 ? 'met' : 'NOT met',
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
