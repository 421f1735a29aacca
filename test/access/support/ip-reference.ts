/**
 * A naive reference for IP allow-lists, independent of src/access: a binary
 * trie over the unified 128-bit space (IPv4 `x` is `::ffff:x`), walked bit by
 * bit; plus address generators and formatters that spell addresses many ways.
 */

/** An address as ground truth: IPv4 as a number, IPv6 as four 32-bit words. */
export type Addr = { kind: 4; v4: number } | { kind: 6; w: [number, number, number, number] };
export interface Rule {
  addr: Addr;
  prefix: number;
}

/** The 128-bit words of an address in the unified space. */
export function unified(a: Addr): [number, number, number, number] {
  return a.kind === 4 ? [0, 0, 0xffff, a.v4 >>> 0] : a.w;
}

function bit(w: readonly number[], i: number): number {
  return ((w[i >>> 5] ?? 0) >>> (31 - (i & 31))) & 1;
}

/** Binary trie: a rule marks the node at depth prefix; an address matches if any node on its path is marked. */
export class ReferenceMatcher {
  private children: Int32Array;
  private terminal: Uint8Array;
  private size = 1;

  constructor(capacity: number) {
    this.children = new Int32Array(capacity * 2);
    this.terminal = new Uint8Array(capacity);
  }

  add(rule: Rule): void {
    const w = unified(rule.addr);
    const depth = rule.addr.kind === 4 ? 96 + rule.prefix : rule.prefix;
    let node = 0;
    for (let i = 0; i < depth; i++) {
      const slot = node * 2 + bit(w, i);
      let next = this.children[slot] ?? 0;
      if (next === 0) {
        next = this.size++;
        if (next >= this.terminal.length) this.grow();
        this.children[slot] = next;
      }
      node = next;
    }
    this.terminal[node] = 1;
  }

  has(a: Addr): boolean {
    const w = unified(a);
    let node = 0;
    for (let i = 0; ; i++) {
      if (this.terminal[node] === 1) return true;
      if (i === 128) return false;
      const next = this.children[node * 2 + bit(w, i)] ?? 0;
      if (next === 0) return false;
      node = next;
    }
  }

  private grow(): void {
    const children = new Int32Array(this.children.length * 2);
    children.set(this.children);
    const terminal = new Uint8Array(this.terminal.length * 2);
    terminal.set(this.terminal);
    this.children = children;
    this.terminal = terminal;
  }
}

/** Zero the bits below `prefix` (of 32 for IPv4, of 128 for IPv6). */
export function network(rule: Rule): Addr {
  const { addr, prefix } = rule;
  if (addr.kind === 4) {
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    return { kind: 4, v4: (addr.v4 & mask) >>> 0 };
  }
  const w = addr.w.map((word, k) => {
    const bits = Math.min(32, Math.max(0, prefix - k * 32));
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    return (word & mask) >>> 0;
  }) as [number, number, number, number];
  return { kind: 6, w };
}

/** The last address of the rule's range. */
export function lastOf(rule: Rule): Addr {
  const net = network(rule);
  if (net.kind === 4) {
    const host = rule.prefix === 32 ? 0 : (2 ** (32 - rule.prefix) - 1) >>> 0;
    return { kind: 4, v4: (net.v4 | host) >>> 0 };
  }
  const w = net.w.map((word, k) => {
    const bits = Math.min(32, Math.max(0, rule.prefix - k * 32));
    const host = bits === 32 ? 0 : (0xffffffff >>> bits) >>> 0;
    return (word | host) >>> 0;
  }) as [number, number, number, number];
  return { kind: 6, w };
}

/** Add `delta` (±1) with carry; null when it leaves the family's space. */
export function step(a: Addr, delta: 1 | -1): Addr | null {
  if (a.kind === 4) {
    const v = a.v4 + delta;
    return v < 0 || v > 0xffffffff ? null : { kind: 4, v4: v };
  }
  const w = [...a.w] as [number, number, number, number];
  for (let k = 3; k >= 0; k--) {
    const v = (w[k] ?? 0) + delta;
    if (v >= 0 && v <= 0xffffffff) {
      w[k] = v;
      return { kind: 6, w };
    }
    w[k] = delta === 1 ? 0 : 0xffffffff;
  }
  return null;
}

export function dotted(v4: number): string {
  return [v4 >>> 24, (v4 >>> 16) & 255, (v4 >>> 8) & 255, v4 & 255].join('.');
}

function groupsOf(w: readonly number[]): number[] {
  return w.flatMap((x) => [x >>> 16, x & 0xffff]);
}

/** All eight groups, no compression. */
export function fullV6(w: readonly number[], pad = false): string {
  return groupsOf(w)
    .map((g) => (pad ? g.toString(16).padStart(4, '0') : g.toString(16)))
    .join(':');
}

/** Compress the first longest run of two or more zero groups. */
export function compressedV6(w: readonly number[]): string {
  const g = groupsOf(w).map((x) => x.toString(16));
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; i++) {
    let j = i;
    while (j < 8 && g[j] === '0') j++;
    if (j - i > bestLength) {
      best = i;
      bestLength = j - i;
    }
  }
  if (best < 0) return g.join(':');
  return `${g.slice(0, best).join(':')}::${g.slice(best + bestLength).join(':')}`;
}

/** A deterministic PRNG (xorshift32) so that a fast-check seed replays a whole batch. */
export function prng(seed: number): () => number {
  let x = seed | 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

/** Spell an address one of several valid ways (IPv4 also as mapped IPv6). */
export function spell(a: Addr, choice: number): string {
  if (a.kind === 4) {
    const hi = (a.v4 >>> 16).toString(16);
    const lo = (a.v4 & 0xffff).toString(16);
    switch (choice % 6) {
      case 0:
      case 1:
        return dotted(a.v4);
      case 2:
        return `::ffff:${dotted(a.v4)}`;
      case 3:
        return `::ffff:${hi}:${lo}`;
      case 4:
        return `0:0:0:0:0:ffff:${dotted(a.v4)}`;
      default:
        return `0000:0000:0000:0000:0000:FFFF:${hi.toUpperCase().padStart(4, '0')}:${lo.toUpperCase().padStart(4, '0')}`;
    }
  }
  switch (choice % 5) {
    case 0:
      return compressedV6(a.w);
    case 1:
      return fullV6(a.w);
    case 2:
      return fullV6(a.w, true).toUpperCase();
    case 3:
      return `${compressedV6(a.w)}%eth0`;
    default:
      return compressedV6(a.w).toUpperCase();
  }
}

/** The rule as configuration text (network address, canonical spelling chosen by `choice`). */
export function ruleText(rule: Rule, choice: number): string {
  const net = network(rule);
  if (net.kind === 4) return `${dotted(net.v4)}/${rule.prefix}`;
  return `${choice % 2 === 0 ? compressedV6(net.w) : fullV6(net.w)}/${rule.prefix}`;
}
