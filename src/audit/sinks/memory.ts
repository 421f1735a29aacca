import { KanmonError } from '../../errors.js';
import type { AuditRecord } from '../event.js';
import { parseAuditRecord } from '../internal/parse.js';
import { matches, normalizeQuery } from '../internal/query-match.js';
import type { AuditLine, AuditPrunePlan, AuditQuery, AuditReadOptions, AuditSink, AuditSinkRecord } from '../sink.js';
import { readHead } from '../chain.js';

/** The memory sink, with direct access to what it holds (for tests and tools). */
export interface MemoryAuditSink extends AuditSink {
  /** Every stored line per stream, in seq order. The arrays are live: tests may tamper with them. */
  readonly streams: Map<string, { lines: string[]; ts: number[] }>;
}

/**
 * An in-process sink: records live in arrays, "durable" as soon as stored.
 * For tests, benchmarks and short-lived tools; production uses the file or
 * PostgreSQL sink.
 *
 * @example
 * ```ts
 * import { createAuditLog, memoryAuditSink, verifyAuditLog } from 'kanmon';
 * const sink = memoryAuditSink();
 * const log = createAuditLog({ sink, keyRing, stream: 'test', now: () => 0 });
 * await log.append({ type: 'auth.login.success', actor: 'tanaka' });
 * (await verifyAuditLog(sink, keyRing)).ok; // true
 * ```
 */
export function memoryAuditSink(): MemoryAuditSink {
  const streams = new Map<string, { lines: string[]; ts: number[] }>();
  let closed = false;
  const streamOf = (name: string) => {
    let s = streams.get(name);
    if (!s) {
      s = { lines: [], ts: [] };
      streams.set(name, s);
    }
    return s;
  };

  async function* chunks(options: AuditReadOptions = {}): AsyncIterable<readonly AuditLine[]> {
    await Promise.resolve();
    for (const [name, s] of streams) {
      if (options.stream !== undefined && options.stream !== name) continue;
      const batch: AuditLine[] = [];
      for (let i = 0; i < s.lines.length; i++) {
        batch.push({ bytes: Buffer.from(s.lines[i]!, 'utf8'), stream: name, where: `${name}#${i + 1}` });
        if (batch.length === 4096) yield batch.splice(0);
      }
      if (batch.length > 0) yield batch;
    }
  }

  return {
    streams,
    open(stream) {
      const s = streams.get(stream);
      return Promise.resolve({ last: s?.lines.at(-1) ?? null, torn: null });
    },
    write(record: AuditSinkRecord) {
      if (closed) throw new KanmonError('ERR_AUDIT_WRITE', 'memory audit sink is closed');
      const s = streamOf(record.stream);
      s.lines.push(record.line);
      s.ts.push(record.ts);
    },
    chunks,
    find(query: AuditQuery): Promise<AuditRecord[]> {
      const q = normalizeQuery(query);
      const out: AuditRecord[] = [];
      for (const s of streams.values()) {
        for (let i = 0; i < s.lines.length && out.length < q.limit; i++) {
          const ts = s.ts[i]!;
          if (ts < q.from || ts >= q.to) continue;
          const record = parseAuditRecord(s.lines[i]!);
          if (matches(record, q)) out.push(record);
        }
      }
      return Promise.resolve(out.sort((a, b) => a.ts - b.ts).slice(0, q.limit));
    },
    planPrune(beforeTs) {
      const plans: AuditPrunePlan[] = [];
      for (const [stream, s] of streams) {
        let n = 0;
        while (n < s.ts.length && s.ts[n]! < beforeTs) n++;
        if (n === 0) continue;
        const last = readHead(Buffer.from(s.lines[n - 1]!, 'utf8'));
        if (!last) throw new KanmonError('ERR_AUDIT_FORMAT', `memory audit sink: record ${n} of '${stream}' is malformed`);
        plans.push({ stream, throughSeq: last.seq, throughMac: last.mac, count: n });
      }
      return Promise.resolve(plans);
    },
    prune(plans) {
      for (const plan of plans) {
        const s = streams.get(plan.stream);
        if (!s) continue;
        const n = s.lines.findIndex((line) => readHead(Buffer.from(line, 'utf8'))?.seq === plan.throughSeq);
        if (n >= 0) {
          s.lines.splice(0, n + 1);
          s.ts.splice(0, n + 1);
        }
      }
      return Promise.resolve();
    },
    close() {
      closed = true;
      return Promise.resolve();
    },
  };
}
