import type { KeyRing } from '../../keys/key-ring.js';
import { chainKeys, macKeys } from '../chain.js';
import type { ChainLinks } from './links.js';
import { createMacChecks } from './mac-checks.js';
import { compareWithManifest, manifestMismatch, openManifest } from './manifest.js';
import { countingBatches } from '../internal/progress.js';
import { resolveSource } from './source.js';
import { createStreams, finishStreams, summarize } from './streams.js';
import type { AuditBadRecord, AuditVerifyOptions, AuditVerifyResult, AuditVerifySource } from './types.js';
import { walkChain } from './walk.js';

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
  const chainKeyOf = chainKeys(keyOf);
  const { chunks, manifest, data } = await resolveSource(source);
  const streams = createStreams(options.anchors);
  const links: ChainLinks = new Map();
  const manifestChecked = manifest ? openManifest(manifest, keyOf, links) : false;
  let manifestBad: AuditBadRecord | null = manifest && !manifestChecked ? manifestMismatch(0) : null;
  // MAC checks go to worker threads for large sources
  const macs = createMacChecks(options.threads, keyOf, chainKeyOf);

  const tenantOf = typeof keyRing.tenantOf === 'function' ? (kid: string) => keyRing.tenantOf!(kid) : undefined;
  const end = await walkChain(options.onProgress ? countingBatches(chunks, options.onProgress) : chunks, { streams, links, chainKeyOf, macs, tenantOf });
  finishStreams(streams, links, keyOf, end);
  if (manifest && !manifestBad) manifestBad = compareWithManifest(manifest, streams.states, data, end);

  const bads = [...streams.states.values()].map((s) => s.bad).filter((b): b is AuditBadRecord => b !== null);
  if (manifestBad) bads.push(manifestBad);
  bads.sort((a, b) => a.index - b.index);
  // a manifest whose own MAC fails vouches for nothing: that is the finding
  const firstBad = manifest && !manifestChecked ? manifestBad : (bads[0] ?? null);
  const summaries = summarize(streams.states, streams.pruned);
  const count = summaries.reduce((n, s) => n + s.count, 0);
  if (firstBad && options.onAlert) {
    try {
      options.onAlert({ kind: 'tamper', ts: options.now?.() ?? 0, firstBad: { stream: firstBad.stream, seq: firstBad.seq, reason: firstBad.reason } });
    } catch {
      // the receiver's problem
    }
  }
  return { ok: firstBad === null, count, streams: summaries, firstBad, shredded: [...streams.shredded.values()] };
}
