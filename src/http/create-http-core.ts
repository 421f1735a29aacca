import type { Readable } from 'node:stream';
import type { MessageLang } from '../messages/catalog.js';
import { createHttpContext } from './context.js';
import type { HttpReply } from './error-body.js';
import { accessRule, guard, guardNow, recentAuthAge } from './guards.js';
import { changePassword } from './handlers/change-password.js';
import { completePasswordReset } from './handlers/complete-password-reset.js';
import { confirmTotp } from './handlers/confirm-totp.js';
import { enrollTotp } from './handlers/enroll-totp.js';
import { login } from './handlers/login.js';
import { reauthenticate } from './handlers/reauthenticate.js';
import { logout } from './handlers/logout.js';
import { requestPasswordReset } from './handlers/request-password-reset.js';
import { regenerateRecoveryCodes } from './handlers/regenerate-recovery-codes.js';
import { verifyMfa } from './handlers/verify-mfa.js';
import { listSessions, revokeOtherSessions, revokeSession } from './handlers/sessions.js';
import { listPasskeys, passkeyReauthenticateFinish, passkeyReauthenticateStart, removePasskey, renamePasskey } from './handlers/passkey-manage.js';
import { passkeyAuthenticateFinish, passkeyAuthenticateStart, passkeyRegisterFinish, passkeyRegisterStart } from './handlers/passkeys.js';
import { type ReadBodyResult, parseJsonBody, parsedJsonBody, readJsonBody } from './read-body.js';
import { type DataEventLog, type DataEventSpec, recordDataEvent } from './record-data-event.js';
import type { GuardOutcome, GuardRequirement, HttpAdapterOptions, HttpKanmon, HttpRequest, KanmonRequestState } from './types.js';

export { hasSecondFactor, roleList } from './guards.js';
export type { DataEventLog, DataEventSpec } from './record-data-event.js';
export type { GuardOutcome, GuardRequirement, HttpAdapterOptions, HttpKanmon, HttpRequest, KanmonRequestState } from './types.js';

/**
 * The framework-neutral half of the adapters: every decision the Express and
 * Fastify adapters make is made here, on a plain request, and comes back as an
 * {@link HttpReply} the adapter copies out unchanged. Both adapters therefore
 * answer with the same status, headers and bytes.
 *
 * One file per route under `handlers/`, the guards in `guards.ts`, the body preamble in
 * `body-fields.ts`; they share one `HttpContext` (context.ts) built here.
 */
