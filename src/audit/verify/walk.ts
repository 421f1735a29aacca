import { createHash } from 'node:crypto';
import { isKanmonError } from '../../errors.js';
import { type ChainKey, genesisMacText, readHead } from '../chain.js';
import type { AuditLine } from '../sink.js';
import { type ChainLinks, addLink, linkOf } from './links.js';
import type { MacChecks } from './mac-checks.js';
import { type Streams, fail } from './streams.js';

const decoder = new TextDecoder();

/** A record's `after` object with its `target` (what `log.recovered` and `log.pruned` records carry), or null. */
function afterField(line: Uint8Array): Record<string, unknown> | null {
  try {
    const record = JSON.parse(decoder.decode(line)) as { after?: unknown; target?: unknown };
    return typeof record.after === 'object' && record.after !== null ? { ...(record.after as Record<string, unknown>), target: record.target } : null;
  } catch {
    return null;
  }
}

export interface WalkContext {
  readonly streams: Streams;
  readonly links: ChainLinks;
  readonly chainKeyOf: (kid: string) => ChainKey;
  readonly macs: MacChecks;
  /** The tenant a key id served alone (`keyRing.tenantOf`), for records of a crypto-shredded tenant. */
  readonly tenantOf?: ((kid: string) => string | undefined) | undefined;
}

/** The `tenant` field of a record line, or null. */
function tenantField(line: Uint8Array): string | null {
  try {
    const record = JSON.parse(decoder.decode(line)) as { tenant?: unknown };
    return typeof record.tenant === 'string' ? record.tenant : null;
  } catch {
    return null;
  }
}

/**
 * Walks every line of `chunks` in order, following each stream's chain: seq
 * order, torn tails and their `log.recovered` seal, key ids, the MAC over the
 * exact bytes stored, anchors met, `log.pruned` links. Returns the number of
 * lines read. The MAC workers are closed before it returns or throws.
 */
export async function walkChain(chunks: AsyncIterable<readonly AuditLine[]>, { streams, links, chainKeyOf, macs, tenantOf }: WalkContext): Promise<number> {
  const { stateOf } = streams;
  let index = -1;
  let lastStream: string | null = null;

  const readLine = (line: AuditLine): void => {
    const bytes = line.bytes;
    const head = readHead(bytes);
    if (!head) {
      const owner = line.stream ?? lastStream ?? '';
      const st = stateOf(owner);
      if (st.bad) return;
      if (!st.garbage) {
        st.garbage = [];
        st.garbageIndex = index;
        st.garbageWhere = line.where;
      }
      st.garbage.push(Buffer.from(bytes));
      return;
    }
    if (line.stream !== undefined && head.stream !== line.stream) {
      const st = stateOf(line.stream);
      fail(st, st.expected, 'stream_mismatch', index, line.where);
      return;
    }
    lastStream = head.stream;
    const st = stateOf(head.stream);
    if (st.bad) return;
    if (st.garbage) {
      // only a log.recovered record that names exactly these bytes seals them
      const after = head.type === 'log.recovered' && head.seq === st.expected ? afterField(bytes) : null;
      const torn = Buffer.from(st.garbage.map((g) => g.toString('latin1')).join('\n'), 'latin1');
      if (!after || after.tornBytes !== torn.length || after.tornSha256 !== createHash('sha256').update(torn).digest('hex')) {
        fail(st, st.expected, 'malformed', st.garbageIndex, st.garbageWhere);
        return;
      }
      st.garbage = null;
      st.recovered++;
    }
    let prev: string | null;
    if (st.count === 0) {
      const linked = linkOf(links, head.stream, head.seq - 1);
      prev = head.seq === 1 ? genesisMacText : (linked ?? null);
      st.firstSeq = head.seq;
    } else if (head.seq !== st.expected) {
      const linked = head.seq > st.expected ? linkOf(links, head.stream, head.seq - 1) : undefined;
      if (linked === undefined) {
        const reason = head.seq > st.expected ? 'seq_gap' : head.seq === st.expected - 1 ? 'duplicate' : 'seq_out_of_order';
        fail(st, st.expected, reason, index, line.where);
        return;
      }
      prev = linked;
    } else {
      prev = st.prev;
    }
    let chainKey: ChainKey | null = null;
    try {
      chainKey = chainKeyOf(head.kid);
    } catch (err) {
      const keyTenant = isKanmonError(err, 'ERR_KEY_DESTROYED') ? tenantOf?.(head.kid) : undefined;
      if (keyTenant !== undefined && tenantField(bytes) === keyTenant) {
        // a record of a crypto-shredded tenant: reported, not tampering; the chain goes on from its MAC as written
        const key = `${head.stream}\0${keyTenant}\0${head.kid}`;
        const range = streams.shredded.get(key);
        if (range) {
          range.count++;
          range.lastSeq = head.seq;
        } else {
          streams.shredded.set(key, { code: 'ERR_KEY_DESTROYED', stream: head.stream, tenant: keyTenant, kid: head.kid, count: 1, firstSeq: head.seq, lastSeq: head.seq });
        }
      } else if (isKanmonError(err, 'ERR_KEY_DESTROYED')) fail(st, head.seq, 'key_destroyed', index, line.where);
      else if (isKanmonError(err, 'ERR_KEY_NOT_FOUND') || isKanmonError(err, 'ERR_INVALID_ARGUMENT')) fail(st, head.seq, 'unknown_key', index, line.where);
      else throw err;
      if (keyTenant === undefined || tenantField(bytes) !== keyTenant) return;
    }
    if (chainKey === null) {
      // shredded: its own MAC cannot be checked (the next record's covers it)
    } else if (prev === null) {
      st.deferred = { seq: head.seq, canonical: Buffer.from(bytes.subarray(0, head.canonicalLength)), mac: head.mac, kid: head.kid, index, where: line.where };
    } else if (macs.parallel && prev.length === 43) {
      // checked by a worker; a failure lands in `fail` with this record's index
      macs.add({ kid: head.kid, prev, bytes, mac: head.mac, st, seq: head.seq, index, line, count: st.count, lastSeq: st.lastSeq, lastMac: st.lastMac });
    } else if (chainKey.mac(prev, bytes.subarray(0, head.canonicalLength)) !== head.mac) {
      // offline verification has no timing oracle: a plain comparison of the encodings is fine here
      fail(st, head.seq, 'bad_mac', index, line.where);
      return;
    }
    // the MAC as written: the next record chains from it (checked above, or by a worker, or at the end)
    st.prev = head.mac;
    st.expected = head.seq + 1;
    st.count++;
    st.lastSeq = head.seq;
    st.lastMac = head.mac;
    if (st.anchorSeqs.has(head.seq)) st.anchorSeqs.set(head.seq, head.mac);
    if (head.type === 'log.pruned') {
      const after = afterField(bytes);
      if (after && typeof after.target === 'string' && typeof after.throughSeq === 'number' && typeof after.throughMac === 'string') {
        addLink(links, after.target, after.throughSeq, after.throughMac);
        const earlier = streams.pruned.get(after.target);
        const count = typeof after.count === 'number' ? after.count : 0;
        streams.pruned.set(after.target, {
          throughSeq: after.throughSeq,
          count: (earlier?.count ?? 0) + count,
          before: typeof after.before === 'number' ? after.before : null,
        });
      }
    }
  };

  try {
    for await (const batch of chunks) {
      macs.startIfDue(index);
      for (const line of batch) {
        index++;
        readLine(line);
      }
      macs.flushIfFull();
    }
    await macs.settle();
  } finally {
    await macs.close();
  }
  return index + 1;
}
