import { createHash } from 'node:crypto';
import { z } from 'zod';
import { KanmonError } from '../errors.js';
import { type AppAuditEventType, type AuditValue, appEventTypePattern, clausePattern } from './event.js';
import { type DataCheck, compileDataCheck } from './internal/data-check.js';

/** One declared event type: its schema (an object of audit values) and the clause ids it evidences. */
export interface AuditEventDefinition {
  readonly schema: z.ZodType<Readonly<Record<string, AuditValue>>>;
  readonly clauses: readonly string[];
  /** `clauses` as the record writes them (computed once). */
  readonly clausesJson: string;
  /** The schema's check without zod on the append path, when the schema is simple enough (computed once). */
  readonly check?: DataCheck | undefined;
}

/** What {@link defineAuditEvents} returns; give it to `createAuditLog({ events })`. */
export interface AuditEventCatalog<T extends string = AppAuditEventType> {
  /** The declared types, in declaration order. */
  readonly types: readonly T[];
  /** The definition of `type`, or undefined when it was not declared. */
  get(type: string): AuditEventDefinition | undefined;
}

/** Options for {@link defineAuditEvents}. */
export interface DefineAuditEventsOptions {
  /** Clause ids every declared type evidences. @default ['EXT-6', 'SEC-26'] */
  readonly clauses?: readonly string[] | undefined;
}

const digestPattern = /^sha256:[0-9a-f]{64}$/;
const recordId = z.string().min(1).max(256);

/** `data.access`: which records were read (EXT-6, SEC-26). */
export const dataAccessSchema = z.strictObject({
  recordIds: z.array(recordId).min(1).max(64),
  /** The kind of record (`resident`, `tax_notice`). */
  recordType: z.string().min(1).max(64).optional(),
  /** Why (`counter_service`, `inquiry`): a code, not free text. */
  purpose: z.string().regex(/^[a-z0-9_.:-]{1,64}$/).optional(),
});

/** `data.modify`: which records changed, with digests of the record before and after ({@link recordDigest}), never the values. */
export const dataModifySchema = z.strictObject({
  recordIds: z.array(recordId).min(1).max(64),
  recordType: z.string().min(1).max(64).optional(),
  beforeDigest: z.string().regex(digestPattern).nullable().optional(),
  afterDigest: z.string().regex(digestPattern).nullable().optional(),
});

/** `data.export`: what left the system and in what form. */
export const dataExportSchema = z.strictObject({
  recordIds: z.array(recordId).max(64).optional(),
  recordType: z.string().min(1).max(64).optional(),
  count: z.number().int().min(0).optional(),
  format: z.string().min(1).max(32).optional(),
});

/** The schemas applied to `data` of the built-in data types. */
export const builtInDataSchemas: ReadonlyMap<string, z.ZodType<Readonly<Record<string, AuditValue>>>> = new Map<string, z.ZodType<Readonly<Record<string, AuditValue>>>>([
  ['data.access', dataAccessSchema],
  ['data.modify', dataModifySchema],
  ['data.export', dataExportSchema],
]);

/** The zod-free checks of the built-in data schemas (see `compileDataCheck`). */
export const builtInDataChecks: ReadonlyMap<string, DataCheck | undefined> = new Map([...builtInDataSchemas].map(([type, schema]) => [type, compileDataCheck(schema)]));

/**
 * The digest of a record for `data.modify`'s `beforeDigest` / `afterDigest`:
 * `sha256:` and the hex SHA-256 of its JSON with keys sorted, so the log proves
 * what changed without holding the resident's data.
 *
 * @example
 * ```ts
 * import { recordDigest } from 'kanmon';
 * const before = { id: 'r-1', address: '船橋市湊町2-10-25' };
 * const after = { ...before, address: '船橋市本町1-1-1' };
 * await auditLog.append({
 *   type: 'data.modify',
 *   actor: accountId,
 *   target: 'resident:r-1',
 *   data: { resource: 'resident', beforeDigest: recordDigest(before), afterDigest: recordDigest(after) },
 * });
 * ```
 */
export function recordDigest(record: unknown): string {
  const canonical = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(canonical);
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]));
    }
    return v;
  };
  return 'sha256:' + createHash('sha256').update(JSON.stringify(canonical(record)) ?? 'null').digest('hex');
}

/**
 * Declare the application's own audit event types (EXT-6, SEC-26), so its data
 * events go through the same chain, sinks, query, export and alerts as
 * kanmon's. Each type is `app.` and one to five lowercase words; each schema a
 * zod object of audit values (strings, numbers, booleans, null, string arrays).
 * Object schemas are made strict: an unknown field is refused (`ERR_AUDIT_FORMAT`),
 * like a key naming a secret. Throws `ERR_INVALID_ARGUMENT` on a bad declaration.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { defineAuditEvents } from 'kanmon';
 * const events = defineAuditEvents({
 *   'app.record.viewed': z.object({ recordId: z.string(), screen: z.string().optional() }),
 * });
 * // createAuditLog({ …, events }); then
 * // await log.append({ type: 'app.record.viewed', actor: 'tanaka', data: { recordId: 'R-1' } });
 * ```
 */
export function defineAuditEvents<T extends Record<AppAuditEventType, z.ZodType>>(
  schemas: T,
  options: DefineAuditEventsOptions = {},
): AuditEventCatalog<Extract<keyof T, string>> {
  const clauses: readonly string[] = options.clauses ?? ['EXT-6', 'SEC-26'];
  const list: unknown = clauses;
  if (!Array.isArray(list) || clauses.some((c) => typeof c !== 'string' || !clausePattern.test(c))) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', 'defineAuditEvents: clauses must be clause ids');
  }
  if (typeof schemas !== 'object' || schemas === null) throw new KanmonError('ERR_INVALID_ARGUMENT', 'defineAuditEvents needs { type: schema }');
  const definitions = new Map<string, AuditEventDefinition>();
  for (const [type, schema] of Object.entries<z.ZodType>(schemas)) {
    if (!appEventTypePattern.test(type)) {
      throw new KanmonError('ERR_INVALID_ARGUMENT', `defineAuditEvents: '${type.slice(0, 64)}' must match ${String(appEventTypePattern)}`);
    }
    if (!(schema instanceof z.ZodType)) throw new KanmonError('ERR_INVALID_ARGUMENT', `defineAuditEvents: '${type}' needs a zod schema`);
    const strict = schema instanceof z.ZodObject ? schema.strict() : schema;
    definitions.set(type, {
      schema: strict as z.ZodType<Readonly<Record<string, AuditValue>>>,
      clauses: Object.freeze([...clauses]),
      clausesJson: '[' + clauses.map((c) => `"${c}"`).join(',') + ']',
      check: compileDataCheck(strict),
    });
  }
  return Object.freeze({
    types: Object.freeze([...definitions.keys()]) as readonly Extract<keyof T, string>[],
    get: (type: string) => definitions.get(type),
  });
}
