/**
 * EXT-6, SEC-18: the bytes of an appended record are its canonical form, field by field, and its
 * HMAC-SHA-256 link (RFC 2104) — written here once more, independently of the writer, so a faster
 * writer (issue 22: record ids made in batches, Buffer writes without `buf.write`) keeps every byte
 * that verifiers of older versions read. The record id stays a random version 4 UUID.
 */
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createAuditLog } from '../../src/audit/create-audit-log.js';
import { dataAccessSchema, dataExportSchema, dataModifySchema, defineAuditEvents } from '../../src/audit/define-audit-events.js';
import { type AuditEventInput, type AuditEventType, auditEventTypeList, auditEventTypes, defaultOutcome } from '../../src/audit/event.js';
import { memoryAuditSink } from '../../src/audit/sinks/memory.js';
import { verifyAuditLog } from '../../src/audit/verify/verify-audit-log.js';
import { createIsoTimeFormatter } from '../../src/internal/iso-time.js';
import { steppingClock, testKeyRing } from './support.js';

/** An application schema with every kind of value the one-pass data text writes (strings past the 256-character cut too). */
const appSchema = z.object({
  recordId: z.string().max(300),
  screen: z.string().optional(),
  count: z.number().int().optional(),
  ratio: z.number().optional(),
  flag: z.boolean().nullable().optional(),
  tags: z.array(z.string()).max(5).optional(),
});
const appEvents = defineAuditEvents({ 'app.record.viewed': appSchema });
const dataSchemas: Record<string, z.ZodType> = { 'data.access': dataAccessSchema, 'data.modify': dataModifySchema, 'data.export': dataExportSchema, 'app.record.viewed': appSchema };

const keyRing = testKeyRing(['k1']);
const subkey = keyRing.derive('k1', 'audit-mac');
const formatTime = createIsoTimeFormatter('Asia/Tokyo');

/** JSON string literal, with NEL, LINE SEPARATOR and PARAGRAPH SEPARATOR escaped too. */
function q(text: string): string {
  return JSON.stringify(text).replace(/[\u0085\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
const cut = (text: string, max: number) => (text.length > max ? text.slice(0, max - 1) + '…' : text);
const str = (text: string | null | undefined, max: number) => (text === null || text === undefined ? 'null' : q(cut(text, max)));
function values(v: Record<string, unknown> | null | undefined): string {
  if (v === null || v === undefined) return 'null';
  const fields = Object.entries(v).map(([k, x]) => {
    if (typeof x === 'string') return `${q(k)}:${q(cut(x, 256))}`;
    if (Array.isArray(x)) return `${q(k)}:[${x.map((s: string) => q(cut(s, 256))).join(',')}]`;
    return `${q(k)}:${String(x)}`;
  });
  return `{${fields.join(',')}}`;
}

/** The record as documented in src/audit/chain.ts, with its MAC over `prev ‖ UTF-8 bytes`. */
function expectedLine(e: AuditEventInput, seq: number, id: string, ts: number, prev: string, time = formatTime(ts)): string {
  const type = e.type as AuditEventType;
  // data is written as its schema answers it: the schema's fields, in the schema's order
  const shape = e.data === undefined ? undefined : (dataSchemas[type] as z.ZodObject).shape;
  const after = shape ? Object.fromEntries(Object.keys(shape).filter((k) => k in e.data!).map((k) => [k, e.data![k]])) : e.after;
  const canonical =
    `{"v":1,"stream":"web-1","seq":${seq},"kid":"k1","type":"${type}","id":"${id}","tenant":"${e.tenant ?? 'default'}",` +
    `"time":"${time}","ts":${ts},"outcome":"${e.outcome ?? defaultOutcome(type)}","actor":${str(e.actor, 256)},` +
    `"target":${str(e.target, 256)},"source":{"ip":${str(e.source?.ip, 64)},"userAgent":${str(e.source?.userAgent, 512)}},` +
    `"reason":${e.reason ? q(e.reason) : 'null'},"outOfHours":${e.outOfHours === true},` +
    `"clauses":[${(auditEventTypes[type] ?? ['EXT-6', 'SEC-26']).map((c) => `"${c}"`).join(',')}],"before":${values(e.before)},` +
    `"after":${values(after)}`;
  const mac = createHmac('sha256', subkey).update(Buffer.from(prev, 'base64url')).update(canonical, 'utf8').digest('base64url');
  return `${canonical},"mac":"${mac}"}`;
}

const textArb = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ maxLength: 300, unit: 'grapheme' }), // CJK, emoji, past the 256-character cut
  fc.string({ maxLength: 20, unit: 'binary' }), // control characters, lone surrogates, U+2028
  fc.constantFrom('田中 太郎', 'a"b\\c', '\u0085\u2028\u2029', 'x'.repeat(600)),
);
const valuesArb = fc.option(
  fc.dictionary(
    fc.constantFrom('role', 'enabled', 'count', 'groups', 'label', 'webauthnId'),
    fc.oneof(textArb, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 })),
  ),
  { nil: null },
);
const eventArb: fc.Arbitrary<AuditEventInput> = fc.record(
  {
    type: fc.constantFrom(...auditEventTypeList.filter((t) => t !== 'data.access')),
    tenant: fc.constantFrom('default', 'city-a'),
    actor: fc.option(textArb, { nil: null }),
    target: fc.option(textArb, { nil: null }),
    source: fc.record({ ip: fc.oneof(fc.ipV4(), fc.ipV6()), userAgent: textArb }, { requiredKeys: ['ip'] }),
    reason: fc.option(fc.constantFrom('invalid_password', 'passkey', 'reauth', 'password_change_required.expired'), { nil: null }),
    outOfHours: fc.boolean(),
    before: valuesArb,
    after: valuesArb,
  },
  { requiredKeys: ['type'] },
);

