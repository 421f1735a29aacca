import { KanmonError } from '../errors.js';
import type { AuditLog } from './create-audit-log.js';
import type { AuditPrunePlan, AuditSink } from './sink.js';

const dayMs = 86_400_000;

/** Options for {@link pruneAuditLog}. */
export interface AuditPruneOptions {
  /** The sink to prune (file or PostgreSQL; memory for tests). */
  readonly sink: AuditSink;
  /** The log that records the pruning (`log.pruned`, one record per pruned stream). */
  readonly log: AuditLog;
  readonly now: () => number;
  /** Policy `audit.retentionDays` (365 in the Japanese presets, EXT-6). */
  readonly retentionDays: number;
  /** Remove records older than this (epoch ms). @default now() - retentionDays */
  readonly before?: number | undefined;
}

/** What was removed. */
export interface AuditPruneResult {
  readonly pruned: readonly AuditPrunePlan[];
}

/**
 * Remove audit records older than the retention period (EXT-6, SEC-18).
 * Refuses (`ERR_RETENTION`) to remove anything younger than `retentionDays`.
 *
 * Pruning is itself audited: before anything is deleted, a `log.pruned` record
 * per stream names the last removed seq and its MAC, so the remaining records
 * still verify from that marker (the chain continues), and deleting records
 * any other way is still detected.
 *
 * The file sink removes whole day files; PostgreSQL removes rows, and its
 * trigger refuses to delete rows younger than the retention period even if
 * this function were bypassed.
 *
 * @example
 * ```ts
 * import { pruneAuditLog } from 'kanmon';
 * await pruneAuditLog({ sink, log: auditLog, now: Date.now, retentionDays: policy.audit.retentionDays });
 * ```
 */
export async function pruneAuditLog(options: AuditPruneOptions): Promise<AuditPruneResult> {
  const { sink, log, now, retentionDays } = options;
  if (!Number.isInteger(retentionDays) || retentionDays < 1) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', 'pruneAuditLog: retentionDays must be a positive integer');
  }
  if (!sink.planPrune || !sink.prune) throw new KanmonError('ERR_INVALID_ARGUMENT', 'pruneAuditLog: this sink cannot prune');
  const oldestAllowed = now() - retentionDays * dayMs;
  const before = options.before ?? oldestAllowed;
  if (!Number.isFinite(before)) throw new KanmonError('ERR_INVALID_ARGUMENT', 'pruneAuditLog: before must be epoch milliseconds');
  if (before > oldestAllowed) {
    throw new KanmonError('ERR_RETENTION', `pruneAuditLog: records younger than ${retentionDays} days are kept (EXT-6); 'before' is ${Math.ceil((before - oldestAllowed) / dayMs)} day(s) too recent`, {
      details: { before, oldestAllowed, retentionDays },
    });
  }
  const plans = await sink.planPrune(before);
  for (const plan of plans) {
    await log.append({
      type: 'log.pruned',
      target: plan.stream,
      reason: 'retention',
      after: { throughSeq: plan.throughSeq, throughMac: plan.throughMac, count: plan.count, before, retentionDays },
    });
  }
  if (plans.length > 0) await sink.prune(plans, before);
  return { pruned: plans };
}
