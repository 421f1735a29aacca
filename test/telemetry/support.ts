// A whole kanmon with OpenTelemetry's SDK in memory: a MeterProvider read by collect(), a BasicTracerProvider
// exporting to an InMemorySpanExporter. The SDK is real; nothing of it is stubbed.
import { randomBytes } from 'node:crypto';
import { AggregationTemporality, type DataPoint, type Histogram, MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import {
  type KanmonStore,
  type KanmonTelemetryOptions,
  type PolicyOverrides,
  createAuditLog,
  createKanmon,
  createKeyRing,
  createPasswordHasher,
  memoryAccounts,
  memoryAuditSink,
  newAccount,
} from '../../src/index.js';
import { BUSINESS_DAY_10_JST, GOOD_PASSWORD, testPolicy } from '../login/support.js';

/** A metric reader the test pulls from (`collect()`), cumulative. */
export class PullReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

export interface Point {
  readonly attributes: Record<string, unknown>;
  readonly value: number;
  /** Histograms: the number of recordings. */
  readonly count?: number;
}

/** Every data point of every instrument, by instrument name. */
export async function collectPoints(reader: MetricReader): Promise<Map<string, Point[]>> {
  const { resourceMetrics, errors } = await reader.collect();
  if (errors.length > 0) throw new AggregateError(errors, 'metric collection failed');
  return pointsOf(resourceMetrics);
}

function pointsOf(resourceMetrics: ResourceMetrics): Map<string, Point[]> {
  const out = new Map<string, Point[]>();
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      const points = (metric.dataPoints as DataPoint<number | Histogram>[]).map((p) =>
        typeof p.value === 'number' ? { attributes: { ...p.attributes }, value: p.value } : { attributes: { ...p.attributes }, value: p.value.sum ?? 0, count: p.value.count },
      );
      out.set(metric.descriptor.name, [...(out.get(metric.descriptor.name) ?? []), ...points]);
    }
  }
  return out;
}

/** The value of the one point whose attributes are exactly `attributes` (0 when there is none). */
export function valueAt(points: Map<string, Point[]>, name: string, attributes: Record<string, unknown>): number {
  const match = (points.get(name) ?? []).filter((p) => JSON.stringify(sorted(p.attributes)) === JSON.stringify(sorted(attributes)));
  if (match.length > 1) throw new Error(`${name}: ${match.length} points for ${JSON.stringify(attributes)}`);
  return match[0] ? (match[0].count ?? match[0].value) : 0;
}

const sorted = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));

export interface TelemetryWorld {
  readonly kanmon: ReturnType<typeof createKanmon>;
  readonly tenant: string;
  readonly reader: PullReader;
  readonly spans: InMemorySpanExporter;
  readonly clock: { now: () => number; advance(ms: number): void };
  /** Audit records appended so far. */
  auditCount(): number;
  addUser(username: string, password?: string): Promise<void>;
}

/** A kanmon over `store` with the SDK in memory; `telemetry` options beyond the providers may be given (`null`: no telemetry option). */
export function telemetryWorld(store: KanmonStore, overrides: PolicyOverrides = {}, extra: Partial<KanmonTelemetryOptions> | null = {}, dependencyTimeoutMs = 5000): TelemetryWorld {
  let t = BUSINESS_DAY_10_JST;
  const clock = { now: () => t, advance: (ms: number) => void (t += ms) };
  const reader = new PullReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const policy = testPolicy(overrides);
  const keyRing = createKeyRing({ keys: [{ id: 'k1', secret: randomBytes(32) }], current: 'k1' });
  const sink = memoryAuditSink();
  const audit = createAuditLog({ sink, keyRing, stream: 'auth', now: clock.now });
  const accounts = memoryAccounts();
  const tenant = `city-${randomBytes(5).toString('hex')}`;
  const kanmon = createKanmon({ policy, store, accounts, keyRing, audit, now: clock.now, dependencyTimeoutMs, ...(extra === null ? {} : { telemetry: { meterProvider, tracerProvider, ...extra } }) });
  let n = 0;
  return {
    kanmon,
    tenant,
    reader,
    spans,
    clock,
    auditCount: () => sink.streams.get('auth')?.lines.length ?? 0,
    async addUser(username, password = GOOD_PASSWORD) {
      const passwordHash = await createPasswordHasher({ policy, keyRing }).hash(password);
      await accounts.create(newAccount({ id: `u-${++n}`, tenant, username, passwordHash, passwordChangedAt: clock.now() }));
    },
  };
}
