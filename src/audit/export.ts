import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { KanmonError } from '../errors.js';
import { createIsoTimeFormatter } from '../internal/iso-time.js';
import type { KeyRing } from '../keys/key-ring.js';
import { macKeys, readHead } from './chain.js';
import type { AuditLog } from './create-audit-log.js';
import type { AuditRecord, AuditValue } from './event.js';
import { tenantPattern } from './event.js';
import { type AuditManifest, type AuditManifestStream, manifestBody, manifestMac } from './internal/manifest.js';
import { parseAuditRecord } from './internal/parse.js';
import { type AuditReadProgress, countingBatches } from './internal/progress.js';
import { fileAuditSink } from './sinks/file/file-sink.js';
import type { AuditSink } from './sink.js';

export type { AuditManifest, AuditManifestStream };

/** Options for {@link exportAuditLog}. */
export interface AuditExportOptions {
  /** A sink, or a file sink's directory. */
  readonly source: Pick<AuditSink, 'chunks'> | string;
  /** Signs the manifest (the current key). */
  readonly keyRing: KeyRing;
  /** Clock (epoch ms) of the manifest's export time. */
  readonly now: () => number;
  /** Epoch ms, inclusive. @default everything */
  readonly from?: number | undefined;
  /** Epoch ms, exclusive. @default everything */
  readonly to?: number | undefined;
  /** Only this tenant's records. */
  readonly tenant?: string | undefined;
  /** `csv` is for people (UTF-8 with BOM, CRLF, Excel opens it); `jsonl` is what `verifyAuditLog` checks. @default 'jsonl' */
  readonly format?: 'jsonl' | 'csv' | undefined;
  /** Zone of `createdTime` and of the CSV's time column. @default 'Asia/Tokyo' */
  readonly timeZone?: string | undefined;
  /** When given, the export itself is recorded (`audit.exported`, EXT-7). */
  readonly log?: AuditLog | undefined;
  /** Who asked for it (recorded as the actor of `audit.exported`). */
  readonly actor?: string | undefined;
  /** Told the records and bytes read so far, after each batch (the CLI's progress line). */
  readonly onProgress?: ((progress: AuditReadProgress) => void) | undefined;
}

/** The export: the file's bytes and its manifest (write it beside the file as `<file>.manifest.json`). */
export interface AuditExport {
  readonly data: Buffer;
  readonly manifest: AuditManifest;
}

const csvColumns = [
  'time', 'ts', 'stream', 'seq', 'tenant', 'type', 'outcome', 'actor', 'target', 'ip', 'userAgent',
  'reason', 'outOfHours', 'clauses', 'before', 'after', 'id', 'kid', 'mac',
] as const;

