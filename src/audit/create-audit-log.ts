import { KanmonError } from '../errors.js';
import type { KeyRing } from '../keys/key-ring.js';
import { createIsoTimeFormatter } from '../internal/iso-time.js';
import { type Alerter, type AuditAlert, createAlerter } from './alerts.js';
import { genesisMacText, macOfLine, quote, readHead } from './chain.js';
import { dataTextOf } from './internal/data-check.js';
import { createRecordWriter, cutText, jsonText, maxText, recordIsAscii, startRecord, valuesText } from './internal/record-text.js';
import { createRecordKeys } from './internal/record-keys.js';
import {
  type AuditEventInput,
  type AuditEventType,
  type AuditOutcome,
  type AuditRecord,
  auditEventTypes,
  clausePattern,
  defaultOutcome,
  isAuditEventType,
  reasonPattern,
  streamPattern,
  tenantPattern,
} from './event.js';
import { parseAuditRecord } from './internal/parse.js';
import { randomRecordId } from './internal/record-id.js';
import { type AuditEventCatalog, type AuditEventDefinition, builtInDataChecks, builtInDataSchemas } from './define-audit-events.js';
import type { AuditSink, AuditSinkRecord, TornTail } from './sink.js';

/** Options for {@link createAuditLog}. */
export interface AuditLogOptions {
  readonly sink: AuditSink;
  readonly keyRing: KeyRing;
  /** This writer's chain: one per process (`web-1`, `batch`), `[A-Za-z0-9_-]{1,64}`. Two live writers must never share a stream. */
  readonly stream: string;
  /** Clock (epoch ms) of every record's time. */
  readonly now: () => number;
  /** The one zone of every timestamp (SEC-19, FNB-2.5). @default policy.timeZone, else 'Asia/Tokyo' */
  readonly timeZone?: string | undefined;
  /** Tenant of events that name none. @default 'default' */
  readonly tenant?: string | undefined;
  /** The policy in force: `timeZone` and `audit.alertAfterFailures` / `audit.alertsPerMinute` are taken from it. */
  readonly policy?: { readonly timeZone: string; readonly audit: { readonly alertAfterFailures: number; readonly alertsPerMinute: number } } | undefined;
  /** Called for lockouts, replays, out-of-hours use, success after many failures, and sealed torn tails; rate-limited. */
  readonly onAlert?: ((alert: AuditAlert) => void) | undefined;
  /** The application's own `app.*` event types (`defineAuditEvents`); any other `app.*` type is refused. */
  readonly events?: AuditEventCatalog<string> | undefined;
}

/** What `append` resolves to once the record is durable. */
export interface AuditReceipt {
  readonly stream: string;
  readonly seq: number;
  readonly id: string;
  readonly time: string;
  readonly ts: number;
  /** The record's MAC (base64url). */
  readonly mac: string;
}

/** The checkpoint to keep outside the log (print it, e-mail it, store it elsewhere). */
export interface AuditHead {
  readonly stream: string;
  readonly seq: number;
  readonly mac: string;
}

/** What opening the stream found. */
export interface AuditLogOpened {
  /** The last seq already in the stream before this writer started (0 for a new stream). */
  readonly resumedAfterSeq: number;
  /** A torn tail that was found and sealed with a `log.recovered` record, or null. */
  readonly recovered: TornTail | null;
}

/** A writer on one stream. */
export interface AuditLog {
  readonly stream: string;
  /** Read the stream's tail and seal a torn one. `append` calls it on first use; call it yourself to learn what it found. */
  open(): Promise<AuditLogOpened>;
  /**
   * Add one event to the chain. Resolves when the sink says the record is
   * durable; rejects with `ERR_AUDIT_FORMAT` for an event outside the schema and
   * `ERR_AUDIT_WRITE` when the sink failed (after which every append rejects:
   * the log fails closed, reopen it with a new `createAuditLog`).
   */
  append(event: AuditEventInput): Promise<AuditReceipt>;
  /** The last durable record: `{ stream, seq, mac }`, or null before the first. */
  head(): AuditHead | null;
  /** Wait for pending appends, then close the sink. */
  close(): Promise<void>;
}

