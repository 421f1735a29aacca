// OpenTelemetry (issue 21 point 2): login() with the OpenTelemetry API present and an SDK installed
// (MeterProvider with a periodic exporting reader, BasicTracerProvider with a batch span processor, both
// registered as the API's globals and handed to kanmon as `telemetry: { api }`) vs the same login without the
// option. Acceptance: overhead ≤ 3 % of a login. Same process, interleaved slices, ratio in one run.
// Note: kanmon's per-login scope is a node:async_hooks AsyncLocalStorage, whose promise hook, once on, is on for
// the whole process: the case without the option runs with it on too (as it does in any app whose OpenTelemetry
// SDK registered the usual AsyncLocalStorage context manager).
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import * as api from '@opentelemetry/api';
import { InMemoryMetricExporter, AggregationTemporality, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor, InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { createAuditLog, createKanmon, createKeyRing, createPasswordHasher, definePolicy, memoryAccounts, memoryAuditSink, memoryStore, newAccount } from '../dist/index.js';
import { compare, figure } from './harness.mjs';

const password = 'Kq7#vRt2!mZp';
const tenant = 'funabashi';

async function world(telemetry, hashing = undefined) {
  // funabashi: Argon2id m=19456 KiB, t=2, p=1 (OWASP's floor), as in bench/login.bench.mjs; `hashing` for the cheap-hash run.
  const policy = definePolicy('funabashi', { mfa: { internalNetworks: ['10.0.0.0/8'] }, ...(hashing ? { hashing } : {}) });
  const keyRing = createKeyRing({ keys: [{ id: 'k1', secret: randomBytes(32) }], current: 'k1' });
  const now = () => Date.UTC(2026, 3, 7, 1, 0, 0) + Math.floor(performance.now());
  const hasher = createPasswordHasher({ policy, keyRing });
  const accounts = memoryAccounts();
  await accounts.create(newAccount({ id: 'u-1', tenant, username: 'sato', passwordHash: await hasher.hash(password), passwordChangedAt: now() }));
  const audit = createAuditLog({ sink: memoryAuditSink(), keyRing, stream: 'bench', now });
  return createKanmon({ policy, store: memoryStore({ now }), accounts, hasher, keyRing, audit, now, ...(telemetry ? { telemetry } : {}) });
}

function sdk() {
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const meterProvider = new MeterProvider({ readers: [new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 1000 })] });
  const spanExporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(spanExporter, { scheduledDelayMillis: 500 })] });
  api.metrics.setGlobalMeterProvider(meterProvider);
  api.trace.setGlobalTracerProvider(tracerProvider);
  // The exporters keep what they were given: forget it now and then, as a real exporter would after sending.
  let exported = 0;
  const timer = setInterval(() => {
    exported += spanExporter.getFinishedSpans().length;
    spanExporter.reset();
    metricExporter.reset();
  }, 2000);
  timer.unref();
  return {
    spans: () => exported + spanExporter.getFinishedSpans().length,
    async shutdown() {
      clearInterval(timer);
      await Promise.all([meterProvider.shutdown(), tracerProvider.shutdown()]);
    },
  };
}

export default async function run() {
  const installed = sdk();
  const plain = await world(undefined);
  const instrumented = await world({ api });
  let n = 0;
  const loginOn = (kanmon) => async () => {
    n++;
    const clientIp = `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
    const r = await kanmon.login({ tenant, username: 'sato', password, clientIp, tls: true, userAgent: 'bench' });
    if (r.status !== 'authenticated') throw new Error(`bench login: ${JSON.stringify(r)}`);
  };
  const cases = { 'login(), no telemetry option': loginOn(plain), 'login(), telemetry: { api } + SDK (metrics + spans)': loginOn(instrumented) };
  const rows = await compare('login() with OpenTelemetry (API + SDK installed) vs without (overhead ≤ 3% of a login)', cases, {
    timeMs: 8000,
    rounds: 8,
    note: 'Same policy (Argon2id m=19456 KiB t=2 p=1), same account, memory store and sink. With: 7 metric instruments, 2 observable gauges, a span per login with its audit steps as events, exported by the SDK in the background.',
  });
  const wallRatio = rows['login(), telemetry: { api } + SDK (metrics + spans)'].ops / rows['login(), no telemetry option'].ops;

  // CPU time in alternating rounds: steadier than wall clock on a shared machine.
  const totals = { plain: { cpu: 0, n: 0 }, otel: { cpu: 0, n: 0 } };
  for (let round = 0; round < 20; round++) {
    for (const [name, fn] of round % 2 === 0 ? [['plain', cases['login(), no telemetry option']], ['otel', cases['login(), telemetry: { api } + SDK (metrics + spans)']]] : [['otel', cases['login(), telemetry: { api } + SDK (metrics + spans)']], ['plain', cases['login(), no telemetry option']]]) {
      const cpu0 = process.cpuUsage();
      for (let i = 0; i < 10; i++) await fn();
      const cpu = process.cpuUsage(cpu0);
      totals[name].cpu += cpu.user + cpu.system;
      totals[name].n += 10;
    }
  }
  const per = (t) => t.cpu / t.n / 1000;
  figure('OpenTelemetry overhead on a login (acceptance: ≤ 3% of a login)', {
    'login() without telemetry, CPU ms/op': per(totals.plain).toFixed(2),
    'login() with API + SDK, CPU ms/op': per(totals.otel).toFixed(2),
    'overhead, share of a login (CPU, alternating rounds)': `${((1 - per(totals.plain) / per(totals.otel)) * 100).toFixed(1)}%`,
    'overhead, share of a login (wall clock, interleaved slices above)': `${((1 - wallRatio) * 100).toFixed(1)}%`,
    'login spans exported by the SDK during the run (it really records)': String(installed.spans()),
  });

  // The same pair with a 1 MiB, 1-pass Argon2id: the hash no longer hides the flow, so the telemetry's own cost per
  // login (µs) stands out of the noise of a shared machine; as a share of the real login measured above.
  const cheap = { argon2: { memoryKiB: 1024, iterations: 1, parallelism: 1 } };
  const cheapCases = { 'login(), cheap hash, no telemetry': loginOn(await world(undefined, cheap)), 'login(), cheap hash, telemetry: { api } + SDK': loginOn(await world({ api }, cheap)) };
  const cheapRows = await compare('login() with a cheap hash (1 MiB, t=1): the telemetry’s own cost per login', cheapCases, { timeMs: 6000, rounds: 8 });
  const perLoginUs = cheapRows['login(), cheap hash, telemetry: { api } + SDK'].meanUs - cheapRows['login(), cheap hash, no telemetry'].meanUs;
  figure('OpenTelemetry cost per login, as a share of a real login (acceptance: ≤ 3%)', {
    'telemetry cost per login (µs, cheap-hash pair, median slices)': perLoginUs.toFixed(1),
    'real login without telemetry (µs, first table)': rows['login(), no telemetry option'].meanUs.toFixed(0),
    'share of a real login': `${((100 * perLoginUs) / rows['login(), no telemetry option'].meanUs).toFixed(2)}%`,
  });
  await installed.shutdown();
}
