import { bigIntToWords, isMapped, parseIpv4, parseIpv6, wordsToBigInt } from './ip.js';

/**
 * Configuration-time parsing of CIDRs into ranges of the unified 128-bit space
 * (IPv4 `x` is `::ffff:x`), and their compilation into sorted, merged tables
 * searched by binary search.
 */

/** Start of the IPv4-mapped segment `::ffff:0:0`. */
export const MAPPED_START = 0xffff00000000n;
/** End of the IPv4-mapped segment `::ffff:ffff:ffff`. */
export const MAPPED_END = 0xffffffffffffn;
const MAX128 = (1n << 128n) - 1n;

/** One configured entry as a closed range of the unified space. */
export interface CidrRange {
  readonly start: bigint;
  readonly end: bigint;
}

export type CidrParse = { ok: true; range: CidrRange } | { ok: false; problem: string };

const words = new Uint32Array(4);

/** Why a would-be IPv4 spelling is refused, in words a deployer can act on. */
function ipv4Problem(address: string): string {
  const parts = address.split('.');
  if (parts.some((p) => /^0x/i.test(p))) return 'hexadecimal IPv4 parts are ambiguous; write dotted decimal';
  if (parts.some((p) => /^0\d+$/.test(p))) return 'leading zeros are ambiguous (octal in some parsers); write dotted decimal without them';
  if (parts.length < 4 && parts.every((p) => /^\d+$/.test(p))) return 'shortened IPv4 forms are ambiguous; write all four parts';
  if (parts.length === 4 && parts.every((p) => /^\d+$/.test(p))) return 'an IPv4 part is above 255';
  return 'not an IPv4 or IPv6 address';
}

function parsePrefix(text: string, max: number): number {
  if (!/^(?:0|[1-9]\d{0,2})$/.test(text)) return -1;
  const n = Number(text);
  return n <= max ? n : -1;
}

/**
 * Parse one configured entry: an address or `address/prefix`, IPv4 in strict
 * dotted decimal, IPv6 in any RFC 4291 spelling. Host bits below the prefix
 * must be zero (`10.0.0.1/8` is refused: did you mean `10.0.0.0/8` or `10.0.0.1/32`?).
 * Zone ids and whitespace are refused.
 */
export function parseCidr(entry: unknown): CidrParse {
  if (typeof entry !== 'string') return { ok: false, problem: 'not a string' };
  if (entry.length === 0 || entry.length > 64) return { ok: false, problem: 'empty or longer than 64 characters' };
  if (/\s/.test(entry)) return { ok: false, problem: 'contains whitespace' };
  if (entry.includes('%')) return { ok: false, problem: 'zone ids have no place in configuration' };
  const slash = entry.indexOf('/');
  const address = slash < 0 ? entry : entry.slice(0, slash);
  const prefixText = slash < 0 ? null : entry.slice(slash + 1);

  if (!address.includes(':')) {
    const v4 = parseIpv4(address, 0, address.length);
    if (v4 < 0) return { ok: false, problem: ipv4Problem(address) };
    const prefix = prefixText === null ? 32 : parsePrefix(prefixText, 32);
    if (prefix < 0) return { ok: false, problem: 'IPv4 prefix length must be 0–32, without leading zeros' };
    const size = 2 ** (32 - prefix);
    if (v4 % size !== 0) {
      const network = v4 - (v4 % size);
      return { ok: false, problem: `host bits set below /${prefix}; the network is ${formatV4(network)}/${prefix}` };
    }
    return { ok: true, range: { start: MAPPED_START + BigInt(v4), end: MAPPED_START + BigInt(v4 + size - 1) } };
  }

  if (!parseIpv6(address, 0, address.length, words)) {
    const dot = address.lastIndexOf(':');
    const tail = address.slice(dot + 1);
    if (tail.includes('.')) return { ok: false, problem: `embedded IPv4 part: ${ipv4Problem(tail)}` };
    return { ok: false, problem: 'not an IPv6 address' };
  }
  const value = wordsToBigInt(words);
  const prefix = prefixText === null ? 128 : parsePrefix(prefixText, 128);
  if (prefix < 0) return { ok: false, problem: 'IPv6 prefix length must be 0–128, without leading zeros' };
  const hostMask = (1n << BigInt(128 - prefix)) - 1n;
  if ((value & hostMask) !== 0n) {
    const network = value & ~hostMask & MAX128;
    bigIntToWords(network, words, 0);
    const hint = isMapped(words) ? `::ffff:${formatV4(words[3] ?? 0)}` : network.toString(16);
    return { ok: false, problem: `host bits set below /${prefix} (network ${hint})` };
  }
  return { ok: true, range: { start: value, end: value | hostMask } };
}

