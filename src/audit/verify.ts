import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { KanmonError, isKanmonError } from '../errors.js';
import type { KeyRing } from '../keys/key-ring.js';
import type { AuditAlert } from './alerts.js';
import { chainMac, genesisMac, macKeys, readHead } from './chain.js';
import type { AuditHead } from './create-audit-log.js';
import { type AuditManifest, checkManifestMac } from './internal/manifest.js';
import { type MacJob, type MacPool, createMacPool } from './internal/mac-pool.js';
import { fileAuditSink } from './sinks/file.js';
import type { AuditLine, AuditSink } from './sink.js';

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
}

/** The result of {@link verifyAuditLog}. `ok` is true only when nothing is wrong. */
export interface AuditVerifyResult {
  readonly ok: boolean;
  /** Records that verified, all streams. */
  readonly count: number;
  readonly streams: readonly AuditStreamSummary[];
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
}

interface StreamState {
  readonly stream: string;
  expected: number;
  /** The previous record's MAC: bytes, or its base64url text while workers check the MACs. */
  prev: Buffer | string | null;
  count: number;
  firstSeq: number;
  lastSeq: number;
  lastMac: string;
  recovered: number;
  garbage: Buffer[] | null;
  garbageIndex: number;
  garbageWhere: string | undefined;
  bad: AuditBadRecord | null;
  /** What had verified before `bad` (MACs checked by workers report late). */
  badSnapshot: { count: number; lastSeq: number; lastMac: string };
  /** A first record with seq > 1 whose predecessor's MAC is known only from a `log.pruned` record (checked at the end). */
  deferred: { seq: number; canonical: Buffer; mac: string; kid: string; index: number; where: string | undefined } | null;
  readonly anchorSeqs: Map<number, string | null>;
}

const decoder = new TextDecoder();

function toBytes(line: string | Uint8Array): Uint8Array {
  return typeof line === 'string' ? Buffer.from(line, 'utf8') : line;
}

function splitLines(data: Uint8Array, stream?: string): AuditLine[] {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.length);
  const out: AuditLine[] = [];
  let start = 0;
  for (;;) {
    const nl = buf.indexOf(0x0a, start);
    if (nl < 0) break;
    out.push({ bytes: buf.subarray(start, nl), stream });
    start = nl + 1;
  }
  if (start < buf.length) out.push({ bytes: buf.subarray(start), stream });
  return out;
}

async function* fromArray(lines: readonly AuditLine[]): AsyncIterable<readonly AuditLine[]> {
  await Promise.resolve();
  for (let i = 0; i < lines.length; i += 8192) yield lines.slice(i, i + 8192);
}

interface Resolved {
  readonly chunks: AsyncIterable<readonly AuditLine[]>;
  readonly manifest: AuditManifest | null;
  readonly data: Uint8Array | null;
}

async function resolveSource(source: AuditVerifySource): Promise<Resolved> {
  if (typeof source === 'string') {
    let info;
    try {
      info = await stat(source);
    } catch (cause) {
      throw new KanmonError('ERR_INVALID_ARGUMENT', `verifyAuditLog: cannot read '${source}'`, { cause });
    }
    if (info.isDirectory()) return { chunks: fileAuditSink({ dir: source, fsync: false }).chunks(), manifest: null, data: null };
    const data = await readFile(source);
    let manifest: AuditManifest | null = null;
    try {
      manifest = JSON.parse(await readFile(`${source}.manifest.json`, 'utf8')) as AuditManifest;
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new KanmonError('ERR_AUDIT_FORMAT', `verifyAuditLog: '${source}.manifest.json' is not valid JSON`, { cause });
      }
    }
    const lines = splitLines(data).map((l, i) => ({ ...l, where: `${source}:${i + 1}` }));
    return { chunks: fromArray(lines), manifest, data };
  }
  if (Array.isArray(source)) {
    return { chunks: fromArray((source as readonly (string | Uint8Array)[]).map((l, i) => ({ bytes: toBytes(l), where: `#${i + 1}` }))), manifest: null, data: null };
  }
  if (typeof (source as Pick<AuditSink, 'chunks'>).chunks === 'function') {
    return { chunks: (source as Pick<AuditSink, 'chunks'>).chunks(), manifest: null, data: null };
  }
  const exported = source as AuditExportSource;
  if (exported.jsonl === undefined) throw new KanmonError('ERR_INVALID_ARGUMENT', 'verifyAuditLog: unknown source');
  const data = toBytes(exported.jsonl);
  return { chunks: fromArray(splitLines(data, exported.stream)), manifest: exported.manifest ?? null, data };
}

