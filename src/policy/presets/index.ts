import type { PolicyInput } from '../schema.js';
import { externalServiceCommon } from './external-service-common.js';
import { funabashi } from './funabashi.js';
import { nist80063b } from './nist-800-63b.js';
import { remoteMaintenance } from './remote-maintenance.js';

/** The presets, as plain data. Each field is commented with the clause it comes from. */
export const presets = {
  funabashi,
  'remote-maintenance': remoteMaintenance,
  'external-service-common': externalServiceCommon,
  'nist-800-63b': nist80063b,
} as const satisfies Record<string, PolicyInput>;

/** A preset id. */
export type PresetId = keyof typeof presets;

/** The ids of every preset. */
export const presetIds = Object.keys(presets) as PresetId[];

/** The presets built from the Japanese municipal documents (as opposed to `nist-800-63b`). */
export const japanesePresetIds: readonly PresetId[] = ['funabashi', 'remote-maintenance', 'external-service-common'];

/**
 * Whether a value (a command-line argument, a configuration field) names a preset.
 *
 * @example
 * ```ts
 * import { definePolicy, isPresetId } from 'kanmon';
 * const preset = process.env.KANMON_PRESET ?? 'funabashi';
 * if (!isPresetId(preset)) throw new Error(`unknown preset ${preset}`);
 * const configured = definePolicy(preset);
 * ```
 */
export function isPresetId(value: unknown): value is PresetId {
  return typeof value === 'string' && Object.hasOwn(presets, value);
}
