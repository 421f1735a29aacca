/**
 * The session-control methods of `Kanmon` (the user's own sessions: list, revoke one, revoke the others)
 * and the login refusal of `policy.session.maxConcurrent` in `refuse_new` mode.
 */
import type { AuditReceipt } from '../audit/create-audit-log.js';
import type { AuditEventInput } from '../audit/event.js';
import type { Session, SessionInfo } from '../session/types.js';
import type { AccountRecord } from './account.js';
import type { RequestFacts } from './inputs.js';
import type { OutageCause } from './outage.js';

/** A login refused because the account has `limit` live sessions (`policy.session.maxConcurrent`, `refuse_new`). */
export interface SessionLimitDenied {
  readonly status: 'denied';
  readonly reason: 'session_limit';
  /** The limit in force: the user logs out of another session (or has it revoked) first. */
  readonly limit: number;
}

/** Audit the refusal and answer it. */
export async function sessionLimitDenied(
  record: (event: AuditEventInput) => Promise<AuditReceipt>,
  account: AccountRecord,
  source: AuditEventInput['source'],
  limit: number,
): Promise<SessionLimitDenied> {
  await record({ type: 'auth.login.failure', tenant: account.tenant, actor: account.username, target: account.id, source, reason: 'session_limit', after: { limit } });
  return { status: 'denied', reason: 'session_limit', limit };
}

/** What each session-control method takes: the caller's own session, as `sessions.verify` answered it. */
export interface SessionControlInput extends RequestFacts {
  readonly session: Session;
}

export interface RevokeSessionInput extends SessionControlInput {
  /** A `sessionId` from `listSessions`. */
  readonly sessionId: string;
}

/** A live session of the account, and whether it is the caller's own. */
export interface ListedSession extends SessionInfo {
  readonly current: boolean;
}

type Unavailable = { readonly ok: false; readonly reason: 'unavailable'; readonly retryAfterMs: number } & OutageCause;

/** Answer of {@link KanmonSessions.listSessions}: the account's live sessions, or the store did not answer. */
export type ListSessionsResult = { readonly ok: true; readonly sessions: readonly ListedSession[] } | Unavailable;
/** `not_found`: the account has no such live session (an id of another account's session is not found either). */
export type RevokeSessionResult = { readonly ok: true } | { readonly ok: false; readonly reason: 'not_found' } | Unavailable;
/** Answer of {@link KanmonSessions.revokeOtherSessions}: how many sessions were ended, or the store did not answer. */
export type RevokeOtherSessionsResult = { readonly ok: true; readonly revoked: number } | Unavailable;

/**
 * The user's own sessions (issue 17): each login is indexed per account in the store with its time, last
 * activity, client address, device and methods. An account only ever sees and revokes its own sessions.
 * They need the store's entry lists (memory, Redis, PostgreSQL): on a custom store without them they throw
 * `ERR_CAPABILITY_MISSING` (a configuration mistake), never answer wrongly.
 */
export interface KanmonSessions {
  /** The caller's account's live sessions, oldest first, the caller's own marked `current`. */
  listSessions(input: SessionControlInput): Promise<ListSessionsResult>;
  /** End one of the account's sessions: refused on every instance at its next request. Audited. */
  revokeSession(input: RevokeSessionInput): Promise<RevokeSessionResult>;
  /** End every session of the account but the caller's own ("log out my other devices"). Audited. */
  revokeOtherSessions(input: SessionControlInput): Promise<RevokeOtherSessionsResult>;
}
