import type { z } from 'zod';
import { KanmonError } from '../errors.js';
import { type DeepReadonly, deepFreeze, deepMerge, isPlainObject } from '../internal/deep.js';
import { type PresetId, isPresetId, japanesePresetIds, presetIds, presets } from './presets/index.js';
import { type PolicyInput, type PolicySettings, policySchema } from './schema.js';

/** One bad field of a policy: its dotted path and what is wrong with it. */
export interface PolicyIssue {
  /** Dotted path, e.g. `password.minLength`; `(base)` for the base itself. */
  readonly path: string;
  readonly message: string;
}

/** The preset a policy was built from, with the preset's own validated values. */
export interface PolicyPreset {
  readonly id: PresetId;
  /**
   * The preset's own settings, untouched by overrides. Comparing them with the
   * policy's settings shows where a deployment weakened a preset below its clause.
   */
  readonly settings: DeepReadonly<PolicySettings>;
}

/**
 * A validated, deeply frozen policy: every section every control reads, plus
 * the preset it came from (or `null` when built from a full object).
 */
export type Policy = DeepReadonly<PolicySettings> & {
  readonly preset: PolicyPreset | null;
};

/** Overrides: any part of a policy, merged deeply over the base (arrays replace). */
export type PolicyOverrides = PolicyInput;

const presetSettingsCache = new Map<PresetId, DeepReadonly<PolicySettings>>();

function presetSettings(id: PresetId): DeepReadonly<PolicySettings> {
  let settings = presetSettingsCache.get(id);
  if (!settings) {
    settings = deepFreeze(parse(presets[id]));
    presetSettingsCache.set(id, settings);
  }
  return settings;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(root)' : path.map(String).join('.');
}

function invalid(issues: PolicyIssue[], cause?: unknown): KanmonError {
  const list = issues.map((i) => `${i.path}: ${i.message}`).join('; ');
  return new KanmonError('ERR_INVALID_POLICY', `Invalid policy (${issues.length} issue${issues.length === 1 ? '' : 's'}): ${list}`, {
    cause,
    details: { issues },
  });
}

function parse(input: unknown): PolicySettings {
  const result = policySchema.safeParse(input);
  if (!result.success) {
    throw invalid(
      result.error.issues.map((issue: z.core.$ZodIssue) => ({ path: formatPath(issue.path), message: issue.message })),
      result.error,
    );
  }
  return result.data;
}

/**
 * Limits a Japanese preset keeps whatever the overrides say: these are not
 * weakenings to report but configurations the clauses rule out.
 */
function checkPresetFloors(id: PresetId, settings: PolicySettings): void {
  if (!japanesePresetIds.includes(id)) return;
  const issues: PolicyIssue[] = [];
  if (settings.mfa.totp.window > 1) {
    // SEC-13: a window of ±n steps accepts 2n+1 codes per guess; above 1 the second factor is weakened.
    issues.push({ path: 'mfa.totp.window', message: `must be at most 1 under the '${id}' preset (SEC-13); got ${settings.mfa.totp.window}` });
  }
  if (issues.length > 0) throw invalid(issues);
}

/**
 * Build the one policy every control reads: a preset (or a full object),
 * optionally overridden, validated once with zod and deeply frozen.
 *
 * Invalid input throws one `KanmonError` with code `ERR_INVALID_POLICY` whose
 * `details.issues` lists every bad field with its path.
 *
 * Weakening a preset is allowed, but never hidden: `policy.preset.settings`
 * keeps the preset's own values, which the compliance report compares against.
 *
 * @param base A preset id (`'funabashi'`, `'remote-maintenance'`,
 *   `'external-service-common'`, `'nist-800-63b'`), a full or partial policy
 *   object (missing fields take their defaults), or a policy from an earlier call.
 * @param overrides Fields to change, merged deeply (arrays replace).
 *
 * @example
 * ```ts
 * import { definePolicy } from 'kanmon';
 * const policy = definePolicy('funabashi', {
 *   password: { contextWords: ['船橋', 'funabashi'] },
 *   mfa: { internalNetworks: ['10.0.0.0/8'] },
 * });
 * policy.password.minLength; // 10
 * policy.preset?.id; // 'funabashi'
 * ```
 */
export function definePolicy(base: PresetId | PolicyInput | Policy, overrides?: PolicyOverrides): Policy {
  let preset: PolicyPreset | null = null;
  let baseInput: unknown;

  if (typeof base === 'string') {
    if (!isPresetId(base)) {
      throw invalid([{ path: '(base)', message: `unknown preset '${String(base)}'; expected one of ${presetIds.join(', ')}` }]);
    }
    preset = { id: base, settings: presetSettings(base) };
    baseInput = preset.settings;
  } else if (isPlainObject(base) || (typeof base === 'object' && base !== null && Object.isFrozen(base))) {
    const { preset: carried, ...rest } = base as Record<string, unknown> & { preset?: unknown };
    if (carried !== undefined && carried !== null) {
      const id = (carried as { id?: unknown }).id;
      if (!isPresetId(id)) throw invalid([{ path: 'preset', message: 'not a preset this version of kanmon knows' }]);
      preset = { id, settings: presetSettings(id) };
    }
    baseInput = rest;
  } else {
    throw invalid([{ path: '(base)', message: 'expected a preset id or a policy object' }]);
  }

  if (overrides !== undefined && !isPlainObject(overrides)) {
    throw invalid([{ path: '(overrides)', message: 'expected a plain object' }]);
  }

  const settings = parse(deepMerge(baseInput, overrides));
  if (preset) checkPresetFloors(preset.id, settings);
  const policy: Policy = deepFreeze({ ...settings, preset });
  return policy;
}
