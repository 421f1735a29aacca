// Audit log: append with the HMAC chain (memory), durable file appends with 64
// concurrent appenders, verifying 1,000,000 records from files, and the
// PostgreSQL sink. Issue 7 targets: ≥ 150,000 appends/s in memory, ≥ 50,000/s
// durable file appends, 1M verified ≤ 5 s.
import { createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, openSync, writeSync, closeSync, fdatasyncSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compare, figure, measure } from './harness.mjs';
import { createAuditLog, createKeyRing, defineAuditEvents, fileAuditSink, memoryAuditSink, verifyAuditLog } from '../dist/index.js';
import { z } from 'zod';
import { startBenchPostgres } from './support-postgres.mjs';

const keyRing = createKeyRing({ keys: [{ id: 'bench', secret: Buffer.alloc(32, 5) }], current: 'bench' });
const event = {
  type: 'auth.login.failure',
  actor: 'tanaka.taro',
  source: { ip: '10.20.30.40', userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36' },
  reason: 'invalid_password',
};

/** The generic path the issue measured against: build an object, canonical JSON (sorted keys), HMAC. */
function canonicalJson(value) {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return '[' + value.map(canonicalJson).join(',') + ']';
  return '{' + Object.keys(value).sort().map((k) => JSON.stringify(k) + ':' + canonicalJson(value[k])).join(',') + '}';
}

export default async function () {
  // --- 1. in-memory append with the chain, next to its floor and a generic path
  const key = keyRing.derive('bench', 'audit-mac');
  let prev = Buffer.alloc(32);
  const sample = memoryAuditSink();
  await createAuditLog({ sink: sample, keyRing, stream: 'sample', now: () => 1_775_000_000_123 }).append(event);
  const line = sample.streams.get('sample').lines[0];
  const sink = memoryAuditSink();
  let t = 1_775_000_000_000;
  const log = createAuditLog({ sink, keyRing, stream: 'bench', now: () => t++ });
  await log.open();
  const held = () => sink.streams.get('bench');
  let n = 0;
  let seq = 0;
  const genericLines = [];
  const appendCases = {
    'HMAC-SHA-256 only (floor)': () => {
      prev = createHmac('sha256', key).update(prev).update(line).digest();
    },
    'generic: object + canonical JSON + HMAC': () => {
      const record = { v: 1, stream: 'bench', seq: ++seq, kid: 'bench', type: event.type, id: crypto.randomUUID(), tenant: 'default',
        time: new Date(t).toISOString(), ts: t++, outcome: 'failure', actor: event.actor, target: null,
        source: { ip: event.source.ip, userAgent: event.source.userAgent }, reason: event.reason, outOfHours: false,
        clauses: ['EXT-6', 'SEC-18'], before: null, after: null };
      const canonical = canonicalJson(record);
      prev = createHmac('sha256', key).update(prev).update(canonical).digest();
      genericLines.push(canonical);
      if (genericLines.length > 100_000) genericLines.length = 0;
    },
    'kanmon append (memory sink, awaited)': async () => {
      await log.append(event);
      if (++n % 100_000 === 0) {
        held().lines.length = 0;
        held().ts.length = 0;
      }
    },
  };
  // Warm-up, every case alike, before the slices: the interleaved slices warm up 50 ms each, so without it the
  // first slice of each case also paid for the JIT and for growing the young generation from its initial size.
  for (const fn of Object.values(appendCases)) await measure(fn, { timeMs: 400, warmupMs: 0 });
  await compare(
    'audit append, in memory, with the HMAC chain (one record ≈ ' + Buffer.byteLength(line) + ' bytes)',
    appendCases,
    { timeMs: 4000, rounds: 8, baseline: 'HMAC-SHA-256 only (floor)', note: 'target ≥ 170,000 appends/s (issue 22); the floor is one createHmac per record' },
  );

  // --- 1b. issue 19: an application event (app.*, its data checked by a zod schema) against built-in events
  {
    const events = defineAuditEvents({ 'app.record.viewed': z.object({ recordId: z.string().max(64), screen: z.string().max(64) }) });
    const appSink = memoryAuditSink();
    let ta = 1_775_000_000_000;
    const appLog = createAuditLog({ sink: appSink, keyRing, stream: 'app', now: () => ta++, events });
    await appLog.open();
    const fields = { recordId: 'R-0001234', screen: 'juminhyo' };
    const builtIn = { ...event, type: 'auth.login.failure' };
    const builtInAfter = { type: 'admin.account.lock', actor: event.actor, source: event.source, target: 'R-0001234', after: fields };
    const appEvent = { type: 'app.record.viewed', actor: event.actor, source: event.source, target: 'R-0001234', data: fields };
    const dataAccess = { type: 'data.access', actor: event.actor, source: event.source, target: 'R-0001234', data: { recordIds: ['R-0001234'], purpose: 'counter_service' } };
    let m = 0;
    const trim = () => {
      if (++m % 100_000 === 0) {
        const held = appSink.streams.get('app');
        held.lines.length = 0;
        held.ts.length = 0;
      }
    };
    await compare(
      'audit append, in memory: application events (issue 19) vs built-in events, one chain',
      {
        'built-in auth.login.failure': async () => {
          await appLog.append(builtIn);
          trim();
        },
        'built-in admin.account.lock with the same after': async () => {
          await appLog.append(builtInAfter);
          trim();
        },
        'app.record.viewed (schema-checked data)': async () => {
          await appLog.append(appEvent);
          trim();
        },
        'data.access (built-in schema)': async () => {
          await appLog.append(dataAccess);
          trim();
        },
      },
      { timeMs: 4000, rounds: 8, baseline: 'built-in admin.account.lock with the same after', note: 'acceptance: application events within ±10% of built-in events of the same size' },
    );
  }

  // --- 2. durable file appends, 64 concurrent appenders
  const dir = mkdtempSync(join(tmpdir(), 'kanmon-bench-audit-'));
  try {
    const fileLog = createAuditLog({ sink: fileAuditSink({ dir: join(dir, 'grouped') }), keyRing, stream: 'bench', now: () => Date.now() });
    await fileLog.open();
    mkdirSync(join(dir, 'naive'));
    const naive = await open(join(dir, 'naive', 'log.jsonl'), 'a');
    let naiveChain = Promise.resolve();
    await compare(
      'audit append, file sink, durable (fdatasync before ack), 64 concurrent appenders',
      {
        'kanmon fileAuditSink (group commit)': () => fileLog.append(event),
        'naive: write + fdatasync per record': () =>
          (naiveChain = naiveChain.then(async () => {
            await naive.write(line + '\n');
            await naive.datasync();
          })),
      },
      { concurrency: 64, timeMs: 3000, note: 'target ≥ 50,000 appends/s; each append resolves only after its batch was fdatasync-ed' },
    );
    await naive.close();
    await fileLog.close();

    // --- 3. verify 1,000,000 records from files
    const total = 1_000_000;
    const genSink = memoryAuditSink();
    let g = Date.UTC(2026, 3, 1);
    const gen = createAuditLog({ sink: genSink, keyRing, stream: 'big', now: () => (g += 50) });
    const streamDir = join(dir, 'big', 'big');
    mkdirSync(streamDir, { recursive: true });
    // one day file as the file sink writes it, generated 10,000 records at a time (the heap stays small)
    const fd = openSync(join(streamDir, '2026-04-01.jsonl'), 'w');
    const held = genSink.streams;
    for (let i = 0; i < total; i++) {
      await gen.append(event);
      const s = held.get('big');
      if (s.lines.length === 10_000 || i === total - 1) {
        writeSync(fd, s.lines.join('\n') + '\n');
        s.lines.length = 0;
        s.ts.length = 0;
      }
    }
    fdatasyncSync(fd);
    closeSync(fd);
    const started = performance.now();
    const result = await verifyAuditLog(join(dir, 'big'), keyRing);
    const ms = performance.now() - started;
    figure('verify 1,000,000 records from a file (target ≤ 5 s)', {
      ok: String(result.ok),
      records: result.count.toLocaleString('en-US'),
      'time (s)': (ms / 1000).toFixed(2),
      'records/s': Math.round(result.count / (ms / 1000)).toLocaleString('en-US'),
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  // --- 4. PostgreSQL sink
  const server = await startBenchPostgres();
  if (!server) {
    figure('PostgreSQL sink', { skipped: 'PostgreSQL not installed (Debian package postgresql)' });
    return;
  }
  try {
    const { default: pg } = await import('pg');
    const { postgresAuditSink } = await import('../dist/postgres/index.js');
    const pool = new pg.Pool({ connectionString: server.connectionString, max: 8 });
    pool.on('error', () => {}); // idle clients see the server stop at the end
    const pgSink = postgresAuditSink({ pool });
    await pgSink.migrate();
    const pgLog = createAuditLog({ sink: pgSink, keyRing, stream: 'bench', now: () => Date.now() });
    await pgLog.open();
    let one = 0;
    await compare(
      'audit append, PostgreSQL sink (synchronous_commit on), 64 concurrent appenders',
      {
        'kanmon postgresAuditSink (group commit, unnest INSERT)': () => pgLog.append(event),
        'naive: one INSERT per record': () =>
          pool.query('INSERT INTO kanmon_audit (stream, seq, ts, tenant, type, actor, out_of_hours, line) VALUES ($1, $2, now(), $3, $4, $5, false, $6)', [
            'naive', ++one, 'default', event.type, event.actor, line,
          ]),
      },
      { concurrency: 64, timeMs: 3000, note: 'the server runs with fsync and synchronous_commit on: each ack is a committed transaction' },
    );
    await pgLog.close();
    await pool.end();
  } finally {
    await server.stop();
  }
}