/** One CSV cell: quoted, quotes doubled, line breaks written as `\r` `\n` (no row can be forged), and a leading `= + - @` neutralised (no formula runs in Excel). */
function csvCell(value: string | number | boolean | null): string {
  if (value === null) return '';
  let text = String(value).replace(/\r/g, '\\r').replace(/\n/g, '\\n').replace(/[\u0085\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (/^[=+\-@\t]/.test(text) && typeof value === 'string') text = `'${text}`;
  return `"${text.replace(/"/g, '""')}"`;
}

function valuesCell(values: Readonly<Record<string, AuditValue>> | null): string | null {
  return values === null ? null : JSON.stringify(values);
}

function csvRow(r: AuditRecord): string {
  const cells: (string | number | boolean | null)[] = [
    r.time, r.ts, r.stream, r.seq, r.tenant, r.type, r.outcome, r.actor, r.target, r.source.ip, r.source.userAgent,
    r.reason, r.outOfHours, r.clauses.join(' '), valuesCell(r.before), valuesCell(r.after), r.id, r.kid, r.mac,
  ];
  return cells.map(csvCell).join(',') + '\r\n';
}

/**
 * Hand logs over for an audit or an investigation (EXT-7, SEC-8.3, SEC-18,
 * FNB-1.6.4): the records of a time range (and tenant) as JSON Lines, exactly
 * the stored bytes, plus a manifest (count, first/last seq and head MAC per
 * stream, SHA-256 of the file, its own HMAC) that `verifyAuditLog` accepts on
 * its own. With a tenant filter, the manifest links each record to its
 * predecessor's MAC, so the chain still verifies across other tenants' records.
 * `format: 'csv'` writes the same records for spreadsheets (UTF-8 BOM).
 *
 * @example
 * ```ts
 * import { exportAuditLog, verifyAuditLog } from 'kanmon';
 * const { data, manifest } = await exportAuditLog({ source: '/var/log/kanmon', keyRing, now: Date.now,
 *   from: Date.parse('2026-04-01T00:00:00+09:00'), to: Date.parse('2026-05-01T00:00:00+09:00') });
 * const check = await verifyAuditLog({ jsonl: data, manifest }, keyRing); // check.ok === true
 * ```
 */
export async function exportAuditLog(options: AuditExportOptions): Promise<AuditExport> {
  const { keyRing, now, from, to, tenant, format = 'jsonl', log } = options;
  if (format !== 'jsonl' && format !== 'csv') throw new KanmonError('ERR_INVALID_ARGUMENT', `exportAuditLog: format must be 'jsonl' or 'csv'`);
  if (tenant !== undefined && !tenantPattern.test(tenant)) throw new KanmonError('ERR_INVALID_ARGUMENT', `exportAuditLog: tenant must match ${String(tenantPattern)}`);
  if ((from !== undefined && !Number.isFinite(from)) || (to !== undefined && !Number.isFinite(to))) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', 'exportAuditLog: from/to must be epoch milliseconds');
  }
  let source: Pick<AuditSink, 'chunks'>;
  if (typeof options.source === 'string') {
    const info = await stat(options.source).catch(() => null);
    if (!info?.isDirectory()) throw new KanmonError('ERR_INVALID_ARGUMENT', `exportAuditLog: '${options.source}' is not a log directory`);
    source = fileAuditSink({ dir: options.source, fsync: false });
  } else source = options.source;
  const format_ = createIsoTimeFormatter(options.timeZone ?? 'Asia/Tokyo');
  const lo = from ?? Number.NEGATIVE_INFINITY;
  const hi = to ?? Number.POSITIVE_INFINITY;

  const parts: Buffer[] = format === 'csv' ? [Buffer.from('\uFEFF' + csvColumns.join(',') + '\r\n', 'utf8')] : [];
  const streams = new Map<string, { s: AuditManifestStream & { links: Record<string, string> }; lastSeenSeq: number; lastSeenMac: string }>();
  const lastSeen = new Map<string, { seq: number; mac: string }>();
  let count = 0;
  const chunks = source.chunks({ fromTs: from, toTs: to });
  for await (const batch of options.onProgress ? countingBatches(chunks, options.onProgress) : chunks) {
    for (const line of batch) {
      const head = readHead(line.bytes);
      if (!head) continue; // torn lines are not records; verify the log itself to see them
      const seen = lastSeen.get(head.stream);
      lastSeen.set(head.stream, { seq: head.seq, mac: head.mac });
      const record = parseAuditRecord(line.bytes);
      if (record.ts < lo || record.ts >= hi || (tenant !== undefined && record.tenant !== tenant)) continue;
      const prevMac = seen && seen.seq === head.seq - 1 ? seen.mac : null;
      let entry = streams.get(head.stream);
      if (!entry) {
        entry = {
          s: { stream: head.stream, count: 0, firstSeq: head.seq, lastSeq: head.seq, prevMac: head.seq === 1 ? null : prevMac ?? '', headMac: head.mac, links: {} },
          lastSeenSeq: head.seq,
          lastSeenMac: head.mac,
        };
        streams.set(head.stream, entry);
      } else if (head.seq !== entry.s.lastSeq + 1) {
        // a gap in the export (other tenants' records): link to the real predecessor
        entry.s.links[String(head.seq)] = prevMac ?? '';
      }
      entry.s = { ...entry.s, count: entry.s.count + 1, lastSeq: head.seq, headMac: head.mac };
      count++;
      if (format === 'csv') parts.push(Buffer.from(csvRow(record), 'utf8'));
      else parts.push(Buffer.from(line.bytes), Buffer.from('\n'));
    }
  }
  const data = Buffer.concat(parts);
  const createdTs = now();
  const kid = keyRing.currentId;
  const body: Omit<AuditManifest, 'mac'> = {
    format: 'kanmon-audit-export/1',
    fileFormat: format,
    createdTime: format_(createdTs),
    createdTs,
    from: from ?? null,
    to: to ?? null,
    tenant: tenant ?? null,
    count,
    sha256: createHash('sha256').update(data).digest('hex'),
    streams: [...streams.values()].map((e) => e.s),
    kid,
  };
  const manifest: AuditManifest = { ...body, mac: manifestMac(manifestBody(body), macKeys(keyRing)(kid)) };
  if (log) {
    await log.append({
      type: 'audit.exported',
      actor: options.actor,
      reason: format,
      after: { from: from ?? null, to: to ?? null, tenant: tenant ?? null, count, sha256: manifest.sha256 },
    });
  }
  return { data, manifest };
}
