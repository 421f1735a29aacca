import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildBreachedPasswordFilter, createBreachedFilterBuilder, createBreachedPasswordFilter } from '../../../src/index.js';
import { sha1Bytes, sha1Utf8 } from '../../../src/password/breached/internal/sha1.js';
import { probe, probeLarge, probeSmall } from '../../../src/password/breached/format.js';

const N = 1_000_000;

/** `count` lines `prefix<i>`, streamed in chunks: generated data, nothing downloaded. */
function* lines(prefix: string, count: number, eol = '\n'): Generator<string> {
  const perChunk = 10_000;
  for (let start = 0; start < count; start += perChunk) {
    let chunk = '';
    for (let i = start; i < Math.min(count, start + perChunk); i++) chunk += `${prefix}${i}${eol}`;
    yield chunk;
  }
}

function asAsync<T>(it: Iterable<T>): AsyncIterable<T> {
  return Readable.from(it) as AsyncIterable<T>;
}

const sha1Hex = (text: string) => createHash('sha1').update(text, 'utf8').digest('hex').toUpperCase();

describe('RM-23, FNB-3.1.4: offline breached-password filter, 1,000,000 entries at FPR 1e-6', () => {
  let filterBytes: Uint8Array;

  it('is at most 3.6 MiB, has no false negatives, and a measured FPR ≤ 2e-6 on 1,000,000 non-members', async () => {
    const result = await buildBreachedPasswordFilter(() => asAsync(lines('member-', N)), { fpr: 1e-6, format: 'plain' });
    filterBytes = result.bytes;
    expect(result).toMatchObject({ format: 'plain', lines: N, count: N, skipped: 0, hashes: 20 });
    expect(filterBytes.length).toBeLessThanOrEqual(3.6 * 1024 * 1024);

    const filter = createBreachedPasswordFilter(filterBytes);
    expect(filter.count).toBe(N);
    let missing = 0;
    for (let i = 0; i < N; i++) if (!filter.has(`member-${i}`)) missing++;
    expect(missing).toBe(0);

    let falsePositives = 0;
    for (let i = 0; i < N; i++) if (filter.has(`outsider-${i}`)) falsePositives++;
    expect(falsePositives / N).toBeLessThanOrEqual(2e-6);
  });

  it('a flipped byte anywhere (header, digest, body) or a truncation is refused with ERR_INVALID_FILTER', () => {
    const positions = [0, 9, 12, 17, 25, 40, 64, 65 + 12345, filterBytes.length - 1];
    for (const at of positions) {
      const copy = Uint8Array.from(filterBytes);
      copy[at]! ^= 0x01;
      expect(() => createBreachedPasswordFilter(copy), `byte ${at}`).toThrow(expect.objectContaining({ code: 'ERR_INVALID_FILTER' }));
    }
    for (const length of [0, 10, 63, 64, filterBytes.length - 1]) {
      expect(() => createBreachedPasswordFilter(filterBytes.subarray(0, length)), `length ${length}`).toThrow(expect.objectContaining({ code: 'ERR_INVALID_FILTER' }));
    }
    const longer = new Uint8Array(filterBytes.length + 1);
    longer.set(filterBytes);
    expect(() => createBreachedPasswordFilter(longer)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_FILTER' }));
    expect(() => createBreachedPasswordFilter('nope' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });
});

describe('building from a Have I Been Pwned "Pwned Passwords" download', () => {
  const passwords = ['P@ssw0rd', '123456', 'パスワード', 'correct horse', 'qwerty'];
  const counts = [1000, 5, 2, 1, 37];
  const hibp = (eol: string) =>
    passwords
      .map((p, i) => `${sha1Hex(p)}:${counts[i]}`)
      .reverse() // any order
      .join(eol) + eol;

  it.each([
    ['LF', '\n'],
    ['CRLF', '\r\n'],
  ])('%s lines, split across chunk boundaries anywhere; --min-count keeps only frequent ones', async (_name, eol) => {
    const text = hibp(eol);
    const chunks = () => asAsync(text.match(/[\s\S]{1,7}/g)!.map((s) => Buffer.from(s)));
    const all = await buildBreachedPasswordFilter(chunks);
    expect(all).toMatchObject({ format: 'hibp', count: 5, lines: 5 });
    const filter = createBreachedPasswordFilter(all.bytes);
    for (const p of passwords) expect(filter.has(p)).toBe(true);
    expect(filter.has('not-in-the-list')).toBe(false);
    expect(filter.hasSha1(sha1Hex('P@ssw0rd'))).toBe(true);
    expect(filter.hasSha1(sha1Hex('P@ssw0rd').toLowerCase())).toBe(true);

    const frequent = await buildBreachedPasswordFilter(chunks, { minCount: 10 });
    expect(frequent).toMatchObject({ count: 2, skipped: 3 });
    const f = createBreachedPasswordFilter(frequent.bytes);
    expect(passwords.map((p) => f.has(p))).toEqual([true, false, false, false, true]);
  });

  it('a last line without a newline counts; blank lines are skipped', async () => {
    const text = `${sha1Hex('a')}:3\n\n${sha1Hex('b')}:4`;
    const result = await buildBreachedPasswordFilter(() => asAsync([text]));
    expect(result).toMatchObject({ format: 'hibp', count: 2, skipped: 1 });
    expect(createBreachedPasswordFilter(result.bytes).has('b')).toBe(true);
  });

  it('a malformed line in HIBP input is a coded error with its line number', async () => {
    const text = `${sha1Hex('a')}:3\n${sha1Hex('b').slice(0, 39)}:4\n`;
    await expect(buildBreachedPasswordFilter(() => asAsync([text]))).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
      message: expect.stringContaining('line 2') as unknown,
    });
    await expect(buildBreachedPasswordFilter(() => asAsync(['a\nb\n']), { minCount: 5, format: 'plain' })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
  });

  it('a plain list hashes each line as given (CR stripped, no other trimming)', async () => {
    const result = await buildBreachedPasswordFilter(() => asAsync(['hunter2\r\n pad \nパスワード\n']));
    expect(result).toMatchObject({ format: 'plain', count: 3 });
    const filter = createBreachedPasswordFilter(result.bytes);
    expect([filter.has('hunter2'), filter.has(' pad '), filter.has('pad'), filter.has('パスワード')]).toEqual([true, true, false, true]);
  });

  it('the in-memory builder and an empty filter', () => {
    const builder = createBreachedFilterBuilder({ expectedCount: 0 });
    const empty = createBreachedPasswordFilter(builder.finish());
    expect(empty.count).toBe(0);
    expect(empty.has('')).toBe(false);
    expect(() => builder.addPassword('x')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    expect(() => createBreachedFilterBuilder({ expectedCount: 10, fpr: 0 })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });
});

describe('the filter’s SHA-1 agrees with node:crypto', () => {
  it('for any string (property), including astral, lone surrogates and multi-block inputs', () => {
    const out = new Int32Array(5);
    const hex = (w: Int32Array) => [...w].map((v) => (v >>> 0).toString(16).padStart(8, '0')).join('');
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.string({ maxLength: 5000 })), (text) => {
        expect(hex(sha1Utf8(text, out))).toBe(createHash('sha1').update(text, 'utf8').digest('hex'));
      }),
      { numRuns: 500 },
    );
    for (const len of [0, 54, 55, 56, 63, 64, 4096, 4097]) {
      const text = 'p'.repeat(len);
      expect(hex(sha1Utf8(text, out)), `ascii ${len}`).toBe(createHash('sha1').update(text).digest('hex'));
    }
    for (const len of [0, 55, 56, 63, 64, 65, 119, 120, 4096, 5000]) {
      const bytes = new Uint8Array(len).map((_, i) => i * 7);
      expect(hex(sha1Bytes(bytes, out))).toBe(createHash('sha1').update(bytes).digest('hex'));
    }
  });
});

describe('filters over 2^30 bits use float64 probes that agree with the int32 ones', () => {
  it('probeLarge sets and finds exactly the bits probeSmall does (property over digests and sizes)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { minLength: 5, maxLength: 5 }), fc.integer({ min: 64, max: 1 << 20 }), fc.integer({ min: 1, max: 64 }), (words, bits, hashes) => {
        const d = Int32Array.from(words);
        const a = new Uint8Array(Math.ceil(bits / 8));
        const b = new Uint8Array(Math.ceil(bits / 8));
        probeSmall(a, bits, hashes, d, true);
        probeLarge(b, bits, hashes, d, true);
        expect(Buffer.from(b).equals(Buffer.from(a))).toBe(true);
        expect(probeLarge(a, bits, hashes, d, false)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('a filter just over 2^30 bits round-trips through the large path', () => {
    const bits = 2 ** 30 + 8;
    const body = new Uint8Array(Math.ceil(bits / 8));
    const digest = (text: string) => sha1Utf8(text, new Int32Array(5));
    for (let i = 0; i < 1000; i++) probe(body, bits, 20, digest(`in-${i}`), true);
    for (let i = 0; i < 1000; i++) expect(probe(body, bits, 20, digest(`in-${i}`), false)).toBe(true);
    let hits = 0;
    for (let i = 0; i < 1000; i++) if (probe(body, bits, 20, digest(`out-${i}`), false)) hits++;
    expect(hits).toBe(0);
  });
});
