import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { KanmonError } from '../../../errors.js';
import { systemClock } from '../../../internal/clock.js';
import { createIsoTimeFormatter } from '../../../internal/iso-time.js';
import { streamPattern } from '../../event.js';
import type { AuditLine, AuditReadOptions, AuditSink, AuditSinkRecord, AuditSinkTail } from '../../sink.js';
import { dayFiles, exists, syncDir } from './layout.js';
import { planPrune, prune } from './prune.js';
import { findRecords, readChunks } from './read.js';
import { recoverTail } from './tail.js';
import { type StreamWriter, createStreamWriter } from './writer.js';

/** Options for {@link fileAuditSink}. */
export interface FileAuditSinkOptions {
  /** The log directory: `<dir>/<stream>/<YYYY-MM-DD>.jsonl`. Created if missing. */
  readonly dir: string;
  /** The zone whose calendar days name the files. @default 'Asia/Tokyo' */
  readonly timeZone?: string | undefined;
  /**
   * `false` skips fsync: appends then resolve after `write(2)` only, which
   * survives a process crash but not a power cut. Only for tests and benchmarks.
   * @default true
   */
  readonly fsync?: boolean | undefined;
  /**
   * Day files holding records younger than this are never removed, whoever
   * calls `prune` (EXT-6, SEC-18). Set it to the policy's `audit.retentionDays`.
   * @default 365
   */
  readonly retentionDays?: number | undefined;
  /** While true, `prune` removes nothing (`ERR_RETENTION`). @default false */
  readonly legalHold?: boolean | undefined;
  /** The clock `retentionDays` is counted from. @default Date.now */
  readonly now?: (() => number) | undefined;
}

/**
 * The file sink (EXT-6): JSON Lines, one file per stream per calendar day,
 * group commit. Appends that arrive while a batch is being written wait for
 * the next batch; each batch is one `write` and one `fdatasync`, and every
 * append in it resolves only after that sync returned.
 *
 * On `open`, bytes after the last intact record (a write torn by a crash or a
 * power cut) are sealed off with a newline and reported, and the log records a
 * `log.recovered` event naming their length and SHA-256: never silently dropped.
 *
 * One process writes one stream; several processes may share `dir` with
 * different streams.
 *
 * @example
 * ```ts
 * import { createAuditLog, fileAuditSink } from 'kanmon';
 * const sink = fileAuditSink({ dir: '/var/log/kanmon' });
 * const log = createAuditLog({ sink, keyRing, stream: `web-${process.pid}`, now: Date.now });
 * ```
 */
export function fileAuditSink(options: FileAuditSinkOptions): AuditSink {
  const { dir, fsync = true, retentionDays = 365, legalHold = false, now = systemClock } = options;
  if (typeof dir !== 'string' || dir === '') throw new KanmonError('ERR_INVALID_ARGUMENT', 'fileAuditSink needs a dir');
  if (!Number.isInteger(retentionDays) || retentionDays < 1 || retentionDays > 36_500) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', 'fileAuditSink: retentionDays must be an integer from 1 to 36500');
  }
  const format = createIsoTimeFormatter(options.timeZone ?? 'Asia/Tokyo');
  const dayOf = (ts: number) => format(Math.min(Math.max(0, Math.trunc(ts)), 253_402_128_000_000)).slice(0, 10);
  const writers = new Map<string, StreamWriter>();
  const chunks = (readOptions?: AuditReadOptions): AsyncIterable<readonly AuditLine[]> => readChunks(dir, dayOf, readOptions);

  return {
    async open(stream): Promise<AuditSinkTail> {
      if (!streamPattern.test(stream)) throw new KanmonError('ERR_INVALID_ARGUMENT', `audit stream must match ${String(streamPattern)}`);
      if (writers.has(stream)) throw new KanmonError('ERR_INVALID_ARGUMENT', `audit stream '${stream}' is already open in this sink`);
      const streamDir = join(dir, stream);
      const dirExisted = await exists(dir);
      await mkdir(streamDir, { recursive: true });
      if (fsync && !dirExisted) await syncDir(join(dir, '..')).catch(() => undefined);
      if (fsync) await syncDir(dir);
      const { last, torn, day } = await recoverTail(streamDir, stream, await dayFiles(streamDir));
      writers.set(stream, createStreamWriter(dir, stream, fsync, day));
      return { last, torn };
    },

    write(record: AuditSinkRecord): Promise<void> {
      const writer = writers.get(record.stream);
      if (!writer) return Promise.reject(new KanmonError('ERR_AUDIT_WRITE', `audit stream '${record.stream}' was not opened`));
      return writer.append(record.line, dayOf(record.ts));
    },

    chunks,

    find: (query) => findRecords(chunks, query),

    planPrune: (beforeTs) => planPrune(dir, beforeTs),

    retention: { retentionDays, legalHold },

    prune: async (plans, beforeTs) => {
      // the sink's own guard: whoever calls it, nothing under hold or younger than the retention goes
      if (legalHold) throw new KanmonError('ERR_RETENTION', 'file audit sink: under a legal hold, nothing is pruned', { details: { reason: 'legal_hold' } });
      const cutoff = now() - retentionDays * 86_400_000;
      if (!(beforeTs <= cutoff)) {
        throw new KanmonError('ERR_RETENTION', `file audit sink: records younger than ${retentionDays} days are kept`, { details: { reason: 'too_recent', retentionDays } });
      }
      await prune(dir, plans, fsync, cutoff);
    },

    async close() {
      for (const writer of writers.values()) await writer.close();
      writers.clear();
    },
  };
}
