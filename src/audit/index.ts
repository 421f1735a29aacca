export { auditEventTypes, auditEventTypeList, isAuditEventType, isRecordedEventType } from './event.js';
export type { AppAuditEventType, AuditEventInput, AuditEventType, AuditOutcome, AuditRecord, AuditSource, AuditValue } from './event.js';
export { createAuditLog } from './create-audit-log.js';
export type { AuditHead, AuditLog, AuditLogOpened, AuditLogOptions, AuditReceipt } from './create-audit-log.js';
export { verifyAuditLog } from './verify/verify-audit-log.js';
export type {
  AuditBadRecord,
  AuditExportSource,
  AuditShreddedRange,
  AuditStreamSummary,
  AuditTamperReason,
  AuditVerifyOptions,
  AuditVerifyResult,
  AuditVerifySource,
} from './verify/types.js';
export { exportAuditLog } from './export.js';
export type { AuditExport, AuditExportOptions, AuditManifest, AuditManifestStream } from './export.js';
export type { AuditReadProgress } from './internal/progress.js';
export { pruneAuditLog } from './retention.js';
export type { AuditPruneOptions, AuditPruneResult } from './retention.js';
export { createAlerter } from './alerts.js';
export type { Alerter, AlerterOptions, AuditAlert, AuditAlertKind } from './alerts.js';
export { findEvents } from './query.js';
export { memoryAuditSink } from './sinks/memory.js';
export type { MemoryAuditSink } from './sinks/memory.js';
export { fileAuditSink } from './sinks/file/file-sink.js';
export type { FileAuditSinkOptions } from './sinks/file/file-sink.js';
export type {
  AuditLine,
  AuditPrunePlan,
  AuditSinkRetention,
  AuditQuery,
  AuditReadOptions,
  AuditSink,
  AuditSinkRecord,
  AuditSinkTail,
  TornTail,
} from './sink.js';
export { defineAuditEvents, recordDigest, dataAccessSchema, dataModifySchema, dataExportSchema } from './define-audit-events.js';
export type { AuditEventCatalog, AuditEventDefinition, DefineAuditEventsOptions } from './define-audit-events.js';