export function createHttpCore(kanmon: HttpKanmon, options: HttpAdapterOptions) {
  const ctx = createHttpContext(kanmon, options);

  /** A handler that never throws: whatever escapes it takes the one error path (`HttpContext.fail`). */
  const safe =
    <A extends unknown[]>(handler: (request: HttpRequest, current: KanmonRequestState, ...rest: A) => Promise<HttpReply>) =>
    async (request: HttpRequest, current: KanmonRequestState, ...rest: A): Promise<HttpReply> => {
      try {
        return await handler(request, current, ...rest);
      } catch (err) {
        return ctx.fail(err, current.lang);
      }
    };

  return {
    cookieName: ctx.cookieName,
    /** `requireAccess(name)`: the name must be a rule of `policy.access.routes`, checked when the guard is made. */
    accessRule: (policyName: unknown): string => accessRule(kanmon.policy, policyName),
    /** `requireRecentAuth(maxAgeSeconds?)`: 1–86400 whole seconds, checked when the guard is made; `null` = the policy's. */
    recentAuthAge: (maxAgeSeconds: unknown): number | null => recentAuthAge(maxAgeSeconds),
    bodyLimitBytes: ctx.bodyLimitBytes,
    /** A fresh state for a request. */
    state: (request: HttpRequest): KanmonRequestState => ctx.state(request),
    langOf: (request: HttpRequest): MessageLang => ctx.langOf(request),
    /** IPC-16: a reply refusing plain HTTP, or `null` when the transport is acceptable. */
    transport: (request: HttpRequest, current: KanmonRequestState): HttpReply | null => ctx.transport(request, current),
    /** The one error path of every route and guard: 503 + `Retry-After` for an outage, else 500. */
    fail: (err: unknown, lang: MessageLang): HttpReply => ctx.fail(err, lang),
    /** Run one guard; never throws (a failure is a coded refusal). */
    guard: (request: HttpRequest, current: KanmonRequestState, requirement: GuardRequirement): Promise<GuardOutcome> =>
      // `guard` is async (it never throws synchronously): one derived promise, no extra async frame per request.
      guard(ctx, request, current, requirement).catch((err: unknown): GuardOutcome => ({ ok: false, reply: ctx.fail(err, current.lang) })),
    /** The guard's answer when it needs no waiting (a session granted from an in-process store), else `null`: call `guard`. Never throws. */
    guardNow: (request: HttpRequest, current: KanmonRequestState, requirement: GuardRequirement): GuardOutcome | null => guardNow(ctx, request, current, requirement),
    /** Record a data event with the session's actor (EXT-6, SEC-26); `reply` null once durable, else the answer to send. Never throws. */
    recordDataEvent: (request: HttpRequest, current: KanmonRequestState, log: DataEventLog, spec: DataEventSpec) => recordDataEvent(ctx, request, current, log, spec),
    /** Read a JSON body from the raw request stream (when the framework has not parsed it). */
    readBody: (stream: Readable & HttpRequest): Promise<ReadBodyResult> => {
      const contentType = stream.headers['content-type'];
      const contentLength = stream.headers['content-length'];
      return readJsonBody(stream, typeof contentType === 'string' ? contentType : undefined, ctx.bodyLimitBytes, typeof contentLength === 'string' ? contentLength : undefined);
    },
    /** A body the framework already parsed (NestJS): JSON only, within the limit. */
    parsedBody: (request: HttpRequest, value: unknown): ReadBodyResult => {
      const contentType = request.headers['content-type'];
      const contentLength = request.headers['content-length'];
      return parsedJsonBody(value, typeof contentType === 'string' ? contentType : undefined, ctx.bodyLimitBytes, typeof contentLength === 'string' ? contentLength : undefined);
    },
    /** A body the framework kept as bytes (NestJS `rawBody: true`): JSON only, within the limit. */
    bodyBytes: (request: HttpRequest, bytes: Uint8Array): ReadBodyResult => {
      const contentType = request.headers['content-type'];
      if (bytes.byteLength > ctx.bodyLimitBytes) return { ok: false, reason: 'payload_too_large' };
      return parseJsonBody(bytes, typeof contentType === 'string' ? contentType : undefined);
    },
    handlers: {
      login: safe((request, current, body: ReadBodyResult) => login(ctx, request, current, body)),
      verifyMfa: safe((request, current, body: ReadBodyResult) => verifyMfa(ctx, request, current, body)),
      changePassword: safe((request, current, body: ReadBodyResult) => changePassword(ctx, request, current, body)),
      enrollTotp: safe((request, current, body: ReadBodyResult) => enrollTotp(ctx, request, current, body)),
      confirmTotp: safe((request, current, body: ReadBodyResult) => confirmTotp(ctx, request, current, body)),
      requestPasswordReset: safe((request, current, body: ReadBodyResult) => requestPasswordReset(ctx, request, current, body)),
      completePasswordReset: safe((request, current, body: ReadBodyResult) => completePasswordReset(ctx, request, current, body)),
      regenerateRecoveryCodes: safe((request, current, body: ReadBodyResult) => regenerateRecoveryCodes(ctx, request, current, body)),
      reauthenticate: safe((request, current, body: ReadBodyResult) => reauthenticate(ctx, request, current, body)),
      logout: safe((request, current) => logout(ctx, request, current)),
      listSessions: safe((request, current) => listSessions(ctx, request, current)),
      revokeSession: safe((request, current, body: ReadBodyResult) => revokeSession(ctx, request, current, body)),
      revokeOtherSessions: safe((request, current) => revokeOtherSessions(ctx, request, current)),
      passkeyRegisterStart: safe((request, current, body: ReadBodyResult) => passkeyRegisterStart(ctx, request, current, body)),
      passkeyRegisterFinish: safe((request, current, body: ReadBodyResult) => passkeyRegisterFinish(ctx, request, current, body)),
      passkeyAuthenticateStart: safe((request, current, body: ReadBodyResult) => passkeyAuthenticateStart(ctx, request, current, body)),
      passkeyAuthenticateFinish: safe((request, current, body: ReadBodyResult) => passkeyAuthenticateFinish(ctx, request, current, body)),
      passkeyReauthenticateStart: safe((request, current, body: ReadBodyResult) => passkeyReauthenticateStart(ctx, request, current, body)),
      passkeyReauthenticateFinish: safe((request, current, body: ReadBodyResult) => passkeyReauthenticateFinish(ctx, request, current, body)),
      listPasskeys: safe((request, current) => listPasskeys(ctx, request, current)),
      renamePasskey: safe((request, current, body: ReadBodyResult) => renamePasskey(ctx, request, current, body)),
      removePasskey: safe((request, current, body: ReadBodyResult) => removePasskey(ctx, request, current, body)),
    },
  };
}
