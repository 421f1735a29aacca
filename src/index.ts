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

export { createPasswordHasher } from './password/hash/create-hasher.js';
export type { PasswordHasher, PasswordHasherOptions, PasswordRefusal, PasswordVerifyResult } from './password/hash/create-hasher.js';
export { argon2Engine } from './password/hash/argon2id.js';
export type { Argon2Engine, Argon2EngineName, Argon2Params } from './password/hash/argon2id.js';
export { canonicalArgon2 } from './password/hash/phc.js';
export { checkPasswordHistory } from './password/history.js';
export type { PasswordHistoryResult } from './password/history.js';
export { checkPasswordAge, canChangePassword } from './password/age.js';
export type { MustChangeReason, PasswordAgeResult, PasswordAgeState, PasswordChangeAllowance } from './password/age.js';
export { markCompromised } from './password/compromise.js';
export type { CompromisePatch, CompromiseSource, MarkCompromisedOptions, PasswordCompromisedEvent } from './password/compromise.js';
export { createBreachedPasswordFilter } from './password/breached/create-filter.js';
export type { BreachedPasswordFilter } from './password/breached/create-filter.js';
export { buildBreachedPasswordFilter, createBreachedFilterBuilder } from './password/breached/build.js';
export type {
  BreachedFilterBuilder,
  BreachedFilterBuilderOptions,
  BreachedListFormat,
  BuildBreachedFilterOptions,
  BuildBreachedFilterResult,
} from './password/breached/build.js';
export { createOnlineBreachCheck } from './password/breached/online.js';
export type { OnlineBreachCheck, OnlineBreachCheckOptions, OnlineBreachResult } from './password/breached/online.js';