function afterField(line: Uint8Array): Record<string, unknown> | null {
  try {
    const record = JSON.parse(decoder.decode(line)) as { after?: unknown; target?: unknown };
    return typeof record.after === 'object' && record.after !== null ? { ...(record.after as Record<string, unknown>), target: record.target } : null;
  } catch {
    return null;
  }
}

/**
 * Verify the keyed chain of every stream in `source` (EXT-6, SEC-18): detects
 * a modified, deleted, inserted, duplicated, reordered or truncated record, a
 * changed key id and a gap in `seq`; with `anchors`, also a cut-off tail and a
 * rewritten log. Torn tails sealed by a `log.recovered` record are accepted
 * (and counted); one that was not sealed is `malformed`. Streams whose start
 * was pruned verify from the `log.pruned` record that names their last removed MAC.
 *
 * Verification reads bytes and checks each MAC over the exact bytes stored; it
 * never re-serialises.
 *
 * @example
 * ```ts
 * import { verifyAuditLog } from 'kanmon';
 * const result = await verifyAuditLog('/var/log/kanmon', keyRing, { anchors: [keptHead] }); // a head kept outside the log
 * if (!result.ok) console.error(result.firstBad); // { stream: 'web-1', seq: 812, reason: 'bad_mac', … }
 * ```
 */
