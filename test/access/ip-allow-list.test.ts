import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KanmonError, createIpAllowList } from '../../src/index.js';
import {
  type Addr,
  ReferenceMatcher,
  type Rule,
  dotted,
  fullV6,
  lastOf,
  network,
  prng,
  ruleText,
  spell,
  step,
} from './support/ip-reference.js';

function cidrError(entries: string[]): KanmonError {
  try {
    createIpAllowList(entries);
  } catch (err) {
    if (err instanceof KanmonError) return err;
    throw err;
  }
  throw new Error('expected ERR_INVALID_CIDR');
}

describe('EXT-4, IPC-2, RM-21: allow-list boundaries at every prefix length', () => {
  it('IPv4 /0 … /32: first and last address in, neighbours out', () => {
    const base = 0xc0a87b2d; // 192.168.123.45
    for (let prefix = 0; prefix <= 32; prefix++) {
      const rule: Rule = { addr: { kind: 4, v4: base }, prefix };
      const list = createIpAllowList([ruleText(rule, 0)]);
      const first = network(rule);
      const last = lastOf(rule);
      expect(list.has(spell(first, 0)), `${prefix} first`).toBe(true);
      expect(list.has(spell(last, 0)), `${prefix} last`).toBe(true);
      const before = step(first, -1);
      const after = step(last, 1);
      if (before) expect(list.has(spell(before, 0)), `${prefix} before`).toBe(false);
      if (after) expect(list.has(spell(after, 0)), `${prefix} after`).toBe(false);
      if (prefix === 0) expect(before === null && after === null).toBe(true);
    }
  });

  it('IPv6 /0 … /128: first and last address in, neighbours out', () => {
    const w: [number, number, number, number] = [0x20010db8, 0x85a308d3, 0x13198a2e, 0x03707344];
    for (let prefix = 0; prefix <= 128; prefix++) {
      const rule: Rule = { addr: { kind: 6, w }, prefix };
      const list = createIpAllowList([ruleText(rule, prefix)]);
      const first = network(rule);
      const last = lastOf(rule);
      expect(list.has(spell(first, 0)), `${prefix} first`).toBe(true);
      expect(list.has(spell(last, 1)), `${prefix} last`).toBe(true);
      const before = step(first, -1);
      const after = step(last, 1);
      if (before) expect(list.has(spell(before, 2)), `${prefix} before`).toBe(false);
      if (after) expect(list.has(spell(after, 0)), `${prefix} after`).toBe(false);
    }
  });

  it('a single address is a /32 or a /128', () => {
    const list = createIpAllowList(['192.0.2.7', '2001:db8::7']);
    expect(list.has('192.0.2.7')).toBe(true);
    expect(list.has('192.0.2.6')).toBe(false);
    expect(list.has('192.0.2.8')).toBe(false);
    expect(list.has('2001:db8::7')).toBe(true);
    expect(list.has('2001:db8::8')).toBe(false);
    expect(list.has('2001:DB8:0:0:0:0:0:7')).toBe(true);
  });

  it('adjacent and overlapping entries merge; an empty list contains nothing', () => {
    const list = createIpAllowList(['10.0.0.0/25', '10.0.0.128/25', '10.0.0.0/24', '10.0.1.0/24', '2001:db8::/33', '2001:db8:8000::/33']);
    expect(list.rangeCount).toBe(2);
    expect(list.has('10.0.1.255')).toBe(true);
    expect(list.has('10.0.2.0')).toBe(false);
    expect(list.has('2001:db8:ffff:ffff:ffff:ffff:ffff:ffff')).toBe(true);
    const none = createIpAllowList([]);
    expect(none.empty).toBe(true);
    expect(none.has('127.0.0.1')).toBe(false);
    expect(none.has('::')).toBe(false);
  });
});

