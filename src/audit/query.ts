import { KanmonError } from '../errors.js';
import type { AuditRecord } from './event.js';
import { parseAuditRecord } from './internal/parse.js';
import { matches, normalizeQuery } from './internal/query-match.js';
import { readHead } from './chain.js';
import type { AuditQuery, AuditSink } from './sink.js';

export type { AuditQuery };

/**
 * Find events for monitoring misuse (SEC-27): by type, time range, actor,
 * tenant, and `outOfHours: true` for use outside business hours. Oldest first,
 * at most `limit` (default 1000). The PostgreSQL sink answers with an indexed
 * query; the file sink reads only the day files of the range.
 *
 * This reads; it does not verify. Run `verifyAuditLog` before relying on a
 * result as evidence.
 *
 * @example
 * ```ts
 * import { findEvents } from 'kanmon';
 * const night = await findEvents(sink, { outOfHours: true, from: Date.parse('2026-04-01T00:00:00+09:00') });
 * ```
 */
export async function findEvents(sink: Pick<AuditSink, 'chunks' | 'find'>, query: AuditQuery = {}): Promise<AuditRecord[]> {
  if (!sink || typeof sink.chunks !== 'function') throw new KanmonError('ERR_INVALID_ARGUMENT', 'findEvents needs a sink');
  if (sink.find) return sink.find(query);
  const q = normalizeQuery(query);
  const out: AuditRecord[] = [];
  for await (const batch of sink.chunks({ fromTs: q.from, toTs: q.to })) {
    for (const line of batch) {
      const head = readHead(line.bytes);
      if (!head || (q.types && !q.types.has(head.type))) continue;
      const record = parseAuditRecord(line.bytes);
      if (matches(record, q)) out.push(record);
    }
  }
  return out.sort((a, b) => a.ts - b.ts || a.seq - b.seq).slice(0, q.limit);
}
