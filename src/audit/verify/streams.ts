import { timingSafeEqual } from 'node:crypto';
import { KanmonError } from '../../errors.js';
import { chainMac } from '../chain.js';
import type { AuditHead } from '../create-audit-log.js';
import { type ChainLinks, linkOf } from './links.js';
import type { AuditBadRecord, AuditShreddedRange, AuditStreamSummary, AuditTamperReason } from './types.js';

/** What verification knows of one stream while it reads: where its chain is, and the first record it cannot vouch for. */
export interface StreamState {
  readonly stream: string;
  expected: number;
  /** The previous record's MAC, base64url (as written in its line). */
  prev: string | null;
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

/** Every stream met so far, and the anchors kept for each. */
export interface Streams {
  readonly states: Map<string, StreamState>;
  readonly anchorsByStream: ReadonlyMap<string, readonly AuditHead[]>;
  /** Per target stream, the range the last `log.pruned` record read says was removed. */
  readonly pruned: Map<string, { throughSeq: number; count: number; before: number | null }>;
  /** Records of destroyed tenant keys, by stream, tenant and key id. */
  readonly shredded: Map<string, { -readonly [K in keyof AuditShreddedRange]: AuditShreddedRange[K] }>;
  /** The state of `stream`, made on first sight. */
  readonly stateOf: (stream: string) => StreamState;
}

export function createStreams(anchors: readonly AuditHead[] | undefined): Streams {
  const anchorsByStream = new Map<string, AuditHead[]>();
  for (const anchor of anchors ?? []) {
    if (!anchor || typeof anchor.stream !== 'string' || !Number.isSafeInteger(anchor.seq) || typeof anchor.mac !== 'string') {
      throw new KanmonError('ERR_INVALID_ARGUMENT', 'verifyAuditLog: an anchor must be { stream, seq, mac }');
    }
    anchorsByStream.set(anchor.stream, [...(anchorsByStream.get(anchor.stream) ?? []), anchor]);
  }
  const states = new Map<string, StreamState>();
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
  return { states, anchorsByStream, stateOf, pruned: new Map(), shredded: new Map() };
}

/** Marks `st` bad at `seq`, keeping what had verified before (`snapshot`). */
export function fail(
  st: StreamState,
  seq: number,
  reason: AuditTamperReason,
  index: number,
  where: string | undefined,
  snapshot: StreamState['badSnapshot'] = { count: st.count, lastSeq: st.lastSeq, lastMac: st.lastMac },
): void {
  // keep the earliest: a start checked only at the end, or a MAC checked by a worker, may precede a failure found on the way
  if (!st.bad || index < st.bad.index) {
    st.bad = { stream: st.stream, seq, reason, index, where };
    st.badSnapshot = snapshot;
  }
}

/**
 * After the last line (`end` is its index + 1): a start known only from a
 * `log.pruned` link, a torn tail never sealed, an anchor cut off or rewritten,
 * an anchored stream that is not there at all.
 */
export function finishStreams(streams: Streams, links: ChainLinks, keyOf: (kid: string) => Buffer, end: number): void {
  const { states, anchorsByStream, stateOf } = streams;
  for (const st of states.values()) {
    if (st.deferred && !(st.bad && st.bad.index < st.deferred.index)) {
      const d = st.deferred;
      const linked = linkOf(links, st.stream, d.seq - 1);
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
}

/** One summary per stream that verified a record or failed: a failed stream counts what verified before its first bad record. */
export function summarize(states: ReadonlyMap<string, StreamState>, pruned?: Streams['pruned']): AuditStreamSummary[] {
  return [...states.values()]
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
        pruned: pruned?.get(s.stream) ?? null,
      };
    });
}
