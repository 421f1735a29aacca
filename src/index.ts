/**
 * `kanmon`: the authentication controls themselves (policy, password checks and
 * hashing, lockout, MFA, place/device/time rules, sessions, audit log,
 * compliance report) and `createKanmon`, which wires them into login flows.
 * Guides: docs/README.md.
 *
 * @module kanmon
 */
export { KanmonError, isKanmonError } from './errors.js';
export type { KanmonErrorCode, KanmonErrorOptions } from './errors.js';

export { definePolicy } from './policy/define-policy.js';
export type { Policy, PolicyIssue, PolicyOverrides, PolicyPreset } from './policy/define-policy.js';
export { presets, presetIds, japanesePresetIds, isPresetId } from './policy/presets/index.js';
export type { PresetId } from './policy/presets/index.js';
export type { CharacterClass, PolicyInput } from './policy/schema.js';

export { createKeyRing } from './keys/key-ring.js';
export type { KeyInput, KeyPurpose, KeyRing, KeyRingEvent, KeyRingOptions } from './keys/key-ring.js';
export { attachKeyAudit } from './keys/key-audit.js';
export type { KeyAudit, KeyAuditOptions } from './keys/key-audit.js';
export { sealSecret, openSecret } from './keys/secret-box.js';
export type { OpenedSecret, SealBinding } from './keys/secret-box.js';
export { purgeTenant } from './tenant/purge-tenant.js';
export type { PurgeTenantOptions, PurgeTenantResult } from './tenant/purge-tenant.js';
export { signDeletionCertificate, verifyDeletionCertificate, deletionCertificateFormat } from './tenant/certificate.js';
export type { CertificateSigningKey, DeletionCertificate, DeletionCertificateBody, DeletionCertificateVerification, DeletionCounts } from './tenant/certificate.js';
export { renderDeletionCertificateHtml } from './tenant/render-certificate.js';

export { createSessionManager } from './session/create-session-manager.js';
export { cryptrecSessionAlgorithms } from './session/algorithms.js';
export type { SessionAlgorithm } from './session/algorithms.js';
export type {
  AuthMethod,
  IssueSessionInput,
  IssuedSession,
  MaxConcurrentSessions,
  OpenSessionOptions,
  OpenSessionResult,
  Session,
  SessionInfo,
  SessionKeyPair,
  SessionManager,
  SessionManagerOptions,
  SessionStore,
  VerifySessionResult,
} from './session/types.js';
export { complianceReport } from './compliance/report.js';
export { diffPolicies } from './compliance/diff-policies.js';
export type { ClauseChange, DiffPoliciesOptions, PolicyChange, PolicyDiff } from './compliance/diff-policies.js';
export { recordPolicyChange } from './compliance/record-policy-change.js';
export type { RecordPolicyChangeInput, RecordPolicyChangeResult } from './compliance/record-policy-change.js';
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
export { createIpAllowList } from './access/ip-allow-list.js';
export type { IpAllowList, InvalidCidrEntry } from './access/ip-allow-list.js';
export { createClientIpResolver, resolveClientIp } from './access/client-ip.js';
export type {
  ClientIpOptions,
  ClientIpRequest,
  ClientIpResolver,
  ClientIpResult,
  ClientIpSource,
  ForwardedHeaderName,
  IncomingHeaders,
} from './access/client-ip.js';
export { createBusinessHours } from './access/business-hours.js';
export type {
  BusinessHours,
  BusinessHoursCheck,
  BusinessHoursOptions,
  ClosedReason,
  LocalTime,
  OutOfHoursAction,
} from './access/business-hours.js';
export { createClientCertPolicy } from './access/client-cert.js';
export type {
  ClientCertPolicy,
  ClientCertPolicyOptions,
  ClientCertReason,
  ClientCertRequest,
  ClientCertResult,
  ClientCertSource,
  PeerCertificateSocket,
  VerifiedClientCert,
} from './access/client-cert.js';
export { certificateFingerprintSha256 } from './access/certificate-fingerprint.js';
export { createDevices } from './access/device.js';
export type {
  CheckDeviceInput,
  DeviceCheckResult,
  DeviceEvent,
  DeviceReason,
  Devices,
  DevicesOptions,
  DeviceTokenKey,
  DeviceTokenKeys,
  RegisterDeviceInput,
  RegisterDeviceResult,
  RevokeDeviceInput,
} from './access/device.js';
export { createMemoryDeviceRegistry } from './access/device-registry.js';
export type { DeviceKind, DeviceRegistry, MemoryDeviceRegistry, RegisteredDevice } from './access/device-registry.js';
export { createAccessEvaluator, evaluateAccess } from './access/evaluate-access.js';
export type {
  AccessContext,
  AccessDecision,
  AccessDenyReason,
  AccessEvaluator,
  AccessEvaluatorOptions,
  AccessFlag,
  AccessPolicy,
  AccessRequest,
  AccessRequestDecision,
  AccessRuleName,
} from './access/evaluate-access.js';
export { checkPassword } from './password/check-password.js';
export type { PasswordCheckResult, PasswordContext, PasswordPolicy } from './password/check-password.js';
export { normalizePassword } from './password/normalize.js';
export type { PasswordNormalization } from './password/normalize.js';
export { passwordIssueCodes } from './password/issues.js';
export type { ContextSource, PasswordIssue, PasswordIssueCode, PasswordIssueOf, SequenceKind } from './password/issues.js';

