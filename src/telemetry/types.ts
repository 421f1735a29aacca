/**
 * The part of the OpenTelemetry API kanmon calls, as structural types: kanmon never imports
 * `@opentelemetry/api` (an optional peer), so its declarations compile without it. The module itself
 * (`import * as api from '@opentelemetry/api'`), a `MeterProvider` and a `TracerProvider` of the SDK all fit.
 */

/** Attribute values kanmon sets: codes and counts only. */
export type TelemetryAttributes = Record<string, string | number | boolean>;

/** What kanmon calls on a counter (`Counter` of `@opentelemetry/api`). */
export interface TelemetryCounter {
  /** Add `value` (≥ 0) to the counter, under these attributes. */
  add(value: number, attributes?: TelemetryAttributes): void;
}

/** What kanmon calls on a histogram (`Histogram` of `@opentelemetry/api`). */
export interface TelemetryHistogram {
  /** Record one measurement (a duration in seconds, say) in the histogram. */
  record(value: number, attributes?: TelemetryAttributes): void;
}

/** What an observable gauge's callback is given (`ObservableResult`). */
export interface TelemetryObservableResult {
  /** Report the gauge's current value. */
  observe(value: number, attributes?: TelemetryAttributes): void;
}

/** What kanmon calls on an observable gauge (`ObservableGauge`). */
export interface TelemetryObservableGauge {
  /** Register a callback the SDK calls at each collection to read the gauge. */
  addCallback(callback: (result: TelemetryObservableResult) => void): void;
}

/** The options kanmon gives an instrument: description, unit and (histograms) bucket advice. */
export interface TelemetryInstrumentOptions {
  description?: string;
  unit?: string;
  advice?: { explicitBucketBoundaries?: number[] };
}

/** What kanmon calls on a meter (`Meter`). */
export interface TelemetryMeter {
  /** Create a monotonic counter (`kanmon.login.attempts`, …). */
  createCounter(name: string, options?: TelemetryInstrumentOptions): TelemetryCounter;
  /** Create a histogram (`kanmon.password.hash.duration`, …). */
  createHistogram(name: string, options?: TelemetryInstrumentOptions): TelemetryHistogram;
  /** Create a gauge read at collection time (hasher queue depth, audit backlog). */
  createObservableGauge(name: string, options?: TelemetryInstrumentOptions): TelemetryObservableGauge;
}

/** What kanmon calls on a span (`Span`). */
export interface TelemetrySpan {
  /** Add a timed event (a step of the login) to the span. */
  addEvent(name: string, attributes?: TelemetryAttributes): unknown;
  /** Set one attribute of the span (codes and counts only). */
  setAttribute(key: string, value: string | number | boolean): unknown;
  /** `code` 2 is `SpanStatusCode.ERROR`. */
  setStatus(status: { code: number; message?: string }): unknown;
  /** End the span (its duration is measured until now). */
  end(): void;
}

/** What kanmon calls on a tracer (`Tracer`); the span's parent is the active context, as the API does by default. */
export interface TelemetryTracer {
  /** Start a span (one per login), a child of the active context. */
  startSpan(name: string, options?: { attributes?: TelemetryAttributes; kind?: number }): TelemetrySpan;
}

/** A source of meters: `api.metrics` or an SDK `MeterProvider`. */
export interface TelemetryMeterProvider {
  /** The meter of an instrumentation scope (kanmon asks for `kanmon`). */
  getMeter(name: string, version?: string): TelemetryMeter;
}

/** A source of tracers: `api.trace` or an SDK `TracerProvider`. */
export interface TelemetryTracerProvider {
  /** The tracer of an instrumentation scope (kanmon asks for `kanmon`). */
  getTracer(name: string, version?: string): TelemetryTracer;
}

/**
 * `createKanmon({ telemetry })`: OpenTelemetry metrics and a span per login, through the application's own
 * `@opentelemetry/api`. Without this option kanmon records nothing and loads nothing.
 *
 * No attribute carries a login name, a password, a one-time code, a token or a full IP address: reason codes,
 * store and operation names, and the client's network prefix only.
 */
export interface KanmonTelemetryOptions {
  /**
   * The application's `@opentelemetry/api` module (`import * as api from '@opentelemetry/api'`): meters and
   * tracers come from its global providers (whatever SDK the application registered; none = the API's no-op).
   */
  readonly api?: { readonly metrics: TelemetryMeterProvider; readonly trace: TelemetryTracerProvider };
  /** A meter provider to use instead of `api.metrics`. */
  readonly meterProvider?: TelemetryMeterProvider;
  /** A tracer provider to use instead of `api.trace`. */
  readonly tracerProvider?: TelemetryTracerProvider;
  /**
   * The client address on a login span, as a network prefix only (`kanmon.client.prefix`, e.g. `198.51.100.0/24`);
   * `false`: no address at all. IPv4 0–32, IPv6 0–128.
   * @default { v4: 24, v6: 48 }
   */
  readonly ipPrefix?: { readonly v4: number; readonly v6: number } | false;
}
