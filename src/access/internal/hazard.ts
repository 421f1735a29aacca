import { type IpAllowList, allowListTables } from '../ip-allow-list.js';

const warned = new WeakSet<IpAllowList>();

/**
 * True when a trusted-proxy list covers every IPv4 or every IPv6 address. The
 * first time a given list is seen so, a `KanmonWarning` with code
 * `ERR_CONFIG_HAZARD` is emitted: any client could then set its own address
 * or certificate through a forwarding header.
 */
export function checkTrustsEverything(list: IpAllowList): boolean {
  const tables = allowListTables(list);
  const everything = tables !== undefined && (tables.allV4 || tables.allV6);
  if (everything && !warned.has(list)) {
    warned.add(list);
    process.emitWarning(
      'kanmon: trustedProxies covers every address, so any client can set its own address (and forwarded certificate) with a header. List only your proxies.',
      {
        type: 'KanmonWarning',
        code: 'ERR_CONFIG_HAZARD',
        detail: 'See docs/access.md#trusted-proxies and docs/errors.md.',
      },
    );
  }
  return everything;
}
