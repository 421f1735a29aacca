import { MAPPED_END, MAPPED_START, type CidrRange, buildTables, mergeRanges, parseCidr } from '../../access/internal/cidr.js';

/**
 * How much of the address space a configured list of CIDRs holds, computed
 * with the access module's own parser and range merging (the code that
 * decides at run time), so the report and the controls cannot disagree on
 * what a list covers. The union counts, not the spelling: `0.0.0.0/1` plus
 * `128.0.0.0/1`, or 256 `/8`s, are all of IPv4 just as `0.0.0.0/0` is.
 *
 * IPv4 is the mapped segment `::ffff:0:0/96` of the unified space (an IPv6
 * rule over that segment covers IPv4 too); IPv6 is everything else.
 * Entries the parser refuses are left out: `createIpAllowList` refuses them
 * with `ERR_INVALID_CIDR` before any request is judged.
 */
export interface Coverage {
  /** Share of the IPv4 space, 0–1. */
  readonly v4: number;
  /** Share of the IPv6 space outside the IPv4-mapped segment, 0–1. */
  readonly v6: number;
  /** Every IPv4 address. */
  readonly allV4: boolean;
  /** Every IPv6 address outside the mapped segment. */
  readonly allV6: boolean;
}

/**
 * A list holding this share of either space or more is no list of specific
 * networks: it is (nearly) everyone. A sixteenth is a `/4`: 268 million IPv4
 * addresses, far beyond any city network or proxy fleet (`10.0.0.0/8`,
 * `172.16.0.0/12` and `192.168.0.0/16` together are 0.4 %), while IPv6
 * `2000::/3`, every global unicast address, is an eighth.
 */
export const WIDE_SHARE = 1 / 16;

const V4_SPACE = 1n << 32n;
const V6_SPACE = (1n << 128n) - V4_SPACE;

function share(count: bigint, space: bigint): number {
  // Both below 2^128: scale down to doubles without losing the leading bits.
  const shift = space > 1n << 52n ? 64n : 0n;
  return Number(count >> shift) / Number(space >> shift);
}

export function coverage(entries: readonly string[]): Coverage {
  const ranges: CidrRange[] = [];
  for (const entry of entries) {
    const parsed = parseCidr(entry);
    if (parsed.ok) ranges.push(parsed.range);
  }
  const merged = mergeRanges(ranges);
  let v4 = 0n;
  let total = 0n;
  for (const { start, end } of merged) {
    total += end - start + 1n;
    const s = start > MAPPED_START ? start : MAPPED_START;
    const e = end < MAPPED_END ? end : MAPPED_END;
    if (s <= e) v4 += e - s + 1n;
  }
  const tables = buildTables(merged);
  return {
    v4: tables.allV4 ? 1 : share(v4, V4_SPACE),
    v6: tables.allV6 ? 1 : share(total - v4, V6_SPACE),
    allV4: tables.allV4,
    allV6: tables.allV6,
  };
}

/** The family in which the list holds at least {@link WIDE_SHARE} of the space, with that share; `null` when neither. */
export function wideFamily(entries: readonly string[]): { readonly family: 'IPv4' | 'IPv6'; readonly share: number } | null {
  if (entries.length === 0) return null;
  const c = coverage(entries);
  if (c.v4 >= WIDE_SHARE && c.v4 >= c.v6) return { family: 'IPv4', share: c.v4 };
  if (c.v6 >= WIDE_SHARE) return { family: 'IPv6', share: c.v6 };
  return null;
}

/** `100%`, `50%`, `6.2%`: a share as the report prints it, never rounded up to 100 %. */
export function percent(value: number): string {
  if (value >= 1) return '100%';
  const tenths = Math.floor(value * 1000) / 10;
  return `${tenths}%`;
}
