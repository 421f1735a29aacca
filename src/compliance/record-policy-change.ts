import type { AuditEventInput, AuditSource } from '../audit/event.js';
import type { Policy } from '../policy/define-policy.js';
import { isDependencyOutage, OUTAGE_RETRY_AFTER_MS } from '../store/guard.js';
import { type PolicyDiff, diffPolicies } from './diff-policies.js';

/** Input of {@link recordPolicyChange}. */
export interface RecordPolicyChangeInput {
  /** The audit log the `config.changed` record goes to. */
  readonly log: {
    /** Append the `config.changed` record (an {@link AuditLog} fits). */
    append(event: AuditEventInput): Promise<unknown>;
  };
  /** Who changed the configuration (account id, operator, deploy job). */
  readonly actor: string;
  readonly before: Policy;
  readonly after: Policy;
  readonly tenant?: string | undefined;
  readonly source?: AuditSource | undefined;
}

/** What {@link recordPolicyChange} answers. */
export type RecordPolicyChangeResult =
  | { readonly ok: true; readonly diff: PolicyDiff; /** True when a clause's verdict got worse: `config_weakened` is alerted. */ readonly weakened: boolean }
  | { readonly ok: false; readonly reason: 'unavailable'; readonly retryAfterMs: number };

const maxItems = 64;
const entry = (path: string, value: unknown) => `${path}=${value === undefined ? '(none)' : JSON.stringify(value)}`;

/**
 * Record a configuration change in the audit chain (SEC-6, SEC-7, FNB-1.5,
 * SEC-26): one `config.changed` record with the changed settings before and
 * after (`path=value`, at most 64), the clause ids they serve, and reason
 * `weakened` when a clause's compliance verdict got worse (which raises the
 * `config_weakened` alert), else `changed` (or `unchanged`). An audit outage
 * answers `unavailable`, never throws.
 *
 * @example
 * ```ts
 * import { definePolicy, recordPolicyChange } from 'kanmon';
 * declare const log: import('kanmon').AuditLog;
 * const result = await recordPolicyChange({ log, actor: 'admin-1', before: definePolicy('funabashi'), after: definePolicy('funabashi', { session: { idleTimeoutMs: 600_000 } }) });
 * if (result.ok && result.weakened) console.warn(result.diff.weakened);
 * ```
 */
export async function recordPolicyChange(input: RecordPolicyChangeInput): Promise<RecordPolicyChangeResult> {
  const { log, actor, before, after, tenant, source } = input;
  const diff = diffPolicies(before, after);
  const weakened = diff.weakened.length > 0;
  const clauses = [...new Set([...diff.weakened.map((w) => w.clause), ...diff.changes.flatMap((c) => c.clauses)])].slice(0, 32);
  const changes = diff.changes.slice(0, maxItems);
  try {
    await log.append({
      type: 'config.changed',
      actor,
      target: 'policy',
      ...(tenant === undefined ? {} : { tenant }),
      ...(source === undefined ? {} : { source }),
      outcome: 'info',
      reason: weakened ? 'weakened' : diff.changes.length > 0 ? 'changed' : 'unchanged',
      clauses,
      before: { settings: changes.map((c) => entry(c.path, c.before)) },
      after: {
        settings: changes.map((c) => entry(c.path, c.after)),
        changedCount: diff.changes.length,
        weakened: diff.weakened.slice(0, maxItems).map((w) => `${w.clause}:${w.before}>${w.after}`),
      },
    });
  } catch (err) {
    if (isDependencyOutage(err)) return { ok: false, reason: 'unavailable', retryAfterMs: OUTAGE_RETRY_AFTER_MS };
    throw err;
  }
  return { ok: true, diff, weakened };
}
