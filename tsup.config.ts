import { existsSync } from 'node:fs';
import { defineConfig } from 'tsup';

// One entry per public subpath. A subpath whose folder does not exist yet is
// simply not built; package.json's exports map already names them all.
const entries = ['index', 'store/index', 'redis/index', 'postgres/index', 'express/index', 'fastify/index', 'nestjs/index', 'cli/index'];

export default defineConfig({
  entry: Object.fromEntries(
    entries.filter((name) => existsSync(`src/${name}.ts`)).map((name) => [name, `src/${name}.ts`]),
  ),
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  splitting: true,
  treeshake: true,
  target: 'node20',
  platform: 'node',
  shims: false,
  outExtension: ({ format }) => ({ js: format === 'cjs' ? '.cjs' : '.js' }),
  loader: { '.bin': 'binary' },
});