export async function verifyAuditLog(source: AuditVerifySource, keyRing: KeyRing, options: AuditVerifyOptions = {}): Promise<AuditVerifyResult> {
  const keyOf = macKeys(keyRing);
  const { chunks, manifest, data } = await resolveSource(source);
  const states = new Map<string, StreamState>();
  /** stream → (seq → MAC of that seq) from `log.pruned` records and the export manifest. */
  const links = new Map<string, Map<number, string>>();
  const anchorsByStream = new Map<string, AuditHead[]>();
  for (const anchor of options.anchors ?? []) {
    if (!anchor || typeof anchor.stream !== 'string' || !Number.isSafeInteger(anchor.seq) || typeof anchor.mac !== 'string') {
      throw new KanmonError('ERR_INVALID_ARGUMENT', 'verifyAuditLog: an anchor must be { stream, seq, mac }');
    }
    anchorsByStream.set(anchor.stream, [...(anchorsByStream.get(anchor.stream) ?? []), anchor]);
  }
  let manifestBad: AuditBadRecord | null = null;
  let manifestChecked = false;
  if (manifest) {
    manifestChecked = checkManifestMac(manifest, keyOf);
    if (!manifestChecked) {
      manifestBad = { stream: '', seq: 0, reason: 'manifest_mismatch', index: 0, where: 'manifest' };
    } else {
      for (const s of manifest.streams) {
        const map = new Map<number, string>();
        if (s.prevMac !== null) map.set(s.firstSeq - 1, s.prevMac);
        for (const [seq, mac] of Object.entries(s.links)) map.set(Number(seq) - 1, mac);
        links.set(s.stream, map);
      }
    }
  }
  const linkOf = (stream: string, seq: number) => links.get(stream)?.get(seq);

  const stateOf = (stream: string): StreamState => {
    let st = states.get(stream);
    if (!st) {
      st = {
        stream,
        expected: 1,
        prev: null,
        count: 0,
        firstSeq: 0,
        lastSeq: 0,
        lastMac: '',
        recovered: 0,
        garbage: null,
        garbageIndex: 0,
        garbageWhere: undefined,
        bad: null,
        badSnapshot: { count: 0, lastSeq: 0, lastMac: '' },
        deferred: null,
        anchorSeqs: new Map((anchorsByStream.get(stream) ?? []).map((a) => [a.seq, null])),
      };
      states.set(stream, st);
    }
    return st;
  };
  const fail = (
    st: StreamState,
    seq: number,
    reason: AuditTamperReason,
    index: number,
    where: string | undefined,
    snapshot: StreamState['badSnapshot'] = { count: st.count, lastSeq: st.lastSeq, lastMac: st.lastMac },
  ) => {
    // keep the earliest: a start checked only at the end, or a MAC checked by a worker, may precede a failure found on the way
    if (!st.bad || index < st.bad.index) {
      st.bad = { stream: st.stream, seq, reason, index, where };
      st.badSnapshot = snapshot;
    }
  };

  // MAC checks go to worker threads for large sources
  const forced = options.threads;
  if (forced !== undefined && (!Number.isInteger(forced) || forced < 0)) throw new KanmonError('ERR_INVALID_ARGUMENT', 'verifyAuditLog: threads must be a non-negative integer');
  const autoThreads = Math.min(3, availableParallelism() - 1);
  let pool: MacPool | null = null;
  interface Pending extends MacJob {
    readonly st: StreamState;
    readonly seq: number;
    readonly index: number;
    readonly where: string | undefined;
    /** What had verified before this record, should its MAC fail. */
    readonly count: number;
    readonly lastSeq: number;
    readonly lastMac: string;
  }
  let jobs: Pending[] = [];
  const inFlight: Promise<void>[] = [];
  let busy = 0;
  const dispatch = () => {
    if (!pool || jobs.length === 0) return;
    const batch = jobs;
    jobs = [];
    if (busy >= (forced || autoThreads)) {
      // every worker is busy: this thread checks the batch itself (on a loaded machine, no worse than no workers)
      for (const job of batch) {
        const prev = typeof job.prev === 'string' ? Buffer.from(job.prev, 'base64url') : job.prev;
        if (chainMac(keyOf(job.kid), prev, job.canonical).toString('base64url') !== job.mac) {
          fail(job.st, job.seq, 'bad_mac', job.index, job.where, job);
        }
      }
      return;
    }
    busy++;
    inFlight.push(
      pool.check(batch).then((bad) => {
        busy--;
        for (const i of bad) {
          const job = batch[i]!;
          fail(job.st, job.seq, 'bad_mac', job.index, job.where, job);
        }
      }),
    );
  };

  let index = -1;
  let lastStream: string | null = null;
  try {
    for await (const batch of chunks) {
      if (!pool && (forced ?? 0) > 0) pool = createMacPool(forced!, keyOf);
      else if (!pool && forced === undefined && autoThreads > 0 && index >= 20_000) pool = createMacPool(autoThreads, keyOf);
      for (const line of batch) {
        index++;
        const bytes = line.bytes;
        const head = readHead(bytes);
        if (!head) {
          const owner = line.stream ?? lastStream ?? '';
          const st = stateOf(owner);
          if (st.bad) continue;
          if (!st.garbage) {
            st.garbage = [];
            st.garbageIndex = index;
            st.garbageWhere = line.where;
          }
          st.garbage.push(Buffer.from(bytes));
          continue;
        }
        if (line.stream !== undefined && head.stream !== line.stream) {
          const st = stateOf(line.stream);
          fail(st, st.expected, 'stream_mismatch', index, line.where);
          continue;
        }
        lastStream = head.stream;
        const st = stateOf(head.stream);
        if (st.bad) continue;
        if (st.garbage) {
          // only a log.recovered record that names exactly these bytes seals them
          const after = head.type === 'log.recovered' && head.seq === st.expected ? afterField(bytes) : null;
          const torn = Buffer.from(st.garbage.map((g) => g.toString('latin1')).join('\n'), 'latin1');
          if (!after || after.tornBytes !== torn.length || after.tornSha256 !== createHash('sha256').update(torn).digest('hex')) {
            fail(st, st.expected, 'malformed', st.garbageIndex, st.garbageWhere);
            continue;
          }
          st.garbage = null;
          st.recovered++;
        }
        let prev: Buffer | string | null;
        if (st.count === 0) {
          const linked = linkOf(head.stream, head.seq - 1);
          prev = head.seq === 1 ? genesisMac : linked !== undefined ? Buffer.from(linked, 'base64url') : null;
          st.firstSeq = head.seq;
        } else if (head.seq !== st.expected) {
          const linked = head.seq > st.expected ? linkOf(head.stream, head.seq - 1) : undefined;
          if (linked === undefined) {
            const reason = head.seq > st.expected ? 'seq_gap' : head.seq === st.expected - 1 ? 'duplicate' : 'seq_out_of_order';
            fail(st, st.expected, reason, index, line.where);
            continue;
          }
          prev = Buffer.from(linked, 'base64url');
        } else {
          prev = st.prev;
        }
        let key: Buffer;
        try {
          key = keyOf(head.kid);
        } catch (err) {
          if (isKanmonError(err, 'ERR_KEY_DESTROYED')) fail(st, head.seq, 'key_destroyed', index, line.where);
          else if (isKanmonError(err, 'ERR_KEY_NOT_FOUND') || isKanmonError(err, 'ERR_INVALID_ARGUMENT')) fail(st, head.seq, 'unknown_key', index, line.where);
          else throw err;
          continue;
        }
        const canonical = bytes.subarray(0, head.canonicalLength);
        let mac: Buffer | string;
        if (prev === null) {
          st.deferred = { seq: head.seq, canonical: Buffer.from(canonical), mac: head.mac, kid: head.kid, index, where: line.where };
          mac = head.mac;
        } else if (pool) {
          jobs.push({ kid: head.kid, prev, canonical, mac: head.mac, st, seq: head.seq, index, where: line.where, count: st.count, lastSeq: st.lastSeq, lastMac: st.lastMac });
          mac = head.mac; // checked by a worker; a failure lands in `fail` with this record's index
        } else {
          // offline verification has no timing oracle: a plain comparison of the encodings is fine here
          mac = chainMac(key, typeof prev === 'string' ? Buffer.from(prev, 'base64url') : prev, canonical);
          if (mac.toString('base64url') !== head.mac) {
            fail(st, head.seq, 'bad_mac', index, line.where);
            continue;
          }
        }
        st.prev = mac;
        st.expected = head.seq + 1;
        st.count++;
        st.lastSeq = head.seq;
        st.lastMac = head.mac;
        if (st.anchorSeqs.has(head.seq)) st.anchorSeqs.set(head.seq, head.mac);
        if (head.type === 'log.pruned') {
          const after = afterField(bytes);
          if (after && typeof after.target === 'string' && typeof after.throughSeq === 'number' && typeof after.throughMac === 'string') {
            let map = links.get(after.target);
            if (!map) links.set(after.target, (map = new Map<number, string>()));
            map.set(after.throughSeq, after.throughMac);
          }
        }
      }
      dispatch();
    }
    await Promise.all(inFlight);
  } finally {
    await pool?.close();
  }
  const end = index + 1;

  for (const st of states.values()) {
    if (st.deferred && !(st.bad && st.bad.index < st.deferred.index)) {
      const d = st.deferred;
      const linked = linkOf(st.stream, d.seq - 1);
      if (linked === undefined) {
        const known = [...(links.get(st.stream)?.keys() ?? [])].filter((s) => s < d.seq - 1);
        fail(st, known.length > 0 ? Math.max(...known) + 1 : 1, 'seq_gap', d.index, d.where);
      } else if (!timingSafeEqual(chainMac(keyOf(d.kid), Buffer.from(linked, 'base64url'), d.canonical), Buffer.from(d.mac, 'base64url'))) {
        fail(st, d.seq, 'bad_mac', d.index, d.where);
      }
    }
    if (st.bad) continue;
    if (st.garbage) {
      fail(st, st.expected, 'malformed', st.garbageIndex, st.garbageWhere);
      continue;
    }
    for (const [seq, mac] of st.anchorSeqs) {
      const anchor = anchorsByStream.get(st.stream)?.find((a) => a.seq === seq);
      if (mac === null) {
        if (seq > st.lastSeq) fail(st, st.lastSeq + 1, 'truncated', end, undefined);
      } else if (anchor && anchor.mac !== mac) {
        fail(st, seq, 'anchor_mismatch', end, undefined);
      }
    }
  }
  for (const [stream] of anchorsByStream) if (!states.has(stream)) fail(stateOf(stream), 1, 'truncated', end, undefined);

  if (manifest && !manifestBad) {
    const sha = data ? createHash('sha256').update(data).digest('hex') : null;
    let total = 0;
    for (const s of manifest.streams) {
      const st = states.get(s.stream);
      total += st?.count ?? 0;
      if (!st || st.bad) continue;
      if (st.count !== s.count || st.firstSeq !== s.firstSeq || st.lastSeq !== s.lastSeq || st.lastMac !== s.headMac) {
        fail(st, st.lastSeq < s.lastSeq ? st.lastSeq + 1 : st.firstSeq, st.lastSeq < s.lastSeq ? 'truncated' : 'manifest_mismatch', end, 'manifest');
      }
    }
    if ((sha !== null && sha !== manifest.sha256) || total !== manifest.count || states.size > manifest.streams.length) {
      manifestBad = { stream: '', seq: 0, reason: 'manifest_mismatch', index: end, where: 'manifest' };
    }
  }

  const bads = [...states.values()].map((s) => s.bad).filter((b): b is AuditBadRecord => b !== null);
  if (manifestBad) bads.push(manifestBad);
  bads.sort((a, b) => a.index - b.index);
  // a manifest whose own MAC fails vouches for nothing: that is the finding
  const firstBad = manifest && !manifestChecked ? manifestBad : (bads[0] ?? null);
  const streams: AuditStreamSummary[] = [...states.values()]
    .filter((s) => s.count > 0 || s.bad)
    .map((s) => {
      const v = s.bad ? s.badSnapshot : s;
      return {
        stream: s.stream,
        count: v.count,
        firstSeq: s.firstSeq,
        lastSeq: v.lastSeq,
        head: v.count > 0 ? { stream: s.stream, seq: v.lastSeq, mac: v.lastMac } : null,
        recovered: s.recovered,
      };
    });
  const count = streams.reduce((n, s) => n + s.count, 0);
  if (firstBad && options.onAlert) {
    try {
      options.onAlert({ kind: 'tamper', ts: options.now?.() ?? 0, firstBad: { stream: firstBad.stream, seq: firstBad.seq, reason: firstBad.reason } });
    } catch {
      // the receiver's problem
    }
  }
  return { ok: firstBad === null, count, streams, firstBad };
}
