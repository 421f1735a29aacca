// The telemetry option: the application's @opentelemetry/api module as given, opt-in only, the client address as
// a prefix (configurable, or none), and no import of @opentelemetry/* anywhere in kanmon's own code.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as api from '@opentelemetry/api';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { memoryStore } from '../../src/index.js';
import { ipPrefix } from '../../src/telemetry/ip-prefix.js';
import { GOOD_PASSWORD } from '../login/support.js';
import { PullReader, collectPoints, telemetryWorld, valueAt } from './support.js';

describe('telemetry: { api } — the application’s own @opentelemetry/api and its global providers', () => {
  afterEach(() => {
    api.metrics.disable();
    api.trace.disable();
  });

  it('records through the global providers the application registered', async () => {
    const reader = new PullReader();
    const spans = new InMemorySpanExporter();
    api.metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
    api.trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }));
    // The module namespace itself type-checks as the option (no cast): kanmon's structural types fit the real API.
    const w = telemetryWorld(memoryStore(), {}, { api, meterProvider: undefined, tracerProvider: undefined });
    await w.addUser('tanaka');
    const r = await w.kanmon.login({ tenant: w.tenant, username: 'tanaka', password: GOOD_PASSWORD, clientIp: '10.1.2.3', tls: true });
    expect(r.status).toBe('authenticated');
    expect(valueAt(await collectPoints(reader), 'kanmon.login.attempts', { 'kanmon.outcome': 'success' })).toBe(1);
    expect(spans.getFinishedSpans().map((s) => s.name)).toEqual(['kanmon.login']);
    expect(spans.getFinishedSpans()[0]!.attributes['kanmon.client.prefix']).toBe('10.1.2.0/24');
  });

  it('without the option nothing is recorded, even with an SDK registered globally (opt-in, no side channel)', async () => {
    const reader = new PullReader();
    const spans = new InMemorySpanExporter();
    api.metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
    api.trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }));
    const w = telemetryWorld(memoryStore(), { lockout: { maxFailures: 1 } }, null);
    await w.addUser('tanaka');
    expect((await w.kanmon.login({ tenant: w.tenant, username: 'tanaka', password: GOOD_PASSWORD, clientIp: '10.1.2.3', tls: true })).status).toBe('authenticated');
    expect((await w.kanmon.login({ tenant: w.tenant, username: 'tanaka', password: 'wrong-one-1!', clientIp: '10.1.2.3', tls: true })).status).toBe('denied');
    const { resourceMetrics } = await reader.collect();
    expect(resourceMetrics.scopeMetrics).toEqual([]);
    expect(spans.getFinishedSpans()).toEqual([]);
  });
});

describe('the client address: a network prefix only', () => {
  it('IPv4 /24 and IPv6 /48 by default; other lengths; IPv4-mapped IPv6 as IPv4; junk → null', () => {
    expect(ipPrefix('203.0.113.77', { v4: 24, v6: 48 })).toBe('203.0.113.0/24');
    expect(ipPrefix('203.0.113.77', { v4: 16, v6: 48 })).toBe('203.0.0.0/16');
    expect(ipPrefix('203.0.113.77', { v4: 0, v6: 0 })).toBe('0.0.0.0/0');
    expect(ipPrefix('2001:db8:abcd:12:34::5', { v4: 24, v6: 48 })).toBe('2001:db8:abcd::/48');
    expect(ipPrefix('2001:db8:abcd:12:34::5', { v4: 24, v6: 56 })).toBe('2001:db8:abcd::/56');
    expect(ipPrefix('2001:db8:abcd:1234:34::5', { v4: 24, v6: 56 })).toBe('2001:db8:abcd:1200::/56');
    expect(ipPrefix('::ffff:198.51.100.9', { v4: 24, v6: 48 })).toBe('198.51.100.0/24');
    for (const junk of ['', 'sato', '999.1.1.1', null, 42, '10.0.0.1, 10.0.0.2']) expect(ipPrefix(junk, { v4: 24, v6: 48 })).toBeNull();
  });

  it('ipPrefix: false puts no address on the span; a bad length is a coded configuration error', async () => {
    const spans = new InMemorySpanExporter();
    const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
    const w = telemetryWorld(memoryStore(), {}, { tracerProvider, ipPrefix: false });
    await w.addUser('tanaka');
    await w.kanmon.login({ tenant: w.tenant, username: 'tanaka', password: GOOD_PASSWORD, clientIp: '10.1.2.3', tls: true });
    expect(Object.keys(spans.getFinishedSpans()[0]!.attributes).sort()).toEqual(['kanmon.outcome', 'kanmon.tenant']);
    for (const ipPrefix of [{ v4: 33, v6: 48 }, { v4: 24, v6: 129 }, { v4: 2.5, v6: 48 }, { v4: -1, v6: 48 }]) {
      expect(() => telemetryWorld(memoryStore(), {}, { ipPrefix })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    }
    expect(() => telemetryWorld(memoryStore(), {}, { meterProvider: undefined, tracerProvider: undefined })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });
});

describe('@opentelemetry/api is an optional peer: kanmon never imports it', () => {
  it('no file under src/ imports @opentelemetry/* (only the application hands its module in)', async () => {
    const files: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const e of await readdir(dir, { withFileTypes: true })) {
        if (e.isDirectory()) await walk(join(dir, e.name));
        else if (e.name.endsWith('.ts')) files.push(join(dir, e.name));
      }
    };
    await walk('src');
    expect(files.length).toBeGreaterThan(100);
    // Code lines only: JSDoc may show the application's own import.
    const code = (text: string) => text.split('\n').filter((line) => !/^\s*(\*|\/\/|\/\*)/.test(line)).join('\n');
    for (const f of files) expect(code(await readFile(f, 'utf8')), f).not.toMatch(/from ['"]@opentelemetry\/|import\(['"]@opentelemetry\/|require\(['"]@opentelemetry\//);
  });
});
