/**
 * EXT-6 (prevent tampering), SEC-18: any single-byte change, deletion,
 * duplication, swap or truncation of a log of random events is detected, and
 * `firstBad` points at the right record.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createAuditLog } from '../../src/audit/create-audit-log.js';
import { type AuditEventInput, auditEventTypeList } from '../../src/audit/event.js';
import { memoryAuditSink } from '../../src/audit/sinks/memory.js';
import { verifyAuditLog } from '../../src/audit/verify/verify-audit-log.js';
import { steppingClock, testKeyRing } from './support.js';

const keyRing = testKeyRing(['k1', 'k2']);

const eventArb: fc.Arbitrary<AuditEventInput> = fc.record({
  type: fc.constantFrom(...auditEventTypeList),
  tenant: fc.constantFrom('default', 'city-a', 'city-b'),
  actor: fc.option(fc.string({ maxLength: 40, unit: 'binary' }), { nil: null }),
  target: fc.option(fc.string({ maxLength: 20 }), { nil: null }),
  source: fc.record({ ip: fc.ipV4(), userAgent: fc.string({ maxLength: 60, unit: 'grapheme' }) }),
  outOfHours: fc.boolean(),
  after: fc.option(fc.dictionary(fc.constantFrom('role', 'enabled', 'count', 'groups'), fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), fc.boolean())), {
    nil: null,
  }),
});

async function buildLog(events: readonly AuditEventInput[]) {
  const sink = memoryAuditSink();
  const log = createAuditLog({ sink, keyRing, stream: 'web-1', now: steppingClock() });
  for (const [i, event] of events.entries()) {
    if (i === Math.floor(events.length / 2)) keyRing.setCurrent('k2'); // a rotation mid-stream is legitimate
    await log.append(event);
  }
  keyRing.setCurrent('k1');
  const lines = sink.streams.get('web-1')!.lines;
  return { lines, bytes: Buffer.from(lines.join('\n') + '\n', 'utf8'), anchor: log.head()! };
}

type Mutation =
  | { kind: 'byte'; line: number; offset: number; value: number }
  | { kind: 'delete'; line: number }
  | { kind: 'duplicate'; line: number }
  | { kind: 'swap'; line: number }
  | { kind: 'truncate'; at: number };

/** Apply a mutation; return the bytes and where verification must point (line index, seq). */
function mutate(lines: readonly string[], m: Mutation): { bytes: Buffer; index: number; seq: number } {
  const buffers = lines.map((l) => Buffer.from(l + '\n', 'utf8'));
  switch (m.kind) {
    case 'byte': {
      const line = Buffer.from(buffers[m.line]!);
      const offset = m.offset % line.length;
      line[offset] = (line[offset]! + m.value) % 256; // value in 1..255: always a different byte
      buffers[m.line] = line;
      return { bytes: Buffer.concat(buffers), index: m.line, seq: m.line + 1 };
    }
    case 'delete':
      buffers.splice(m.line, 1);
      return { bytes: Buffer.concat(buffers), index: m.line, seq: m.line + 1 };
    case 'duplicate':
      buffers.splice(m.line + 1, 0, buffers[m.line]!);
      return { bytes: Buffer.concat(buffers), index: m.line + 1, seq: m.line + 2 };
    case 'swap': {
      const i = Math.min(m.line, lines.length - 2);
      [buffers[i], buffers[i + 1]] = [buffers[i + 1]!, buffers[i]!];
      return { bytes: Buffer.concat(buffers), index: i, seq: i + 1 };
    }
    case 'truncate': {
      const all = Buffer.concat(buffers);
      const at = m.at % (all.length - 1); // drop at least the last record's closing brace and newline
      // the first line not wholly kept (its content, without the newline, ends after `at`)
      let end = 0;
      let intact = 0;
      for (const b of buffers) {
        end += b.length;
        if (end - 1 <= at) intact++;
        else break;
      }
      return { bytes: all.subarray(0, at), index: intact, seq: intact + 1 };
    }
  }
}

