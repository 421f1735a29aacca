// Password hashing and the breached-password filter (issue 3).
// - kanmon's hasher against the raw engine at the same parameters (overhead ≤ 5%)
// - @node-rs/argon2 (default) against node-argon2 (optional peer) at OWASP's parameters, 1, 2 and 8 in flight
// - filter lookups (≥ 1,000,000/s) against a Set of SHA-1 hex strings; filter build (≥ 500,000 lines/s)
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import * as nodeRs from '@node-rs/argon2';
import nodeArgon2 from 'argon2';
import {
  argon2Engine,
  buildBreachedPasswordFilter,
  createBreachedPasswordFilter,
  createPasswordHasher,
  definePolicy,
} from '../dist/index.js';
import { compare, figure } from './harness.mjs';

const OWASP = { memoryKiB: 19456, iterations: 2, parallelism: 1 };
const password = 'Correct-Horse-Battery-7';

async function hashing() {
  const policy = definePolicy('funabashi', { hashing: { maxConcurrentHashes: 64 } });
  const hasher = createPasswordHasher({ policy });
  const rsOptions = { memoryCost: OWASP.memoryKiB, timeCost: OWASP.iterations, parallelism: OWASP.parallelism };
  const stored = await hasher.hash(password);
  const rsStored = await nodeRs.hash(password, rsOptions);

  await compare(
    'hash at OWASP parameters: raw @node-rs/argon2 vs kanmon hasher (overhead ≤ 5%)',
    {
      'raw @node-rs/argon2 hash()': async () => await nodeRs.hash(password, rsOptions),
      'kanmon hasher.hash()': async () => await hasher.hash(password),
    },
    { timeMs: 3000, note: 'Same engine, same m=19456 KiB, t=2, p=1. kanmon adds NFKC, the length gate, the concurrency gate and its own PHC encoder.' },
  );
  await compare(
    'verify at OWASP parameters: raw @node-rs/argon2 vs kanmon hasher',
    {
      'raw @node-rs/argon2 verify()': async () => await nodeRs.verify(rsStored, password),
      'kanmon hasher.verify()': async () => await hasher.verify(stored, password),
    },
    { timeMs: 3000 },
  );

  // The machine running this may be shared: wall-clock ratios swing with other load. CPU time
  // (process-wide, so it includes the thread pool) in alternating rounds is the steadier overhead figure.
  await interleaved('hasher overhead by CPU time, OWASP parameters, alternating rounds', {
    'raw @node-rs/argon2 hash()': () => nodeRs.hash(password, rsOptions),
    'kanmon hasher.hash()': () => hasher.hash(password),
    'raw @node-rs/argon2 verify()': () => nodeRs.verify(rsStored, password),
    'kanmon hasher.verify()': () => hasher.verify(stored, password),
  });

  const rs = argon2Engine('node-rs');
  const na = argon2Engine('node-argon2');
  const salt = Buffer.alloc(16, 7);
  const input = Buffer.from(password);
  for (const concurrency of [1, 2, 8]) {
    await compare(
      `Argon2id engines at OWASP parameters, ${concurrency} in flight`,
      {
        '@node-rs/argon2 (default)': async () => await rs.hashRaw(input, salt, OWASP, 32),
        'argon2 (node-argon2, peer)': async () => await na.hashRaw(input, salt, OWASP, 32),
      },
      { concurrency, timeMs: 3000 },
    );
  }
  const big = { memoryKiB: 65536, iterations: 3, parallelism: 1 };
  await compare(
    'Argon2id engines at m=64 MiB, t=3, p=1, 1 in flight',
    {
      '@node-rs/argon2 (default)': async () => await rs.hashRaw(input, salt, big, 32),
      'argon2 (node-argon2, peer)': async () => await na.hashRaw(input, salt, big, 32),
    },
    { timeMs: 3000 },
  );
  // What node-argon2's own API does (its encoder writes m,p,t), for completeness.
  await compare(
    "Library APIs as shipped, OWASP parameters, 1 in flight",
    {
      '@node-rs/argon2 hash()': async () => await nodeRs.hash(password, rsOptions),
      'argon2 hash()': async () =>
        await nodeArgon2.hash(password, { type: nodeArgon2.argon2id, memoryCost: OWASP.memoryKiB, timeCost: OWASP.iterations, parallelism: 1 }),
    },
    { timeMs: 3000 },
  );

  const cryptrec = createPasswordHasher({ policy: definePolicy('funabashi', { cryptoProfile: 'cryptrec', hashing: { algorithm: 'pbkdf2-sha256' } }) });
  const cryptrec512 = createPasswordHasher({ policy: definePolicy('funabashi', { cryptoProfile: 'cryptrec', hashing: { algorithm: 'pbkdf2-sha512' } }) });
  await compare(
    'cryptrec profile: PBKDF2 at OWASP iterations vs Argon2id',
    {
      'argon2id m=19456,t=2': async () => await hasher.hash(password),
      'pbkdf2-sha256 i=600000': async () => await cryptrec.hash(password),
      'pbkdf2-sha512 i=210000': async () => await cryptrec512.hash(password),
    },
    { timeMs: 3000 },
  );

  const huge = 'a'.repeat(1_000_000);
  const start = performance.now();
  const rounds = 10_000;
  for (let i = 0; i < rounds; i++) await hasher.verify(stored, huge);
  figure('1,000,000-character password refused before hashing', { 'mean µs per refusal': ((performance.now() - start) * 1000 / rounds).toFixed(2) });
}

