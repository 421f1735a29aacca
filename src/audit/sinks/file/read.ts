import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { readHead } from '../../chain.js';
import type { AuditRecord } from '../../event.js';
import { parseAuditRecord } from '../../internal/parse.js';
import { matches, normalizeQuery } from '../../internal/query-match.js';
import type { AuditLine, AuditQuery, AuditReadOptions } from '../../sink.js';
import { dayFiles, listStreams } from './layout.js';

/** Reading the file sink: a file's lines as bytes, the streams' lines in a time range, and queries over them. */

const readChunkBytes = 512 << 10;

/** A line of a file; its `file:line` location is built only when asked for (a failure), not a million times. */
class FileLine implements AuditLine {
  constructor(
    readonly bytes: Uint8Array,
    readonly stream: string | undefined,
    private readonly path: string,
    private readonly lineNo: number,
  ) {}
  get where(): string {
    return `${this.path}:${this.lineNo}`;
  }
}

/** A file's lines as bytes, in batches; a last line without newline is yielded too (it is torn). */
export async function* readLines(path: string, stream?: string): AsyncGenerator<AuditLine[]> {
  const handle = await open(path, 'r');
  try {
    let carry: Buffer | null = null;
    let lineNo = 0;
    let position = 0;
    for (;;) {
      // a fresh buffer each time (yielded lines point into it); the partial line left over goes first, then the read
      const carried = carry?.length ?? 0;
      const buf = Buffer.allocUnsafe(carried + readChunkBytes);
      if (carry) carry.copy(buf, 0);
      const { bytesRead } = await handle.read(buf, carried, readChunkBytes, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      const data = buf.subarray(0, carried + bytesRead);
      carry = null;
      const batch: AuditLine[] = [];
      let start = 0;
      for (;;) {
        const nl = data.indexOf(0x0a, start);
        if (nl < 0) break;
        lineNo++;
        batch.push(new FileLine(data.subarray(start, nl), stream, path, lineNo));
        start = nl + 1;
      }
      if (start < data.length) carry = data.subarray(start);
      if (batch.length > 0) yield batch;
    }
    if (carry && carry.length > 0) yield [{ bytes: carry, stream, where: `${path}:${lineNo + 1}` }];
  } finally {
    await handle.close();
  }
}

/** Every line of `dir` (or of one stream), stream by stream in name order, the day files that may hold the time range (`dayOf`: a time's file day). */
export async function* readChunks(dir: string, dayOf: (ts: number) => string, readOptions: AuditReadOptions = {}): AsyncIterable<readonly AuditLine[]> {
  const streams = readOptions.stream !== undefined ? [readOptions.stream] : await listStreams(dir);
  const fromDay = readOptions.fromTs === undefined ? '' : dayOf(Math.max(0, readOptions.fromTs));
  const toDay = readOptions.toTs === undefined ? '~' : dayOf(Math.max(0, readOptions.toTs));
  for (const stream of streams) {
    const files = await dayFiles(join(dir, stream));
    // from the last file before `fromDay` on: it holds the predecessor of the first record in range
    let first = files.findIndex((name) => name.slice(0, 10) >= fromDay);
    if (first < 0) first = files.length;
    for (const name of files.slice(Math.max(0, first - 1))) {
      if (name.slice(0, 10) > toDay) break;
      yield* readLines(join(dir, stream, name), stream);
    }
  }
}

/** The records of `chunks` that match `query`, oldest first (ts, then stream, then seq), at most `query.limit`. */
export async function findRecords(chunks: (options: AuditReadOptions) => AsyncIterable<readonly AuditLine[]>, query: AuditQuery): Promise<AuditRecord[]> {
  const q = normalizeQuery(query);
  const out: AuditRecord[] = [];
  for await (const batch of chunks({ fromTs: q.from, toTs: q.to })) {
    for (const line of batch) {
      const head = readHead(line.bytes);
      if (!head) continue;
      if (q.types && !q.types.has(head.type)) continue;
      const record = parseAuditRecord(line.bytes);
      if (matches(record, q)) out.push(record);
    }
  }
  return out.sort((a, b) => a.ts - b.ts || a.stream.localeCompare(b.stream) || a.seq - b.seq).slice(0, q.limit);
}
