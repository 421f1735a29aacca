import { parseArgs } from 'node:util';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { diffPolicies } from '../../compliance/diff-policies.js';
import { definePolicy, type Policy } from '../../policy/define-policy.js';
import { isPresetId, presetIds } from '../../policy/presets/index.js';
import { KanmonError } from '../../errors.js';
import { type CliIo, EXIT_FINDING, EXIT_OK, EXIT_USAGE } from '../command.js';

export const policyDiffUsage = {
  en:
    'kanmon policy diff <a> <b> [--preset <id>] [--format text|json]\n\n' +
    'Compare two policies setting by setting: the changed paths, the clauses resting on each, and the clauses\n' +
    'whose compliance verdict got worse (weakened) or better. <a> and <b> are a preset id or a JSON file: overrides\n' +
    'over --preset, over the file\'s own "preset" (an id, or the object `kanmon policy` prints), else a full policy.\n' +
    'Exit codes: 0 no clause weakened; 1 a clause weakened (a CI gate on configuration changes); 2 invalid or wrong usage.',
  ja:
    'kanmon policy diff <a> <b> [--preset <id>] [--format text|json]\n\n' +
    '二つのポリシーを設定項目ごとに比較し、変わった項目、それに依る条項、適合判定が悪くなった（弱化）条項と\n' +
    '良くなった条項を表示します。<a> と <b> はプリセット名か JSON ファイル（--preset、またはファイル自身の "preset"\n' +
    '（名前か `kanmon policy` が表示するオブジェクト）に重ねる設定、なければポリシー全体）。\n' +
    '終了コード: 0 弱化なし、1 弱化した条項あり（設定変更の CI ゲート）、2 誤りまたは使い方の誤り。',
} as const;

async function load(arg: string, preset: string | undefined, io: CliIo): Promise<Policy> {
  if (isPresetId(arg)) return definePolicy(arg);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(resolve(io.cwd, arg), 'utf8'));
  } catch (cause) {
    throw new KanmonError('ERR_INVALID_POLICY', `${arg}: neither a preset (${presetIds.join(', ')}) nor a readable JSON file`, { cause });
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new KanmonError('ERR_INVALID_POLICY', `${arg}: not a JSON object`);
  const { preset: own, ...settings } = json as Record<string, unknown>;
  const id: unknown = typeof own === 'string' ? own : own !== null && typeof own === 'object' ? (own as { id?: unknown }).id : preset;
  if (id === undefined) return definePolicy(settings);
  if (typeof id !== 'string' || !isPresetId(id)) throw new KanmonError('ERR_INVALID_POLICY', `${arg}: unknown preset ${JSON.stringify(id)}; expected one of ${presetIds.join(', ')}`);
  return definePolicy(id, settings);
}

const show = (v: unknown) => (v === undefined ? '(none)' : JSON.stringify(v));

/** `kanmon policy diff a b`. */
export async function runPolicyDiff(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: { preset: { type: 'string' }, format: { type: 'string', default: 'text' } },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length !== 2 || (values.format !== 'text' && values.format !== 'json')) {
    io.stderr.write(policyDiffUsage[io.lang] + '\n');
    return EXIT_USAGE;
  }
  const [a, b] = positionals as [string, string];
  const diff = diffPolicies(await load(a, values.preset, io), await load(b, values.preset, io));
  if (values.format === 'json') {
    io.stdout.write(JSON.stringify(diff, null, 2) + '\n');
  } else {
    const ja = io.lang === 'ja';
    const lines: string[] = [];
    lines.push(ja ? `変更された設定: ${diff.changes.length}` : `Changed settings: ${diff.changes.length}`);
    for (const c of diff.changes) lines.push(`  ${c.path}: ${show(c.before)} -> ${show(c.after)}${c.clauses.length ? `  [${c.clauses.join(', ')}]` : ''}`);
    lines.push(ja ? `弱化した条項: ${diff.weakened.length}` : `Weakened clauses: ${diff.weakened.length}`);
    for (const w of diff.weakened) lines.push(`  ${w.clause}: ${w.before} -> ${w.after}${w.paths.length ? ` (${w.paths.join(', ')})` : ''}`);
    if (diff.strengthened.length > 0) {
      lines.push(ja ? `強化された条項: ${diff.strengthened.length}` : `Strengthened clauses: ${diff.strengthened.length}`);
      for (const s of diff.strengthened) lines.push(`  ${s.clause}: ${s.before} -> ${s.after}${s.paths.length ? ` (${s.paths.join(', ')})` : ''}`);
    }
    io.stdout.write(lines.join('\n') + '\n');
  }
  return diff.weakened.length > 0 ? EXIT_FINDING : EXIT_OK;
}
