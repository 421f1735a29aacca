// IP allow-list membership: kanmon's createIpAllowList().has() against node's
// net.BlockList and ipaddr.js (parse + match over the rule list), at 10, 1,000
// and 10,000 mixed IPv4/IPv6 rules, on the same addresses, in one run.
import net from 'node:net';
import ipaddr from 'ipaddr.js';
import { createIpAllowList } from '../dist/index.js';
import { compare, figure } from './harness.mjs';

// Deterministic PRNG so every run measures the same rules and addresses.
function prng(seed) {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

const u32 = (r) => Math.floor(r() * 0x100000000) >>> 0;
const dotted = (v) => `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
const v6text = (w) => w.flatMap((x) => [(x >>> 16).toString(16), (x & 0xffff).toString(16)]).join(':');

function maskWords(w, prefix) {
  return w.map((x, k) => {
    const bits = Math.min(32, Math.max(0, prefix - k * 32));
    return bits === 0 ? 0 : (x & ((0xffffffff << (32 - bits)) >>> 0)) >>> 0;
  });
}

function makeRules(n, r) {
  const rules = [];
  for (let i = 0; i < n; i++) {
    if (i % 2 === 0) {
      const prefix = 16 + Math.floor(r() * 17);
      rules.push({ family: 'ipv4', base: maskWords([u32(r)], prefix)[0], prefix });
    } else {
      const prefix = 32 + Math.floor(r() * 97);
      rules.push({ family: 'ipv6', words: maskWords([0x20010db8 + (u32(r) & 0xff), u32(r), u32(r), u32(r)], prefix), prefix });
    }
  }
  return rules.map((rule) => ({ ...rule, text: rule.family === 'ipv4' ? dotted(rule.base) : v6text(rule.words) }));
}

/** Half the addresses inside some rule, half random; a quarter of the IPv4 ones spelled as mapped IPv6. */
function makeAddresses(rules, count, r) {
  const out = [];
  for (let i = 0; i < count; i++) {
    const rule = rules[Math.floor(r() * rules.length)];
    const inside = r() < 0.5;
    if (rule.family === 'ipv4') {
      const host = rule.prefix === 32 ? 0 : 2 ** (32 - rule.prefix) - 1;
      const v = inside ? (rule.base | (u32(r) & host)) >>> 0 : u32(r);
      out.push(r() < 0.25 ? `::ffff:${dotted(v)}` : dotted(v));
    } else {
      const w = inside ? rule.words.map((x, k) => (k === 3 ? (x | (u32(r) & 0xff)) >>> 0 : x)) : [0x20010db8, u32(r), u32(r), u32(r)];
      out.push(v6text(w));
    }
  }
  return out;
}

export default async function run() {
  const sizes = [10, 1_000, 10_000];
  const kanmonOps = {};
  for (const n of sizes) {
    const r = prng(0x5eed + n);
    const rules = makeRules(n, r);
    const addresses = makeAddresses(rules, 4096, r);
    const mask = addresses.length - 1;

    const list = createIpAllowList(rules.map((x) => `${x.text}/${x.prefix}`));
    const blockList = new net.BlockList();
    for (const x of rules) blockList.addSubnet(x.text, x.prefix, x.family);
    const parsed = rules.map((x) => ipaddr.parseCIDR(`${x.text}/${x.prefix}`));
    const ipaddrHas = (ip) => {
      let addr;
      try {
        addr = ipaddr.process(ip); // unwraps IPv4-mapped IPv6
      } catch {
        return false;
      }
      const kind = addr.kind();
      for (const range of parsed) if (range[0].kind() === kind && addr.match(range)) return true;
      return false;
    };
    // BlockList does not unwrap mapped addresses: give it the family it needs, as a caller would.
    const blockListHas = (ip) => {
      if (ip.startsWith('::ffff:') && ip.includes('.')) return blockList.check(ip.slice(7), 'ipv4');
      return blockList.check(ip, ip.includes(':') ? 'ipv6' : 'ipv4');
    };

    // Same answers before measuring anything.
    let agree = 0;
    for (const ip of addresses) if (list.has(ip) === blockListHas(ip) && list.has(ip) === ipaddrHas(ip)) agree++;

    const slow = n >= 1_000;
    const rows = await compare(
      `access: has() at ${n.toLocaleString('en-US')} mixed IPv4/IPv6 rules`,
      {
        kanmon: (i) => list.has(addresses[i & mask]),
        'net.BlockList': (i) => blockListHas(addresses[i & mask]),
        'ipaddr.js': (i) => ipaddrHas(addresses[i & mask]),
      },
      {
        timeMs: slow ? 600 : 1000,
        warmupMs: 100,
        batch: 64,
        note: `${list.rangeCount} merged ranges; ${agree}/${addresses.length} addresses answered the same by all three; 4,096 addresses, half inside a rule, a quarter of IPv4 as ::ffff:a.b.c.d`,
      },
    );
    kanmonOps[n] = rows.kanmon.ops;
  }
  figure('access: kanmon has() slowdown from 10 to 10,000 rules', {
    'lookups/s at 10 rules': Math.round(kanmonOps[10]).toLocaleString('en-US'),
    'lookups/s at 10,000 rules': Math.round(kanmonOps[10_000]).toLocaleString('en-US'),
    'slowdown (target ≤ 2×)': `${(kanmonOps[10] / kanmonOps[10_000]).toFixed(2)}×`,
    'target ≥ 2,000,000 lookups/s at 10,000 rules': kanmonOps[10_000] >= 2_000_000 ? 'met' : 'NOT met',
  });
}
