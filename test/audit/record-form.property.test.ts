/**
 * EXT-6, SEC-18: the bytes of an appended record are its canonical form, field by field, and its
 * HMAC-SHA-256 link (RFC 2104) — written here once more, independently of the writer, so a faster
 * writer (issue 22: record ids made in batches, Buffer writes without `buf.write`) keeps every byte
 * that verifiers of older versions read. The record id stays a random version 4 UUID.
 */
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createAuditLog } from '../../src/audit/create-audit-log.js';
import { type AuditEventInput, type AuditEventType, auditEventTypeList, auditEventTypes, defaultOutcome } from '../../src/audit/event.js';
import { memoryAuditSink } from '../../src/audit/sinks/memory.js';
import { verifyAuditLog } from '../../src/audit/verify/verify-audit-log.js';
import { createIsoTimeFormatter } from '../../src/internal/iso-time.js';
import { steppingClock, testKeyRing } from './support.js';

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
function expectedLine(e: AuditEventInput, seq: number, id: string, ts: number, prev: string): string {
  const type = e.type as AuditEventType;
  const canonical =
    `{"v":1,"stream":"web-1","seq":${seq},"kid":"k1","type":"${type}","id":"${id}","tenant":"${e.tenant ?? 'default'}",` +
    `"time":"${formatTime(ts)}","ts":${ts},"outcome":"${e.outcome ?? defaultOutcome(type)}","actor":${str(e.actor, 256)},` +
    `"target":${str(e.target, 256)},"source":{"ip":${str(e.source?.ip, 64)},"userAgent":${str(e.source?.userAgent, 512)}},` +
    `"reason":${e.reason ? q(e.reason) : 'null'},"outOfHours":${e.outOfHours === true},` +
    `"clauses":[${auditEventTypes[type].map((c) => `"${c}"`).join(',')}],"before":${values(e.before)},` +
    `"after":${values(e.after)}`;
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
