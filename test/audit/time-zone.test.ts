/**
 * SEC-19, FNB-2.5: one time and one time zone in every log. The same event gets
 * the same `time` string whatever the process's TZ (each run in a child process
 * with its own TZ, importing the built package).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createIsoTimeFormatter } from '../../src/internal/iso-time.js';

const dist = resolve(import.meta.dirname, '../../dist/index.js');
const script = `
import { createAuditLog, memoryAuditSink, createKeyRing } from ${JSON.stringify(dist)};
const keyRing = createKeyRing({ keys: [{ id: 'k1', secret: Buffer.alloc(32, 1) }], current: 'k1' });
const out = {};
for (const zone of [undefined, 'America/Los_Angeles', 'UTC']) {
  const sink = memoryAuditSink();
  const times = [1775000000123, 1773568800000, 1773565199999];
  let i = 0;
  const log = createAuditLog({ sink, keyRing, stream: 's', now: () => times[i++], timeZone: zone });
  for (const _ of times) await log.append({ type: 'auth.login.success', actor: 'a' });
  out[zone ?? 'default'] = sink.streams.get('s').lines.map((l) => JSON.parse(l).time);
}
out.processOffset = new Date(1775000000123).getTimezoneOffset();
console.log(JSON.stringify(out));
`;

describe('SEC-19 / FNB-2.5: timestamps do not depend on the process TZ', () => {
  it('identical time strings under TZ=UTC, Asia/Tokyo and America/Los_Angeles', () => {
    expect(existsSync(dist), 'dist/ is built by npm test before vitest; run npm run build').toBe(true);
    const runs = ['UTC', 'Asia/Tokyo', 'America/Los_Angeles'].map((TZ) => {
      const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, TZ }, encoding: 'utf8' });
      return JSON.parse(out) as Record<string, unknown>;
    });
    // the processes really ran in different zones...
    expect(new Set(runs.map((r) => r.processOffset)).size).toBe(3);
    // ...and wrote the same strings
    for (const run of runs) {
      expect(run.default).toEqual(['2026-04-01T08:33:20.123+09:00', '2026-03-15T19:00:00.000+09:00', '2026-03-15T17:59:59.999+09:00']);
      // the configured zone, DST included: LA moved to -07:00 at 2026-03-08 10:00Z
      expect(run['America/Los_Angeles']).toEqual(['2026-03-31T16:33:20.123-07:00', '2026-03-15T03:00:00.000-07:00', '2026-03-15T01:59:59.999-07:00']);
      expect(run.UTC).toEqual(['2026-03-31T23:33:20.123+00:00', '2026-03-15T10:00:00.000+00:00', '2026-03-15T08:59:59.999+00:00']);
    }
  });

  it('the formatter follows DST transitions at the exact millisecond', () => {
    const la = createIsoTimeFormatter('America/Los_Angeles');
    const change = Date.UTC(2026, 2, 8, 10, 0, 0); // 02:00 PST → 03:00 PDT
    expect(la(change - 1)).toBe('2026-03-08T01:59:59.999-08:00');
    expect(la(change)).toBe('2026-03-08T03:00:00.000-07:00');
    expect(createIsoTimeFormatter('Asia/Kolkata')(0)).toBe('1970-01-01T05:30:00.000+05:30');
    expect(() => createIsoTimeFormatter('Mars/Olympus')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }) as Error);
    expect(() => createIsoTimeFormatter('Asia/Tokyo')(1.5)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }) as Error);
  });
});
