export { KanmonError, isKanmonError } from './errors.js';
export type { KanmonErrorCode, KanmonErrorOptions } from './errors.js';

export { definePolicy } from './policy/define-policy.js';
export type { Policy, PolicyIssue, PolicyOverrides, PolicyPreset } from './policy/define-policy.js';
export { presets, presetIds, japanesePresetIds, isPresetId } from './policy/presets/index.js';
export type { PresetId } from './policy/presets/index.js';
export { policySchema } from './policy/schema.js';
export type { CharacterClass, PolicyInput, PolicySettings } from './policy/schema.js';
export type { DeepReadonly } from './internal/deep.js';

export { createKeyRing } from './keys/key-ring.js';
export type { KeyInput, KeyPurpose, KeyRing, KeyRingOptions } from './keys/key-ring.js';
export { sealSecret, openSecret } from './keys/secret-box.js';
export type { OpenedSecret, SealBinding } from './keys/secret-box.js';

export * from './audit/index.js';
