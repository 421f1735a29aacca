import { KanmonError } from '../../errors.js';
import type { AuditRecord } from '../event.js';
import { isRecordedEventType } from '../event.js';
import type { AuditQuery } from '../sink.js';

interface NormalizedQuery {
  readonly types: ReadonlySet<string> | null;
  readonly from: number;
  readonly to: number;
  readonly outOfHours: boolean | undefined;
  readonly actor: string | undefined;
  readonly tenant: string | undefined;
  readonly limit: number;
}

/** Check a query once (programmer input: `ERR_INVALID_ARGUMENT`). */
export function normalizeQuery(query: AuditQuery): NormalizedQuery {
  const types = query.type === undefined ? null : new Set(typeof query.type === 'string' ? [query.type] : query.type);
  if (types) {
    for (const t of types) if (!isRecordedEventType(t)) throw new KanmonError('ERR_INVALID_ARGUMENT', `findEvents: unknown event type '${String(t)}'`);
  }
  const from = query.from ?? 0;
  const to = query.to ?? Number.MAX_SAFE_INTEGER;
  if (!Number.isFinite(from) || !Number.isFinite(to)) throw new KanmonError('ERR_INVALID_ARGUMENT', 'findEvents: from/to must be epoch milliseconds');
  const limit = query.limit ?? 1000;
  if (!Number.isInteger(limit) || limit < 1) throw new KanmonError('ERR_INVALID_ARGUMENT', 'findEvents: limit must be a positive integer');
  return { types, from, to, outOfHours: query.outOfHours, actor: query.actor, tenant: query.tenant, limit };
}

/** Out of hours: flagged by the business-hours check, or an `access.out_of_hours` event. */
function isOutOfHours(record: AuditRecord): boolean {
  return record.outOfHours || record.type === 'access.out_of_hours';
}

export function matches(record: AuditRecord, q: NormalizedQuery): boolean {
  if (record.ts < q.from || record.ts >= q.to) return false;
  if (q.types && !q.types.has(record.type)) return false;
  if (q.outOfHours !== undefined && isOutOfHours(record) !== q.outOfHours) return false;
  if (q.actor !== undefined && record.actor !== q.actor) return false;
  if (q.tenant !== undefined && record.tenant !== q.tenant) return false;
  return true;
}
