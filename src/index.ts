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

export { createSessionManager, cryptrecSessionAlgorithms } from './session/create-session-manager.js';
export type {
  AuthMethod,
  IssueSessionInput,
  IssuedSession,
  Session,
  SessionAlgorithm,
  SessionKeyPair,
  SessionManager,
  SessionManagerOptions,
  SessionRevocationStore,
  VerifySessionResult,
} from './session/create-session-manager.js';
export { complianceReport } from './compliance/report.js';
export type {
  ComplianceEvidence,
  ComplianceFinding,
  ComplianceNote,
  ComplianceReport,
  ComplianceReportOptions,
  ComplianceRow,
  ComplianceSummary,
  NistConflict,
  ReportLang,
  Verdict,
} from './compliance/report.js';
export { clauses, clauseDocuments, documentInfo, presetDocuments, getClause, isClauseDocument } from './compliance/clauses.js';
export type {
  Clause,
  ClauseDocument,
  ClauseDocumentInfo,
  ClauseStatus,
  ControlId,
  EnforcedClause,
  OutsideClause,
  ResponsibleParty,
  SupportedClause,
} from './compliance/clauses.js';
export { renderComplianceReport, reportFormats, isReportFormat } from './compliance/render/index.js';
export type { ReportFormat, RenderOptions } from './compliance/render/index.js';

export { enrollTotp } from './mfa/enroll-totp.js';
export type { EnrollTotpOptions, TotpAccount, TotpEnrollment } from './mfa/enroll-totp.js';
export { verifyTotp, confirmTotpEnrollment } from './mfa/totp.js';
export type { ConfirmTotpInput, ConfirmTotpResult, TotpFailureReason, VerifyTotpInput, VerifyTotpOptions, VerifyTotpResult } from './mfa/totp.js';
export { generateRecoveryCodes, hashRecoveryCodes, RECOVERY_CODE_BITS } from './mfa/recovery-codes.js';
export type { HashRecoveryCodesOptions, RecoveryCodeSet } from './mfa/recovery-codes.js';
export { consumeRecoveryCode, recoveryCodesRemaining } from './mfa/recovery-codes.js';
export type { ConsumeRecoveryCodeInput, ConsumeRecoveryCodeOptions, ConsumeRecoveryCodeResult, RecoveryCodesRemainingOptions } from './mfa/recovery-codes.js';
export type { MfaLockout, MfaReservation, MfaStore } from './mfa/capabilities.js';
