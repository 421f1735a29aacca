import type { AppAuditEventType, AuditEventInput, AuditEventType, AuditOutcome, AuditValue } from '../audit/event.js';
import type { HttpContext } from './context.js';
import type { HttpReply } from './error-body.js';
import { guard } from './guards.js';
import type { HttpRequest, KanmonRequestState } from './types.js';

/** What a route records: the type and its fields; actor, tenant and source come from the request. */
export interface DataEventSpec {
  readonly type: AuditEventType | AppAuditEventType;
  /** What was acted on (a record, a screen). */
  readonly target?: string | null | undefined;
  /** The type's fields, checked by its schema (`data.access`: `{ recordIds }`). */
  readonly data?: Readonly<Record<string, AuditValue>> | undefined;
  readonly outcome?: AuditOutcome | undefined;
  readonly reason?: string | null | undefined;
}

/** The part of an audit log the helper needs. */
export interface DataEventLog {
  /** Append one record (an `AuditLog` fits). */
  append(event: AuditEventInput): Promise<unknown>;
}

/**
 * Record a data event of the current request (EXT-6, SEC-26): the actor is the
 * verified session's subject (the session guard runs here when no guard ran
 * before), the tenant the request's, the source the client address through the
 * trusted proxies. Resolves to `null` once the record is durable, else to the
 * reply to send (401 without a session; 503 for an audit outage; 500 for an
 * event its schema refuses, reported to `onError`). Never throws.
 */
export async function recordDataEvent(
  ctx: HttpContext,
  request: HttpRequest,
  current: KanmonRequestState,
  log: DataEventLog,
  spec: DataEventSpec,
): Promise<{ readonly reply: HttpReply | null; readonly setCookie: readonly string[] }> {
  try {
    let setCookie: readonly string[] = [];
    if (current.session === null) {
      const outcome = await guard(ctx, request, current, { kind: 'session' });
      if (!outcome.ok) return { reply: outcome.reply, setCookie };
      setCookie = outcome.setCookie;
    }
    const facts = ctx.facts(request, current);
    await log.append({
      ...spec,
      tenant: current.tenant,
      actor: current.session!.subject,
      source: { ip: facts.clientIp ?? undefined, userAgent: facts.userAgent },
    });
    return { reply: null, setCookie };
  } catch (err) {
    return { reply: ctx.fail(err, current.lang), setCookie: [] };
  }
}