export { formatIssue } from './messages/format-issue.js';
export type { IssueMessageOverrides } from './messages/format-issue.js';
export { describePolicy, passwordRules } from './messages/describe-policy.js';
export type { PolicyRuleOverrides } from './messages/describe-policy.js';
export { messageLangs } from './messages/catalog.js';
export type { MessageLang, PasswordRule, PasswordRuleId } from './messages/catalog.js';
export { createPasswordHasher } from './password/hash/create-hasher.js';
export type { ImportingPasswordHasher, LayeredInner, HashTenant, PasswordHasher, PasswordHasherOptions, PasswordRefusal, PasswordVerifyResult } from './password/hash/create-hasher.js';
export { readImportHash } from './password/hash/foreign/import-hash.js';
export { accountHashInventory, passwordHashInventory } from './password/hash/inventory.js';
export type { PasswordHashInventory } from './password/hash/inventory.js';
export type { ImportHashFormat, ImportHashRefusal, ImportHashResult } from './password/hash/foreign/import-hash.js';
export type { ForeignFormat } from './password/hash/foreign/read.js';
export { argon2Engine } from './password/hash/argon2id.js';
export type { Argon2Engine, Argon2EngineName, Argon2Params } from './password/hash/argon2id.js';
export { canonicalArgon2 } from './password/hash/phc.js';
export { checkPasswordHistory } from './password/history.js';
export type { PasswordHistoryResult } from './password/history.js';
export { checkPasswordAge, canChangePassword } from './password/age.js';
export type { MustChangeReason, PasswordAgeResult, PasswordAgeState, PasswordChangeAllowance, PasswordExpiryWarning } from './password/age.js';
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
export { buildBreachedPasswordFile } from './password/breached/build-file.js';
export type { BuildBreachedFileOptions, BuildBreachedFileResult } from './password/breached/build-file.js';
export { openBreachedPasswordFilter } from './password/breached/open-file.js';
export type { OpenBreachedFilterOptions, OpenedBreachedPasswordFilter } from './password/breached/open-file.js';
export { createOnlineBreachCheck } from './password/breached/online.js';
export type { OnlineBreachCheck, OnlineBreachCheckOptions, OnlineBreachResult } from './password/breached/online.js';
export { createLockout } from './lockout/create-lockout.js';
export type {
  CreateLockoutOptions,
  Lockout,
  LockoutEvent,
  LockoutFactor,
  LockoutFactorStatus,
  LockoutKey,
  LockoutReservation,
  LockoutResetResult,
  LockoutStatus,
  ThrottleScope,
} from './lockout/types.js';
export { memoryStore } from './store/memory.js';
export type { MemoryStoreOptions } from './store/memory.js';
export type { KanmonStore } from './store/store.js';

export { enrollTotp } from './mfa/enroll-totp.js';
export type { EnrollTotpOptions, TotpAccount, TotpEnrollment } from './mfa/enroll-totp.js';
export { verifyTotp, confirmTotpEnrollment } from './mfa/totp.js';
export type { ConfirmTotpInput, ConfirmTotpResult, TotpFailureReason, VerifyTotpInput, VerifyTotpOptions, VerifyTotpResult } from './mfa/totp.js';
export { generateRecoveryCodes, hashRecoveryCodes, RECOVERY_CODE_BITS } from './mfa/recovery-codes.js';
export type { HashRecoveryCodesOptions, RecoveryCodeSet } from './mfa/recovery-codes.js';
export { consumeRecoveryCode, recoveryCodesRemaining } from './mfa/recovery-codes.js';
export type { ConsumeRecoveryCodeInput, ConsumeRecoveryCodeOptions, ConsumeRecoveryCodeResult, RecoveryCodesRemainingOptions } from './mfa/recovery-codes.js';
export { createMfa } from './mfa/create-mfa.js';
export type { Mfa, MfaOptions } from './mfa/create-mfa.js';
export type { MfaLockout, MfaReservation, MfaStore } from './mfa/capabilities.js';
export { mfaRequirement } from './mfa/requirement.js';
export type { MfaContext, MfaReason, MfaRequirement } from './mfa/requirement.js';
export * from './audit/index.js';

