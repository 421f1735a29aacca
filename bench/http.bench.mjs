// HTTP adapters (issue 8): requests per second through `requireSession` with ES256
// sessions, against a bare route of the same framework, in the same autocannon run.
// Acceptance (issue 22): requireSession ÷ bare ≥ 50% on Express and ≥ 55% on Fastify, by req/s and by server CPU.
//
// The servers run in a child process (bench/support-http-server.mjs); autocannon
// drives them from this one, over loopback, one case after the other with the same
// connections and duration. The guarded route does everything a real request does:
// TLS check (X-Forwarded-Proto from a trusted proxy), cookie parsing, ES256 token
// verification (pre-imported keys + the bounded verified-token cache), and the two
// revocation reads from the store (epoch, logout mark), which are never cached.
//
// Issue 17: the same Fastify route over Redis with the per-account session index (entry lists) and without it
// (the store with its entry lists hidden): the index is written at login and touched on a token refresh, never
// read on a verify, so the two must be alike. Every measured run gets fresh tokens (a token older than
// refreshAfterMs would be re-signed on every request, as autocannon keeps sending the one it was given).
import { execFileSync, fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { figure } from './harness.mjs';
import { requireService, startRedis } from '../test/support/services.mjs';

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

const freshTokens = () =>
  new Promise((resolve) => {
    const onMessage = (message) => {
      if (message?.tokens === undefined) return;
      child.off('message', onMessage);
      resolve(message.tokens);
    };
    child.on('message', onMessage);
    child.send('tokens');
  });

/** A full collection in the server (started with --expose-gc) before a measured run: no case pays for another's garbage. */
const collect = () =>
  new Promise((resolve) => {
    const onMessage = (message) => {
      if (message?.collected === undefined) return;
      child.off('message', onMessage);
      resolve();
    };
    child.on('message', onMessage);
    child.send('gc');
  });

async function once(url, headersOf, duration) {
  const headers = headersOf(await freshTokens());
  await collect();
  const before = await serverCpuUs();
  const result = await cannon(url, headers, duration);
  const cpuUs = (await serverCpuUs()) - before;
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  return { rps: result.requests.average, p99Ms: result.latency.p99, cpuUsPerRequest: cpuUs / Math.max(1, result.requests.total) };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Interleaved rounds of every case (order alternating, as bench/harness.mjs does); the median req/s, p99 and CPU of each. */
async function measureCases(cases) {
  for (const { url, headers } of cases) await once(url, headers, 1); // warm-up: JIT, key import, verified-token cache
  const samples = cases.map(() => []);
  const order = [...cases.keys()];
  for (let round = 0; round < ROUNDS; round++) {
    for (const i of round % 2 === 0 ? order : [...order].reverse()) samples[i].push(await once(cases[i].url, cases[i].headers, DURATION_S));
  }
  return samples.map((s) => ({
    rps: median(s.map((x) => x.rps)),
    p99Ms: median(s.map((x) => x.p99Ms)),
    cpuUsPerRequest: median(s.map((x) => x.cpuUsPerRequest)),
    rounds: s.map((x) => Math.round(x.rps)),
    cpuRounds: s.map((x) => Math.round(x.cpuUsPerRequest)),
  }));
}

export default async function run() {
  const redis = requireService('redis') ? await startRedis() : null;
  child = fork(join(here, 'support-http-server.mjs'), {
    execArgv: ['--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, ...(redis ? { KANMON_BENCH_REDIS_URL: redis.url } : {}) },
  });
  const ready = await new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  const { servers, cookieName } = ready;
  // On a 2-core machine the scheduler otherwise moves the load generator and the servers between
  // cores, which swings req/s by ±30% run to run: give each its own core where taskset exists.
  const pinned = pin(child.pid, 1) && pin(process.pid, 0);
  const proxyHeaders = { 'x-forwarded-proto': 'https' };
  const proxy = () => proxyHeaders;
  const withSession = (t) => ({ ...proxyHeaders, cookie: `${cookieName}=${t.token}` });
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
    let redisRow = null;
    if (servers.fastifyRedisIndexed) {
      const [bare, plain, indexed] = await measureCases([
        { url: url(servers.fastifyBare, '/bare'), headers: proxy },
        { url: url(servers.fastifyRedisPlain, '/me'), headers: (t) => ({ ...proxyHeaders, cookie: `${cookieName}=${t.plainToken}` }) },
        { url: url(servers.fastifyRedisIndexed, '/me'), headers: (t) => ({ ...proxyHeaders, cookie: `${cookieName}=${t.indexedToken}` }) },
      ]);
      redisRow = { bare, plain, indexed };
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
      figures[`${framework}: rounds req/s (bare; TLS check; requireSession)`] = `${bare.rounds.join(', ')}; ${tlsOnly.rounds.join(', ')}; ${guarded.rounds.join(', ')}`;
      figures[`${framework}: rounds server CPU µs/req (bare; TLS check; requireSession)`] = `${bare.cpuRounds.join(', ')}; ${tlsOnly.cpuRounds.join(', ')}; ${guarded.cpuRounds.join(', ')}`;
      // Issue 22: Express ≥ 50% and Fastify ≥ 55%, by req/s and by server CPU.
      const target = framework === 'fastify' ? 0.55 : 0.5;
      const verdict = (r) => (r >= target ? ` (≥ ${Math.round(target * 100)}%: holds)` : ` (< ${Math.round(target * 100)}%: does NOT hold)`);
      figures[`${framework}: requireSession ÷ bare`] = `${(ratio * 100).toFixed(1)}%${verdict(ratio)}`;
      figures[`${framework}: requireSession ÷ bare by server CPU per request`] = `${(cpuRatio * 100).toFixed(1)}%${verdict(cpuRatio)}`;
    }
    if (redisRow) {
      const { bare, plain, indexed } = redisRow;
      lines.push(
        '',
        `### Fastify requireSession over Redis: with the session index (issue 17) vs without — same run, same settings`,
        '',
        '| case | req/s | server CPU µs/req | p99 ms | ÷ bare Fastify (req/s) |',
        '|---|---:|---:|---:|---:|',
        ...[
          ['bare Fastify route', bare],
          ['requireSession, Redis, no session index', plain],
          ['requireSession, Redis, with session index', indexed],
        ].map(([name, r]) => `| ${name} | ${Math.round(r.rps).toLocaleString('en-US')} | ${r.cpuUsPerRequest.toFixed(0)} | ${r.p99Ms} | ${((r.rps / bare.rps) * 100).toFixed(1)}% |`),
      );
      figures['fastify over Redis: with index ÷ without (req/s)'] = `${((indexed.rps / plain.rps) * 100).toFixed(1)}%`;
      figures['fastify over Redis: with index ÷ without (by server CPU per request)'] = `${((plain.cpuUsPerRequest / indexed.cpuUsPerRequest) * 100).toFixed(1)}%`;
      figures['fastify over Redis: rounds req/s (bare; no index; index)'] = `${bare.rounds.join(', ')}; ${plain.rounds.join(', ')}; ${indexed.rounds.join(', ')}`;
      figures['fastify over Redis with the index: requireSession ÷ bare'] = `${((indexed.rps / bare.rps) * 100).toFixed(1)}%`;
    } else {
      lines.push('', '(no redis-server: the Redis session-index cases were skipped)');
    }
    process.stdout.write(lines.join('\n') + '\n');
    figure('HTTP adapters: requireSession ÷ bare route (acceptance, issue 22: Express ≥ 50%, Fastify ≥ 55%, by req/s and by server CPU)', figures);
  } finally {
    child.send('close');
    await new Promise((resolve) => child.once('exit', resolve));
    await redis?.stop();
  }
}
