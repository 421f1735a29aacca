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
import { compileDataCheck } from '../../src/audit/internal/data-check.js';

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
const schemas = { mixed, dataAccessSchema, dataModifySchema, dataExportSchema, bench: z.object({ recordId: z.string().max(64), screen: z.string().max(64) }).strict() };

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
);
const key = fc.constantFrom('recordId', 'screen', 'count', 'ratio', 'kind', 'v', 'flag', 'none', 'ids', 'recordIds', 'recordType', 'purpose', 'beforeDigest', 'afterDigest', 'format', 'extra', '__proto__');
const data = fc.oneof(fc.dictionary(key, value, { maxKeys: 6 }), fc.anything());

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

  it('the fast path is taken for valid data (it is not dead code)', () => {
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
