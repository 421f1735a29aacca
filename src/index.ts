export { KanmonError, isKanmonError } from './errors.js';
export type { KanmonErrorCode, KanmonErrorOptions } from './errors.js';

export { definePolicy } from './policy/define-policy.js';
export type { Policy, PolicyIssue, PolicyOverrides, PolicyPreset } from './policy/define-policy.js';
export { presets, presetIds, japanesePresetIds, isPresetId } from './policy/presets/index.js';
export type { PresetId } from './policy/presets/index.js';
export { policySchema } from './policy/schema.js';
export type { CharacterClass, PolicyInput, PolicySettings } from './policy/schema.js';
export type { DeepReadonly } from './internal/deep.js';

export { checkPassword } from './password/check-password.js';
export type { PasswordCheckResult, PasswordContext, PasswordPolicy } from './password/check-password.js';
export { normalizePassword } from './password/normalize.js';
export type { PasswordNormalization } from './password/normalize.js';
export { passwordIssueCodes } from './password/issues.js';
export type { ContextSource, PasswordIssue, PasswordIssueCode, PasswordIssueOf, SequenceKind } from './password/issues.js';
export type { BreachedPasswordFilter } from './password/rules/breached.js';
export type { PasswordSettings } from './password/internal/prepared.js';

export { formatIssue } from './messages/format-issue.js';
export type { IssueMessageOverrides } from './messages/format-issue.js';
export { describePolicy, passwordRules } from './messages/describe-policy.js';
export type { PolicyRuleOverrides } from './messages/describe-policy.js';
export { messageLangs } from './messages/catalog.js';
export type { MessageLang, PasswordRule, PasswordRuleId } from './messages/catalog.js';
