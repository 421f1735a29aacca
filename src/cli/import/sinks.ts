import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import type { AccountRecord } from '../../login/account.js';

/** Where imported accounts go. Nothing is visible until `commit`; `abort` leaves no trace. */
export interface ImportSink {
  write(records: readonly AccountRecord[]): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/**
 * JSON Lines, one {@link AccountRecord} a line, for the application's own repository. Written to
 * a temporary file beside `path` and renamed over it at `commit`: a failed import leaves none.
 */
export function jsonLinesSink(path: string): ImportSink {
  const temp = `${path}.${process.pid}.tmp`;
  const out = createWriteStream(temp, { flags: 'wx', mode: 0o600 });
  const opened = once(out, 'open');
  opened.catch(() => undefined);
  return {
    async write(records) {
      await opened;
      let text = '';
      for (const r of records) text += JSON.stringify(r) + '\n';
      if (!out.write(text)) await once(out, 'drain');
    },
    async commit() {
      await opened;
      out.end();
      await once(out, 'finish');
      await rename(temp, path);
    },
    async abort() {
      out.destroy();
      await rm(temp, { force: true });
    },
  };
}
