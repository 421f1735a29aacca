import type { AppAuditEventType, AuditEventType, AuditRecord } from './event.js';

/** One record as handed to a sink: the line plus the fields sinks index. */
export interface AuditSinkRecord {
  readonly stream: string;
  readonly seq: number;
  readonly ts: number;
  readonly tenant: string;
  readonly type: AuditEventType | AppAuditEventType;
  readonly actor: string | null;
  readonly outOfHours: boolean;
  /** The record's JSON line, without the newline. */
  readonly line: string;
}

/**
 * Bytes after the last intact record of a stream, left by a crash (a torn
 * write). The sink seals them off with a newline; the log then writes a
 * `log.recovered` record naming their length and SHA-256, so the verifier can
 * tell a sealed tear from tampering, and nothing is silently dropped.
 */
export interface TornTail {
  /** Number of torn bytes (without the sealing newline). */
  readonly bytes: number;
  /** SHA-256 of those bytes, hex. */
  readonly sha256: string;
  /** Where: file and byte offset. */
  readonly location: string;
}

/** Where a stream's chain stands when a writer opens it. */
export interface AuditSinkTail {
  /** The last intact record line of the stream, or null for a new stream. */
  readonly last: string | null;
  /** A torn tail found (and sealed) on open, or null. */
  readonly torn: TornTail | null;
}

/** One stored line, as bytes (verification hashes bytes, never re-encoded text). */
export interface AuditLine {
  readonly bytes: Uint8Array;
  /** The stream the container says this line belongs to (a file sink's stream folder), if any. */
  readonly stream?: string | undefined;
  /** Where the line is, for messages: `file:line` or `stream#seq`. */
  readonly where?: string | undefined;
}

/** A range of records to read. */
export interface AuditReadOptions {
  /** Only this stream. */
  readonly stream?: string | undefined;
  /** Epoch ms, inclusive: sinks may skip storage that holds only older records (a hint; callers filter exactly). */
  readonly fromTs?: number | undefined;
  /** Epoch ms, exclusive (a hint, as `fromTs`). */
  readonly toTs?: number | undefined;
}

/** What pruning would remove from one stream: a prefix, through `throughSeq`. */
export interface AuditPrunePlan {
  readonly stream: string;
  readonly throughSeq: number;
  /** The MAC of record `throughSeq`: the next record chains from it. */
  readonly throughMac: string;
  readonly count: number;
}

/** The retention a sink enforces on its own, whoever calls `prune` (EXT-6, SEC-18). */
export interface AuditSinkRetention {
  readonly retentionDays: number;
  readonly legalHold: boolean;
}

/** The query of {@link AuditSink.find} / `findEvents` (SEC-27). */
export interface AuditQuery {
  /** One type or several. */
  readonly type?: AuditEventType | AppAuditEventType | readonly (AuditEventType | AppAuditEventType)[] | undefined;
  /** Epoch ms, inclusive. */
  readonly from?: number | undefined;
  /** Epoch ms, exclusive. */
  readonly to?: number | undefined;
  /** Only events flagged outside business hours (or of type `access.out_of_hours`). */
  readonly outOfHours?: boolean | undefined;
  readonly actor?: string | undefined;
  readonly tenant?: string | undefined;
  /** @default 1000 */
  readonly limit?: number | undefined;
}

/**
 * Where audit records go. kanmon ships `memoryAuditSink`, `fileAuditSink` and
 * `postgresAuditSink` (`kanmon/postgres`).
 *
 * Contract: `write` is called in `seq` order per stream and resolves only when
 * the record is durable (it will survive a crash of this process); a rejected
 * write means the record may or may not be stored, and the log stops accepting
 * appends (fail closed). `chunks` yields each stream's lines in `seq` order.
 */
export interface AuditSink {
  /** Read the stream's tail; repair (seal) a torn tail. Called once per writer, before any write. */
  open(stream: string): Promise<AuditSinkTail>;
  /** Store one record; resolves when durable. */
  write(record: AuditSinkRecord): Promise<void> | void;
  /** Every stored line, in batches, each stream in `seq` order. */
  chunks(options?: AuditReadOptions): AsyncIterable<readonly AuditLine[]>;
  /** Events matching a query, oldest first. Sinks without an index scan `chunks`. */
  find?(query: AuditQuery): Promise<AuditRecord[]>;
  /** The prefix of each stream that holds only records older than `beforeTs` and can be removed as a whole. */
  planPrune?(beforeTs: number): Promise<AuditPrunePlan[]>;
  /** Remove what `planPrune` planned. Refuses (`ERR_RETENTION`) what the sink's own `retention` protects. */
  prune?(plans: readonly AuditPrunePlan[], beforeTs: number): Promise<void>;
  /** The floor the sink itself enforces (file: in `prune`; PostgreSQL: in the database trigger). */
  readonly retention?: AuditSinkRetention | undefined;
  /** Flush and release files or connections. */
  close(): Promise<void>;
}
