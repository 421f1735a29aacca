/**
 * EXT-6: verification locates stream, seq, key id, type and MAC of every line
 * with a byte parser; it must accept exactly the lines the record format's
 * regular expressions accept, and read the same fields, or a malformed line
 * could be taken for a record (or a record for garbage).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readHead } from '../../src/audit/chain.js';

/** The format as regular expressions (kanmon 0.1.0's reader): the specification the byte parser must match. */
const headPattern = /^\{"v":1,"stream":"([A-Za-z0-9_-]{1,64})","seq":([1-9][0-9]{0,15}),"kid":"([A-Za-z0-9_-]{1,64})","type":"([a-z_.]{1,64})",/;
const macPattern = /^[A-Za-z0-9_-]{43}$/;
function referenceHead(line: Buffer) {
  const length = line.length;
  if (length < 133 || line[length - 1] !== 0x7d || line[length - 2] !== 0x22) return null;
  const macStart = length - 53;
  if (line.toString('latin1', macStart, macStart + 8) !== ',"mac":"') return null;
  const mac = line.toString('latin1', macStart + 8, length - 2);
  if (!macPattern.test(mac)) return null;
  const m = headPattern.exec(line.toString('latin1', 0, Math.min(macStart, 256)));
  if (!m) return null;
  const seq = Number(m[2]);
  if (!Number.isSafeInteger(seq)) return null;
  return { stream: m[1]!, seq, kid: m[3]!, type: m[4]!, canonicalLength: macStart, mac };
}

const idChars = 'abcXYZ019_-';
/** Mostly well-formed fields, often right at a length limit, sometimes with characters the field does not allow. */
const field = (chars: string, max: number) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(1, 2, max - 1, max, max + 1, max + 2).chain((n) => fc.string({ minLength: n, maxLength: n, unit: fc.constantFrom(...chars) })) },
    { weight: 1, arbitrary: fc.string({ minLength: 0, maxLength: max + 2, unit: fc.constantFrom(...chars, '"', ',', 'é', '.', ' ') }) },
  );
const lineArb = fc
  .record({
    stream: fc.oneof(field(idChars, 64), fc.constant('web-1')),
    seq: fc.oneof(fc.bigInt({ min: 0n, max: 10n ** 18n }).map(String), fc.constantFrom('1', '9007199254740991', '9007199254740992', '0', '01', '1234567890123456', '12345678901234567')),
    kid: fc.oneof(field(idChars, 64), fc.constant('k1')),
    type: fc.oneof(field('abz_.', 64), fc.constant('auth.login.failure')),
    middle: fc.string({ minLength: 60, maxLength: 200 }),
    mac: fc.oneof(field('AZaz09_-', 43), fc.constant('A'.repeat(43))),
    suffix: fc.oneof({ weight: 3, arbitrary: fc.constant('"}') }, fc.constantFrom('"} ', '"', '}')),
    cut: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, fc.integer({ min: 1, max: 3 })),
    flips: fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 2 })),
  })
  .map(({ stream, seq, kid, type, middle, mac, suffix, cut, flips }) => {
    const head = `{"v":1,"stream":"${stream}","seq":${seq},"kid":"${kid}","type":"${type}",`;
    const bytes = Buffer.from(`${head}"id":"x"${middle},"mac":"${mac}${suffix}`, 'utf8');
    for (const [at, value] of flips) bytes[at % bytes.length] = value;
    return cut === 0 ? bytes : bytes.subarray(0, Math.max(0, bytes.length - cut * 7));
  });

describe('EXT-6: readHead accepts exactly what the record format allows', () => {
  it('agrees with the format regular expressions on valid, borderline and damaged lines', () => {
    let records = 0;
    for (const line of fc.sample(lineArb, 8000)) {
      const expected = referenceHead(line);
      expect(readHead(line)).toEqual(expected);
      if (expected) records++;
    }
    // the sample holds both kinds, so the comparison means something either way
    expect(records).toBeGreaterThan(100); // about 400 expected: far from both bounds for any seed
    expect(records).toBeLessThan(7900);
  });

  it('reads a real record, and reads the fields of consecutive lines anew when they change', () => {
    const mac = 'abcdefghijABCDEFGHIJ0123456789_-abcdefghij0';
    const line = (stream: string, kid: string, type: string) =>
      Buffer.from(`{"v":1,"stream":"${stream}","seq":42,"kid":"${kid}","type":"${type}","id":"x","tenant":"t","pad":"${'p'.repeat(60)}","mac":"${mac}"}`);
    expect(readHead(line('web-1', 'k1', 'auth.logout'))).toMatchObject({ stream: 'web-1', seq: 42, kid: 'k1', type: 'auth.logout', mac });
    expect(readHead(line('web-2', 'k1', 'auth.logout'))).toMatchObject({ stream: 'web-2', kid: 'k1', type: 'auth.logout' });
    expect(readHead(line('web-2', 'k2', 'auth.logoutx'))).toMatchObject({ stream: 'web-2', kid: 'k2', type: 'auth.logoutx' });
    expect(readHead(line('web-3', 'k2', 'auth.logouty'))).toMatchObject({ stream: 'web-3', kid: 'k2', type: 'auth.logouty' });
  });

  it('a head that runs into the MAC suffix is not a record head', () => {
    const head = `{"v":1,"stream":"web-1","seq":7,"kid":"k1","type":"auth.logout${'x'.repeat(40)}`;
    const line = Buffer.from(`${head}","mac":"${'A'.repeat(43)}"}`);
    expect(line.length).toBeGreaterThanOrEqual(133);
    expect(readHead(line)).toBeNull();
    expect(referenceHead(line)).toBeNull();
    expect(readHead(Buffer.from(`${head}",","mac":"${'A'.repeat(43)}"}`))).not.toBeNull();
  });
});