describe('CVE-2024-29415: IPv4-mapped IPv6 is matched as IPv4, in every spelling', () => {
  const list = createIpAllowList(['10.0.0.0/8']);
  const spellings = [
    '::ffff:10.0.0.1',
    '::ffff:a00:1',
    '::FFFF:A00:1',
    '::ffff:0a00:0001',
    '0:0:0:0:0:ffff:10.0.0.1',
    '0:0:0:0:0:ffff:a00:1',
    '0000:0000:0000:0000:0000:FFFF:0A00:0001',
    '::0:ffff:10.0.0.1',
    '::ffff:10.0.0.1%eth0',
  ];
  it.each(spellings)('%s is 10.0.0.1', (ip) => {
    expect(list.has(ip)).toBe(true);
  });

  it('a mapped address outside the IPv4 rule is outside, however spelled', () => {
    for (const ip of ['::ffff:11.0.0.1', '::ffff:b00:1', '0:0:0:0:0:FFFF:0B00:0001', '::ffff:127.0.0.1', '::ffff:7f00:1']) {
      expect(list.has(ip), ip).toBe(false);
    }
  });

  it('IPv4-compatible (::a00:1), NAT64 (64:ff9b::a00:1) and 6to4 addresses are IPv6, not 10.0.0.1', () => {
    for (const ip of ['::10.0.0.1', '::a00:1', '64:ff9b::10.0.0.1', '2002:a00:1::', '::fffe:a00:1', '::1:ffff:a00:1']) {
      expect(list.has(ip), ip).toBe(false);
    }
  });

  it('a mapped rule in configuration covers the IPv4 address, and an IPv6 rule over ::ffff:0:0/96 covers IPv4', () => {
    const mapped = createIpAllowList(['::ffff:192.168.0.0/112']);
    expect(mapped.has('192.168.3.4')).toBe(true);
    expect(mapped.has('192.169.0.0')).toBe(false);
    const wide = createIpAllowList(['::/80']);
    expect(wide.has('203.0.113.9')).toBe(true);
    expect(wide.has('::1')).toBe(true);
    expect(wide.has('2001:db8::1')).toBe(false);
  });

  it('an IPv6-only list does not let IPv4 in through the mapped form, nor the reverse', () => {
    const v6 = createIpAllowList(['2001:db8::/32']);
    expect(v6.has('::ffff:32.1.13.184')).toBe(false);
    const v4 = createIpAllowList(['32.1.13.184/32']);
    expect(v4.has('2001:db8::')).toBe(false);
  });
});

describe('zone ids and invalid client addresses', () => {
  it('strips the zone id of a client address', () => {
    const list = createIpAllowList(['fe80::/10']);
    expect(list.has('fe80::1%eth0')).toBe(true);
    expect(list.has('FE80::1%25')).toBe(true);
    expect(list.has('fe80::1%')).toBe(false);
  });

  it('ambiguous or invalid client spellings are simply not in the list', () => {
    const list = createIpAllowList(['0.0.0.0/0', '::/0']);
    for (const ip of [
      '010.0.0.1',
      '10.1',
      '167772161',
      '0x0a.0.0.1',
      '0xa000001',
      '1.2.3.256',
      '1.2.3.4.5',
      ' 1.2.3.4',
      '1.2.3.4 ',
      '[::1]',
      '::1/128',
      '1:2:3:4:5:6:7:8:9',
      '1::2::3',
      '12345::',
      ':::',
      '1:',
      ':1',
      '::ffff:010.0.0.1',
      '::ffff:1.2.3',
      '1:2:3:4:5:6:7::8',
      '',
      'localhost',
      'unknown',
    ]) {
      expect(list.has(ip), ip).toBe(false);
    }
    expect(list.has('1.2.3.4')).toBe(true);
    expect(list.has('::')).toBe(true);
  });

  it('never throws, whatever it is given', () => {
    const list = createIpAllowList(['10.0.0.0/8', '2001:db8::/32']);
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF:.%/[] x') }), fc.anything()), (input) => {
        expect(typeof list.has(input as string)).toBe('boolean');
      }),
      { numRuns: 5000 },
    );
  });
});

