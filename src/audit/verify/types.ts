import type { AuditReadProgress } from '../internal/progress.js';
import type { AuditAlert } from '../alerts.js';
import type { AuditHead } from '../create-audit-log.js';
import type { AuditManifest } from '../internal/manifest.js';
import type { AuditSink } from '../sink.js';

/** What `verifyAuditLog` takes and answers. */

/** Why verification stopped trusting a stream. */
export type AuditTamperReason =
  /** A line that is not a record (edited, torn and not sealed, or garbage inserted). */
  | 'malformed'
  /** The MAC does not match: the record was modified, or a record before it was (its key id too). */
  | 'bad_mac'
  /** A seq is missing: a record was deleted, or records were reordered. */
  | 'seq_gap'
  /** A seq appears again (a record was duplicated). */
  | 'duplicate'
  /** A seq went backwards (records were reordered). */
  | 'seq_out_of_order'
  /** A record names a key id the key ring does not know. */
  | 'unknown_key'
  /** A record names a destroyed key: it can no longer be verified. */
  | 'key_destroyed'
  /** A record sits in another stream's file. */
  | 'stream_mismatch'
  /** The stream ends before an anchor's seq: its tail was cut off. */
  | 'truncated'
  /** The record at an anchor's seq has another MAC: the log was rewritten. */
  | 'anchor_mismatch'
  /** An export's manifest does not match its file (count, seqs, head MACs, SHA-256) or its MAC is wrong. */
  | 'manifest_mismatch';

/** The first record verification could not vouch for. */
export interface AuditBadRecord {
  readonly stream: string;
  /** The first seq of `stream` that cannot be vouched for (the record that was changed, deleted, or replaced). */
  readonly seq: number;
  readonly reason: AuditTamperReason;
  /** 0-based position of the offending line in the source (lines of all files, in reading order). */
  readonly index: number;
  /** `file:line` or `stream#n`, when the source knows. */
  readonly where?: string | undefined;
}

/** What verification found in one stream. */
export interface AuditStreamSummary {
  readonly stream: string;
  /** Records that verified. */
  readonly count: number;
  readonly firstSeq: number;
  readonly lastSeq: number;
  /** The last verified record: compare it with the anchor you kept. */
  readonly head: AuditHead | null;
  /** Torn tails found sealed by a `log.recovered` record. */
  readonly recovered: number;
  /** The range removed by retention, from the last verified `log.pruned` record naming this stream; null when none. */
  readonly pruned: { readonly throughSeq: number; readonly count: number; readonly before: number | null } | null;
}

/**
 * Records whose MAC key was a tenant key since destroyed (crypto-shredding at the end of a tenant, issue 19):
 * their place in the chain still holds (the next record's MAC covers theirs, so deleting, inserting or
 * reordering them is still detected), their own MAC can no longer be checked. One entry per stream, tenant and key.
 */
export interface AuditShreddedRange {
  readonly code: 'ERR_KEY_DESTROYED';
  readonly stream: string;
  readonly tenant: string;
  readonly kid: string;
  readonly count: number;
  readonly firstSeq: number;
  readonly lastSeq: number;
}

/** The result of {@link verifyAuditLog}. `ok` is true only when nothing is wrong. */
export interface AuditVerifyResult {
  readonly ok: boolean;
  /** Records that verified, all streams (shredded records included: see `shredded`). */
  readonly count: number;
  readonly streams: readonly AuditStreamSummary[];
  /**
   * Records of crypto-shredded tenants (their tenant key destroyed): not tampering, but no longer checkable.
   * `verifyAuditLog` always sets it (empty when none); optional so results built by hand still type-check.
   */
  readonly shredded?: readonly AuditShreddedRange[];
  /** The earliest problem in reading order, or null when `ok`. */
  readonly firstBad: AuditBadRecord | null;
}

/** An export in memory: the JSON Lines bytes and, optionally, its manifest. */
export interface AuditExportSource {
  readonly jsonl: string | Uint8Array;
  readonly manifest?: AuditManifest | undefined;
  /** Every record must belong to this stream (a single stream's file). */
  readonly stream?: string | undefined;
}

/**
 * What can be verified: a sink, a path (a file sink's directory, one `.jsonl`
 * file, or an export whose `<file>.manifest.json` sits beside it), record lines,
 * or an export in memory.
 */
export type AuditVerifySource = Pick<AuditSink, 'chunks'> | string | readonly (string | Uint8Array)[] | AuditExportSource;

/** Options for {@link verifyAuditLog}. */
export interface AuditVerifyOptions {
  /** Heads kept outside the log (`log.head()`): each must still be in the log, unchanged (detects truncation and rewriting). */
  readonly anchors?: readonly AuditHead[] | undefined;
  /** Called with a `tamper` alert when verification fails. */
  readonly onAlert?: ((alert: AuditAlert) => void) | undefined;
  /** Clock for the alert. @default () => 0 */
  readonly now?: (() => number) | undefined;
  /**
   * Worker threads checking MACs in parallel. By default, up to 3 (one fewer
   * than the CPUs) once a source has passed 20,000 records; 0 checks on the
   * calling thread only; a positive number uses that many from the first record.
   */
  readonly threads?: number | undefined;
  /** Told the records and bytes read so far, after each batch (the CLI's progress line). */
  readonly onProgress?: ((progress: AuditReadProgress) => void) | undefined;
}
