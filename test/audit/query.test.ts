/**
 * SEC-27: misuse such as use outside business hours is detectable from the
 * logs: findEvents over the file sink (PostgreSQL: test/postgres/audit-sink.test.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createAuditLog } from '../../src/audit/create-audit-log.js';
import { findEvents } from '../../src/audit/query.js';
import { fileAuditSink } from '../../src/audit/sinks/file/file-sink.js';
import { memoryAuditSink } from '../../src/audit/sinks/memory.js';
import type { AuditSink } from '../../src/audit/sink.js';
import { testKeyRing } from './support.js';

const keyRing = testKeyRing();
const hour = 3_600_000;
const base = Date.UTC(2026, 3, 1, 0, 0, 0); // 09:00 JST

/** Three days, one event per hour; JST 22:00–06:00 flagged out of hours. */
async function fill(sink: AuditSink) {
  let now = base;
  const log = createAuditLog({ sink, keyRing, stream: 'web-1', now: () => now });
  for (let h = 0; h < 72; h++) {
    now = base + h * hour;
    const jstHour = (9 + h) % 24;
    const outOfHours = jstHour >= 22 || jstHour < 6;
    await log.append({ type: h % 4 === 0 ? 'admin.account.unlock' : 'auth.login.success', actor: h % 2 ? 'tanaka' : 'admin-1', outOfHours });
  }
  return log;
}

const dir = mkdtempSync(join(tmpdir(), 'kanmon-query-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each([
  ['file', () => fileAuditSink({ dir })],
  ['memory', () => memoryAuditSink()],
])('SEC-27: findEvents over the %s sink', (_name, make) => {
  const sink = make();
  const ready = fill(sink);
  afterAll(async () => {
    await (await ready).close();
  });

  it('finds use outside business hours, oldest first', async () => {
    await ready;
    const night = await findEvents(sink, { outOfHours: true });
    expect(night).toHaveLength(3 * 8);
    for (const r of night) {
      const jstHour = Number(r.time.slice(11, 13));
      expect(jstHour >= 22 || jstHour < 6).toBe(true);
    }
    expect(night.map((r) => r.ts)).toEqual([...night.map((r) => r.ts)].sort((a, b) => a - b));
  });

  it('filters by type, actor and time range together', async () => {
    await ready;
    const found = await findEvents(sink, { type: 'admin.account.unlock', actor: 'admin-1', from: base + 24 * hour, to: base + 48 * hour });
    expect(found).toHaveLength(6);
    expect(found.every((r) => r.type === 'admin.account.unlock' && r.actor === 'admin-1')).toBe(true);
    expect(found[0]!.time).toBe('2026-04-02T09:00:00.000+09:00');
    expect(await findEvents(sink, { type: ['admin.account.unlock'], outOfHours: true, limit: 2 })).toHaveLength(2);
  });

  it('a bad query is a coded error', async () => {
    await expect(findEvents(sink, { type: 'auth.nope' as never })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
  });
});