const idArb = fc.oneof(
  fc.string({ minLength: 1, maxLength: 30 }),
  fc.string({ minLength: 1, maxLength: 12, unit: 'binary' }),
  fc.constantFrom('R-0001234', '住民-1', 'a"b\\c', '\u2028x'),
);
const shortText = fc.oneof(fc.string({ minLength: 1, maxLength: 20 }), fc.string({ minLength: 1, maxLength: 10, unit: 'grapheme' }));
const digestArb = fc.option(fc.stringMatching(/^[0-9a-f]{64}$/).map((h) => `sha256:${h}`), { nil: null });
/** An object with its keys in the given or the reverse order (the record takes the schema's order). */
const anyOrder = <T extends object>(arb: fc.Arbitrary<T>) => fc.tuple(arb, fc.boolean()).map(([o, reverse]) => (reverse ? (Object.fromEntries(Object.entries(o).reverse()) as T) : o));
const dataArb = fc.oneof(
  fc.record({
    type: fc.constant('data.access'),
    data: anyOrder(fc.record({ recordIds: fc.array(idArb, { minLength: 1, maxLength: 4 }), recordType: shortText, purpose: fc.stringMatching(/^[a-z0-9_.:-]{1,64}$/) }, { requiredKeys: ['recordIds'] })),
  }),
  fc.record({
    type: fc.constant('data.modify'),
    data: anyOrder(fc.record({ recordIds: fc.array(idArb, { minLength: 1, maxLength: 3 }), recordType: shortText, beforeDigest: digestArb, afterDigest: digestArb }, { requiredKeys: ['recordIds'] })),
  }),
  fc.record({
    type: fc.constant('data.export'),
    data: anyOrder(fc.record({ recordIds: fc.array(idArb, { maxLength: 3 }), recordType: shortText, count: fc.nat(), format: fc.string({ minLength: 1, maxLength: 16 }) }, { requiredKeys: [] })),
  }),
  fc.record({
    type: fc.constant('app.record.viewed'),
    data: anyOrder(
      fc.record(
        {
          recordId: fc.oneof(idArb, fc.string({ maxLength: 300 }), fc.constantFrom('x'.repeat(257), '漢'.repeat(280), '')),
          screen: fc.oneof(shortText, fc.string({ maxLength: 20, unit: 'binary' })),
          count: fc.integer(),
          ratio: fc.double({ noNaN: true, noDefaultInfinity: true }),
          flag: fc.option(fc.boolean(), { nil: null }),
          tags: fc.array(fc.oneof(shortText, fc.string({ maxLength: 270 })), { maxLength: 5 }),
        },
        { requiredKeys: ['recordId'] },
      ),
    ),
  }),
);
const dataEventArb: fc.Arbitrary<AuditEventInput> = fc
  .tuple(
    dataArb,
    fc.record(
      {
        tenant: fc.constantFrom('default', 'city-a'),
        actor: fc.option(textArb, { nil: null }),
        target: fc.option(textArb, { nil: null }),
        source: fc.record({ ip: fc.oneof(fc.ipV4(), fc.ipV6()), userAgent: textArb }, { requiredKeys: ['ip'] }),
        reason: fc.option(fc.constantFrom('counter_service', 'inquiry'), { nil: null }),
        outOfHours: fc.boolean(),
        before: valuesArb,
      },
      { requiredKeys: [] },
    ),
  )
  .map(([d, rest]) => ({ ...rest, ...d }));

