// The bench harness: each benchmark compares kanmon with its peers side by side,
// in one process and one run, and prints ops/s and the ratio to a baseline.
// Benchmarks import the built package (dist/), as users do.
import { performance } from 'node:perf_hooks';

const results = [];

/**
 * Measure one function: sync, or async with `concurrency` calls in flight.
 * Runs a warm-up, then repeats until `timeMs` has passed.
 * @returns {Promise<{ ops: number, meanUs: number, samples: number }>}
 */
export async function measure(fn, { timeMs = 1000, warmupMs = 200, concurrency = 1, batch = 1 } = {}) {
  const isAsync = fn.constructor.name === 'AsyncFunction' || concurrency > 1;
  const runFor = async (ms) => {
    let count = 0;
    const start = performance.now();
    const deadline = start + ms;
    if (!isAsync) {
      while (performance.now() < deadline) {
        for (let i = 0; i < batch; i++) fn(count + i);
        count += batch;
      }
    } else {
      const worker = async () => {
        while (performance.now() < deadline) {
          await fn(count++);
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
    }
    return { count, elapsed: performance.now() - start };
  };
  await runFor(warmupMs);
  const { count, elapsed } = await runFor(timeMs);
  return { ops: (count / elapsed) * 1000, meanUs: (elapsed * 1000) / count, samples: count };
}

/**
 * Compare several implementations of one task. `cases` maps a name to a
 * function; the first (or `baseline`) is the reference for the ratio column.
 * `rounds` > 1 interleaves the cases (slices of timeMs / rounds, order
 * alternating) and reports each case's median slice, for comparisons that
 * must hold on a shared machine.
 */
export async function compare(title, cases, options = {}) {
  const names = Object.keys(cases);
  const baseline = options.baseline ?? names[0];
  const rows = [];
  const rounds = options.rounds ?? 1;
  if (rounds > 1) {
    // Interleaved: each case runs `rounds` slices of timeMs / rounds in turn, so on a
    // shared machine a burst of outside load weighs on every case alike, not on one.
    // The figure is the median slice: a neighbour's burst moves one or two slices, not it.
    const slices = Object.fromEntries(names.map((name) => [name, []]));
    const slice = { ...options, timeMs: (options.timeMs ?? 1000) / rounds, warmupMs: 50 };
    for (let round = 0; round < rounds; round++) {
      for (const name of round % 2 === 0 ? names : [...names].reverse()) {
        const r = await measure(cases[name], slice);
        slices[name].push(r);
      }
    }
    for (const name of names) {
      const rates = slices[name].map((r) => r.ops).sort((a, b) => a - b);
      const mid = rates.length >> 1;
      const ops = rates.length % 2 === 1 ? rates[mid] : (rates[mid - 1] + rates[mid]) / 2;
      const samples = slices[name].reduce((n, r) => n + r.samples, 0);
      // byRound: the slices in round order, for ratios of the cases that ran side by side in one round.
      rows.push({ name, ops, meanUs: 1e6 / ops, samples, slices: rates.map(Math.round), byRound: slices[name].map((r) => r.ops) });
    }
  } else {
    for (const name of names) {
      const r = await measure(cases[name], options);
      rows.push({ name, ...r });
    }
  }
  const base = rows.find((r) => r.name === baseline)?.ops ?? rows[0].ops;
  const table = rows.map((r) => ({ ...r, ratio: r.ops / base }));
  const note = rounds > 1 ? `${options.note ? options.note + ' ' : ''}ops/s: the median of ${rounds} interleaved slices (order alternating).` : options.note;
  results.push({ title, note, baseline, rows: table });
  printTable(title, table, baseline, note);
  return Object.fromEntries(table.map((r) => [r.name, r]));
}

/**
 * The median over rounds of `a`'s rate over `b`'s in the same round, from `compare` rows with `rounds` > 1. Each
 * round's two slices ran back to back, so a slow minute of a shared machine weighs on both: the paired ratio is
 * steadier than the ratio of the two medians, whose slices were taken minutes apart.
 */
export function pairedRatio(a, b) {
  const ratios = a.byRound.map((ops, i) => ops / b.byRound[i]).sort((x, y) => x - y);
  const mid = ratios.length >> 1;
  return ratios.length % 2 === 1 ? ratios[mid] : (ratios[mid - 1] + ratios[mid]) / 2;
}

/** Record a figure that is not a side-by-side comparison (sizes, memory, totals). */
export function figure(title, rows) {
  results.push({ title, figures: rows });
  process.stdout.write(`\n### ${title}\n\n| figure | value |\n|---|---|\n`);
  for (const [k, v] of Object.entries(rows)) process.stdout.write(`| ${k} | ${v} |\n`);
}

function fmt(n) {
  if (n >= 100) return Math.round(n).toLocaleString('en-US');
  if (n >= 1) return n.toFixed(2);
  return n.toPrecision(3);
}

function printTable(title, rows, baseline, note) {
  const lines = [`\n### ${title}`, ''];
  if (note) lines.push(note, '');
  const spread = rows.some((r) => r.slices);
  lines.push(`| case | ops/s | mean µs | × ${baseline} |${spread ? ' slices min–max |' : ''}`, `|---|---:|---:|---:|${spread ? '---:|' : ''}`);
  for (const r of rows) {
    const range = r.slices ? ` ${fmt(r.slices[0])}–${fmt(r.slices[r.slices.length - 1])} |` : '';
    lines.push(`| ${r.name} | ${fmt(r.ops)} | ${fmt(r.meanUs)} | ${fmt(r.ratio)} |${range}`);
  }
  process.stdout.write(lines.join('\n') + '\n');
}

export function allResults() {
  return results;
}
