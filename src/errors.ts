/**
 * Every error kanmon throws is a {@link KanmonError} with a stable `code`.
 *
 * Errors are for programmer and configuration mistakes only. Anything a user of
 * the protected service can get wrong (a weak password, a wrong code, a locked
 * account) is a typed result, never an exception.
 *
 * The list of codes is closed: `switch (err.code)` over {@link KanmonErrorCode}
 * is exhaustive. `docs/errors.md` says what each code means and how to fix it.
 */
export type KanmonErrorCode =
  /** The policy (preset + overrides, or a full object) failed validation. */
  | 'ERR_INVALID_POLICY'
  /** A function was called with an argument of the wrong type or shape (a programmer mistake). */
  | 'ERR_INVALID_ARGUMENT'
  /** A configuration is valid but hazardous (e.g. trusting every proxy); used for warnings. */
  | 'ERR_CONFIG_HAZARD'
  /** The state store (memory, Redis, PostgreSQL) did not answer or failed. */
  | 'ERR_STORE_UNAVAILABLE'
  /** The store lacks a capability a feature needs (e.g. the entry lists of the session index); the message names it. */
  /** Too much work in flight: the bounded queue is full. */
  | 'ERR_BUSY'
  /** A stored password hash is not in any format kanmon reads. */
  | 'ERR_UNSUPPORTED_HASH'
  /** A stored password hash is in a known format but malformed. */
  | 'ERR_INVALID_HASH'
  /** An optional engine (e.g. node-argon2) or peer dependency is not installed. */
  | 'ERR_ENGINE_UNAVAILABLE'
  /** A key id is not in the key ring. */
  | 'ERR_KEY_NOT_FOUND'
  /** The key was destroyed (crypto-shredded); what it sealed is unreadable. */
  | 'ERR_KEY_DESTROYED'
  /** A sealed value failed authentication: tampered, truncated, or bound to another account/purpose. */
  | 'ERR_SEAL_INVALID'
  /** A breached-password filter file is malformed, truncated or corrupted. */
  | 'ERR_INVALID_FILTER'
  /** An IP address or CIDR in configuration is invalid or ambiguous. */
  | 'ERR_INVALID_CIDR'
  /** A client certificate could not be parsed. */
  | 'ERR_INVALID_CERTIFICATE'
  /** The audit log could not be written durably. */
  | 'ERR_AUDIT_WRITE'
  /** An audit record or export is malformed. */
  | 'ERR_AUDIT_FORMAT'
  /** Deleting audit records younger than the retention period was refused. */
  | 'ERR_RETENTION'
  /** A call needs an optional capability the given object lacks (e.g. an `AccountRepository` without `list` or `delete`); `details.capability` names it. */
  | 'ERR_CAPABILITY_MISSING';

/** Options for {@link KanmonError}. */
export interface KanmonErrorOptions {
  /** The underlying error, passed through unchanged. */
  cause?: unknown;
  /** Structured details (for `ERR_INVALID_POLICY`: every bad field). Never contains secrets. */
  details?: Readonly<Record<string, unknown>>;
}

/**
 * The one error class of kanmon.
 *
 * @example
 * ```ts
 * import { definePolicy, KanmonError } from 'kanmon';
 * try {
 *   definePolicy('funabashi', { password: { minLength: -1 } });
 * } catch (err) {
 *   if (err instanceof KanmonError && err.code === 'ERR_INVALID_POLICY') {
 *     console.error(err.details?.issues);
 *   }
 * }
 * ```
 */
export class KanmonError extends Error {
  override readonly name = 'KanmonError';
  readonly code: KanmonErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: KanmonErrorCode, message: string, options: KanmonErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details;
  }
}

/**
 * True when `err` is a {@link KanmonError}, optionally with the given code.
 *
 * @example
 * ```ts
 * import { definePolicy, isKanmonError } from 'kanmon';
 * try {
 *   definePolicy('funabashi', { password: { minLength: 200 } }); // above maxLength
 * } catch (err) {
 *   if (isKanmonError(err, 'ERR_INVALID_POLICY')) console.error(err.message, err.details);
 *   else throw err;
 * }
 * ```
 */
export function isKanmonError(err: unknown, code?: KanmonErrorCode): err is KanmonError {
  return err instanceof KanmonError && (code === undefined || err.code === code);
}
