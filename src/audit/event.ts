import { z } from 'zod';

/**
 * Every audit event type kanmon emits, with the clause ids it evidences.
 *
 * The list is closed: `append` refuses any other type (`ERR_AUDIT_FORMAT`), so
 * a query for `auth.lockout.locked` finds every lockout, and a typo cannot hide
 * an event from an auditor. docs/audit-log.md describes each type.
 */
export const auditEventTypes = {
  // authentication
  'auth.login.success': ['EXT-6', 'SEC-18'],
  'auth.login.failure': ['EXT-6', 'SEC-18'],
  'auth.login.new_source': ['EXT-6', 'SEC-18'],
  'auth.lockout.locked': ['EXT-6', 'SEC-18'],
  'auth.lockout.unlocked': ['EXT-6', 'SEC-18'],
  'auth.lockout.throttled': ['EXT-6', 'SEC-18'],
  'auth.mfa.success': ['EXT-6', 'SEC-18'],
  'auth.mfa.failure': ['EXT-6', 'SEC-18'],
  'auth.mfa.replayed': ['EXT-6', 'SEC-18'],
  'auth.mfa.locked': ['EXT-6', 'SEC-18'],
  'auth.mfa.enrolled': ['EXT-6', 'SEC-18'],
  'auth.mfa.removed': ['EXT-6', 'SEC-18'],
  'auth.passkey.registered': ['EXT-6', 'SEC-18'],
  'auth.passkey.renamed': ['EXT-6', 'SEC-18'],
  'auth.passkey.removed': ['EXT-6', 'SEC-18'],
  'auth.passkey.success': ['EXT-6', 'SEC-18'],
  'auth.passkey.failure': ['EXT-6', 'SEC-18'],
  'auth.passkey.clone_warning': ['EXT-6', 'SEC-18', 'SEC-27'],
  'auth.recovery_code.used': ['EXT-6', 'SEC-18'],
  'auth.recovery_code.generated': ['EXT-6', 'SEC-18'],
  'auth.session.created': ['EXT-6', 'SEC-18'],
  'auth.session.revoked': ['EXT-6', 'SEC-18'],
  'auth.session.expired': ['EXT-6', 'SEC-18'],
  'auth.logout': ['EXT-6', 'SEC-18'],
  'auth.reauth.success': ['EXT-6', 'SEC-13', 'SEC-18'],
  'auth.reauth.failure': ['EXT-6', 'SEC-13', 'SEC-18'],
  // place, device and time of access
  'access.denied.ip': ['EXT-6', 'SEC-18'],
  'access.denied.cert': ['EXT-6', 'SEC-18'],
  'access.denied.device': ['EXT-6', 'SEC-18'],
  'access.denied.hours': ['EXT-6', 'SEC-18', 'SEC-27'],
  'access.out_of_hours': ['EXT-6', 'SEC-27'],
  // passwords
  'password.changed': ['EXT-6', 'SEC-18'],
  'password.expired': ['EXT-6', 'SEC-18'],
  'password.compromised': ['EXT-6', 'SEC-18'],
  'password.reset': ['EXT-6', 'SEC-18'],
  'password.reset.requested': ['EXT-6', 'SEC-18'],
  'password.rejected': ['EXT-6'],
  // administrators' consequential operations (SEC-26)
  'admin.account.create': ['EXT-6', 'SEC-26'],
  'admin.account.delete': ['EXT-6', 'SEC-26'],
  'admin.account.disable': ['EXT-6', 'SEC-26'],
  'admin.account.enable': ['EXT-6', 'SEC-26'],
  'admin.account.lock': ['EXT-6', 'SEC-26'],
  'admin.account.unlock': ['EXT-6', 'SEC-26'],
  'admin.role.grant': ['EXT-6', 'SEC-26'],
  'admin.role.revoke': ['EXT-6', 'SEC-26'],
  'admin.device.register': ['EXT-6', 'SEC-26'],
  'admin.device.revoke': ['EXT-6', 'SEC-26'],
  'admin.password.reset': ['EXT-6', 'SEC-26'],
  'admin.mfa.reset': ['EXT-6', 'SEC-26'],
  'admin.passkey.remove': ['EXT-6', 'SEC-26'],
  'admin.session.revoke': ['EXT-6', 'SEC-26'],
  'admin.key.add': ['EXT-6', 'SEC-26', 'SEC-28'],
  'admin.key.rotate': ['EXT-6', 'SEC-26', 'SEC-28'],
  'admin.key.destroy': ['EXT-6', 'SEC-26', 'SEC-28'],
  'admin.tenant.purge': ['EXT-6', 'SEC-26', 'RM-18', 'SEC-34', 'FNB-4.3'],
  'admin.step_up.refused': ['EXT-6', 'SEC-13', 'SEC-26'],
  'admin.system_actor': ['EXT-6', 'SEC-13', 'SEC-26'],
  'config.changed': ['EXT-6', 'SEC-6', 'SEC-7', 'SEC-26'],
  // the application's data (EXT-6, SEC-26): `data` is checked by the built-in schemas of define-audit-events.ts
  'data.access': ['EXT-6', 'SEC-26'],
  'data.modify': ['EXT-6', 'SEC-26'],
  // data leaving the system
  'data.export': ['EXT-6', 'SEC-18'],
  // the log itself
  'log.recovered': ['EXT-6'],
  'log.pruned': ['EXT-6', 'SEC-18'],
  'audit.exported': ['EXT-7', 'SEC-8.3', 'SEC-18', 'FNB-1.6.4'],
  'audit.verified': ['EXT-6', 'EXT-7'],
} as const satisfies Record<string, readonly string[]>;

