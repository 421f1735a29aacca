/**
 * kanmon's OpenTelemetry instruments (ARCHITECTURE: telemetry/), made once by `createKanmon` from
 * `KanmonOptions.telemetry`, and the small hooks it puts around its edges: the raw store (durations,
 * failures), the guard (time-outs), the audit append (durations, backlog, and the decisions it carries:
 * login reasons, locks, MFA checks), the hasher's gate (KDF durations, queue depth) and the login methods
 * (a span each, attempts by outcome). Without the option every hook returns what it was given.
 *
 * Attributes carry codes only (outcome, reason, store, operation, factor, algorithm, error type) and, on a
 * span, the tenant id and the client's network prefix: never a login name, a password, a code, a token or a
 * full address (test/telemetry/no-secrets.test.ts).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { KanmonError } from '../errors.js';
import type { AuditEventInput } from '../audit/event.js';
import type { LockoutEvent } from '../lockout/types.js';
import type { PasswordHasher } from '../password/hash/create-hasher.js';
import { hasherGates } from '../password/hash/internal/gate.js';
import { isInProcessStore } from '../store/in-process.js';
import type { KanmonStore } from '../store/store.js';
import type { LoginInput, VerifyMfaInput } from '../login/inputs.js';
import { ipPrefix } from './ip-prefix.js';
import type { KanmonTelemetryOptions, TelemetryAttributes, TelemetryCounter, TelemetryHistogram, TelemetrySpan, TelemetryTracer } from './types.js';

/** The instrumentation scope: this package. */
export const TELEMETRY_SCOPE = 'kanmon';

/** Duration buckets (s): from a memory-store call (sub-ms) to a Argon2id hash under load and a slow store (5 s). */
const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5];

const STORE_METHODS = ['update', 'read', 'advanceIfGreater', 'consumeOnce', 'increment', 'readCounter', 'delete', 'purgeTenant', 'addEntry', 'listEntries', 'removeEntry', 'touchEntry'] as const;

/** A reason or type as an attribute: a short code, else nothing (never free text). */
const code = (value: unknown): string | null => (typeof value === 'string' && /^[a-z0-9_.-]{1,64}$/i.test(value) ? value : null);

/** The type of an error as an attribute: a KanmonError code, a driver's `code` (`ECONNREFUSED`), else its class name. */
function errorType(err: unknown): string {
  if (err instanceof KanmonError) return err.code;
  const c = (err as { code?: unknown } | null)?.code;
  if (typeof c === 'string' && /^[A-Z0-9_]{1,40}$/.test(c)) return c;
  const name = err instanceof Error ? err.name : 'unknown';
  return /^[A-Za-z0-9_]{1,40}$/.test(name) ? name : 'Error';
}

type LoginMethods = {
  login(input: LoginInput): Promise<{ status: string; reason?: string }>;
  verifyMfa(input: VerifyMfaInput): Promise<{ status: string; reason?: string }>;
};

/** What one login (or MFA step) in flight knows: its span and the reason its audit events gave. */
interface Scope {
  readonly span: TelemetrySpan | null;
  reason: string | null;
}

/** The hooks `createKanmon` puts at its edges. Each returns its argument unchanged when telemetry is off. */
export interface Telemetry {
  readonly enabled: boolean;
  /** The state store, timed and its failures counted (an in-process store is returned as it is: its calls settle within the call). */
  store(store: KanmonStore): KanmonStore;
  /** The guard's time-outs (`createDependencyGuard`'s observer): counted as store errors `error.type: timeout`. */
  readonly onTimeout: ((what: string) => void) | undefined;
  /** The audit append: timed, its backlog observed, and the decisions it carries counted and put on the span. */
  audit<R>(append: (event: AuditEventInput) => Promise<R>): (event: AuditEventInput) => Promise<R>;
  /** The hasher's gate: KDF durations and queue depth (a hasher not made by `createPasswordHasher` is not observed). */
  hasher(hasher: PasswordHasher): void;
  /** The lockout's events, its locks counted by factor and scope (the login name's counter or the account's). */
  lockout(onEvent: (event: LockoutEvent) => Promise<void>): (event: LockoutEvent) => Promise<void>;
  /** `login` and `verifyMfa` with a span each; `login` counted by outcome and reason. */
  flows<M extends LoginMethods>(methods: M): M;
}

const OFF: Telemetry = Object.freeze({
  enabled: false,
  store: (store: KanmonStore) => store,
  onTimeout: undefined,
  audit: <R>(append: (event: AuditEventInput) => Promise<R>) => append,
  hasher: () => undefined,
  lockout: (onEvent: (event: LockoutEvent) => Promise<void>) => onEvent,
  flows: <M extends LoginMethods>(methods: M) => methods,
});

