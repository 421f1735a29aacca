/** Line splitting and HIBP line parsing shared by the in-memory and the on-disk builders. */

const HEX = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX[65 + i] = 10 + i;
  HEX[97 + i] = 10 + i;
}

/** One line's verdict in HIBP form: its count (≥ 0), or −1 when it is not `<40 hex>[:<count>]`. */
export function hibpLine(buf: Uint8Array, start: number, end: number, digest: Uint8Array | undefined): number {
  if (end - start < 40) return -1;
  for (let i = 0; i < 20; i++) {
    const hi = HEX[buf[start + 2 * i]!]!;
    const lo = HEX[buf[start + 2 * i + 1]!]!;
    if ((hi | lo) < 0) return -1;
    if (digest) digest[i] = (hi << 4) | lo;
  }
  let p = start + 40;
  if (p === end) return 1;
  if (buf[p] !== 58 /* : */ || p + 1 === end) return -1;
  let count = 0;
  for (p++; p < end; p++) {
    const d = buf[p]! - 48;
    if (d < 0 || d > 9) return -1;
    count = count * 10 + d;
  }
  return count;
}

export type LineHandler = (buf: Uint8Array, start: number, end: number, lineNo: number) => void;

export async function forEachLine(source: AsyncIterable<Uint8Array | string>, onLine: LineHandler, onBytes: (bytes: number, lines: number) => void): Promise<number> {
  let carry: Uint8Array | undefined;
  let lines = 0;
  let bytes = 0;
  for await (const piece of source) {
    const chunk = typeof piece === 'string' ? Buffer.from(piece, 'utf8') : piece;
    bytes += chunk.length;
    let buf: Uint8Array = chunk;
    let offset = 0;
    if (carry) {
      const merged = new Uint8Array(carry.length + chunk.length);
      merged.set(carry, 0);
      merged.set(chunk, carry.length);
      buf = merged;
      offset = 0;
      carry = undefined;
    }
    let nl = buf.indexOf(10, offset);
    while (nl >= 0) {
      const end = nl > offset && buf[nl - 1] === 13 ? nl - 1 : nl;
      onLine(buf, offset, end, ++lines);
      offset = nl + 1;
      nl = buf.indexOf(10, offset);
    }
    if (offset < buf.length) carry = buf.slice(offset);
    onBytes(bytes, lines);
  }
  if (carry && carry.length > 0) {
    const end = carry[carry.length - 1] === 13 ? carry.length - 1 : carry.length;
    onLine(carry, 0, end, ++lines);
  }
  onBytes(bytes, lines);
  return lines;
}