export { createKanmon } from './login/create-kanmon.js';
export { memoryAccounts } from './login/memory-accounts.js';
export { newAccount } from './login/new-account.js';
export type { NewAccountInit } from './login/new-account.js';
export type { MemoryAccounts } from './login/memory-accounts.js';
export type {
  AccountListQuery,
  AccountMustChange,
  AccountPage,
  AccountPatch,
  AccountRecord,
  AccountRepository,
  ChangePasswordDenyReason,
  ChangePasswordInput,
  ChangePasswordResult,
  ConfirmEnrollmentResult,
  EnrollDenied,
  EnrollDenyReason,
  EnrollTarget,
  EnrollTotpResult,
  Kanmon,
  LoginAuthenticated,
  NewSourceNotice,
  PreviousLogin,
  LoginDenied,
  LoginDenyReason,
  LoginInput,
  LoginMfaRequired,
  LoginPasswordChangeRequired,
  LoginResult,
  LoginWarning,
  MfaDenied,
  MfaDenyReason,
  NewAccount,
  RequestFacts,
  VerifyMfaResult,
} from './login/types.js';
export type { FinishPasskeyAuthenticationResult, LogoutResult } from './login/types.js';
export type {
  KanmonSessions,
  ListSessionsResult,
  ListedSession,
  RevokeOtherSessionsResult,
  RevokeSessionInput,
  RevokeSessionResult,
  SessionControlInput,
  SessionLimitDenied,
} from './login/session-types.js';
export { deviceLabel } from './session/device-label.js';
export type { RegenerateRecoveryCodesInput, RegenerateRecoveryCodesResult, RegenerateRefusal } from './login/types.js';
export type { OutageCause } from './login/outage.js';
export type { KanmonStepUp, ReauthenticateDenyReason, ReauthenticateInput, ReauthenticateResult } from './login/step-up-types.js';
export type { KanmonDeviceOptions, KanmonOptions } from './login/options.js';
export type {
  AdminRemovePasskeyInput,
  CeremonyRefusal,
  FinishPasskeyAuthenticationInput,
  FinishPasskeyRegistrationInput,
  FinishPasskeyRegistrationResult,
  KanmonAdminPasskeys,
  KanmonPasskeys,
  PasskeyChallengeRefusal,
  PasskeyChangeInput,
  PasskeyChangeResult,
  PasskeyCredential,
  PasskeyDenied,
  PasskeyDenyReason,
  PasskeySessionInput,
  PasskeySessionRefusal,
  PasskeySummary,
  StartPasskeyAuthenticationInput,
  StartPasskeyAuthenticationResult,
  StartPasskeyRegistrationResult,
} from './login/passkey-types.js';
export type {
  CompletePasswordResetDenyReason,
  CompletePasswordResetInput,
  CompletePasswordResetResult,
  KanmonRecoveryOptions,
  PasswordResetDelivery,
  RequestPasswordResetDenyReason,
  RequestPasswordResetInput,
  RequestPasswordResetResult,
} from './login/reset-types.js';
export { issuedPasswordExpiresAt } from './recovery/issued-password.js';
export type { IssuedPasswordState } from './recovery/issued-password.js';
export type { AdminInput, AdminResult, CreateAccountInput, DisableDormantInput, DisableDormantResult, RegisterDeviceAdminInput, ResetMfaAdminInput, RevokeDeviceAdminInput } from './login/admin/types.js';
export type { InventoryEntry, InventoryInput, InventoryMfa, InventoryResult, KanmonInventory } from './login/admin/inventory-types.js';
export { idleDays, isDormant } from './login/admin/inventory-entry.js';
export type { ConfirmEnrollmentInput, EnrollTotpInput, LogoutInput, VerifyMfaInput } from './login/types.js';

export type {
  KanmonTelemetryOptions,
  TelemetryAttributes,
  TelemetryCounter,
  TelemetryHistogram,
  TelemetryInstrumentOptions,
  TelemetryMeter,
  TelemetryMeterProvider,
  TelemetryObservableGauge,
  TelemetryObservableResult,
  TelemetrySpan,
  TelemetryTracer,
  TelemetryTracerProvider,
} from './telemetry/types.js';
export { adminView } from './admin-view/index.js';
export type {
  AdminAccountFacts,
  AdminAccountRow,
  AdminAccountsView,
  AdminAuditView,
  AdminInventoryRow,
  AdminInventoryView,
  AdminOperation,
  AdminOutcomeResult,
  AdminViewAction,
  AdminViewColumn,
  AdminViewNotice,
  AdminViewOptions,
  AdminViewStatus,
  AdminViewTime,
} from './admin-view/index.js';
