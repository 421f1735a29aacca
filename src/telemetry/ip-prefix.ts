import { formatIp, parseClientIp } from '../access/internal/ip.js';

/** `ip` cut to its network prefix (`198.51.100.0/24`, `2001:db8:1::/48`); `null` for anything that is not an address. */
export function ipPrefix(ip: unknown, bits: { readonly v4: number; readonly v6: number }): string | null {
  const parsed = parseClientIp(ip);
  if (parsed === null) return null;
  if (parsed.family === 4) {
    const mask = bits.v4 === 0 ? 0 : (0xffffffff << (32 - bits.v4)) >>> 0;
    return `${formatIp({ family: 4, v4: (parsed.v4 & mask) >>> 0 })}/${bits.v4}`;
  }
  const words = new Uint32Array(parsed.words);
  for (let i = 0; i < 4; i++) {
    const keep = Math.min(32, Math.max(0, bits.v6 - 32 * i));
    words[i] = keep === 0 ? 0 : (words[i]! & ((0xffffffff << (32 - keep)) >>> 0)) >>> 0;
  }
  return `${formatIp({ family: 6, words })}/${bits.v6}`;
}
