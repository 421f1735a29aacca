import { createHash } from 'node:crypto';
import { type FileHandle, mkdir, open, readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { KanmonError } from '../../errors.js';
import { createIsoTimeFormatter } from '../../internal/iso-time.js';
import { readHead } from '../chain.js';
import type { AuditRecord } from '../event.js';
import { streamPattern } from '../event.js';
import { parseAuditRecord } from '../internal/parse.js';
import { matches, normalizeQuery } from '../internal/query-match.js';
import type { AuditLine, AuditPrunePlan, AuditQuery, AuditReadOptions, AuditSink, AuditSinkRecord, AuditSinkTail } from '../sink.js';

/** Options for {@link fileAuditSink}. */
export interface FileAuditSinkOptions {
  /** The log directory: `<dir>/<stream>/<YYYY-MM-DD>.jsonl`. Created if missing. */
  readonly dir: string;
  /** The zone whose calendar days name the files. @default 'Asia/Tokyo' */
  readonly timeZone?: string | undefined;
  /**
   * `false` skips fsync: appends then resolve after `write(2)` only, which
   * survives a process crash but not a power cut. Only for tests and benchmarks.
   * @default true
   */
  readonly fsync?: boolean | undefined;
}

interface Pending {
  readonly line: string;
  readonly day: string;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

interface Writer {
  /** The latest day written or queued: a record never goes to an earlier file. */
  day: string;
  /** The day of the open handle. */
  openDay: string;
  handle: FileHandle | null;
  queue: Pending[];
  flushing: boolean;
  failed: KanmonError | null;
}

const filePattern = /^(\d{4}-\d{2}-\d{2})\.jsonl$/;
const readChunkBytes = 512 << 10;

async function syncDir(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** A stream's day files, oldest first. */
async function dayFiles(streamDir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(streamDir);
  } catch {
    return [];
  }
  return names.filter((n) => filePattern.test(n)).sort();
}

/**
 * The end of the last intact record line in a file (bytes, just after its
 * newline; or after the line when it is complete but lacks one) and that line.
 */
async function scanTail(handle: FileHandle, size: number): Promise<{ validEnd: number; last: Buffer | null }> {
  let window = 1 << 20;
  for (;;) {
    const start = Math.max(0, size - window);
    const buf = Buffer.alloc(size - start);
    await handle.read(buf, 0, buf.length, start);
    let end = buf.length; // exclusive end of the candidate line
    let terminated = false; // whether the candidate line is followed by '\n'
    if (end > 0 && buf[end - 1] === 0x0a) {
      end--;
      terminated = true;
    }
    for (;;) {
      const nl = end === 0 ? -1 : buf.lastIndexOf(0x0a, end - 1);
      if (nl < 0 && start > 0) break; // the line may begin before the window: widen it
      const line = buf.subarray(nl + 1, end);
      if (readHead(line)) return { validEnd: start + end + (terminated ? 1 : 0), last: Buffer.from(line) };
      if (nl < 0) return { validEnd: 0, last: null };
      end = nl;
      terminated = true;
    }
    window *= 4;
  }
}

/**
 * The file sink (EXT-6): JSON Lines, one file per stream per calendar day,
 * group commit. Appends that arrive while a batch is being written wait for
 * the next batch; each batch is one `write` and one `fdatasync`, and every
 * append in it resolves only after that sync returned.
 *
 * On `open`, bytes after the last intact record (a write torn by a crash or a
 * power cut) are sealed off with a newline and reported, and the log records a
 * `log.recovered` event naming their length and SHA-256: never silently dropped.
 *
 * One process writes one stream; several processes may share `dir` with
 * different streams.
 *
 * @example
 * ```ts
 * import { createAuditLog, fileAuditSink } from 'kanmon';
 * const sink = fileAuditSink({ dir: '/var/log/kanmon' });
 * const log = createAuditLog({ sink, keyRing, stream: `web-${process.pid}`, now: Date.now });
 * ```
 */
export function fileAuditSink(options: FileAuditSinkOptions): AuditSink {
  const { dir, fsync = true } = options;
  if (typeof dir !== 'string' || dir === '') throw new KanmonError('ERR_INVALID_ARGUMENT', 'fileAuditSink needs a dir');
  const format = createIsoTimeFormatter(options.timeZone ?? 'Asia/Tokyo');
  const dayOf = (ts: number) => format(Math.min(Math.max(0, Math.trunc(ts)), 253_402_128_000_000)).slice(0, 10);
  const writers = new Map<string, Writer>();

  const checkStream = (stream: string) => {
    if (!streamPattern.test(stream)) throw new KanmonError('ERR_INVALID_ARGUMENT', `audit stream must match ${String(streamPattern)}`);
  };

  const fileFor = async (writer: Writer, stream: string, day: string): Promise<FileHandle> => {
    if (writer.handle && writer.openDay === day) return writer.handle;
    if (writer.handle) await writer.handle.close();
    writer.handle = null;
    const path = join(dir, stream, `${day}.jsonl`);
    const created = !(await exists(path));
    const handle = await open(path, 'a');
    if (created && fsync) await syncDir(join(dir, stream));
    writer.handle = handle;
    writer.openDay = day;
    return handle;
  };

  const flush = async (stream: string, writer: Writer): Promise<void> => {
    writer.flushing = true;
    try {
      while (writer.queue.length > 0) {
        const batch = writer.queue.splice(0);
        try {
          let i = 0;
          while (i < batch.length) {
            const day = batch[i]!.day;
            let j = i;
            let text = '';
            while (j < batch.length && batch[j]!.day === day) text += batch[j++]!.line + '\n';
            const handle = await fileFor(writer, stream, day);
            const bytes = Buffer.from(text, 'utf8');
            let off = 0;
            while (off < bytes.length) off += (await handle.write(bytes, off, bytes.length - off)).bytesWritten;
            if (fsync) await handle.datasync();
            i = j;
          }
        } catch (cause) {
          writer.failed = new KanmonError('ERR_AUDIT_WRITE', `audit file sink: write to '${join(dir, stream)}' failed`, { cause });
          for (const p of batch) p.reject(writer.failed);
          for (const p of writer.queue.splice(0)) p.reject(writer.failed);
          return;
        }
        for (const p of batch) p.resolve();
      }
    } finally {
      writer.flushing = false;
    }
  };

  async function* chunks(readOptions: AuditReadOptions = {}): AsyncIterable<readonly AuditLine[]> {
    let streams: string[];
    if (readOptions.stream !== undefined) streams = [readOptions.stream];
    else {
      try {
        streams = (await readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory() && streamPattern.test(d.name)).map((d) => d.name).sort();
      } catch {
        streams = [];
      }
    }
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

  return {
    async open(stream): Promise<AuditSinkTail> {
      checkStream(stream);
      if (writers.has(stream)) throw new KanmonError('ERR_INVALID_ARGUMENT', `audit stream '${stream}' is already open in this sink`);
      const streamDir = join(dir, stream);
      const dirExisted = await exists(dir);
      await mkdir(streamDir, { recursive: true });
      if (fsync && !dirExisted) await syncDir(join(dir, '..')).catch(() => undefined);
      if (fsync) await syncDir(dir);
      const files = await dayFiles(streamDir);
      const writer: Writer = { day: '', openDay: '', handle: null, queue: [], flushing: false, failed: null };
      let last: string | null = null;
      let torn: AuditSinkTail['torn'] = null;
      for (let k = files.length - 1; k >= 0 && last === null; k--) {
        const path = join(streamDir, files[k]!);
        const handle = await open(path, 'r+');
        try {
          const { size } = await handle.stat();
          const tail = await scanTail(handle, size);
          if (tail.last) last = tail.last.toString('utf8');
          if (k === files.length - 1) {
            writer.day = files[k]!.slice(0, 10);
            if (tail.validEnd < size) {
              // a torn tail: hash it, then seal it off with a newline so the next record starts clean
              const region = Buffer.alloc(size - tail.validEnd);
              await handle.read(region, 0, region.length, tail.validEnd);
              const sealed = region[region.length - 1] === 0x0a;
              const body = sealed ? region.subarray(0, region.length - 1) : region;
              if (!sealed) await handle.write(Buffer.from('\n'), 0, 1, size);
              await handle.datasync();
              torn = { bytes: body.length, sha256: createHash('sha256').update(body).digest('hex'), location: `${stream}/${files[k]!}@${tail.validEnd}` };
            } else if (tail.last && size > 0 && tail.validEnd === size) {
              const lastByte = Buffer.alloc(1);
              await handle.read(lastByte, 0, 1, size - 1);
              if (lastByte[0] !== 0x0a) {
                await handle.write(Buffer.from('\n'), 0, 1, size); // complete record, newline lost
                await handle.datasync();
              }
            }
          }
        } finally {
          await handle.close();
        }
      }
      writers.set(stream, writer);
      return { last, torn };
    },

    write(record: AuditSinkRecord): Promise<void> {
      const writer = writers.get(record.stream);
      if (!writer) return Promise.reject(new KanmonError('ERR_AUDIT_WRITE', `audit stream '${record.stream}' was not opened`));
      if (writer.failed) return Promise.reject(writer.failed);
      const recordDay = dayOf(record.ts);
      // a stream's files only move forward in time, so reading files in name order reads seq order
      const day = recordDay > writer.day ? recordDay : writer.day;
      return new Promise<void>((resolve, reject) => {
        writer.queue.push({ line: record.line, day, resolve, reject });
        if (day > writer.day) writer.day = day;
        if (!writer.flushing) {
          writer.flushing = true;
          queueMicrotask(() => void flush(record.stream, writer));
        }
      });
    },

    chunks,

    async find(query: AuditQuery): Promise<AuditRecord[]> {
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
    },

    async planPrune(beforeTs) {
      const plans: AuditPrunePlan[] = [];
      let streams: string[] = [];
      try {
        streams = (await readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory() && streamPattern.test(d.name)).map((d) => d.name);
      } catch {
        return plans;
      }
      for (const stream of streams.sort()) {
        const files = await dayFiles(join(dir, stream));
        let plan: AuditPrunePlan | null = null;
        let total = 0;
        // whole files only, oldest first, never the newest (a writer may be appending to it)
        for (const name of files.slice(0, -1)) {
          let allOld = true;
          let lastHead = null;
          let count = 0;
          for await (const batch of readLines(join(dir, stream, name), stream)) {
            for (const line of batch) {
              const head = readHead(line.bytes);
              if (!head) continue;
              const record = parseAuditRecord(line.bytes);
              if (record.ts >= beforeTs) allOld = false;
              lastHead = head;
              count++;
            }
          }
          if (!allOld || !lastHead) break;
          total += count;
          plan = { stream, throughSeq: lastHead.seq, throughMac: lastHead.mac, count: total };
        }
        if (plan) plans.push(plan);
      }
      return plans;
    },

    async prune(plans) {
      for (const plan of plans) {
        const streamDir = join(dir, plan.stream);
        for (const name of await dayFiles(streamDir)) {
          const path = join(streamDir, name);
          const handle = await open(path, 'r');
          let lastSeq = 0;
          try {
            lastSeq = readHead((await scanTail(handle, (await handle.stat()).size)).last ?? Buffer.alloc(0))?.seq ?? 0;
          } finally {
            await handle.close();
          }
          if (lastSeq === 0 || lastSeq > plan.throughSeq) break;
          await unlink(path);
        }
        if (fsync) await syncDir(streamDir);
      }
    },

    async close() {
      for (const [stream, writer] of writers) {
        while (writer.flushing || writer.queue.length > 0) {
          if (!writer.flushing) await flush(stream, writer);
          else await new Promise((r) => setTimeout(r, 1));
        }
        if (writer.handle) await writer.handle.close();
        writer.handle = null;
      }
      writers.clear();
    },
  };
}

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
