// The API reference (issue 21 item 4): `npm run docs:api`, and in `npm test`.
//
// Entry points come from ONE list, package.json "exports": '.' is src/index.ts
// and every subpath './x' is src/x/index.ts (the layout tsup builds). A new
// public subpath (kanmon/nestjs, …) is documented as soon as it is exported;
// this file does not change.
//
// Output: docs/api/html/ (gitignored, generated; `prepack` builds it so the
// published package carries an offline reference for closed networks) and
// .tmp/api-reference.json, which test/docs/api-reference.test.ts reads to
// require an @example on every exported function.
import { existsSync, readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
const entryPoints = Object.keys(pkg.exports)
  .filter((subpath) => subpath !== './package.json')
  .map((subpath) => (subpath === '.' ? 'src/index.ts' : `src/${subpath.slice(2)}/index.ts`))
  // Like tsup.config.ts: a subpath whose folder does not exist yet is not built.
  .filter((file) => existsSync(file));

/** @type {Partial<import('typedoc').TypeDocOptions>} */
export default {
  name: 'kanmon',
  includeVersion: true,
  entryPoints,
  tsconfig: 'tsconfig.typedoc.json',
  out: 'docs/api/html',
  json: '.tmp/api-reference.json',
  readme: 'none',
  // No repository URL to link to, and line numbers would change the output
  // on every edit: the reference names the symbol, not the source line.
  disableSources: true,
  githubPages: false,
  // `npm run typecheck` already type-checks src/ strictly; TypeDoc only reads it.
  skipErrorChecking: true,
  excludePrivate: true,
  excludeInternal: true,
  // A summary is required on every exported declaration a reader looks up by
  // name: functions, classes, consts, interfaces, type aliases, enums, and the
  // methods of exported interfaces and classes (Kanmon's methods are the API).
  // Properties are left out: they are named with their units (lockDurationMs,
  // maxFailures) and documented where the name is not enough; requiring one
  // line on each of ~1,300 option fields would be noise, not reference.
  requiredToBeDocumented: ['Function', 'Class', 'Variable', 'Interface', 'TypeAlias', 'Enum', 'Method', 'Accessor'],
  // KanmonStore extends Partial<EntryLists>: TypeDoc does not carry the
  // comments of EntryLists (documented) through the mapped type.
  intentionallyNotDocumented: [
    'kanmon.KanmonStore.addEntry',
    'kanmon.KanmonStore.listEntries',
    'kanmon.KanmonStore.removeEntry',
    'kanmon.KanmonStore.touchEntry',
    'kanmon/postgres.PostgresStore.addEntry',
    'kanmon/postgres.PostgresStore.listEntries',
    'kanmon/postgres.PostgresStore.removeEntry',
    'kanmon/postgres.PostgresStore.touchEntry',
  ],
  validation: {
    notDocumented: true,
    invalidLink: true,
    rewrittenLink: true,
    unusedMergeModuleWith: true,
    // Internal types reached through a public one (PolicySettings, MemoryStore,
    // …) are shown by name; exporting them is an API decision, not a docs fix.
    notExported: false,
  },
  // Any warning (a missing summary, a broken {@link}) fails `npm run docs:api`
  // and so `npm test`.
  treatWarningsAsErrors: true,
  logLevel: 'Warn',
};
