import { parseArgs } from 'node:util';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { definePolicy, type Policy } from '../../policy/define-policy.js';
import { isPresetId, presetIds } from '../../policy/presets/index.js';
import type { PolicyInput } from '../../policy/schema.js';
import { KanmonError } from '../../errors.js';
import { type CliCommand, type CliIo, EXIT_OK, EXIT_USAGE } from '../command.js';
import { policyDiffUsage, runPolicyDiff } from './policy-diff.js';

/**
 * Build the policy a command works on from `--preset` and an optional
 * `--config` JSON file of overrides (or a full policy when no preset is given).
 * Shared by every command that takes a policy.
 */
export async function policyFromFlags(flags: { preset?: string | undefined; config?: string | undefined }, io: CliIo): Promise<Policy> {
  let overrides: PolicyInput | undefined;
  if (flags.config !== undefined) {
    const text = await readFile(resolve(io.cwd, flags.config), 'utf8');
    try {
      overrides = JSON.parse(text) as PolicyInput;
    } catch (cause) {
      throw new KanmonError('ERR_INVALID_POLICY', `${flags.config}: not valid JSON`, { cause });
    }
  }
  if (flags.preset !== undefined) {
    if (!isPresetId(flags.preset)) {
      throw new KanmonError('ERR_INVALID_POLICY', `unknown preset '${flags.preset}'; expected one of ${presetIds.join(', ')}`);
    }
    return definePolicy(flags.preset, overrides);
  }
  return definePolicy(overrides ?? {});
}

export const policyCommand: CliCommand = {
  name: 'policy',
  summary: {
    en: 'Print the validated policy (preset + config) as JSON',
    ja: '検証済みのポリシー（プリセット＋設定）を JSON で表示',
  },
  usage: {
    en:
      'kanmon policy --preset <id> [--config kanmon.config.json]\n\n' +
      'Validate the preset with the config file merged over it (or the config alone, as a full policy)\n' +
      'and print the frozen policy every other command would use, defaults filled in.\n' +
      'Exit codes: 0 valid; 2 invalid (ERR_INVALID_POLICY lists every bad field) or wrong usage.\n\n' +
      policyDiffUsage.en +
      '\n\nPresets: ' +
      presetIds.join(', '),
    ja:
      'kanmon policy --preset <id> [--config kanmon.config.json]\n\n' +
      'プリセットに設定ファイルを重ねて（--preset がなければ設定ファイルをポリシー全体として）検証し、\n' +
      '他のコマンドが使うのと同じ、既定値を補ったポリシーを表示します。\n' +
      '終了コード: 0 正しい、2 誤り（ERR_INVALID_POLICY が誤った項目をすべて示す）または使い方の誤り。\n\n' +
      policyDiffUsage.ja +
      '\n\nプリセット: ' +
      presetIds.join(', '),
  },
  async run(args, io) {
    if (args[0] === 'diff') return runPolicyDiff(args.slice(1), io);
    const { values } = parseArgs({
      args: [...args],
      options: { preset: { type: 'string' }, config: { type: 'string' } },
      strict: true,
    });
    if (values.preset === undefined && values.config === undefined) {
      io.stderr.write(this.usage[io.lang] + '\n');
      return EXIT_USAGE;
    }
    const policy = await policyFromFlags(values, io);
    io.stdout.write(JSON.stringify(policy, null, 2) + '\n');
    return EXIT_OK;
  },
};