async function filter() {
  const N = 1_000_000;
  const hibpChunks = [];
  const members = [];
  let chunk = '';
  for (let i = 0; i < N; i++) {
    const pw = `member-${i}`;
    members.push(pw);
    chunk += `${createHash('sha1').update(pw).digest('hex').toUpperCase()}:${(i % 97) + 1}\r\n`;
    if (chunk.length > 1 << 20) {
      hibpChunks.push(Buffer.from(chunk));
      chunk = '';
    }
  }
  hibpChunks.push(Buffer.from(chunk));
  async function* source() {
    yield* hibpChunks;
  }
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const built = await buildBreachedPasswordFilter(source, { fpr: 1e-6 });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const f = createBreachedPasswordFilter(built.bytes);
  let falsePositives = 0;
  for (let i = 0; i < N; i++) if (f.has(`outsider-${i}`)) falsePositives++;
  figure('breached filter: build from 1,000,000 HIBP lines (two streaming passes), FPR target 1e-6', {
    'lines/s (both passes), wall clock': Math.round(N / seconds).toLocaleString('en-US'),
    'lines per CPU-second (robust on a shared machine)': Math.round(N / cpuSeconds).toLocaleString('en-US'),
    'file size': `${built.bytes.length.toLocaleString('en-US')} bytes (${(built.bytes.length / 1048576).toFixed(2)} MiB)`,
    'k, m': `${built.hashes}, ${built.bits.toLocaleString('en-US')} bits`,
    'expected FPR': built.expectedFpr.toExponential(2),
    'false positives on 1,000,000 non-members': `${falsePositives} (${(falsePositives / N).toExponential(1)})`,
  });

  const set = new Set(members.map((pw) => createHash('sha1').update(pw).digest('hex')));
  const probes = Array.from({ length: 1 << 16 }, (_, i) => (i % 2 === 0 ? members[(i * 7919) % N] : `outsider-${i}`));
  await compare(
    'breached lookups (half members, half not)',
    {
      'kanmon filter.has()': (i) => f.has(probes[i & 0xffff]),
      'Set<SHA-1 hex> + node:crypto': (i) => set.has(createHash('sha1').update(probes[i & 0xffff]).digest('hex')),
    },
    { timeMs: 2000, batch: 1000, note: `The Set holds the same 1,000,000 entries in about ${Math.round((N * 100) / 1048576)} MiB of heap; the filter in ${(built.bytes.length / 1048576).toFixed(1)} MiB.` },
  );
  cpuFigure(f, probes);
}

// Rounds alternate the order of the cases (forwards, then backwards) so that neither side of a pair always runs
// first after the other pair (cache and allocator state), and a first round warms up uncounted. The ratio is
// reported as the median of the per-round ratios with their range, and as the ratio of the totals.
async function interleaved(title, cases, rounds = 16, perRound = 8) {
  const names = Object.keys(cases);
  const totals = Object.fromEntries(names.map((name) => [name, { cpuUs: 0, wallMs: 0, n: 0 }]));
  const perRoundCpu = Object.fromEntries(names.map((name) => [name, []]));
  for (let r = -1; r < rounds; r++) {
    const order = r % 2 === 0 ? names : [...names].reverse();
    for (const name of order) {
      const fn = cases[name];
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      for (let i = 0; i < perRound; i++) await fn();
      const cpu = process.cpuUsage(cpu0);
      if (r < 0) continue; // the warm-up round
      totals[name].cpuUs += cpu.user + cpu.system;
      totals[name].wallMs += performance.now() - t0;
      totals[name].n += perRound;
      perRoundCpu[name].push(cpu.user + cpu.system);
    }
  }
  const rows = {};
  for (const [name, t] of Object.entries(totals)) {
    rows[name] = `${(t.cpuUs / t.n / 1000).toFixed(2)} CPU ms/op, ${(t.wallMs / t.n).toFixed(2)} wall ms/op`;
  }
  const ratio = (a, b) => {
    const each = perRoundCpu[a].map((cpu, i) => cpu / perRoundCpu[b][i]).sort((x, y) => x - y);
    const mid = each.length >> 1;
    const median = each.length % 2 === 1 ? each[mid] : (each[mid - 1] + each[mid]) / 2;
    return `${median.toFixed(3)} (median of ${each.length} rounds, ${each[0].toFixed(3)}–${each.at(-1).toFixed(3)}; totals ${(totals[a].cpuUs / totals[b].cpuUs).toFixed(3)})`;
  };
  rows['hash: kanmon / raw (CPU)'] = ratio('kanmon hasher.hash()', 'raw @node-rs/argon2 hash()');
  rows['verify: kanmon / raw (CPU)'] = ratio('kanmon hasher.verify()', 'raw @node-rs/argon2 verify()');
  figure(title, rows);
}

function cpuFigure(f, probes) {
  const rounds = 2_000_000;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let found = 0;
  for (let i = 0; i < rounds; i++) if (f.has(probes[i & 0xffff])) found++;
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  figure('breached lookups, 2,000,000 calls (half members)', {
    'lookups/s, wall clock': Math.round(rounds / wall).toLocaleString('en-US'),
    'lookups per CPU-second (robust on a shared machine)': Math.round(rounds / ((cpu.user + cpu.system) / 1e6)).toLocaleString('en-US'),
    found,
  });
}

export default async function run() {
  await hashing();
  await filter();
}
