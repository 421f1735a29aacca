import { readFile, stat } from 'node:fs/promises';
import { KanmonError } from '../../errors.js';
import type { AuditManifest } from '../internal/manifest.js';
import type { AuditLine, AuditSink } from '../sink.js';
import { fileAuditSink } from '../sinks/file/file-sink.js';
import type { AuditExportSource, AuditVerifySource } from './types.js';

/** A source to verify read as batches of record lines, with the manifest and bytes of an export. */
export interface ResolvedSource {
  readonly chunks: AsyncIterable<readonly AuditLine[]>;
  readonly manifest: AuditManifest | null;
  readonly data: Uint8Array | null;
}

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

/** Reads a sink, a path (directory, `.jsonl` file with its manifest beside it), record lines or an export in memory. */
export async function resolveSource(source: AuditVerifySource): Promise<ResolvedSource> {
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
