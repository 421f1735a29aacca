import { createHash } from 'node:crypto';
import { type FileHandle, open } from 'node:fs/promises';
import { join } from 'node:path';
import { readHead } from '../../chain.js';
import type { AuditSinkTail } from '../../sink.js';

/**
 * The end of the last intact record line in a file (bytes, just after its
 * newline; or after the line when it is complete but lacks one) and that line.
 */
export async function scanTail(handle: FileHandle, size: number): Promise<{ validEnd: number; last: Buffer | null }> {
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
 * A stream's tail at `open`: its last intact record (searched from the newest
 * day file back), and bytes after it in the newest file (a write torn by a
 * crash or a power cut), sealed off with a newline and described for a
 * `log.recovered` record. `day` is the newest file's day ('' without files).
 */
export async function recoverTail(streamDir: string, stream: string, files: readonly string[]): Promise<AuditSinkTail & { readonly day: string }> {
  let day = '';
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
        day = files[k]!.slice(0, 10);
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
  return { last, torn, day };
}
