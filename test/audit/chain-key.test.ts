/**
 * RFC 2104 (HMAC), EXT-6: the chain MAC computed from precomputed key pads and
 * one-shot SHA-256 digests is HMAC-SHA-256 itself, byte for byte, so logs
 * written before and after it verify alike, and a record line built from the
 * hashed bytes is exactly the canonical text plus its MAC.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createChainKey, createHmacChainKey, genesisMacText, macOfLine } from '../../src/audit/chain.js';
import { createAuditLog } from '../../src/audit/create-audit-log.js';
import { memoryAuditSink } from '../../src/audit/sinks/memory.js';
import { verifyAuditLog } from '../../src/audit/verify/verify-audit-log.js';
import { loginFailure, steppingClock, testKeyRing } from './support.js';

/** HMAC-SHA-256 as node:crypto computes it: the reference. */
function hmac(key: Uint8Array, prev: string, canonical: string | Uint8Array): string {
  return createHmac('sha256', key).update(Buffer.from(prev, 'base64url')).update(canonical).digest('base64url');
}

// key lengths around SHA-256's 64-byte block: shorter keys are zero-padded, longer ones hashed first (RFC 2104 §2)
const keyArb = fc.uint8Array({ minLength: 1, maxLength: 130 });
const macArb = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('base64url'));
// records are mostly ASCII, sometimes Japanese, emoji (surrogate pairs) or escaped line breaks; some longer than the scratch buffer
const textArb = fc.oneof(
  fc.string({ maxLength: 600 }),
  fc.string({ maxLength: 200, unit: 'grapheme' }),
  fc.string({ minLength: 2000, maxLength: 6000, unit: fc.constantFrom('a', '田', '中', '😀', '\\u2028', '"') }),
);

describe('RFC 2104: the chain MAC is HMAC-SHA-256', () => {
  it('mac() over bytes equals createHmac for any key, previous MAC and record', () => {
    fc.assert(
      fc.property(keyArb, macArb, fc.uint8Array({ maxLength: 5000 }), (key, prev, bytes) => {
        expect(createChainKey(key).mac(prev, bytes)).toBe(hmac(key, prev, bytes));
        expect(createHmacChainKey(key).mac(prev, bytes)).toBe(hmac(key, prev, bytes));
      }),
      { numRuns: 300 },
    );
  });

  it('line() is the canonical text plus `,"mac":"<HMAC over its UTF-8 bytes>"}`', () => {
    fc.assert(
      fc.property(keyArb, macArb, textArb, (key, prev, text) => {
        const expected = `${text},"mac":"${hmac(key, prev, text)}"}`;
        const line = createChainKey(key).line(prev, text);
        expect(line).toBe(expected);
        expect(macOfLine(line)).toBe(hmac(key, prev, text));
        expect(createHmacChainKey(key).line(prev, text)).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('one key object reused across records of growing and shrinking size, small and huge, keeps every MAC right (no stale scratch bytes)', () => {
    const key = Buffer.alloc(32, 9);
    const chain = createChainKey(key);
    let prev = genesisMacText;
    // sizes around the 4 KiB start and the 256 KiB cap of the scratch buffer (beyond it, createHmac is used)
    for (const size of [10, 5000, 3, 9000, 0, 80_000, 700, 100_000, 300_000, 1]) {
      const text = 'x'.repeat(size);
      const line = chain.line(prev, text);
      expect(macOfLine(line)).toBe(hmac(key, prev, text));
      expect(chain.mac(prev, Buffer.from(text))).toBe(hmac(key, prev, text));
      prev = macOfLine(line);
    }
  });

  it('a previous MAC that is not 43 base64url characters is hashed as Buffer.from decodes it (a damaged link never matches by accident)', () => {
    const key = Buffer.alloc(32, 3);
    const record = Buffer.from('{"v":1}');
    const good = Buffer.alloc(32, 7).toString('base64url');
    for (const prev of ['', 'abc', good + 'AAAA', good.slice(0, 42) + '!', '*'.repeat(43)]) {
      expect(createChainKey(key).mac(prev, record)).toBe(hmac(key, prev, record));
    }
    expect(createChainKey(key).mac(good + 'AAAA', record)).not.toBe(hmac(key, good, record));
    expect(() => createChainKey(key).line('abc', '{"v":1}')).toThrow(expect.objectContaining({ code: 'ERR_AUDIT_FORMAT' }));
  });
});

describe('EXT-6: a log written by kanmon 0.1.0 (createHmac per record) verifies with this version', () => {
  const fixture = readFileSync(resolve(import.meta.dirname, 'fixtures/log-0.1.0.jsonl'));
  const keyRing = testKeyRing(); // k1 = 32 bytes of 0x01, the key the fixture was written with

  for (const threads of [0, 1]) {
    it(`verifies as written and finds a changed byte (threads: ${threads})`, async () => {
      expect(await verifyAuditLog({ jsonl: fixture, stream: 'web-1' }, keyRing, { threads })).toMatchObject({ ok: true, count: 5, firstBad: null });
      const tampered = Buffer.from(fixture);
      const third = tampered.indexOf('"actor":"admin"');
      tampered[third + 10] = 0x41; // admin → aAmin, inside record 3
      expect(await verifyAuditLog({ jsonl: tampered, stream: 'web-1' }, keyRing, { threads })).toMatchObject({
        ok: false,
        count: 2,
        firstBad: { stream: 'web-1', seq: 3, reason: 'bad_mac' },
      });
    });
  }

  it('a writer resuming that stream continues its chain', async () => {
    const sink = memoryAuditSink();
    sink.streams.set('web-1', { lines: fixture.toString('utf8').trimEnd().split('\n'), ts: [0, 0, 0, 0, 0] });
    const log = createAuditLog({ sink, keyRing, stream: 'web-1', now: steppingClock() });
    expect(await log.open()).toMatchObject({ resumedAfterSeq: 5 });
    await log.append(loginFailure);
    expect(await verifyAuditLog(sink, keyRing)).toMatchObject({ ok: true, count: 6 });
  });
});
