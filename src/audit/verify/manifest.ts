import { createHash } from 'node:crypto';
import { type AuditManifest, checkManifestMac } from '../internal/manifest.js';
import type { ChainLinks } from './links.js';
import { type StreamState, fail } from './streams.js';
import type { AuditBadRecord } from './types.js';

/** What an export's manifest vouches for: the links of streams cut by a filter, then the counts, heads and bytes. */

/** Checks the manifest's own MAC; when it holds, the links it carries go into `links`. */
export function openManifest(manifest: AuditManifest, keyOf: (kid: string) => Buffer, links: ChainLinks): boolean {
  if (!checkManifestMac(manifest, keyOf)) return false;
  for (const s of manifest.streams) {
    const map = new Map<number, string>();
    if (s.prevMac !== null) map.set(s.firstSeq - 1, s.prevMac);
    for (const [seq, mac] of Object.entries(s.links)) map.set(Number(seq) - 1, mac);
    links.set(s.stream, map);
  }
  return true;
}

/** A manifest that does not match what was read (`at`: the index it is reported at). */
export const manifestMismatch = (at: number): AuditBadRecord => ({ stream: '', seq: 0, reason: 'manifest_mismatch', index: at, where: 'manifest' });

/**
 * After the last line (`end`): each stream the manifest lists must have its
 * count, seqs and head (a stream that stops short is `truncated`); the file,
 * its total and its streams must be the manifest's. Returns the finding on the
 * manifest as a whole, or null.
 */
export function compareWithManifest(manifest: AuditManifest, states: ReadonlyMap<string, StreamState>, data: Uint8Array | null, end: number): AuditBadRecord | null {
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
  if ((sha !== null && sha !== manifest.sha256) || total !== manifest.count || states.size > manifest.streams.length) return manifestMismatch(end);
  return null;
}