describe('EXT-6: the keyed chain detects any tampering (fast-check)', () => {
  it('a single-byte change, deletion, duplication, swap or truncation is detected at the right record', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(eventArb, { minLength: 2, maxLength: 25 }),
        fc.oneof(
          fc.record({ kind: fc.constant('byte' as const), line: fc.nat(), offset: fc.nat(), value: fc.integer({ min: 1, max: 255 }) }),
          fc.record({ kind: fc.constant('delete' as const), line: fc.nat() }),
          fc.record({ kind: fc.constant('duplicate' as const), line: fc.nat() }),
          fc.record({ kind: fc.constant('swap' as const), line: fc.nat() }),
          fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
        ),
        fc.integer({ min: 0, max: 4 }),
        async (events, raw, pick) => {
          const threads = pick === 0 ? 1 : 0; // one run in five checks MACs in a worker thread
          const { lines, bytes, anchor } = await buildLog(events);
          const clean = await verifyAuditLog({ jsonl: bytes, stream: 'web-1' }, keyRing, { anchors: [anchor] });
          expect(clean.ok).toBe(true);
          expect(clean.count).toBe(events.length);
          const m: Mutation = 'line' in raw ? { ...raw, line: raw.line % lines.length } : raw;
          const { bytes: tampered, index, seq } = mutate(lines, m);
          const result = await verifyAuditLog({ jsonl: tampered, stream: 'web-1' }, keyRing, { anchors: [anchor], threads });
          expect(result.ok).toBe(false);
          expect(result.firstBad).toMatchObject({ stream: 'web-1', index, seq });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('the reasons name what happened', async () => {
    const events = Array.from({ length: 5 }, (_, i): AuditEventInput => ({ type: 'auth.login.success', actor: `u${i}` }));
    const { lines, anchor } = await buildLog(events);
    const check = async (l: readonly string[]) => (await verifyAuditLog(l, keyRing, { anchors: [anchor] })).firstBad;
    expect(await check(lines.map((l, i) => (i === 2 ? l.replace('"u2"', '"u9"') : l)))).toMatchObject({ seq: 3, reason: 'bad_mac' });
    expect(await check(lines.filter((_, i) => i !== 2))).toMatchObject({ seq: 3, reason: 'seq_gap' });
    expect(await check([...lines.slice(0, 3), lines[2]!, ...lines.slice(3)])).toMatchObject({ seq: 4, reason: 'duplicate' });
    expect(await check([lines[0]!, lines[1]!, lines[3]!, lines[2]!, lines[4]!])).toMatchObject({ seq: 3, reason: 'seq_gap' });
    expect(await check([lines[0]!, lines[1]!, lines[2]!, lines[4]!, lines[3]!])).toMatchObject({ seq: 4, reason: 'seq_gap' });
    expect(await check(lines.slice(0, 3))).toMatchObject({ seq: 4, reason: 'truncated' });
    expect(await check(lines.map((l, i) => (i === 1 ? l.replace('"kid":"k1"', '"kid":"k2"') : l)))).toMatchObject({ seq: 2, reason: 'bad_mac' });
    expect(await check(lines.map((l, i) => (i === 1 ? l.replace('"kid":"k1"', '"kid":"k7"') : l)))).toMatchObject({ seq: 2, reason: 'unknown_key' });
    expect(await check(lines.map((l, i) => (i === 1 ? l.replace('"seq":2', '"seq":7') : l)))).toMatchObject({ seq: 2, reason: 'seq_gap' });
  });

  it('an anchor kept outside the log detects a log rewritten end to end (even by someone holding the key)', async () => {
    const { anchor } = await buildLog([{ type: 'auth.login.success', actor: 'a' }, { type: 'auth.login.success', actor: 'b' }]);
    const forged = await buildLog([{ type: 'auth.login.success', actor: 'a' }, { type: 'auth.login.success', actor: 'mallory' }]);
    const plain = await verifyAuditLog(forged.lines, keyRing);
    expect(plain.ok).toBe(true); // the key holder can forge a consistent chain...
    const anchored = await verifyAuditLog(forged.lines, keyRing, { anchors: [anchor] });
    expect(anchored.firstBad).toMatchObject({ stream: 'web-1', seq: 2, reason: 'anchor_mismatch' }); // ...but not match the anchor
  });

  it('a destroyed key makes its records unverifiable, with its own reason', async () => {
    const ring = testKeyRing(['old', 'new']);
    const sink = memoryAuditSink();
    const log = createAuditLog({ sink, keyRing: ring, stream: 's', now: steppingClock() });
    await log.append({ type: 'auth.login.success', actor: 'a' });
    ring.setCurrent('new');
    await log.append({ type: 'auth.login.success', actor: 'b' });
    expect((await verifyAuditLog(sink, ring)).ok).toBe(true);
    ring.destroy('old');
    expect((await verifyAuditLog(sink, ring)).firstBad).toMatchObject({ stream: 's', seq: 1, reason: 'key_destroyed' });
  });
});

describe('EXT-6: large logs verify with MAC checks spread over worker threads', () => {
  it('a change deep inside 30,000 records is found at the right record, with or without workers', async () => {
    const sink = memoryAuditSink();
    const log = createAuditLog({ sink, keyRing, stream: 'big', now: steppingClock() });
    for (let i = 0; i < 30_000; i++) await log.append({ type: 'auth.login.success', actor: `u${i}` });
    const lines = [...sink.streams.get('big')!.lines];
    lines[25_000] = lines[25_000]!.replace('"u25000"', '"u25001"');
    for (const threads of [undefined, 2, 0]) {
      const result = await verifyAuditLog(lines, keyRing, { threads });
      expect(result.firstBad, `threads ${String(threads)}`).toMatchObject({ stream: 'big', seq: 25_001, reason: 'bad_mac', index: 25_000 });
      expect(result.streams[0]).toMatchObject({ count: 25_000, lastSeq: 25_000 });
    }
    expect(await verifyAuditLog(sink, keyRing, { threads: 2 })).toMatchObject({ ok: true, count: 30_000 });
  });
});

describe('SEC-18: free text is escaped so it cannot leave its field', () => {
  it('quote(s) is a JSON string that parses back to s and holds no line break (fast-check)', async () => {
    const { quote } = await import('../../src/audit/chain.js');
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 64 }), (s) => {
        const q = quote(s);
        expect(JSON.parse(q)).toBe(s);
        expect(q).not.toMatch(/[\r\n\u0085\u2028\u2029]/);
      }),
      { numRuns: 2000 },
    );
  });
});
