import { isIPv4, isIPv6 } from 'node:net';

/**
 * The bucket a client address is throttled under: an IPv4 address as is
 * (IPv4-mapped IPv6 included), an IPv6 address by its /64 (one subscriber's
 * prefix: rotating addresses inside it does not escape the throttle), and
 * anything else lower-cased as given.
 */
export function ipBucket(ip: string): string {
  const bare = ip.trim().toLowerCase();
  if (isIPv4(bare)) return bare;
  const noZone = bare.split('%')[0] ?? '';
  if (!isIPv6(noZone)) return bare;
  let text = noZone;
  const v4 = /^(.*:)(\d{1,3}(?:\.\d{1,3}){3})$/.exec(text);
  if (v4) {
    const parts = (v4[2] ?? '').split('.').map(Number);
    const hi = (((parts[0] ?? 0) << 8) | (parts[1] ?? 0)).toString(16);
    const lo = (((parts[2] ?? 0) << 8) | (parts[3] ?? 0)).toString(16);
    text = `${v4[1] ?? ''}${hi}:${lo}`;
  }
  const [head = '', tail] = text.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const g = groups.map((x) => parseInt(x, 16));
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    const a = g[6] ?? 0;
    const b = g[7] ?? 0;
    return `${a >> 8}.${a & 255}.${b >> 8}.${b & 255}`;
  }
  return `${g.slice(0, 4).map((x) => x.toString(16)).join(':')}::/64`;
}
