import { KanmonError } from '../errors.js';
import type { Policy } from '../policy/define-policy.js';
import type { AuditLog } from './create-audit-log.js';
import type { AuditPrunePlan, AuditSink } from './sink.js';

const dayMs = 86_400_000;

/** Options for {@link pruneAuditLog}. */
export interface AuditPruneOptions {
  /** The sink to prune (file or PostgreSQL; memory for tests). */
  readonly sink: AuditSink;
  /** The log that records the pruning (`log.pruned`, one record per pruned stream). */
  readonly log: AuditLog;
  /** Clock (epoch ms): what is older than the retention period is judged from it. */
  readonly now: () => number;
  /**
   * The policy in force: its `audit.retentionDays` is the floor, `audit.legalHold`
   * stops every prune, `audit.retainUntil` keeps whole streams until a date.
   * Required unless `retentionDays` is given (then no hold is known).
   */
  readonly policy?: Pick<Policy, 'audit'> | undefined;
  /** Keep at least this many days; never below the policy's. @default policy.audit.retentionDays */
  readonly retentionDays?: number | undefined;
  /** Remove records older than this (epoch ms). @default now() - retentionDays */
  readonly before?: number | undefined;
}

/** What was removed, and which streams a `retainUntil` kept whole. */
export interface AuditPruneResult {
  readonly pruned: readonly AuditPrunePlan[];
  /** Streams that had prunable records but are kept until `until` (epoch ms). */
  readonly held: readonly { readonly stream: string; readonly until: number }[];
}

function refuse(reason: 'below_policy' | 'legal_hold' | 'too_recent', message: string, details: Record<string, unknown>): KanmonError {
  return new KanmonError('ERR_RETENTION', `pruneAuditLog: ${message}`, { details: { reason, ...details } });
}

/**
 * Remove audit records older than the retention period (EXT-6, SEC-18).
 * Refuses (`ERR_RETENTION`, `details.reason`) a retention shorter than the
 * policy's or the sink's (`below_policy`), any prune under a legal hold
 * (`legal_hold`), and anything younger than the retention (`too_recent`).
 * All refusals come before anything is written or removed. Streams with a
 * `retainUntil` still ahead are kept whole (and listed in `held`).
 *
 * Pruning is itself audited: before anything is deleted, a `log.pruned` record
 * per stream names the last removed seq and its MAC, so the remaining records
 * still verify from that marker (the chain continues; `verifyAuditLog` lists
 * the pruned range per stream), and deleting records any other way is still detected.
 *
 * The file sink removes whole day files and refuses on its own what its
 * `retentionDays` / `legalHold` protect; PostgreSQL removes rows, and its
 * trigger refuses the same even if this function were bypassed.
 *
 * @example
 * ```ts
 * import { pruneAuditLog } from 'kanmon';
 * await pruneAuditLog({ sink, log: auditLog, now: Date.now, policy });
 * ```
 */
export async function pruneAuditLog(options: AuditPruneOptions): Promise<AuditPruneResult> {
  const { sink, log, now, policy } = options;
  const policyDays = policy?.audit.retentionDays;
  const retentionDays = options.retentionDays ?? policyDays;
  if (retentionDays === undefined || !Number.isInteger(retentionDays) || retentionDays < 1) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', 'pruneAuditLog: give the policy (or retentionDays as a positive integer)');
  }
  if (!sink.planPrune || !sink.prune) throw new KanmonError('ERR_INVALID_ARGUMENT', 'pruneAuditLog: this sink cannot prune');
  const floor = Math.max(policyDays ?? 1, sink.retention?.retentionDays ?? 1);
  if (retentionDays < floor) {
    throw refuse('below_policy', `retention of ${retentionDays} days is shorter than the ${floor} days the policy or the sink requires (EXT-6)`, {
      retentionDays,
      minimumDays: floor,
    });
  }
  if (policy?.audit.legalHold || sink.retention?.legalHold) {
    throw refuse('legal_hold', 'the audit log is under a legal hold: nothing is pruned', { retentionDays });
  }
  const at = now();
  const oldestAllowed = at - retentionDays * dayMs;
  const before = options.before ?? oldestAllowed;
  if (!Number.isFinite(before)) throw new KanmonError('ERR_INVALID_ARGUMENT', 'pruneAuditLog: before must be epoch milliseconds');
  if (before > oldestAllowed) {
    throw refuse('too_recent', `records younger than ${retentionDays} days are kept (EXT-6); 'before' is ${Math.ceil((before - oldestAllowed) / dayMs)} day(s) too recent`, {
      before,
      oldestAllowed,
      retentionDays,
    });
  }
  const retainUntil = policy?.audit.retainUntil ?? {};
  const held: { stream: string; until: number }[] = [];
  const plans = (await sink.planPrune(before)).filter((plan) => {
    const until = retainUntil[plan.stream] === undefined ? Number.NaN : Date.parse(retainUntil[plan.stream]!);
    if (until > at) held.push({ stream: plan.stream, until });
    return !(until > at);
  });
  for (const plan of plans) {
    await log.append({
      type: 'log.pruned',
      target: plan.stream,
      reason: 'retention',
      after: { throughSeq: plan.throughSeq, throughMac: plan.throughMac, count: plan.count, before, retentionDays },
    });
  }
  if (plans.length > 0) await sink.prune(plans, before);
  return { pruned: plans, held };
}
