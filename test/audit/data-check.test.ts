/**
 * Issue 19, bench point: an application event's data is checked without zod on the append path
 * (compileDataCheck), so it costs what a built-in event costs. The checker may only be stricter than the
 * schema, never looser: whatever it accepts, zod accepts with the same output (fields and order); whatever
 * it does not, goes to zod, so unknown and invalid fields are still refused with their codes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createAuditLog, createKeyRing, defineAuditEvents, memoryAuditSink } from '../../src/index.js';
import { dataAccessSchema, dataExportSchema, dataModifySchema } from '../../src/audit/define-audit-events.js';
import { compileDataCheck, dataTextOf } from '../../src/audit/internal/data-check.js';

const mixed = z.strictObject({
  recordId: z.string().min(2).max(12),
  screen: z.string().regex(/^[a-z_]{1,16}$/).optional(),
  count: z.number().int().min(0).max(1000).optional(),
  ratio: z.number().gt(0).lt(1).nullable().optional(),
  kind: z.enum(['resident', 'tax']).optional(),
  v: z.literal(1).optional(),
  flag: z.boolean().optional(),
  none: z.null().optional(),
  ids: z.array(z.string().max(4)).min(1).max(3).optional(),
});
const schemas = {
  mixed,
  dataAccessSchema,
  dataModifySchema,
  dataExportSchema,
  bench: z.object({ recordId: z.string().max(64), screen: z.string().max(64) }).strict(),
  long: z.strictObject({ recordId: z.string(), ids: z.array(z.string()).optional(), count: z.number().optional() }), // texts past the 256-character cut
};

const value = fc.oneof(
  fc.string({ maxLength: 14 }),
  fc.constantFrom('resident', 'tax', 'ab', 'sha256:' + 'a'.repeat(64), 'counter_service', 'R-1'),
  fc.integer({ min: -2, max: 1002 }),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.constant(1),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 4 }),
  fc.string({ maxLength: 300, unit: 'grapheme' }),
  fc.string({ maxLength: 10, unit: 'binary' }), // control characters, lone surrogates, NEL, U+2028
  fc.array(fc.oneof(fc.string({ maxLength: 270 }), fc.constantFrom('"\\', '\u0085\u2028\u2029', '\ud800')), { maxLength: 3 }),
);
const key = fc.constantFrom('recordId', 'screen', 'count', 'ratio', 'kind', 'v', 'flag', 'none', 'ids', 'recordIds', 'recordType', 'purpose', 'beforeDigest', 'afterDigest', 'format', 'extra', '__proto__');
const data = fc.oneof(
  fc.dictionary(key, value, { maxKeys: 6 }),
  fc.anything(),
  // mostly valid data of the built-in and the long schemas, so the texts are written, not only refused
  fc.record({ recordIds: fc.array(fc.oneof(fc.string({ minLength: 1, maxLength: 20 }), fc.string({ minLength: 1, maxLength: 8, unit: 'binary' })), { minLength: 1, maxLength: 3 }), purpose: fc.constantFrom('counter_service', 'x y'), recordType: fc.string({ maxLength: 10 }) }, { requiredKeys: ['recordIds'] }),
  fc.record({ recordId: fc.string({ minLength: 2, maxLength: 12 }), screen: fc.stringMatching(/^[a-z_]{1,16}$/), count: fc.integer({ min: 0, max: 1000 }), ratio: fc.option(fc.double({ min: 0.001, max: 0.999 }), { nil: null }), kind: fc.constantFrom('resident', 'tax'), v: fc.constant(1), flag: fc.boolean(), none: fc.constant(null), ids: fc.array(fc.string({ maxLength: 4 }), { minLength: 1, maxLength: 3 }) }, { requiredKeys: ['recordId'] }),
  fc.record({ recordId: fc.oneof(fc.string({ maxLength: 300 }), fc.string({ maxLength: 300, unit: 'grapheme' }), fc.constantFrom('x'.repeat(256), 'x'.repeat(257), '漢'.repeat(257))), ids: fc.array(value), count: fc.oneof(fc.double(), fc.integer()), screen: fc.string({ maxLength: 64 }) }, { requiredKeys: ['recordId'] }),
);

describe('issue 19: the zod-free data check agrees with zod', () => {
  it('compiles for the built-in data schemas and simple application schemas, not for what it does not understand', () => {
    for (const schema of Object.values(schemas)) expect(compileDataCheck(schema)).toBeTypeOf('function');
    expect(compileDataCheck(z.object({ a: z.string() }))).toBeUndefined(); // not strict: zod would strip unknown fields
    expect(compileDataCheck(z.strictObject({ a: z.string().email() }))).toBeUndefined();
    expect(compileDataCheck(z.strictObject({ a: z.string().refine((s) => s !== 'x') }))).toBeUndefined();
    expect(compileDataCheck(z.strictObject({ a: z.string().transform((s) => s.trim()) }))).toBeUndefined();
    expect(compileDataCheck(z.strictObject({ a: z.string().regex(/x/g) }))).toBeUndefined();
  });

  it('property: whatever the check accepts, zod accepts with the same output (fields and their order)', () => {
    for (const [name, schema] of Object.entries(schemas)) {
      const check = compileDataCheck(schema)!;
      fc.assert(
        fc.property(data, (input) => {
          const fast = check(input);
          if (fast === null) return;
          const parsed = schema.safeParse(input);
          expect(parsed.success, name).toBe(true);
          expect(JSON.stringify(fast)).toBe(JSON.stringify(parsed.data));
          expect(Object.keys(fast)).toEqual(Object.keys(parsed.data as object));
        }),
        { numRuns: 3000 },
      );
    }
  });

  it('property: the one-pass data text is the JSON of what the check answers (texts cut at 256 characters, NEL and U+2028/9 escaped), null exactly when the check says null', () => {
    const cut = (v: unknown): unknown => (typeof v === 'string' && v.length > 256 ? v.slice(0, 255) + '…' : Array.isArray(v) ? v.map(cut) : v);
    const jsonOf = (o: object) =>
      JSON.stringify(Object.fromEntries(Object.entries(o).map(([k, v]) => [k, cut(v)]))).replace(/[\u0085\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    for (const [name, schema] of Object.entries(schemas)) {
      const check = compileDataCheck(schema)!;
      const text = dataTextOf(schema)!;
      expect(text, name).toBeTypeOf('function');
      let written = 0;
      fc.assert(
        fc.property(data, (input) => {
          const checked = check(input);
          const one = text(input);
          if (checked === null) expect(one, name).toBeNull();
          else {
            expect(one, name).toBe(jsonOf(checked));
            written++;
          }
        }),
        { numRuns: 3000 },
      );
      expect(written, name).toBeGreaterThan(0);
    }
  });

  it('no one-pass text for a schema the writer refuses or the check does not understand (those take the old path and its error)', () => {
    expect(dataTextOf(z.strictObject({ password: z.string() }))).toBeUndefined();
    expect(dataTextOf(z.strictObject({ _x: z.string() }))).toBeUndefined();
    expect(dataTextOf(z.object({ a: z.string() }))).toBeUndefined();
    expect(dataTextOf(z.strictObject({ a: z.string().email() }))).toBeUndefined();
  });

  it('string lengths hold in UTF-16 units and in code points (zod 4.6 counts code points): an astral character is one code point, two units', () => {
    const astral = '\u{10000}';
    expect(compileDataCheck(z.strictObject({ a: z.string().min(2) }))!({ a: astral })).toBeNull();
    expect(compileDataCheck(z.strictObject({ a: z.string().length(3) }))!({ a: astral + 'a' })).toBeNull();
    expect(compileDataCheck(z.strictObject({ a: z.string().length(2) }))!({ a: astral })).toBeNull();
    expect(compileDataCheck(z.strictObject({ a: z.string().min(2).max(4) }))!({ a: astral + 'a' })).toEqual({ a: astral + 'a' });
  });

  it('an application event whose text is too short in code points is refused through the append path, not written', async () => {
    const events = defineAuditEvents({ 'app.note.added': z.object({ initials: z.string().min(2) }) });
    const sink = memoryAuditSink();
    const log = createAuditLog({ sink, keyRing: createKeyRing({ keys: [{ id: 'k', secret: Buffer.alloc(32, 1) }], current: 'k' }), stream: 's', now: () => 0, events });
    await expect(log.append({ type: 'app.note.added', data: { initials: '\u{20BB7}' } })).rejects.toMatchObject({ code: 'ERR_AUDIT_FORMAT', details: { reason: 'invalid_field' } });
    expect(sink.streams.get('s')?.lines ?? []).toEqual([]);
  });

  it('the fast path is taken for valid data (it is not dead code)', () => {
    expect(dataTextOf(schemas.bench)!({ screen: 'juminhyo', recordId: 'R-1' })).toBe('{"recordId":"R-1","screen":"juminhyo"}');
    const check = compileDataCheck(schemas.bench)!;
    expect(check({ screen: 'juminhyo', recordId: 'R-1' })).toEqual({ recordId: 'R-1', screen: 'juminhyo' });
    expect(compileDataCheck(dataAccessSchema)!({ recordIds: ['R-1'], purpose: 'counter_service' })).toEqual({ recordIds: ['R-1'], purpose: 'counter_service' });
  });

  it('an unknown or invalid field is still refused with its code through the append path', async () => {
    const events = defineAuditEvents({ 'app.record.viewed': schemas.bench });
    const log = createAuditLog({ sink: memoryAuditSink(), keyRing: createKeyRing({ keys: [{ id: 'k', secret: Buffer.alloc(32, 1) }], current: 'k' }), stream: 's', now: () => 0, events });
    await expect(log.append({ type: 'app.record.viewed', data: { recordId: 'R', screen: 's', extra: 1 } })).rejects.toMatchObject({ code: 'ERR_AUDIT_FORMAT', details: { reason: 'unknown_field' } });
    await expect(log.append({ type: 'app.record.viewed', data: { recordId: 'R'.repeat(65), screen: 's' } })).rejects.toMatchObject({ code: 'ERR_AUDIT_FORMAT', details: { reason: 'invalid_field' } });
    await expect(log.append({ type: 'data.access', data: { recordIds: [], purpose: 'x' } })).rejects.toMatchObject({ code: 'ERR_AUDIT_FORMAT', details: { reason: 'invalid_field' } });
    await expect(log.append({ type: 'app.record.viewed', data: { recordId: 'R', screen: 's' } })).resolves.toMatchObject({ seq: 1 });
  });
});
