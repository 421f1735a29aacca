import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WIDE_SHARE, coverage, percent, wideFamily } from '../../src/compliance/internal/coverage.js';

/**
 * The report's "does this list hold everyone?" (SEC-16 internal networks,
 * trusted proxies, IP allow-lists), over the access module's CIDR parser and
 * range merging: the union of the blocks counts, not how they are spelled.
 */

const v4 = (n: number, prefix: number) => `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}/${prefix}`;

describe('compliance coverage: the share of the address space a CIDR list holds', () => {
  it('0.0.0.0/0, 0.0.0.0/1 + 128.0.0.0/1, 256 /8s and ::ffff:0:0/96 are all of IPv4; ::/0 and ::/1 + 8000::/1 all of IPv6', () => {
    for (const list of [['0.0.0.0/0'], ['128.0.0.0/1', '0.0.0.0/1'], Array.from({ length: 256 }, (_, i) => `${i}.0.0.0/8`), ['::ffff:0:0/96']]) {
      expect(coverage(list), list.join(',')).toMatchObject({ allV4: true, v4: 1 });
      expect(wideFamily(list)?.family).toBe('IPv4');
    }
    for (const list of [['::/0'], ['::/1', '8000::/1']]) expect(coverage(list), list.join(',')).toMatchObject({ allV6: true, v6: 1 });
  });

  it('property: removing one /k block of a full split of IPv4 leaves exactly 1 − 2^-k', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.nat(), (k, pick) => {
        const size = 2 ** (32 - k);
        const blocks = Array.from({ length: 2 ** k }, (_, i) => v4(i * size, k));
        const removed = pick % blocks.length;
        const c = coverage(blocks.filter((_, i) => i !== removed));
        expect(c.allV4).toBe(false);
        expect(c.v4).toBeCloseTo(1 - 2 ** -k, 9);
        expect(wideFamily(blocks.filter((_, i) => i !== removed))).not.toBeNull(); // at least half: still everyone
      }),
      { numRuns: 40 },
    );
  });

  it('city networks and proxy fleets are far below the wide share; 2000::/3 (every global IPv6 address) is above it', () => {
    expect(wideFamily(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fd00::/8', '192.0.2.1'])).toBeNull();
    expect(wideFamily(['2000::/3'])).toEqual({ family: 'IPv6', share: 0.125 });
    expect(wideFamily(['0.0.0.0/4'])).toEqual({ family: 'IPv4', share: WIDE_SHARE });
    expect(wideFamily(['0.0.0.0/5'])).toBeNull();
    expect(wideFamily([])).toBeNull();
  });

  it('entries the parser refuses count for nothing (createIpAllowList refuses them before any request)', () => {
    expect(coverage(['0.0.0.0/00', ' 0.0.0.0/0', '0.0.0.1/0', 'everything'])).toMatchObject({ v4: 0, v6: 0, allV4: false, allV6: false });
  });

  it('percent never rounds up to 100 %', () => {
    expect(percent(1)).toBe('100%');
    expect(percent(0.99999)).toBe('99.9%');
    expect(percent(0.5)).toBe('50%');
  });
});
