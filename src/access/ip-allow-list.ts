import { KanmonError } from '../errors.js';
import { type RangeTables, buildTables, inV4, inV6, mergeRanges, parseCidr } from './internal/cidr.js';
import type { CidrRange } from './internal/cidr.js';
import { isMapped, parseIpv4, parseIpv6 } from './internal/ip.js';

/** One refused configuration entry, in `ERR_INVALID_CIDR`'s `details.entries`. */
export interface InvalidCidrEntry {
  readonly index: number;
  readonly entry: string;
  readonly problem: string;
}

/**
 * A compiled allow-list of IPv4 and IPv6 addresses and CIDRs.
 *
 * Membership is decided in O(log n) over sorted, merged ranges. IPv4-mapped
 * IPv6 addresses (`::ffff:10.0.0.1`, `::ffff:a00:1`, `0:0:0:0:0:ffff:10.0.0.1`,
 * any case) are matched as their IPv4 address (CVE-2024-29415), and IPv6 zone
 * ids (`fe80::1%eth0`) are stripped. Anything that is not an address is simply
 * not in the list: `has` never throws.
 */
export interface IpAllowList {
  /** Whether `ip` (IPv4, IPv6, mapped, with or without zone id) is in the list. */
  has(ip: string): boolean;
  /** The number of merged ranges the entries compiled into (IPv4 and IPv6 counted apart). */
  readonly rangeCount: number;
  /** True when no entry was given: nothing is in the list. */
  readonly empty: boolean;
}

const compiled = new WeakMap<IpAllowList, RangeTables>();

/** The compiled tables behind a list made by {@link createIpAllowList} (internal). */
export function allowListTables(list: IpAllowList): RangeTables | undefined {
  return compiled.get(list);
}

/**
 * Compile CIDRs and single addresses into an {@link IpAllowList} (EXT-4, EXT-9, IPC-2, RM-21).
 *
 * Configuration is strict: ambiguous IPv4 spellings (leading zeros `010.0.0.1`,
 * shortened `10.1`, hexadecimal `0x0a.0.0.1`), host bits below the prefix
 * (`10.0.0.1/8`), zone ids and whitespace are refused with one
 * `KanmonError('ERR_INVALID_CIDR')` whose `details.entries` lists every bad entry.
 *
 * @param cidrs Addresses (`192.0.2.7`, `2001:db8::1`) and CIDRs (`10.0.0.0/8`, `2001:db8::/32`).
 *   An IPv6 rule that covers part of `::ffff:0:0/96` also covers those IPv4 addresses.
 *
 * @example
 * ```ts
 * import { createIpAllowList } from 'kanmon';
 * const terminals = createIpAllowList(['10.20.0.0/16', '2001:db8:20::/48']);
 * terminals.has('10.20.3.4'); // true
 * terminals.has('::ffff:10.20.3.4'); // true: mapped IPv6 is matched as IPv4
 * terminals.has('not an address'); // false, never a throw
 * ```
 */
export function createIpAllowList(cidrs: readonly string[]): IpAllowList {
  if (!Array.isArray(cidrs)) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', 'createIpAllowList(cidrs): cidrs must be an array of strings');
  }
  const ranges: CidrRange[] = [];
  const bad: InvalidCidrEntry[] = [];
  cidrs.forEach((entry: unknown, index) => {
    const parsed = parseCidr(entry);
    if (parsed.ok) ranges.push(parsed.range);
    else bad.push({ index, entry: typeof entry === 'string' ? entry : String(entry), problem: parsed.problem });
  });
  if (bad.length > 0) {
    const list = bad.map((b) => `#${b.index} ${JSON.stringify(b.entry)}: ${b.problem}`).join('; ');
    throw new KanmonError('ERR_INVALID_CIDR', `Invalid IP allow-list entr${bad.length === 1 ? 'y' : 'ies'}: ${list}`, {
      details: { entries: bad },
    });
  }
  const tables = buildTables(mergeRanges(ranges));
  const words = new Uint32Array(4);

  const list: IpAllowList = {
    has(ip: string): boolean {
      if (typeof ip !== 'string') return false;
      const length = ip.length;
      if (length === 0 || length > 128) return false;
      const v4 = parseIpv4(ip, 0, length);
      if (v4 >= 0) return inV4(tables, v4);
      let end = length;
      const zone = ip.indexOf('%');
      if (zone >= 0) {
        if (zone === length - 1) return false;
        end = zone;
      }
      if (!parseIpv6(ip, 0, end, words)) return false;
      if (isMapped(words)) return inV4(tables, words[3] as number);
      return inV6(tables, words);
    },
    rangeCount: tables.v4Starts.length + tables.v6Starts.length / 4,
    empty: cidrs.length === 0,
  };
  compiled.set(list, tables);
  return Object.freeze(list);
}
