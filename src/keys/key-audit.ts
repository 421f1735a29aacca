import { KanmonError } from '../errors.js';
import type { AuditEventInput } from '../audit/event.js';
import type { KeyRing, KeyRingEvent } from './key-ring.js';

/** Options for {@link attachKeyAudit}. */
export interface KeyAuditOptions {
  /** Who operates the keys (the operator account, or the job name). @default 'system' */
  readonly actor?: string | undefined;
  /** What the ring's keys protect, recorded as `purpose`. @default 'seal,audit-mac,pepper,session' */
  readonly purpose?: string | undefined;
  /** Tenant of the records of shared keys. @default the log's tenant (a tenant key's records name its own tenant) */
  readonly tenant?: string | undefined;
}

/** What {@link attachKeyAudit} returns. */
export interface KeyAudit {
  /** Wait for the records of the operations so far; rejects with the first failed append (`ERR_AUDIT_WRITE`). */
  flush(): Promise<void>;
  /** Stop recording. */
  detach(): void;
}

const typeOf = { add: 'admin.key.add', set_current: 'admin.key.rotate', destroy: 'admin.key.destroy' } as const;

/** The record of one key operation: ids and purpose only, never key material. */
function keyEvent(event: KeyRingEvent, actor: string, purpose: string, tenant: string | undefined): AuditEventInput {
  return {
    type: typeOf[event.op],
    actor,
    target: event.id,
    // a tenant key's record names its tenant (the record stays MACed with the shared key: it outlives the tenant's keys)
    ...((event.tenant ?? tenant) === undefined ? {} : { tenant: event.tenant ?? tenant }),
    outcome: 'success',
    before: event.op === 'set_current' ? { current: event.previous } : null,
    after: event.op === 'destroy' ? { kid: event.id, purpose, destroyed: true } : { kid: event.id, purpose, ...(event.op === 'set_current' ? { current: event.id } : {}) },
  };
}

/**
 * Audit the key ring's operations (SEC-28, FNB-3.3, SEC-26): every `add`,
 * `setCurrent` and `destroy` appends `admin.key.add`, `admin.key.rotate` or
 * `admin.key.destroy` with the key id and purpose, never the key.
 *
 * Key operations are synchronous and the append is not: call `flush()` after a
 * rotation or destruction to know the record is durable.
 *
 * @example
 * ```ts
 * import { attachKeyAudit, createAuditLog, createKeyRing, memoryAuditSink } from 'kanmon';
 * const keyRing = createKeyRing({ keys: [{ id: 'k1', secret: new Uint8Array(32).fill(1) }], current: 'k1' });
 * const log = createAuditLog({ sink: memoryAuditSink(), keyRing, stream: 'ops', now: Date.now });
 * const keyAudit = attachKeyAudit(keyRing, log, { actor: 'operator-1' });
 * keyRing.add({ id: 'k2', secret: new Uint8Array(32).fill(2) });
 * keyRing.setCurrent('k2');
 * await keyAudit.flush(); // admin.key.add, admin.key.rotate are durable
 * ```
 */
export function attachKeyAudit(
  keyRing: KeyRing,
  log: { append(event: AuditEventInput): Promise<unknown> },
  options: KeyAuditOptions = {},
): KeyAudit {
  const { actor = 'system', purpose = 'seal,audit-mac,pepper,session', tenant } = options;
  if (typeof keyRing.watch !== 'function') {
    throw new KanmonError('ERR_INVALID_ARGUMENT', 'attachKeyAudit needs a key ring from createKeyRing (one with watch())');
  }
  if (!log || typeof log.append !== 'function') throw new KanmonError('ERR_INVALID_ARGUMENT', 'attachKeyAudit needs an audit log');
  let pending: Promise<unknown>[] = [];
  const stop = keyRing.watch((event) => {
    const written = log.append(keyEvent(event, actor, purpose, tenant));
    written.catch(() => undefined); // surfaced by flush()
    pending.push(written);
  });
  return {
    async flush() {
      const now = pending;
      pending = [];
      await Promise.all(now);
    },
    detach: stop,
  };
}