/** One of {@link auditEventTypes}. */
export type AuditEventType = keyof typeof auditEventTypes;

/** The closed list of types, in documentation order. */
export const auditEventTypeList = Object.keys(auditEventTypes) as AuditEventType[];

const typeSet: ReadonlySet<string> = new Set(auditEventTypeList);

/**
 * True when `type` is in the closed list.
 *
 * @example
 * ```ts
 * import { isAuditEventType } from 'kanmon';
 * isAuditEventType('auth.login.failure'); // true
 * isAuditEventType('app.invoice.sent'); // false: an application type (see isRecordedEventType)
 * ```
 */
export function isAuditEventType(type: unknown): type is AuditEventType {
  return typeof type === 'string' && typeSet.has(type);
}

/** An application's own event type, declared with `defineAuditEvents`: `app.<name>[.<name>…]`. */
export type AppAuditEventType = `app.${string}`;

/** `app.` then one to five lowercase dot-separated words. */
export const appEventTypePattern = /^app(\.[a-z][a-z0-9_]{0,31}){1,5}$/;

/**
 * A type a stored record may carry: a built-in type or an application type (whether declared is the writer's business).
 *
 * @example
 * ```ts
 * import { isRecordedEventType } from 'kanmon';
 * const type: unknown = JSON.parse('{"type":"app.invoice.sent"}').type;
 * if (!isRecordedEventType(type)) throw new Error('not a kanmon audit record');
 * ```
 */
export function isRecordedEventType(type: unknown): type is AuditEventType | AppAuditEventType {
  return typeof type === 'string' && (typeSet.has(type) || appEventTypePattern.test(type));
}

/** What happened, in one word. */
export type AuditOutcome = 'success' | 'failure' | 'denied' | 'info';

/**
 * A scalar value in `before` / `after`: the changed settings of an admin
 * operation (roles, flags, counts). Strings are at most 256 characters.
 */
export type AuditValue = string | number | boolean | null | readonly string[];

/**
 * Where the request came from. Both fields are free text from the network and
 * are escaped on write: a CR/LF or a forged JSON fragment stays inside the field.
 */
export interface AuditSource {
  /** Client IP address as resolved by the trusted-proxy rules. At most 64 characters. */
  readonly ip?: string | undefined;
  /** `User-Agent`, at most 512 characters (longer is cut, never refused). */
  readonly userAgent?: string | undefined;
}

/**
 * What a control hands to `append`. Everything else in the record (`v`, `seq`,
 * `id`, `stream`, `time`, `ts`, key id, MAC) is filled in by the log.
 *
 * Redaction is structural: there is no field for a password, a one-time code,
 * a recovery code or a secret; `reason` is a code, not text; keys of
 * `before`/`after` that name a secret (`password`, `secret`, `token`, `code`,
 * `seed`, `key`, `hash`, `pepper`) are refused.
 */
export interface AuditEventInput {
  /** A built-in type, or an `app.*` type the log's `events` (from `defineAuditEvents`) declares. */
  readonly type: AuditEventType | AppAuditEventType;
  /** Tenant (municipality) id; defaults to the log's `tenant`. `[A-Za-z0-9_.-]{1,64}`. */
  readonly tenant?: string | undefined;
  /** Who acted: account id or username. Free text, at most 256 characters, escaped. */
  readonly actor?: string | null | undefined;
  /** What was acted on (account, role, device, setting). Free text, at most 256 characters, escaped. */
  readonly target?: string | null | undefined;
  readonly source?: AuditSource | undefined;
  /** @default derived from the type: `*.success` → success, `*.failure` → failure, `access.denied.*` → denied, else info */
  readonly outcome?: AuditOutcome | undefined;
  /** A machine-readable reason code (`invalid_password`, `locked`): `[a-z0-9_.:-]{1,64}`. */
  readonly reason?: string | null | undefined;
  /** The event happened outside business hours (SEC-27); set by the business-hours check. */
  readonly outOfHours?: boolean | undefined;
  /** Extra clause ids the event evidences; the type's own clauses are always included. */
  readonly clauses?: readonly string[] | undefined;
  /** For admin operations (SEC-26): the state before the change. */
  readonly before?: Readonly<Record<string, AuditValue>> | null | undefined;
  /** For admin operations (SEC-26): the state after the change. */
  readonly after?: Readonly<Record<string, AuditValue>> | null | undefined;
  /**
   * For `data.access`, `data.modify` and the application's `app.*` types: the event's
   * fields, checked by its schema (unknown fields refused) and stored as the record's `after`.
   * Give `data` or `after`, not both.
   */
  readonly data?: Readonly<Record<string, AuditValue>> | undefined;
}