/** The parts of a guard's `what` (`redis store update`, `accounts.find`, `audit append`). */
function whatParts(what: string): TelemetryAttributes {
  const store = /^(\S+) store(?: (\S+))?$/.exec(what);
  if (store) return { 'kanmon.store': store[1]!, 'kanmon.operation': store[2] ?? 'transition' };
  const dotted = /^(\w+)[. ](\w+)$/.exec(what);
  return dotted ? { 'kanmon.store': dotted[1]!, 'kanmon.operation': dotted[2]! } : { 'kanmon.store': 'unknown', 'kanmon.operation': 'unknown' };
}

/** The instruments of `options`, or hooks that do nothing when there are none. */
export function createTelemetry(options: KanmonTelemetryOptions | undefined): Telemetry {
  if (options === undefined || options === null) return OFF;
  const meterProvider = options.meterProvider ?? options.api?.metrics;
  const tracerProvider = options.tracerProvider ?? options.api?.trace;
  if (!meterProvider && !tracerProvider) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', "telemetry: pass { api } (your @opentelemetry/api module), or a meterProvider and/or a tracerProvider");
  }
  const prefix = options.ipPrefix ?? { v4: 24, v6: 48 };
  if (prefix !== false && (!Number.isInteger(prefix.v4) || prefix.v4 < 0 || prefix.v4 > 32 || !Number.isInteger(prefix.v6) || prefix.v6 < 0 || prefix.v6 > 128)) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', 'telemetry.ipPrefix: v4 must be an integer 0–32 and v6 0–128, or false');
  }
  const meter = meterProvider?.getMeter(TELEMETRY_SCOPE);
  const tracer: TelemetryTracer | undefined = tracerProvider?.getTracer(TELEMETRY_SCOPE);
  const none: TelemetryCounter & TelemetryHistogram = { add: () => undefined, record: () => undefined };
  const counter = (name: string, unit: string, description: string): TelemetryCounter => meter?.createCounter(name, { unit, description }) ?? none;
  const histogram = (name: string, description: string): TelemetryHistogram =>
    meter?.createHistogram(name, { unit: 's', description, advice: { explicitBucketBoundaries: DURATION_BUCKETS } }) ?? none;

  const attempts = counter('kanmon.login.attempts', '{attempt}', 'Logins answered, by outcome and reason');
  const locks = counter('kanmon.lockout.locks', '{lock}', 'Locks set by the lockout, by factor');
  const mfaChecks = counter('kanmon.mfa.verifications', '{verification}', 'Second-factor codes checked, by outcome and reason');
  const storeErrors = counter('kanmon.store.errors', '{error}', 'Dependency calls that failed or did not answer in time');
  const hashDuration = histogram('kanmon.password.hash.duration', 'Time of one password hash or verification in the KDF (queue wait excluded)');
  const storeDuration = histogram('kanmon.store.duration', 'Time of one state-store call');
  const auditDuration = histogram('kanmon.audit.append.duration', 'Time until the audit sink holds an appended record');

  let backlog = 0;
  const hashers: PasswordHasher[] = [];
  if (meter) {
    meter.createObservableGauge('kanmon.audit.backlog', { unit: '{record}', description: 'Audit appends waiting for the sink' }).addCallback((result) => result.observe(backlog));
    meter.createObservableGauge('kanmon.password.hash.queue.depth', { unit: '{hash}', description: 'Hashes waiting for a slot of the hasher' }).addCallback((result) => {
      for (const h of hashers) result.observe(hasherGates.get(h)?.queued ?? 0);
    });
  }

  // The login in flight, for its span events and its audited reason (Node's AsyncLocalStorage: kanmon does not
  // depend on the application's OpenTelemetry context manager for its own bookkeeping).
  const scopes = new AsyncLocalStorage<Scope>();

  const store = (inner: KanmonStore): KanmonStore => {
    if (!meter || isInProcessStore(inner)) return inner;
    const out: Record<string, unknown> = { name: inner.name, close: () => inner.close() };
    for (const method of STORE_METHODS) {
      if (typeof inner[method] !== 'function') continue;
      const fn = (inner[method] as (...args: unknown[]) => Promise<unknown>).bind(inner);
      const ok = { 'kanmon.store': inner.name, 'kanmon.operation': method, 'kanmon.outcome': 'ok' };
      const failed = { ...ok, 'kanmon.outcome': 'error' };
      out[method] = (...args: unknown[]) => {
        const started = performance.now();
        const fail = (err: unknown) => {
          storeDuration.record((performance.now() - started) / 1000, failed);
          storeErrors.add(1, { 'kanmon.store': inner.name, 'kanmon.operation': method, 'error.type': errorType(err) });
          throw err;
        };
        let promise: Promise<unknown>;
        try {
          promise = fn(...args);
        } catch (err) {
          return fail(err);
        }
        return promise.then((value) => {
          storeDuration.record((performance.now() - started) / 1000, ok);
          return value;
        }, fail);
      };
    }
    return Object.freeze(out) as unknown as KanmonStore;
  };

  const observeAudit = (event: AuditEventInput): void => {
    const reason = code(event.reason);
    const scope = scopes.getStore();
    if (scope?.span) scope.span.addEvent(event.type, reason === null ? {} : { 'kanmon.reason': reason });
    switch (event.type) {
      case 'auth.login.failure':
        if (scope && reason !== null) scope.reason = reason;
        break;
      case 'auth.mfa.success':
        mfaChecks.add(1, { 'kanmon.outcome': 'success', 'kanmon.mfa.method': reason ?? 'unknown' });
        break;
      case 'auth.mfa.failure':
      case 'auth.mfa.replayed':
        mfaChecks.add(1, { 'kanmon.outcome': 'failure', 'kanmon.reason': event.type === 'auth.mfa.replayed' ? 'replayed' : (reason ?? 'unknown') });
        break;
    }
  };

  const audit = <R>(append: (event: AuditEventInput) => Promise<R>) => {
    const ok = { 'kanmon.outcome': 'ok' };
    const failed = { 'kanmon.outcome': 'error' };
    return async (event: AuditEventInput): Promise<R> => {
      observeAudit(event);
      const started = performance.now();
      backlog++;
      try {
        const receipt = await append(event);
        auditDuration.record((performance.now() - started) / 1000, ok);
        return receipt;
      } catch (err) {
        auditDuration.record((performance.now() - started) / 1000, failed);
        throw err;
      } finally {
        backlog--;
      }
    };
  };

  const hasher = (h: PasswordHasher): void => {
    const gate = hasherGates.get(h);
    if (!gate || !meter) return;
    hashers.push(h);
    const byAlgorithm = new Map<string, TelemetryAttributes>();
    gate.observer = (seconds, algorithm) => {
      let attributes = byAlgorithm.get(algorithm);
      if (!attributes) byAlgorithm.set(algorithm, (attributes = { 'kanmon.hash.algorithm': algorithm }));
      hashDuration.record(seconds, attributes);
    };
  };

  const lockout = (onEvent: (event: LockoutEvent) => Promise<void>) => (event: LockoutEvent) => {
    if (event.type === 'lockout.locked') locks.add(1, { 'kanmon.factor': event.factor, 'kanmon.lockout.scope': event.accountId === undefined ? 'name' : 'account' });
    return onEvent(event);
  };

  const onTimeout = meter ? (what: string) => storeErrors.add(1, { ...whatParts(what), 'error.type': 'timeout' }) : undefined;

  /** A login (or MFA step) under its span and scope, answered and counted by its result. */
  function traced<I, R extends { status: string; reason?: string }>(name: string, run: (input: I) => Promise<R>, count: boolean) {
    return async (input: I): Promise<R> => {
      const facts = input as Partial<LoginInput> | undefined;
      let span: TelemetrySpan | null = null;
      if (tracer) {
        const attributes: TelemetryAttributes = {};
        if (typeof facts?.tenant === 'string' && /^[a-z0-9_-]{1,64}$/i.test(facts.tenant)) attributes['kanmon.tenant'] = facts.tenant;
        const network = prefix === false ? null : ipPrefix(facts?.clientIp, prefix);
        if (network !== null) attributes['kanmon.client.prefix'] = network;
        span = tracer.startSpan(name, { kind: 0, attributes });
      }
      const scope: Scope = { span, reason: null };
      let result: R;
      try {
        result = await scopes.run(scope, run, input);
      } catch (err) {
        if (count) attempts.add(1, { 'kanmon.outcome': 'error', 'error.type': errorType(err) });
        span?.setAttribute('kanmon.outcome', 'error');
        span?.setStatus({ code: 2, message: errorType(err) });
        span?.end();
        throw err;
      }
      const outcome = result.status === 'authenticated' ? 'success' : result.status === 'denied' ? 'failure' : result.status;
      // A refusal's reason as audited (`wrong_password`, `unknown_user`: codes, never the name), else as answered.
      const reason = result.status === 'denied' ? (result.reason === 'unavailable' ? 'unavailable' : (scope.reason ?? code(result.reason) ?? 'unknown')) : null;
      const attributes: TelemetryAttributes = reason === null ? { 'kanmon.outcome': outcome } : { 'kanmon.outcome': outcome, 'kanmon.reason': reason };
      if (count) attempts.add(1, attributes);
      if (span) {
        span.setAttribute('kanmon.outcome', outcome);
        if (reason !== null) span.setAttribute('kanmon.reason', reason);
        if (reason === 'unavailable') span.setStatus({ code: 2, message: 'unavailable' });
        span.end();
      }
      return result;
    };
  }

  return Object.freeze({
    enabled: true,
    store,
    onTimeout,
    audit,
    hasher,
    lockout,
    flows: <M extends LoginMethods>(methods: M): M => ({
      ...methods,
      login: traced('kanmon.login', (input: LoginInput) => methods.login(input), true),
      verifyMfa: traced('kanmon.verify_mfa', (input: VerifyMfaInput) => methods.verifyMfa(input), false),
    }),
  });
}