function formatV4(v4: number): string {
  return `${v4 >>> 24}.${(v4 >>> 16) & 255}.${(v4 >>> 8) & 255}.${v4 & 255}`;
}

/** Sort and merge overlapping or adjacent ranges. Returns a new array. */
export function mergeRanges(ranges: readonly CidrRange[]): CidrRange[] {
  const sorted = [...ranges].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const merged: { start: bigint; end: bigint }[] = [];
  for (const r of sorted) {
    const last = merged[merged.length - 1];
    if (last && r.start <= last.end + 1n) {
      if (r.end > last.end) last.end = r.end;
    } else {
      merged.push({ start: r.start, end: r.end });
    }
  }
  return merged;
}

/** The compiled tables: IPv4 (the mapped segment) as numbers, the rest of IPv6 as four words per bound. */
export interface RangeTables {
  readonly v4Starts: Uint32Array;
  readonly v4Ends: Uint32Array;
  readonly v6Starts: Uint32Array;
  readonly v6Ends: Uint32Array;
  /** The whole IPv4 space is covered (e.g. `0.0.0.0/0`). */
  readonly allV4: boolean;
  /** The whole IPv6 space outside the mapped segment is covered (e.g. `::/0`). */
  readonly allV6: boolean;
}

/** Split merged ranges into the IPv4 table (mapped segment) and the IPv6 table (everything else). */
export function buildTables(merged: readonly CidrRange[]): RangeTables {
  const v4: [number, number][] = [];
  const v6: CidrRange[] = [];
  for (const { start, end } of merged) {
    if (start < MAPPED_START) v6.push({ start, end: end < MAPPED_START ? end : MAPPED_START - 1n });
    if (start <= MAPPED_END && end >= MAPPED_START) {
      const s = start > MAPPED_START ? start : MAPPED_START;
      const e = end < MAPPED_END ? end : MAPPED_END;
      v4.push([Number(s - MAPPED_START), Number(e - MAPPED_START)]);
    }
    if (end > MAPPED_END) v6.push({ start: start > MAPPED_END ? start : MAPPED_END + 1n, end });
  }
  const v4Starts = new Uint32Array(v4.length);
  const v4Ends = new Uint32Array(v4.length);
  v4.forEach(([s, e], i) => {
    v4Starts[i] = s;
    v4Ends[i] = e;
  });
  const v6Starts = new Uint32Array(v6.length * 4);
  const v6Ends = new Uint32Array(v6.length * 4);
  v6.forEach((r, i) => {
    bigIntToWords(r.start, v6Starts, i * 4);
    bigIntToWords(r.end, v6Ends, i * 4);
  });
  const first4 = v4[0];
  const allV4 = v4.length === 1 && first4 !== undefined && first4[0] === 0 && first4[1] === 0xffffffff;
  const lowV6 = v6[0];
  const highV6 = v6[v6.length - 1];
  const allV6 =
    lowV6 !== undefined &&
    highV6 !== undefined &&
    lowV6.start === 0n &&
    highV6.end === MAX128 &&
    (v6.length === 1 || (v6.length === 2 && lowV6.end === MAPPED_START - 1n && highV6.start === MAPPED_END + 1n));
  return { v4Starts, v4Ends, v6Starts, v6Ends, allV4, allV6 };
}

/** Binary search of the IPv4 table. */
export function inV4(t: RangeTables, ip: number): boolean {
  const starts = t.v4Starts;
  const ends = t.v4Ends;
  let lo = 0;
  let hi = starts.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if ((starts[mid] as number) <= ip) {
      if (ip <= (ends[mid] as number)) return true;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return false;
}

/** Compare the address in `w` with the bound at `table[4i…4i+3]`: negative, zero or positive. */
function compareAt(w: Uint32Array, table: Uint32Array, i: number): number {
  const o = i * 4;
  let d = (w[0] as number) - (table[o] as number);
  if (d !== 0) return d;
  d = (w[1] as number) - (table[o + 1] as number);
  if (d !== 0) return d;
  d = (w[2] as number) - (table[o + 2] as number);
  if (d !== 0) return d;
  return (w[3] as number) - (table[o + 3] as number);
}

/** Binary search of the IPv6 table. */
export function inV6(t: RangeTables, w: Uint32Array): boolean {
  const starts = t.v6Starts;
  const ends = t.v6Ends;
  let lo = 0;
  let hi = starts.length / 4 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (compareAt(w, starts, mid) >= 0) {
      if (compareAt(w, ends, mid) <= 0) return true;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return false;
}