const defaultClauses = new Map<string, string>(
  Object.entries(auditEventTypes).map(([type, clauses]) => [type, '[' + clauses.map((c) => `"${c}"`).join(',') + ']']),
);

function clauseList(type: string, declared: AuditEventDefinition | undefined, extra: unknown): string {
  if (extra === undefined) return declared ? declared.clausesJson : defaultClauses.get(type)!;
  if (!Array.isArray(extra) || extra.length > 32) throw new KanmonError('ERR_AUDIT_FORMAT', 'audit event: clauses must be an array of at most 32 clause ids');
  const all: string[] = [...(declared ? declared.clauses : auditEventTypes[type as AuditEventType])];
  for (const c of extra) {
    if (typeof c !== 'string' || !clausePattern.test(c)) throw new KanmonError('ERR_AUDIT_FORMAT', `audit event: '${String(c).slice(0, 32)}' is not a clause id`);
    if (!all.includes(c)) all.push(c);
  }
  return '[' + all.map((c) => `"${c}"`).join(',') + ']';
}

/** `data` checked by the type's schema (unknown fields refused), stored as `after`: without zod when the schema allows (`check`). */
function eventData(type: string, event: AuditEventInput, schema: AuditEventDefinition['schema'] | undefined, check: AuditEventDefinition['check']) {
  if (!schema) throw new KanmonError('ERR_AUDIT_FORMAT', `audit event: '${type}' takes no data (use before/after)`);
  if (event.after !== undefined && event.after !== null) throw new KanmonError('ERR_AUDIT_FORMAT', 'audit event: give data or after, not both');
  const checked = check?.(event.data);
  if (checked) return checked; // what zod would answer; anything else goes to zod, which accepts it or names the issues
  const parsed = schema.safeParse(event.data);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), code: i.code, message: i.message }));
    const unknown = issues.some((i) => i.code === 'unrecognized_keys');
    throw new KanmonError('ERR_AUDIT_FORMAT', `audit event '${type}': data does not match its schema (${issues.map((i) => i.path || i.code).join(', ')})`, {
      details: { reason: unknown ? 'unknown_field' : 'invalid_field', issues },
    });
  }
  return parsed.data;
}

/** The record text of `data`: in one pass with its check when the type's schema allows (`dataTextOf`), else checked, then written. */
function dataText(type: string, event: AuditEventInput, declared: AuditEventDefinition | undefined): string {
  const schema = declared?.schema ?? builtInDataSchemas.get(type);
  if (schema && (event.after === undefined || event.after === null)) {
    const text = dataTextOf(schema)?.(event.data);
    if (text !== null && text !== undefined) return text;
  }
  return valuesText(eventData(type, event, schema, declared ? declared.check : builtInDataChecks.get(type)), 'after');
}

const outcomes: ReadonlySet<string> = new Set<AuditOutcome>(['success', 'failure', 'denied', 'info']);

/**
 * A tamper-evident audit log writer (EXT-6, SEC-18, SEC-26): one HMAC-SHA-256
 * chain per stream, durable before `append` resolves.
 *
 * @example
 * ```ts
 * import { createAuditLog, createKeyRing, fileAuditSink } from 'kanmon';
 * const keyRing = createKeyRing({ keys: [{ id: 'k2026', secret: process.env.KANMON_KEY! }], current: 'k2026' });
 * const log = createAuditLog({ sink: fileAuditSink({ dir: '/var/log/kanmon' }), keyRing, stream: 'web-1', now: Date.now });
 * await log.append({ type: 'auth.login.failure', actor: 'tanaka', source: { ip: '10.0.0.8' }, reason: 'invalid_password' });
 * console.log(log.head()); // { stream: 'web-1', seq: 1, mac: '…' }: keep it outside the log
 * ```
 */
