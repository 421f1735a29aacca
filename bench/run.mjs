// `npm run bench`: every bench/*.bench.mjs in one run, against the built dist/.
// Pass names to run a subset: `npm run bench -- password lockout`.
import { readdir, mkdir, writeFile } from 'node:fs/promises';
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

process.stdout.write(`# kanmon bench — Node ${process.version}, ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}\n`);
for (const file of files) {
  process.stdout.write(`\n## ${file.replace('.bench.mjs', '')}\n`);
  const mod = await import(pathToFileURL(join(here, file)).href);
  await mod.default();
}
await mkdir(join(here, '.results'), { recursive: true });
await writeFile(join(here, '.results', 'latest.json'), JSON.stringify(allResults(), null, 2));