/** The last millisecond the writer accepts (local time stays in year 9999 in every zone). */
const lastTs = 253_402_128_000_000;
const zones = ['Asia/Tokyo', 'UTC', 'America/Los_Angeles', 'Asia/Kolkata', 'America/St_Johns', 'Pacific/Chatham'];
/** The epoch, second, minute, day and year boundaries (UTC and Tokyo), DST changes in Los Angeles, the last second. */
const boundaries = [
  0, 1000, 60_000, 86_400_000, 1_775_000_040_000, Date.UTC(2026, 3, 1, 15), Date.UTC(2026, 3, 1, 18, 30), Date.UTC(2026, 11, 31, 15), Date.UTC(2027, 0, 1),
  Date.UTC(2026, 2, 8, 10), Date.UTC(2026, 10, 1, 9), Date.UTC(2000, 0, 1), lastTs,
];
const tsArb = fc.tuple(fc.constantFrom(...boundaries), fc.integer({ min: -1500, max: 1500 })).map(([b, d]) => Math.min(lastTs, Math.max(0, b + d)));

describe('EXT-6, SEC-18: an appended record is byte for byte its canonical form and HMAC link', () => {
  it('random events (Unicode, escapes, cut texts, before/after values): each line equals the reference encoding', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(eventArb, { minLength: 1, maxLength: 12 }), async (events) => {
        const sink = memoryAuditSink();
        const now = steppingClock(1_775_000_000_123, 997);
        const log = createAuditLog({ sink, keyRing, stream: 'web-1', now });
        let prev = 'A'.repeat(43);
        for (const [i, event] of events.entries()) {
          const receipt = await log.append(event);
          const line = sink.streams.get('web-1')!.lines[i]!;
          expect(line).toBe(expectedLine(event, i + 1, receipt.id, receipt.ts, prev));
          expect(receipt.mac).toBe(line.slice(-45, -2));
          expect(receipt.time).toBe(formatTime(receipt.ts));
          prev = receipt.mac;
        }
        expect((await verifyAuditLog(sink, keyRing)).ok).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('data events (built-in and application schemas, data in any key order) at the epoch and second, minute, day, year and DST boundaries, in several zones: each line equals the reference encoding', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...zones), fc.array(fc.tuple(fc.oneof(eventArb, dataEventArb), tsArb), { minLength: 1, maxLength: 12 }), async (zone, steps) => {
        const sink = memoryAuditSink();
        let i = 0;
        const log = createAuditLog({ sink, keyRing, stream: 'web-1', now: () => steps[i]![1], timeZone: zone, events: appEvents });
        let prev = 'A'.repeat(43);
        for (; i < steps.length; i++) {
          const [event, ts] = steps[i]!;
          const receipt = await log.append(event);
          const time = createIsoTimeFormatter(zone)(ts); // a formatter without history: the time of ts, whatever came before
          const line = sink.streams.get('web-1')!.lines[i]!;
          expect(line).toBe(expectedLine(event, i + 1, receipt.id, ts, prev, time));
          expect(receipt).toMatchObject({ ts, time, mac: line.slice(-45, -2) });
          prev = receipt.mac;
        }
        expect((await verifyAuditLog(sink, keyRing)).ok).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('the clock: ts at the epoch is written unpadded, the last accepted millisecond is written, and a value past it, fractional or negative is refused as before', async () => {
    const times = [0, 7, 999, 1000, 1001, lastTs - 1, lastTs, lastTs + 1, lastTs + 999, 1_775_000_000_123, 1_775_000_000_123.5, 1_775_000_000_124, Number.NaN, -1];
    let i = 0;
    const sink = memoryAuditSink();
    const log = createAuditLog({ sink, keyRing, stream: 'web-1', now: () => times[i]!, timeZone: 'Asia/Tokyo' });
    const written: string[] = [];
    for (; i < times.length; i++) {
      const ts = times[i]!;
      const appended = log.append({ type: 'auth.logout', actor: 'tanaka' });
      if (Number.isInteger(ts) && ts >= 0 && ts <= lastTs) written.push((await appended).time);
      else await expect(appended).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    }
    const lines = sink.streams.get('web-1')!.lines;
    expect(lines.map((l) => (JSON.parse(l) as { ts: number }).ts)).toEqual([0, 7, 999, 1000, 1001, lastTs - 1, lastTs, 1_775_000_000_123, 1_775_000_000_124]);
    expect(lines[1]).toContain('"time":"1970-01-01T09:00:00.007+09:00","ts":7,"outcome"');
    expect(lines[6]).toContain('"time":"9999-12-30T09:00:00.000+09:00","ts":253402128000000,"outcome"');
    expect(written).toEqual([0, 7, 999, 1000, 1001, lastTs - 1, lastTs, 1_775_000_000_123, 1_775_000_000_124].map((ts) => createIsoTimeFormatter('Asia/Tokyo')(ts)));
    expect((await verifyAuditLog(sink, keyRing)).ok).toBe(true);
  });

  it('record ids are random version 4 UUIDs, none repeated over 5,000 appends (past many refills of the id pool)', async () => {
    const log = createAuditLog({ sink: memoryAuditSink(), keyRing, stream: 'web-1', now: steppingClock() });
    const ids = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const { id } = await log.append({ type: 'auth.login.failure', actor: 'tanaka', reason: 'invalid_password' });
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      ids.add(id);
    }
    expect(ids.size).toBe(5000);
  });

  it('SEC-18 (nothing logs a secret): a value key naming a secret or malformed is refused every time, also after accepted keys were remembered', async () => {
    const log = createAuditLog({ sink: memoryAuditSink(), keyRing, stream: 'web-1', now: steppingClock() });
    for (let i = 0; i < 3; i++) {
      await log.append({ type: 'admin.account.lock', actor: 'admin', after: { role: 'staff', enabled: true } });
      await expect(log.append({ type: 'admin.account.lock', actor: 'admin', after: { role: 'staff', passwordHash: 'x' } })).rejects.toMatchObject({ code: 'ERR_AUDIT_FORMAT' });
      await expect(log.append({ type: 'admin.account.lock', actor: 'admin', before: { '1role': 'staff' } })).rejects.toMatchObject({ code: 'ERR_AUDIT_FORMAT' });
    }
  });
});