describe('EXT-9: configuration refuses ambiguous or invalid entries with ERR_INVALID_CIDR', () => {
  it('lists every bad entry with its index and problem', () => {
    const bad = [
      '010.0.0.1',
      '10.1',
      '10',
      '0x0a.0.0.1',
      '0xa000001',
      '1.2.3.256',
      '10.0.0.0/08',
      '10.0.0.1/8',
      '10.0.0.0/33',
      '2001:db8::1/64',
      '::/129',
      'fe80::1%eth0',
      ' 10.0.0.1',
      '::ffff:010.0.0.1',
      '1:2:3:4:5:6:7:8:9',
      'garbage',
      '',
    ];
    const err = cidrError(['192.0.2.0/24', ...bad]);
    expect(err.code).toBe('ERR_INVALID_CIDR');
    const entries = err.details?.entries as { index: number; entry: string; problem: string }[];
    expect(entries.map((e) => e.entry)).toEqual(bad);
    expect(entries.map((e) => e.index)).toEqual(bad.map((_, i) => i + 1));
    for (const e of entries) expect(err.message).toContain(JSON.stringify(e.entry));
  });

  it('names the ambiguity so the deployer can fix it', () => {
    const problem = (entry: string) => (cidrError([entry]).details?.entries as { problem: string }[])[0]?.problem;
    expect(problem('010.0.0.1')).toMatch(/leading zeros/);
    expect(problem('10.1')).toMatch(/shortened/);
    expect(problem('0x0a.0.0.1')).toMatch(/hexadecimal/);
    expect(problem('10.0.0.1/8')).toMatch(/10\.0\.0\.0\/8/);
  });

  it('leaves the caller\'s array untouched', () => {
    const entries = Object.freeze(['10.0.0.0/9', '10.128.0.0/9', '::1']);
    const list = createIpAllowList(entries);
    expect(entries).toEqual(['10.0.0.0/9', '10.128.0.0/9', '::1']);
    expect(list.rangeCount).toBe(2);
  });

  it('refuses a non-array and non-string entries', () => {
    expect(() => createIpAllowList('10.0.0.0/8' as unknown as string[])).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    expect(cidrError([42 as unknown as string]).code).toBe('ERR_INVALID_CIDR');
  });
});

// --- property: compiled ranges agree with a naive bit-by-bit trie --------------------------

