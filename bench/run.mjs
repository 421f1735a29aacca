// `npm run bench`: every bench/*.bench.mjs in one run, against the built dist/.
// Pass names to run a subset: `npm run bench -- password lockout`.
import { spawn } from 'node:child_process';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cpus } from 'node:os';
import { allResults } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = (await readdir(here))
  .filter((f) => f.endsWith('.bench.mjs'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

// Each benchmark file runs in a fresh process: one file's heap, timers and JIT state never
// weigh on the next (a service runs one configuration, not all of them one after another).
// The child is this script with one file name and KANMON_BENCH_CHILD set; it hands its
// results back in a JSON file.
if (process.env.KANMON_BENCH_CHILD) {
  const [file, out] = [process.argv[2], process.env.KANMON_BENCH_CHILD];
  const mod = await import(pathToFileURL(join(here, file)).href);
  await mod.default();
  await writeFile(out, JSON.stringify(allResults()));
} else {
  process.stdout.write(`# kanmon bench — Node ${process.version}, ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}\n`);
  await mkdir(join(here, '.results'), { recursive: true });
  const results = [];
  for (const file of files) {
    process.stdout.write(`\n## ${file.replace('.bench.mjs', '')}\n`);
    const out = join(here, '.results', `${file}.json`);
    const code = await new Promise((resolve) => {
      spawn(process.execPath, [fileURLToPath(import.meta.url), file], { stdio: 'inherit', env: { ...process.env, KANMON_BENCH_CHILD: out } }).on('exit', resolve);
    });
    if (code !== 0) {
      process.exitCode = 1;
      process.stdout.write(`\n${file} failed (exit ${code})\n`);
      continue;
    }
    results.push(...JSON.parse(await readFile(out, 'utf8')));
  }
  await writeFile(join(here, '.results', 'latest.json'), JSON.stringify(results, null, 2));
}
