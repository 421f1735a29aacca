import { type FileHandle, open } from 'node:fs/promises';
import { join } from 'node:path';
import { KanmonError } from '../../../errors.js';
import { exists, syncDir } from './layout.js';

/**
 * One stream's appender, group commit: appends that arrive while a batch is
 * being written wait for the next batch; each batch is one `write` and one
 * `fdatasync` per day file, and every append in it resolves only after that
 * sync returned. After a failed write every append rejects with that error.
 */
export interface StreamWriter {
  /** Queue `line` for the file of `recordDay` (or a later day already written: files only move forward in time). */
  append(line: string, recordDay: string): Promise<void>;
  /** Wait for every queued append, then close the file. */
  close(): Promise<void>;
}

interface Pending {
  readonly line: string;
  readonly day: string;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

/** `day`: the latest day already in the stream's files ('' for a new stream). */
export function createStreamWriter(dir: string, stream: string, fsync: boolean, day: string): StreamWriter {
  /** The latest day written or queued: a record never goes to an earlier file. */
  let latestDay = day;
  /** The day of the open handle. */
  let openDay = '';
  let handle: FileHandle | null = null;
  const queue: Pending[] = [];
  let flushing = false;
  let failed: KanmonError | null = null;

  const fileFor = async (day: string): Promise<FileHandle> => {
    if (handle && openDay === day) return handle;
    if (handle) await handle.close();
    handle = null;
    const path = join(dir, stream, `${day}.jsonl`);
    const created = !(await exists(path));
    const opened = await open(path, 'a');
    if (created && fsync) await syncDir(join(dir, stream));
    handle = opened;
    openDay = day;
    return opened;
  };

  const flush = async (): Promise<void> => {
    flushing = true;
    try {
      while (queue.length > 0) {
        const batch = queue.splice(0);
        try {
          let i = 0;
          while (i < batch.length) {
            const day = batch[i]!.day;
            let j = i;
            let text = '';
            while (j < batch.length && batch[j]!.day === day) text += batch[j++]!.line + '\n';
            const file = await fileFor(day);
            const bytes = Buffer.from(text, 'utf8');
            let off = 0;
            while (off < bytes.length) off += (await file.write(bytes, off, bytes.length - off)).bytesWritten;
            if (fsync) await file.datasync();
            i = j;
          }
        } catch (cause) {
          const error = new KanmonError('ERR_AUDIT_WRITE', `audit file sink: write to '${join(dir, stream)}' failed`, { cause });
          failed = error;
          for (const p of batch) p.reject(error);
          for (const p of queue.splice(0)) p.reject(error);
          return;
        }
        for (const p of batch) p.resolve();
      }
    } finally {
      flushing = false;
    }
  };

  return {
    append(line, recordDay) {
      if (failed) return Promise.reject(failed);
      // a stream's files only move forward in time, so reading files in name order reads seq order
      const day = recordDay > latestDay ? recordDay : latestDay;
      return new Promise<void>((resolve, reject) => {
        queue.push({ line, day, resolve, reject });
        if (day > latestDay) latestDay = day;
        if (!flushing) {
          flushing = true;
          queueMicrotask(() => void flush());
        }
      });
    },

    async close() {
      while (flushing || queue.length > 0) {
        if (!flushing) await flush();
        else await new Promise((r) => setTimeout(r, 1));
      }
      if (handle) await handle.close();
      handle = null;
    },
  };
}
