import type { AuditLine } from '../sink.js';

/** How far a long read of the log has come: records (lines) and their bytes, newlines included. */
export interface AuditReadProgress {
  readonly records: number;
  readonly bytes: number;
}

/** `chunks` as they are, telling `onProgress` after each batch (for `kanmon audit verify|export`). */
export async function* countingBatches(chunks: AsyncIterable<readonly AuditLine[]>, onProgress: (progress: AuditReadProgress) => void): AsyncIterable<readonly AuditLine[]> {
  let records = 0;
  let bytes = 0;
  for await (const batch of chunks) {
    records += batch.length;
    for (const line of batch) bytes += line.bytes.length + 1;
    yield batch;
    onProgress({ records, bytes });
  }
}
