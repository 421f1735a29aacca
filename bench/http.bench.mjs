// HTTP adapters (issue 8): requests per second through `requireSession` with ES256
// sessions, against a bare route of the same framework, in the same autocannon run.
// Acceptance: Fastify + requireSession ≥ 50% of bare Fastify. Express is reported too.
//
// The servers run in a child process (bench/support-http-server.mjs); autocannon
// drives them from this one, over loopback, one case after the other with the same
// connections and duration. The guarded route does everything a real request does:
// TLS check (X-Forwarded-Proto from a trusted proxy), cookie parsing, ES256 token
// verification (pre-imported keys + the bounded verified-token cache), and the two
// revocation reads from the store (epoch, logout mark), which are never cached.
import { execFileSync, fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { figure } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const DURATION_S = Number(process.env.KANMON_BENCH_HTTP_SECONDS ?? 3);
// Cases are interleaved (bare, TLS check, guarded, bare, …) and the median of the rounds kept,
// so a burst of load from elsewhere on the machine hits every case alike.
const ROUNDS = 5;
const CONNECTIONS = 16;

function cannon(url, headers, duration) {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections: CONNECTIONS, pipelining: 1, duration, headers }, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

let child;

function pin(pid, cpu) {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const serverCpuUs = () =>
  new Promise((resolve) => {
    const onMessage = (message) => {
      if (message?.cpu === undefined) return;
      child.off('message', onMessage);
      resolve(message.cpu.user + message.cpu.system);
    };
    child.on('message', onMessage);
    child.send('cpu');
  });

async function once(url, headers, duration) {
  const before = await serverCpuUs();
  const result = await cannon(url, headers, duration);
  const cpuUs = (await serverCpuUs()) - before;
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  return { rps: result.requests.average, p99Ms: result.latency.p99, cpuUsPerRequest: cpuUs / Math.max(1, result.requests.total) };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Interleaved rounds of every case; the median req/s and p99 of each. */
async function measureCases(cases) {
  for (const { url, headers } of cases) await once(url, headers, 1); // warm-up: JIT, key import, verified-token cache
  const samples = cases.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, { url, headers }] of cases.entries()) samples[i].push(await once(url, headers, DURATION_S));
  }
  return samples.map((s) => ({
    rps: median(s.map((x) => x.rps)),
    p99Ms: median(s.map((x) => x.p99Ms)),
    cpuUsPerRequest: median(s.map((x) => x.cpuUsPerRequest)),
    rounds: s.map((x) => Math.round(x.rps)),
  }));
}

export default async function run() {
  child = fork(join(here, 'support-http-server.mjs'), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = await new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  const { servers, token, cookieName } = ready;
  // On a 2-core machine the scheduler otherwise moves the load generator and the servers between
  // cores, which swings req/s by ±30% run to run: give each its own core where taskset exists.
  const pinned = pin(child.pid, 1) && pin(process.pid, 0);
  const proxy = { 'x-forwarded-proto': 'https' };
  const withSession = { ...proxy, cookie: `${cookieName}=${token}` };
  const url = (port, path) => `http://127.0.0.1:${port}${path}`;
  try {
    const rows = [];
    for (const framework of ['fastify', 'express']) {
      const [bare, tlsOnly, guarded] = await measureCases([
        { url: url(servers[`${framework}Bare`], '/bare'), headers: proxy },
        { url: url(servers[`${framework}Kanmon`], '/bare'), headers: proxy },
        { url: url(servers[`${framework}Kanmon`], '/me'), headers: withSession },
      ]);
      rows.push({ framework, bare, tlsOnly, guarded });
    }
    const lines = [
      `\n### HTTP: requireSession (ES256) vs a bare route — autocannon, ${CONNECTIONS} connections, median of ${ROUNDS} interleaved ${DURATION_S} s rounds per case, loopback${pinned ? ', load generator and servers pinned to separate cores' : ''}`,
      '',
      '| framework | bare route req/s | + kanmon TLS check req/s | + requireSession req/s | requireSession ÷ bare (req/s) | server CPU µs/req bare / guarded | requireSession ÷ bare (by CPU) | p99 ms bare / guarded |',
      '|---|---:|---:|---:|---:|---:|---:|---:|',
    ];
    const figures = {};
    for (const { framework, bare, tlsOnly, guarded } of rows) {
      const ratio = guarded.rps / bare.rps;
      // Requests one core can serve ∝ 1 / CPU per request: the capacity ratio, insensitive to other processes' load.
      const cpuRatio = bare.cpuUsPerRequest / guarded.cpuUsPerRequest;
      lines.push(
        `| ${framework} | ${Math.round(bare.rps).toLocaleString('en-US')} | ${Math.round(tlsOnly.rps).toLocaleString('en-US')} | ${Math.round(guarded.rps).toLocaleString('en-US')} | ${(ratio * 100).toFixed(1)}% | ${bare.cpuUsPerRequest.toFixed(0)} / ${guarded.cpuUsPerRequest.toFixed(0)} | ${(cpuRatio * 100).toFixed(1)}% | ${bare.p99Ms} / ${guarded.p99Ms} |`,
      );
      figures[`${framework}: requireSession ÷ bare by server CPU per request`] = `${(cpuRatio * 100).toFixed(1)}%`;
      figures[`${framework}: rounds req/s (bare; TLS check; requireSession)`] = `${bare.rounds.join(', ')}; ${tlsOnly.rounds.join(', ')}; ${guarded.rounds.join(', ')}`;
      figures[`${framework}: requireSession ÷ bare`] = `${(ratio * 100).toFixed(1)}%${framework === 'fastify' ? (ratio >= 0.5 ? ' (≥ 50%: holds)' : ' (< 50%: does NOT hold)') : ''}`;
    }
    process.stdout.write(lines.join('\n') + '\n');
    figure('HTTP adapters: requireSession ÷ bare route (acceptance: Fastify ≥ 50%)', figures);
  } finally {
    child.send('close');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}