export function createAuditLog(options: AuditLogOptions): AuditLog {
  const { sink, keyRing, stream, now, policy, onAlert } = options;
  if (typeof stream !== 'string' || !streamPattern.test(stream)) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', `audit stream must match ${String(streamPattern)}`);
  }
  if (typeof now !== 'function') throw new KanmonError('ERR_INVALID_ARGUMENT', 'createAuditLog needs a clock: now: () => number');
  if (!sink || typeof sink.open !== 'function' || typeof sink.write !== 'function') {
    throw new KanmonError('ERR_INVALID_ARGUMENT', 'createAuditLog needs a sink (memoryAuditSink, fileAuditSink, postgresAuditSink)');
  }
  const tenant = options.tenant ?? 'default';
  if (!tenantPattern.test(tenant)) throw new KanmonError('ERR_INVALID_ARGUMENT', `tenant must match ${String(tenantPattern)}`);
  const formatTime = createIsoTimeFormatter(options.timeZone ?? policy?.timeZone ?? 'Asia/Tokyo');
  const recordKeys = createRecordKeys(keyRing); // per-tenant MAC keys (issue 19)
  recordKeys.chainKey(keyRing.currentId); // fail now, not at the first append, on a bad key ring
  const alerter: Alerter | null = onAlert
    ? createAlerter({
        onAlert,
        now,
        alertAfterFailures: policy?.audit.alertAfterFailures,
        alertsPerMinute: policy?.audit.alertsPerMinute,
      })
    : null;
  const writer = createRecordWriter(quote(stream), tenant, formatTime);

  let seq = 0;
  /** The previous record's MAC, base64url, as written in its line. */
  let prev: string = genesisMacText;
  let opened: Promise<AuditLogOpened> | null = null;
  let ready = false;
  let failed: KanmonError | null = null;
  /** The last durable record; `head()` builds its object only when asked (not once per append). */
  let headSeq = 0;
  let headMac = '';
  let head: AuditHead | null = null;
  /** The receipt of the record `seal` just returned (saves a wrapper object per append). */
  let sealedReceipt: AuditReceipt | null = null;

  /**
   * Compute the next record synchronously (seq and chain advance here, in call
   * order) and leave its receipt in `sealedReceipt`.
   */
  const seal = (event: AuditEventInput): AuditSinkRecord => {
    if (typeof event !== 'object' || event === null) throw new KanmonError('ERR_AUDIT_FORMAT', 'audit event must be an object');
    const type = event.type;
    const builtIn = isAuditEventType(type);
    const declared = builtIn ? undefined : options.events?.get(type);
    if (!declared && !builtIn) {
      throw new KanmonError('ERR_AUDIT_FORMAT', `audit event type '${String(type).slice(0, 64)}' is neither built in nor declared with defineAuditEvents`, {
        details: { reason: 'undefined_event_type' },
      });
    }
    const eventTenant = event.tenant ?? tenant;
    if (eventTenant !== tenant && (typeof eventTenant !== 'string' || !tenantPattern.test(eventTenant))) {
      throw new KanmonError('ERR_AUDIT_FORMAT', `audit event: tenant must match ${String(tenantPattern)}`);
    }
    const outcome = event.outcome ?? defaultOutcome(type);
    if (!outcomes.has(outcome)) throw new KanmonError('ERR_AUDIT_FORMAT', `audit event: outcome '${String(outcome)}' is not success|failure|denied|info`);
    const reason = event.reason ?? null;
    if (reason !== null && (typeof reason !== 'string' || !reasonPattern.test(reason))) {
      throw new KanmonError('ERR_AUDIT_FORMAT', `audit event: reason must be a code matching ${String(reasonPattern)} (free text is not logged)`);
    }
    const recordNo = startRecord();
    const outOfHours = event.outOfHours === true;
    const actor = cutText(event.actor, maxText, 'actor');
    const target = cutText(event.target, maxText, 'target');
    const source = event.source;
    const ip = source ? cutText(source.ip, 64, 'source.ip') : null;
    const userAgent = source ? cutText(source.userAgent, 512, 'source.userAgent') : null;
    const clauses = clauseList(type, declared, event.clauses);
    const before = valuesText(event.before, 'before');
    const after = event.data === undefined ? valuesText(event.after, 'after') : dataText(type, event, declared);
    const actorJson = actor === null ? 'null' : jsonText(actor);
    const targetJson = target === null ? 'null' : jsonText(target);
    const ipJson = ip === null ? 'null' : jsonText(ip);
    const userAgentJson = userAgent === null ? 'null' : jsonText(userAgent);
    const ascii = recordIsAscii(recordNo); // every text is in: taken before the clock and the key ring run code of their own

    const ts = now();
    const time = writer.at(ts); // throws for a bad clock value before anything else is spent
    const kid = recordKeys.kidFor(eventTenant, type);
    const id = randomRecordId();
    const nextSeq = seq + 1;
    const canonical = writer.canonical(nextSeq, kid, type, id, eventTenant, outcome, actorJson, targetJson, ipJson, userAgentJson, reason, outOfHours, clauses, event.clauses === undefined, before, after);
    const line = recordKeys.chainKey(kid).line(prev, canonical, ascii);
    const mac = macOfLine(line);
    seq = nextSeq;
    prev = mac;
    sealedReceipt = { stream, seq: nextSeq, id, time, ts, mac };
    return { stream, seq: nextSeq, ts, tenant: eventTenant, type, actor, outOfHours, line };
  };

  const writeFailed = (seqNo: number, cause: unknown): KanmonError => {
    failed ??= new KanmonError('ERR_AUDIT_WRITE', `audit stream '${stream}': record ${seqNo} was not stored durably; the log is closed`, { cause });
    return failed;
  };
  const durable = (record: AuditSinkRecord, receipt: AuditReceipt): AuditReceipt => {
    if (headSeq < receipt.seq) {
      headSeq = receipt.seq;
      headMac = receipt.mac;
    }
    if (alerter) alerter.observe(parseAuditRecord(record.line));
    return receipt;
  };

  /** Seal, hand to the sink, resolve when durable. Not `async`: a sink that stores synchronously costs one resolved promise. */
  const commit = (event: AuditEventInput): Promise<AuditReceipt> => {
    if (failed) return Promise.reject(failed);
    let record: AuditSinkRecord;
    let written: Promise<void> | void;
    try {
      record = seal(event);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new KanmonError('ERR_AUDIT_FORMAT', String(err))); // seal throws KanmonError
    }
    const receipt = sealedReceipt!;
    try {
      written = sink.write(record);
    } catch (cause) {
      return Promise.reject(writeFailed(receipt.seq, cause));
    }
    if (!written) return Promise.resolve(durable(record, receipt));
    return written.then(
      () => durable(record, receipt),
      (cause: unknown) => {
        throw writeFailed(receipt.seq, cause);
      },
    );
  };

  const open = (): Promise<AuditLogOpened> => {
    opened ??= (async () => {
      let tail;
      try {
        tail = await sink.open(stream);
      } catch (cause) {
        failed = new KanmonError('ERR_AUDIT_WRITE', `audit stream '${stream}' could not be opened`, { cause });
        throw failed;
      }
      if (tail.last !== null) {
        const last = readHead(Buffer.from(tail.last, 'utf8'));
        if (!last || last.stream !== stream) {
          failed = new KanmonError('ERR_AUDIT_FORMAT', `audit stream '${stream}': the last stored record is not a record of this stream`);
          throw failed;
        }
        seq = last.seq;
        prev = last.mac;
        headSeq = last.seq;
        headMac = last.mac;
      }
      const resumedAfterSeq = seq;
      ready = true;
      if (tail.torn) {
        await commit({
          type: 'log.recovered',
          reason: 'torn_tail',
          target: tail.torn.location,
          after: { tornBytes: tail.torn.bytes, tornSha256: tail.torn.sha256, afterSeq: resumedAfterSeq },
        });
      }
      return { resumedAfterSeq, recovered: tail.torn };
    })();
    return opened;
  };

  return {
    stream,
    open,
    append(event) {
      if (ready) return commit(event);
      return open().then(() => commit(event));
    },
    head() {
      if (headSeq === 0) return null;
      if (!head || head.seq !== headSeq) head = { stream, seq: headSeq, mac: headMac };
      return head;
    },
    async close() {
      recordKeys.detach();
      await sink.close(); // sinks flush what they hold before closing
    },
  };
}

export type { AuditEventType, AuditRecord };
