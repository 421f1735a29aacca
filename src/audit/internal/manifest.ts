import { createHmac, timingSafeEqual } from 'node:crypto';

/** Per-stream part of an export manifest. */
export interface AuditManifestStream {
  readonly stream: string;
  readonly count: number;
  readonly firstSeq: number;
  readonly lastSeq: number;
  /** MAC of record `firstSeq - 1` (the chain continues from it), or null when `firstSeq` is 1. */
  readonly prevMac: string | null;
  /** MAC of record `lastSeq`. */
  readonly headMac: string;
  /** For records whose predecessor is not in the export (a tenant filter): seq → the predecessor's MAC. */
  readonly links: Readonly<Record<string, string>>;
}

/**
 * What `exportAuditLog` writes beside the data (`<file>.manifest.json`): enough
 * for `verifyAuditLog` to check the export on its own. The manifest carries its
 * own HMAC (same key ring), so a changed count or head is detected too.
 */
export interface AuditManifest {
  readonly format: 'kanmon-audit-export/1';
  readonly fileFormat: 'jsonl' | 'csv';
  /** When the export was made: ISO 8601 in the log's zone, and epoch ms. */
  readonly createdTime: string;
  readonly createdTs: number;
  readonly from: number | null;
  readonly to: number | null;
  readonly tenant: string | null;
  readonly count: number;
  /** SHA-256 of the data file's bytes, hex. */
  readonly sha256: string;
  readonly streams: readonly AuditManifestStream[];
  /** Key id of the manifest MAC. */
  readonly kid: string;
  /** HMAC-SHA-256 over the manifest's other fields, base64url. */
  readonly mac: string;
}

/** The bytes the manifest MAC covers: every field but `mac`, in a fixed order. */
export function manifestBody(m: Omit<AuditManifest, 'mac'>): string {
  return JSON.stringify({
    format: m.format,
    fileFormat: m.fileFormat,
    createdTime: m.createdTime,
    createdTs: m.createdTs,
    from: m.from,
    to: m.to,
    tenant: m.tenant,
    count: m.count,
    sha256: m.sha256,
    streams: m.streams.map((s) => ({
      stream: s.stream,
      count: s.count,
      firstSeq: s.firstSeq,
      lastSeq: s.lastSeq,
      prevMac: s.prevMac,
      headMac: s.headMac,
      links: Object.fromEntries(Object.entries(s.links).sort(([a], [b]) => Number(a) - Number(b))),
    })),
    kid: m.kid,
  });
}

export function manifestMac(body: string, key: Buffer): string {
  return createHmac('sha256', key).update('kanmon-audit-manifest/1\n').update(body).digest('base64url');
}

/** True when the manifest's MAC is right (false for any malformed manifest, never throws). */
export function checkManifestMac(m: AuditManifest, keyOf: (kid: string) => Buffer): boolean {
  try {
    if (m.format !== 'kanmon-audit-export/1' || !Array.isArray(m.streams) || typeof m.mac !== 'string') return false;
    const expected = Buffer.from(manifestMac(manifestBody(m), keyOf(m.kid)), 'base64url');
    const claimed = Buffer.from(m.mac, 'base64url');
    return claimed.length === expected.length && timingSafeEqual(claimed, expected);
  } catch {
    return false;
  }
}
