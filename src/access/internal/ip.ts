/**
 * Strict IP address parsing and formatting for the access module.
 *
 * Addresses live in one 128-bit space: an IPv4 address `a.b.c.d` is the
 * IPv4-mapped IPv6 address `::ffff:a.b.c.d`, whatever spelling it arrives in.
 * IPv6 addresses are four unsigned 32-bit words, most significant first.
 *
 * Parsing never throws and never allocates on the hot path: IPv4 returns a
 * number (or -1), IPv6 fills a caller-provided `Uint32Array(4)`.
 */

/** Parse strict dotted-decimal IPv4 in `s[start, end)`: four parts 0–255, no leading zeros. Returns the address or -1. */
export function parseIpv4(s: string, start: number, end: number): number {
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      if (digits === 1 && part === 0) return -1; // leading zero: octal in some parsers
      part = part * 10 + (c - 48);
      if (part > 255) return -1;
      digits++;
    } else {
      return -1;
    }
  }
  if (dots !== 3 || digits === 0) return -1;
  return value * 256 + part;
}

const groups = new Int32Array(8);

/** Hex digit values by character code; -1 for anything else. */
const HEX = new Int8Array(128).fill(-1);
for (let c = 0; c < 10; c++) HEX[48 + c] = c;
for (let c = 0; c < 6; c++) {
  HEX[65 + c] = 10 + c;
  HEX[97 + c] = 10 + c;
}

/**
 * Parse an IPv6 address in `s[start, end)` (no brackets, no zone id) into `out`
 * (four 32-bit words). Accepts `::` compression, upper or lower case, 1–4 hex
 * digits per group, and a trailing strict dotted-decimal IPv4 part.
 */
export function parseIpv6(s: string, start: number, end: number, out: Uint32Array): boolean {
  const length = end - start;
  if (length < 2 || length > 45) return false;
  const g = groups;
  let count = 0;
  let gap = -1;
  let i = start;
  if (s.charCodeAt(i) === 58) {
    if (s.charCodeAt(i + 1) !== 58) return false;
    gap = 0;
    i += 2;
  }
  while (i < end) {
    if (count === 8) return false;
    let value = 0;
    let j = i;
    const limit = i + 4 < end ? i + 4 : end;
    while (j < limit) {
      const c = s.charCodeAt(j);
      const h = c < 128 ? (HEX[c] as number) : -1;
      if (h < 0) break;
      value = (value << 4) | h;
      j++;
    }
    if (j === i) return false;
    if (j < end) {
      const c = s.charCodeAt(j);
      if (c === 58) {
        g[count++] = value;
        j++;
        if (j === end) return false; // a single trailing ':'
        if (s.charCodeAt(j) === 58) {
          if (gap >= 0) return false;
          gap = count;
          j++;
        }
        i = j;
        continue;
      }
      if (c === 46) {
        if (count > 6) return false;
        const v4 = parseIpv4(s, i, end);
        if (v4 < 0) return false;
        g[count++] = v4 >>> 16;
        g[count++] = v4 & 0xffff;
        break;
      }
      return false; // a fifth hex digit or a stray character
    }
    g[count++] = value;
    break;
  }
  if (gap < 0) {
    if (count !== 8) return false;
  } else {
    if (count > 7) return false; // '::' stands for at least one group
    const shift = 8 - count;
    for (let k = count - 1; k >= gap; k--) g[k + shift] = g[k] as number;
    for (let k = gap; k < gap + shift; k++) g[k] = 0;
  }
  out[0] = ((g[0] as number) << 16) | (g[1] as number);
  out[1] = ((g[2] as number) << 16) | (g[3] as number);
  out[2] = ((g[4] as number) << 16) | (g[5] as number);
  out[3] = ((g[6] as number) << 16) | (g[7] as number);
  return true;
}

/** True when the words are an IPv4-mapped IPv6 address (`::ffff:0:0/96`). */
export function isMapped(words: Uint32Array): boolean {
  return words[0] === 0 && words[1] === 0 && words[2] === 0xffff;
}

/** A parsed client address: IPv4 (mapped addresses included) or IPv6. */
export type ParsedIp = { readonly family: 4; readonly v4: number } | { readonly family: 6; readonly words: Uint32Array };

const scratch = new Uint32Array(4);

/**
 * Parse a client address as it arrives from a socket or a header value:
 * IPv4, IPv6 (zone id stripped), IPv4-mapped IPv6 in any spelling (returned as
 * IPv4). Returns `null` for anything else. Never throws.
 */
export function parseClientIp(ip: unknown): ParsedIp | null {
  if (typeof ip !== 'string') return null;
  let end = ip.length;
  if (end === 0 || end > 128) return null;
  if (ip.indexOf(':') < 0) {
    const v4 = parseIpv4(ip, 0, end);
    return v4 < 0 ? null : { family: 4, v4 };
  }
  const zone = ip.indexOf('%');
  if (zone >= 0) {
    if (zone === end - 1) return null;
    end = zone;
  }
  if (!parseIpv6(ip, 0, end, scratch)) return null;
  if (isMapped(scratch)) return { family: 4, v4: scratch[3] ?? 0 };
  return { family: 6, words: Uint32Array.from(scratch) };
}

/** Dotted-decimal form of an IPv4 address. */
export function formatIpv4(v4: number): string {
  return `${v4 >>> 24}.${(v4 >>> 16) & 255}.${(v4 >>> 8) & 255}.${v4 & 255}`;
}

/** RFC 5952 canonical text of an IPv6 address (lower case, longest zero run of 2+ groups compressed). */
export function formatIpv6(words: Uint32Array): string {
  const g: number[] = [];
  for (let k = 0; k < 4; k++) {
    const w = words[k] ?? 0;
    g.push(w >>> 16, w & 0xffff);
  }
  let bestStart = -1;
  let bestLength = 1;
  for (let k = 0; k < 8; ) {
    if (g[k] !== 0) {
      k++;
      continue;
    }
    let run = k;
    while (run < 8 && g[run] === 0) run++;
    if (run - k > bestLength) {
      bestStart = k;
      bestLength = run - k;
    }
    k = run;
  }
  const hex = (from: number, to: number) => g.slice(from, to).map((n) => n.toString(16)).join(':');
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLength, 8)}`;
}

/** The canonical text of a parsed address: dotted decimal for IPv4 (mapped included), RFC 5952 for IPv6. */
export function formatIp(parsed: ParsedIp): string {
  return parsed.family === 4 ? formatIpv4(parsed.v4) : formatIpv6(parsed.words);
}

/** The words of an IPv6 address as one bigint (configuration time only). */
export function wordsToBigInt(words: Uint32Array): bigint {
  return (
    (BigInt(words[0] ?? 0) << 96n) |
    (BigInt(words[1] ?? 0) << 64n) |
    (BigInt(words[2] ?? 0) << 32n) |
    BigInt(words[3] ?? 0)
  );
}

/** Write a 128-bit bigint into four words. */
export function bigIntToWords(value: bigint, out: Uint32Array, offset: number): void {
  out[offset] = Number((value >> 96n) & 0xffffffffn);
  out[offset + 1] = Number((value >> 64n) & 0xffffffffn);
  out[offset + 2] = Number((value >> 32n) & 0xffffffffn);
  out[offset + 3] = Number(value & 0xffffffffn);
}