const word = fc.integer({ min: 0, max: 0xffffffff });
const v4Addr = word.map((v4): Addr => ({ kind: 4, v4 }));
const v6Addr = fc.tuple(word, word, word, word).map((w): Addr => ({ kind: 6, w }));
/** Mostly long prefixes, so that 10,000 rules do not cover the whole space. */
const bigRule: fc.Arbitrary<Rule> = fc.oneof(
  { weight: 10, arbitrary: fc.record({ addr: v4Addr, prefix: fc.integer({ min: 14, max: 32 }) }) },
  { weight: 8, arbitrary: fc.record({ addr: v6Addr, prefix: fc.integer({ min: 20, max: 128 }) }) },
  // IPv6 rules inside or over the mapped segment
  {
    weight: 1,
    arbitrary: fc.record({
      addr: word.map((x): Addr => ({ kind: 6, w: [0, 0, 0xffff, x] })),
      prefix: fc.integer({ min: 110, max: 128 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ addr: fc.constant<Addr>({ kind: 6, w: [0, 0, 0, 0] }), prefix: fc.integer({ min: 81, max: 128 }) }) },
);
const anyRule: fc.Arbitrary<Rule> = fc.oneof(
  fc.record({ addr: v4Addr, prefix: fc.integer({ min: 0, max: 32 }) }),
  fc.record({ addr: v6Addr, prefix: fc.integer({ min: 0, max: 128 }) }),
  fc.record({ addr: word.map((x): Addr => ({ kind: 6, w: [0, 0, 0xffff, x] })), prefix: fc.integer({ min: 80, max: 128 }) }),
);

function randomAddress(rules: readonly Rule[], random: () => number): Addr {
  const r = random();
  const u = () => Math.floor(random() * 0x100000000);
  if (r < 0.25) return { kind: 4, v4: u() };
  if (r < 0.4) return { kind: 6, w: [u(), u(), u(), u()] };
  const rule = rules[Math.floor(random() * rules.length)] as Rule;
  const edge = random();
  const bound = edge < 0.5 ? network(rule) : lastOf(rule);
  const neighbour = edge < 0.25 ? step(bound, -1) : edge < 0.5 ? bound : edge < 0.75 ? bound : step(bound, 1);
  if (neighbour === null) return bound;
  if (random() < 0.3) {
    // somewhere inside: keep the prefix bits, randomise the rest
    if (bound.kind === 4) {
      const host = rule.prefix === 32 ? 0 : (2 ** (32 - rule.prefix) - 1) >>> 0;
      return { kind: 4, v4: ((bound.v4 & ~host) | (u() & host)) >>> 0 };
    }
    const w = bound.w.map((x, k) => {
      const bits = Math.min(32, Math.max(0, rule.prefix - k * 32));
      const host = bits === 32 ? 0 : (0xffffffff >>> bits) >>> 0;
      return ((x & ~host) | (u() & host)) >>> 0;
    }) as [number, number, number, number];
    return { kind: 6, w };
  }
  return neighbour;
}

function crossCheck(rules: readonly Rule[], seed: number, addresses: number): void {
  const list = createIpAllowList(rules.map((r, i) => ruleText(r, i)));
  const reference = new ReferenceMatcher(Math.min(rules.length * 129 + 1, 1 << 22));
  for (const rule of rules) reference.add({ addr: network(rule), prefix: rule.prefix });
  const random = prng(seed);
  const batch = 10_000;
  for (let done = 0; done < addresses; done += batch) {
    for (let i = 0; i < batch && done + i < addresses; i++) {
      const addr = randomAddress(rules, random);
      const text = spell(addr, Math.floor(random() * 30));
      const expected = reference.has(addr);
      if (list.has(text) !== expected) {
        // one readable failure instead of a million assertions
        expect({ address: text, has: list.has(text) }).toEqual({ address: text, has: expected });
      }
    }
  }
}

describe('EXT-4: the compiled list agrees with a naive reference matcher (property)', () => {
  it('10,000 random v4/v6 rules, 1,000,000 random addresses in many spellings', () => {
    fc.assert(
      fc.property(fc.array(bigRule, { minLength: 10_000, maxLength: 10_000 }), fc.integer(), (rules, seed) => {
        crossCheck(rules, seed, 1_000_000);
      }),
      { numRuns: 1, endOnFailure: true },
    );
  });

  it('small lists with any prefix length, many runs (shrinks to a minimal counterexample)', () => {
    fc.assert(
      fc.property(fc.array(anyRule, { minLength: 1, maxLength: 12 }), fc.integer(), (rules, seed) => {
        crossCheck(rules, seed, 300);
      }),
      { numRuns: 400 },
    );
  });

  it('the reference itself is sound on known answers', () => {
    const ref = new ReferenceMatcher(1000);
    ref.add({ addr: { kind: 4, v4: 0x0a000000 }, prefix: 8 });
    expect(ref.has({ kind: 4, v4: 0x0affffff })).toBe(true);
    expect(ref.has({ kind: 4, v4: 0x0b000000 })).toBe(false);
    expect(ref.has({ kind: 6, w: [0, 0, 0xffff, 0x0a000001] })).toBe(true);
    expect(dotted(0x0a000001)).toBe('10.0.0.1');
    expect(fullV6([0x20010db8, 0, 0, 1])).toBe('2001:db8:0:0:0:0:0:1');
  });
});
