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

/**
 * kanmon's PostgreSQL account table (`postgresAccounts` of kanmon/postgres): every account in one
 * `insertMany` transaction at `commit`, so a failure leaves nothing. `pg` is loaded only here
 * (an optional peer). With `skipExisting`, an id or login name already in the table is left out
 * and counted; without it, one such account rolls the whole import back.
 */
export function postgresSink(options: { connectionString: string; table?: string | undefined; migrate: boolean; skipExisting: boolean; onDone(result: { inserted: number; skipped: number }): void }): ImportSink {
  const pending: AccountRecord[] = [];
  return {
    write(records) {
      pending.push(...records);
      return Promise.resolve();
    },
    async commit() {
      const [{ default: pg }, { postgresAccounts }] = await Promise.all([import('pg'), import('../../postgres/accounts.js')]);
      const pool = new pg.Pool({ connectionString: options.connectionString, max: 2 });
      pool.on('error', () => undefined); // an idle client's error surfaces on the next query instead
      try {
        const accounts = postgresAccounts({ pool, table: options.table });
        if (options.migrate) await accounts.migrate();
        options.onDone(await accounts.insertMany(pending, { onConflict: options.skipExisting ? 'skip' : 'error' }));
      } finally {
        pending.length = 0;
        await pool.end();
      }
    },
    abort() {
      pending.length = 0;
      return Promise.resolve();
    },
  };
}