/** A stored audit record, as written and as read back. */
export interface AuditRecord {
  /** Format version: 1. */
  readonly v: 1;
  /** The writer's chain: one per process/writer. */
  readonly stream: string;
  /** 1, 2, 3, … strictly increasing by one within the stream. */
  readonly seq: number;
  /** Id of the key whose `audit-mac` subkey computed `mac`. */
  readonly kid: string;
  readonly type: AuditEventType | AppAuditEventType;
  /** Random UUID of the record. */
  readonly id: string;
  readonly tenant: string;
  /** ISO 8601 in the configured zone, millisecond precision: `2026-04-01T08:30:00.000+09:00` (SEC-19, FNB-2.5). */
  readonly time: string;
  /** The same instant in epoch milliseconds. */
  readonly ts: number;
  readonly outcome: AuditOutcome;
  readonly actor: string | null;
  readonly target: string | null;
  readonly source: { readonly ip: string | null; readonly userAgent: string | null };
  readonly reason: string | null;
  readonly outOfHours: boolean;
  readonly clauses: readonly string[];
  readonly before: Readonly<Record<string, AuditValue>> | null;
  readonly after: Readonly<Record<string, AuditValue>> | null;
  /** HMAC-SHA-256 over the previous record's MAC and this record's canonical bytes, base64url. */
  readonly mac: string;
}

/** Stream ids name files and chains: `[A-Za-z0-9_-]{1,64}`. */
export const streamPattern = /^[A-Za-z0-9_-]{1,64}$/;
export const tenantPattern = /^[A-Za-z0-9_.-]{1,64}$/;
export const reasonPattern = /^[a-z0-9_.:-]{1,64}$/;
export const clausePattern = /^[A-Z]{2,5}-[0-9][0-9.]{0,15}$/;
export const valueKeyPattern = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
/** Keys of `before`/`after` that could hold a secret; refused. */
export const secretKeyPattern = /pass|secret|token|code|seed|key|hash|pepper|otp|pin|credential/i;

const value = z.union([
  z.string().max(256),
  z.number().finite(),
  z.boolean(),
  z.null(),
  z.array(z.string().max(256)).max(64),
]);
const values = z
  .record(z.string().regex(valueKeyPattern), value)
  .refine((r) => Object.keys(r).length <= 64, 'at most 64 keys')
  .refine((r) => Object.keys(r).every((k) => !secretKeyPattern.test(k)), 'a key names a secret (redaction is structural)');

const appType = z.custom<AppAuditEventType>((t) => typeof t === 'string' && appEventTypePattern.test(t), 'not an app.* event type');

/** zod schema of {@link AuditEventInput}: the documented contract; `append` applies the same rules with hand-written checks. */
export const auditEventInputSchema = z.strictObject({
  type: z.union([z.enum(auditEventTypeList as [AuditEventType, ...AuditEventType[]]), appType]),
  tenant: z.string().regex(tenantPattern).optional(),
  actor: z.string().max(256).nullable().optional(),
  target: z.string().max(256).nullable().optional(),
  source: z.strictObject({ ip: z.string().max(64).optional(), userAgent: z.string().optional() }).optional(),
  outcome: z.enum(['success', 'failure', 'denied', 'info']).optional(),
  reason: z.string().regex(reasonPattern).nullable().optional(),
  outOfHours: z.boolean().optional(),
  clauses: z.array(z.string().regex(clausePattern)).max(32).optional(),
  before: values.nullable().optional(),
  after: values.nullable().optional(),
  data: values.optional(),
});

/** zod schema of a stored {@link AuditRecord} (used when reading records back). */
export const auditRecordSchema = z.strictObject({
  v: z.literal(1),
  stream: z.string().regex(streamPattern),
  seq: z.number().int().min(1),
  kid: z.string().min(1).max(64),
  type: z.union([z.enum(auditEventTypeList as [AuditEventType, ...AuditEventType[]]), appType]),
  id: z.string().min(1).max(64),
  tenant: z.string().regex(tenantPattern),
  time: z.string(),
  ts: z.number().int(),
  outcome: z.enum(['success', 'failure', 'denied', 'info']),
  actor: z.string().nullable(),
  target: z.string().nullable(),
  source: z.strictObject({ ip: z.string().nullable(), userAgent: z.string().nullable() }),
  reason: z.string().nullable(),
  outOfHours: z.boolean(),
  clauses: z.array(z.string()),
  before: z.record(z.string(), value).nullable(),
  after: z.record(z.string(), value).nullable(),
  mac: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
});

/** The default outcome of a type. */
export function defaultOutcome(type: AuditEventType | AppAuditEventType): AuditOutcome {
  if (type.endsWith('.success')) return 'success';
  if (type.endsWith('.failure')) return 'failure';
  if (type.startsWith('access.denied.') || type === 'auth.mfa.replayed' || type === 'auth.lockout.throttled') return 'denied';
  return 'info';
}
