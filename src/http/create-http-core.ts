import type { Readable } from 'node:stream';
import { createClientIpResolver } from '../access/client-ip.js';
import type { IncomingHeaders } from '../access/client-ip.js';
import type { PeerCertificateSocket } from '../access/client-cert.js';
import type { AccessRequest, AccessRequestDecision } from '../access/evaluate-access.js';
import { createIpAllowList } from '../access/ip-allow-list.js';
import { KanmonError } from '../errors.js';
import type {
  ChangePasswordResult,
  ConfirmEnrollmentResult,
  EnrollDenyReason,
  EnrollTarget,
  EnrollTotpResult,
  Kanmon,
  LoginAuthenticated,
  LoginDenyReason,
  LoginMfaRequired,
  LoginResult,
  RequestFacts,
  VerifyMfaResult,
} from '../login/types.js';
import type { MessageLang } from '../messages/catalog.js';
import { formatIssue } from '../messages/format-issue.js';
import type { Session, VerifySessionResult } from '../session/create-session-manager.js';
import { readCookie, serializeCookie } from './cookies.js';
import { type HttpErrorCode, type HttpReply, errorReply, failureReply, isOutage, jsonReply } from './error-body.js';
import { chooseLanguage } from './language.js';
import { MAX_BODY_BYTES, type ReadBodyResult, readJsonBody } from './read-body.js';
import { checkTransport } from './transport.js';

/** A request as every adapter sees it (Node's `IncomingMessage` fits). */
export interface HttpRequest {
  readonly headers: IncomingHeaders;
  readonly socket?: (PeerCertificateSocket & { readonly encrypted?: boolean; readonly remoteAddress?: string | undefined }) | null;
}

/** What kanmon knows about the current request, on `req.kanmon` (Express) / `request.kanmon` (Fastify). */
export interface KanmonRequestState {
  /** The tenant the request belongs to (the adapter's `tenant` option). */
  readonly tenant: string;
  /** The message language chosen from `Accept-Language`. */
  readonly lang: MessageLang;
  /** The verified session, once a guard ran; `null` before. */
  session: Session | null;
  /** The last access decision (`requireAccess`), or `null`. */
  access: AccessRequestDecision | null;
}

/** What a guard needs. */
export type GuardRequirement =
  | { readonly kind: 'session' }
  | { readonly kind: 'mfa' }
  | { readonly kind: 'role'; readonly roles: readonly string[] }
  | { readonly kind: 'access'; readonly policyName: string };

export type GuardOutcome =
  | { readonly ok: true; readonly state: KanmonRequestState; /** `Set-Cookie` values to send (a rolled session). */ readonly setCookie: readonly string[] }
  | { readonly ok: false; readonly reply: HttpReply };

/** The part of a {@link Kanmon} the adapters use. */
export type HttpKanmon = Pick<Kanmon, 'policy' | 'sessions' | 'access' | 'login' | 'verifyMfa' | 'changePassword' | 'enrollTotp' | 'confirmTotp' | 'logout'>;

/** Options shared by both adapters. */
export interface HttpAdapterOptions {
  /**
   * The tenant (municipality) of each request: a fixed id, or a function of the
   * request (host name, path). A session from another tenant is refused.
   */
  readonly tenant: string | ((request: HttpRequest) => string);
  /** Language when `Accept-Language` names neither `ja` nor `en`. @default 'ja' */
  readonly defaultLang?: MessageLang;
  /** The session cookie's name (`__Host-` keeps it to this exact origin). @default policy.session.cookieName ('__Host-kanmon') */
  readonly cookieName?: string;
  /** Also accept `Authorization: Bearer <token>` (API clients). @default true */
  readonly acceptBearer?: boolean;
  /** Put the session token in the login answer's body too, for API clients using `Bearer`. @default false */
  readonly tokenInBody?: boolean;
  /** Header carrying a registered-device token (SEC-6.3). @default 'x-kanmon-device' */
  readonly deviceHeader?: string;
  /** The access rule (key of `policy.access.routes`) the login, MFA and password-change handlers apply; absent = `defaultRule`. */
  readonly loginAccessRule?: string;
  /** Largest login / MFA body read, bytes. @default 16384 */
  readonly bodyLimitBytes?: number;
  /**
   * Sees every error a kanmon route or guard answered with a coded `500
   * internal_error` or `503 service_unavailable` (log it here: the answer never
   * carries its message or stack). Its own throws are ignored.
   * @default writes `500`s to `console.error`; `503` outages are left to the store's and audit log's own reports
   */
  readonly onError?: (error: unknown) => void;
}

const MFA_METHODS = new Set(['otp', 'hwk', 'mfa']);

/** Whether a session authenticated with a second factor. */
export function hasSecondFactor(session: Session): boolean {
  return session.amr.some((m) => MFA_METHODS.has(m));
}

const sessionFailure: Record<Exclude<VerifySessionResult, { ok: true }>['reason'], HttpErrorCode> = {
  malformed: 'session_invalid',
  invalid_signature: 'session_invalid',
  algorithm_not_allowed: 'session_invalid',
  revoked: 'session_invalid',
  wrong_tenant: 'session_invalid',
  expired_idle: 'session_expired',
  expired_absolute: 'session_expired',
  unavailable: 'service_unavailable',
};

const loginFailure: Record<LoginDenyReason, HttpErrorCode> = {
  invalid_credentials: 'invalid_credentials',
  locked: 'locked',
  throttled: 'throttled',
  tls_required: 'tls_required',
  not_internal: 'access_denied',
  ip_not_allowed: 'access_denied',
  client_cert_required: 'access_denied',
  device_not_registered: 'access_denied',
  out_of_hours: 'access_denied',
  unavailable: 'service_unavailable',
};

const mfaFailure: Record<EnrollDenyReason, HttpErrorCode> = {
  invalid_challenge: 'challenge_invalid',
  invalid_code: 'mfa_invalid',
  replayed: 'mfa_invalid',
  already_used: 'mfa_invalid',
  not_enrolled: 'mfa_not_enrolled',
  already_enrolled: 'mfa_already_enrolled',
  reauth_required: 'reauth_required',
  factor_required: 'factor_required',
  locked: 'locked',
  unavailable: 'service_unavailable',
};

/** The role names of `requireRole`: one name or a non-empty list of non-empty names (else `ERR_INVALID_ARGUMENT`). */
export function roleList(roles: unknown): readonly string[] {
  const items: unknown[] = typeof roles === 'string' ? [roles] : Array.isArray(roles) ? (roles as unknown[]) : [];
  const names = items.filter((r): r is string => typeof r === 'string' && r.length > 0);
  if (names.length === 0 || names.length !== items.length) throw new KanmonError('ERR_INVALID_ARGUMENT', 'requireRole needs one or more role names');
  return names;
}

const BEARER = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i;

/** A field of a JSON body: a string of 1 to `max` characters. */
function text(body: Record<string, unknown>, name: string, max: number): string | null {
  const value = body[name];
  return typeof value === 'string' && value.length > 0 && value.length <= max ? value : null;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** `Retry-After` in whole seconds, at least 1. */
const retryAfter = (ms: number | null | undefined): Record<string, string> =>
  typeof ms === 'number' && Number.isFinite(ms) && ms > 0 ? { 'retry-after': String(Math.max(1, Math.ceil(ms / 1000))) } : {};

/**
 * The framework-neutral half of the adapters: every decision the Express and
 * Fastify adapters make is made here, on a plain request, and comes back as an
 * {@link HttpReply} the adapter copies out unchanged. Both adapters therefore
 * answer with the same status, headers and bytes.
 */
export function createHttpCore(kanmon: HttpKanmon, options: HttpAdapterOptions) {
  if (kanmon === null || typeof kanmon !== 'object' || typeof kanmon.sessions?.verify !== 'function' || typeof kanmon.login !== 'function') {
    throw new KanmonError('ERR_INVALID_ARGUMENT', 'pass the Kanmon returned by createKanmon()');
  }
  const { policy, sessions } = kanmon;
  const {
    tenant,
    defaultLang = 'ja',
    cookieName = policy.session.cookieName,
    acceptBearer = true,
    tokenInBody = false,
    deviceHeader = 'x-kanmon-device',
    loginAccessRule,
    bodyLimitBytes = MAX_BODY_BYTES,
    onError = (error: unknown) => {
      if (!isOutage(error)) console.error('kanmon: a route or guard failed and answered 500 internal_error:', error);
    },
  } = options ?? ({} as HttpAdapterOptions);
  if (typeof tenant !== 'string' && typeof tenant !== 'function') {
    throw new KanmonError('ERR_INVALID_ARGUMENT', 'the adapter needs { tenant }: a tenant id or (request) => tenant id');
  }
  if (defaultLang !== 'ja' && defaultLang !== 'en') throw new KanmonError('ERR_INVALID_ARGUMENT', `defaultLang must be 'ja' or 'en'`);
  if (!Number.isSafeInteger(bodyLimitBytes) || bodyLimitBytes < 256) throw new KanmonError('ERR_INVALID_ARGUMENT', 'bodyLimitBytes must be an integer of at least 256');
  if (typeof onError !== 'function') throw new KanmonError('ERR_INVALID_ARGUMENT', 'onError must be a function');
  if (typeof deviceHeader !== 'string' || !/^[a-z0-9-]+$/.test(deviceHeader)) throw new KanmonError('ERR_INVALID_ARGUMENT', 'deviceHeader must be a lower-case header name');
  serializeCookie(cookieName, ''); // a name the browser would refuse throws now, not on the first login
  const resolver = createClientIpResolver({ trustedProxies: createIpAllowList(policy.access.trustedProxies), header: policy.access.forwardedHeader });
  const requireTls = policy.access.requireTls;

  const tenantOf = (request: HttpRequest): string => {
    const id = typeof tenant === 'string' ? tenant : tenant(request);
    if (typeof id !== 'string' || id.length === 0) throw new KanmonError('ERR_INVALID_ARGUMENT', 'the tenant option returned no tenant id');
    return id;
  };

  const langOf = (request: HttpRequest): MessageLang => chooseLanguage(request.headers['accept-language'], defaultLang);

  /**
   * The one error path of every route and guard: report the error, answer the
   * coded body ({@link failureReply}: 503 + `Retry-After` for an outage, else 500).
   */
  const fail = (err: unknown, lang: MessageLang): HttpReply => {
    try {
      onError(err);
    } catch {
      // a failing logger must not turn a coded answer into a crash
    }
    return failureReply(err, lang);
  };

  /** A fresh state for a request. */
  const state = (request: HttpRequest): KanmonRequestState => ({ tenant: tenantOf(request), lang: langOf(request), session: null, access: null });

  /**
   * The session cookie: `__Host-` name, `HttpOnly`, `Secure`, `SameSite=Strict`,
   * `Path=/`, no `Max-Age` (it ends with the browser; the server enforces the
   * idle and absolute deadlines whatever the cookie does).
   */
  const sessionCookie = (token: string): string => serializeCookie(cookieName, token);
  const clearCookie = (): string => serializeCookie(cookieName, '', { maxAgeSeconds: 0 });

  const deviceOf = (request: HttpRequest): string | null => {
    const value = request.headers[deviceHeader];
    return typeof value === 'string' && value.length > 0 && value.length <= 2048 ? value : null;
  };

  /** The token from the session cookie, else from `Authorization: Bearer`. */
  const tokenOf = (request: HttpRequest): { token: string; from: 'cookie' | 'bearer' } | null => {
    const fromCookie = readCookie(request.headers.cookie, cookieName);
    if (fromCookie !== undefined && fromCookie !== '') return { token: fromCookie, from: 'cookie' };
    if (acceptBearer) {
      const authorization = request.headers.authorization;
      const match = typeof authorization === 'string' ? BEARER.exec(authorization) : null;
      if (match?.[1] !== undefined) return { token: match[1], from: 'bearer' };
    }
    return null;
  };

  /** IPC-16: a reply refusing plain HTTP, or `null` when the transport is acceptable. */
  const transport = (request: HttpRequest, lang?: MessageLang): HttpReply | null => {
    const result = checkTransport(request, resolver, requireTls);
    return result.ok ? null : errorReply('tls_required', lang ?? langOf(request));
  };

  const authenticate = async (request: HttpRequest, current: KanmonRequestState): Promise<GuardOutcome> => {
    if (current.session !== null) return { ok: true, state: current, setCookie: [] };
    const found = tokenOf(request);
    if (found === null) return { ok: false, reply: errorReply('session_required', current.lang) };
    const result = await sessions.verify(found.token, { tenant: current.tenant });
    if (!result.ok) {
      const code = sessionFailure[result.reason];
      const headers: Record<string, string> = found.from === 'cookie' && code !== 'service_unavailable' ? { 'set-cookie': clearCookie() } : {};
      return { ok: false, reply: errorReply(code, current.lang, {}, headers) };
    }
    current.session = result.session;
    // Rolling session: the re-issued token replaces the cookie (or rides in a header for Bearer clients).
    const setCookie = result.refreshed && found.from === 'cookie' ? [sessionCookie(result.refreshed.token)] : [];
    return { ok: true, state: current, setCookie };
  };

  const refuse = (code: HttpErrorCode, current: KanmonRequestState, setCookie: readonly string[], extra: Record<string, string> = {}): GuardOutcome => ({
    ok: false,
    reply: errorReply(code, current.lang, {}, setCookie.length > 0 ? { ...extra, 'set-cookie': setCookie } : extra),
  });

  const accessRequest = (request: HttpRequest, current: KanmonRequestState, route: string | null | undefined): AccessRequest => ({
    route: route ?? null,
    socket: request.socket ?? null,
    headers: request.headers,
    tenantId: current.tenant,
    accountId: current.session?.subject ?? null,
    deviceToken: deviceOf(request),
  });

  /** FNB-2.1 for one named rule of `policy.access.routes`, plus its MFA flag (SEC-16, SEC-27). */
  const access = async (request: HttpRequest, current: KanmonRequestState, policyName: string): Promise<GuardOutcome> => {
    // The session is optional here; when present it binds the device to the account and satisfies an MFA flag.
    let setCookie: readonly string[] = [];
    if (current.session === null && tokenOf(request) !== null) {
      const outcome = await authenticate(request, current);
      if (!outcome.ok) return outcome;
      setCookie = outcome.setCookie;
    }
    let decision: AccessRequestDecision;
    try {
      decision = await kanmon.access.evaluateRequest(accessRequest(request, current, policyName));
    } catch (err) {
      const reply = fail(err, current.lang);
      return { ok: false, reply: setCookie.length > 0 ? { ...reply, headers: { ...reply.headers, 'set-cookie': setCookie } } : reply };
    }
    current.access = decision;
    if (!decision.ok) return refuse(decision.reason === 'tls_required' ? 'tls_required' : 'access_denied', current, setCookie);
    if (decision.flags.includes('mfa_required') && (current.session === null || !hasSecondFactor(current.session))) {
      return refuse('mfa_required', current, setCookie);
    }
    return { ok: true, state: current, setCookie };
  };

  /**
   * Run one guard. Every guard first checks the transport (IPC-16) and, but for
   * `access`, the session; so `requireRole('admin')` alone is as safe as
   * `requireSession()` followed by it.
   */
  const guard = async (request: HttpRequest, current: KanmonRequestState, requirement: GuardRequirement): Promise<GuardOutcome> => {
    const refused = transport(request, current.lang);
    if (refused) return { ok: false, reply: refused };
    if (requirement.kind === 'access') return access(request, current, requirement.policyName);
    const outcome = await authenticate(request, current);
    if (!outcome.ok) return outcome;
    const session = outcome.state.session as Session;
    if (requirement.kind === 'mfa' && !hasSecondFactor(session)) return refuse('mfa_required', current, outcome.setCookie);
    if (requirement.kind === 'role' && !requirement.roles.some((role) => session.roles.includes(role))) return refuse('forbidden', current, outcome.setCookie);
    return outcome;
  };

  // ─── Handlers ──────────────────────────────────────────────────────────────

  /** What every kanmon call gets about the request: the request itself, the client address resolved through the trusted proxies, the user agent. */
  const facts = (request: HttpRequest, current: KanmonRequestState): RequestFacts => {
    const userAgent = request.headers['user-agent'];
    const requestFacts = accessRequest(request, current, loginAccessRule);
    return {
      request: requestFacts,
      clientIp: resolver.resolve({ remoteAddress: request.socket?.remoteAddress, headers: request.headers }).ip,
      deviceId: deviceOf(request),
      route: loginAccessRule ?? null,
      ...(typeof userAgent === 'string' ? { userAgent: userAgent.slice(0, 512) } : {}),
    };
  };

  const sessionView = (session: Session) => ({
    tenant: session.tenant,
    subject: session.subject,
    amr: session.amr,
    roles: session.roles,
    authTime: session.authTime,
    idleExpiresAt: session.idleExpiresAt,
    absoluteExpiresAt: session.absoluteExpiresAt,
  });

  /** `authenticated` (sets the cookie) or `mfa_required`. */
  const stepReply = (result: LoginAuthenticated | LoginMfaRequired, extra: Record<string, unknown> = {}): HttpReply => {
    if (result.status === 'mfa_required') {
      const { challenge, expiresAt, reasons, enrolled, warnings } = result;
      return jsonReply(200, { status: 'mfa_required', challenge, expiresAt, reasons, enrolled, warnings, ...extra });
    }
    const body = { status: 'authenticated', session: sessionView(result.session), warnings: result.warnings, ...extra, ...(tokenInBody ? { token: result.token } : {}) };
    return jsonReply(200, body, { 'set-cookie': sessionCookie(result.token) });
  };

  const loginReply = (result: LoginResult, lang: MessageLang): HttpReply => {
    switch (result.status) {
      case 'authenticated':
      case 'mfa_required':
        return stepReply(result);
      case 'password_change_required': {
        const { reason, challenge, expiresAt } = result;
        return jsonReply(200, { status: 'password_change_required', reason, challenge, expiresAt });
      }
      case 'denied': {
        // Only the caller-facing reason is used: unknown user, wrong password and disabled
        // account reach here as the same `invalid_credentials` and leave as the same bytes.
        const code = loginFailure[result.reason];
        return errorReply(code, lang, {}, code === 'locked' || code === 'throttled' || code === 'service_unavailable' ? retryAfter(result.retryAfterMs) : {});
      }
    }
  };

  const mfaDenied = (reason: EnrollDenyReason, retryAfterMs: number | null | undefined, lang: MessageLang): HttpReply => {
    const code = mfaFailure[reason];
    return errorReply(code, lang, {}, code === 'locked' || code === 'service_unavailable' ? retryAfter(retryAfterMs) : {});
  };

  /** A body problem as its coded reply, or the body object. */
  const bodyObject = (body: ReadBodyResult, lang: MessageLang): Record<string, unknown> | HttpReply => {
    if (!body.ok) return errorReply(body.reason, lang);
    return isObject(body.value) ? body.value : errorReply('invalid_request', lang);
  };

  /** A failure inside a handler: the one error path ({@link fail}). */
  const unavailable = (err: unknown, lang: MessageLang): HttpReply => fail(err, lang);

  /** Who a challenge-or-session step is for: `challenge` in the body, else the verified session. */
  const target = async (request: HttpRequest, current: KanmonRequestState, body: Record<string, unknown>): Promise<{ target: EnrollTarget; setCookie: readonly string[] } | HttpReply> => {
    if (body.challenge !== undefined) {
      const challenge = text(body, 'challenge', 8192);
      return challenge === null ? errorReply('invalid_request', current.lang) : { target: { challenge }, setCookie: [] };
    }
    const outcome = await authenticate(request, current);
    if (!outcome.ok) return outcome.reply;
    return { target: { session: outcome.state.session as Session }, setCookie: outcome.setCookie };
  };

  const withCookies = (reply: HttpReply, setCookie: readonly string[]): HttpReply => {
    if (setCookie.length === 0 || reply.headers['set-cookie'] !== undefined) return reply;
    return { ...reply, headers: { ...reply.headers, 'set-cookie': setCookie } };
  };

  const isReply = (value: unknown): value is HttpReply => isObject(value) && typeof value.status === 'number' && 'body' in value && 'headers' in value;

  /** `POST` login: `{ "username": string, "password": string }`. */
  const login = async (request: HttpRequest, current: KanmonRequestState, body: ReadBodyResult): Promise<HttpReply> => {
    const refused = transport(request, current.lang);
    if (refused) return refused;
    const fields = bodyObject(body, current.lang);
    if (isReply(fields)) return fields;
    const username = text(fields, 'username', 256);
    const password = text(fields, 'password', 4096);
    if (username === null || password === null) return errorReply('invalid_request', current.lang);
    try {
      const result = await kanmon.login({ tenant: current.tenant, username, password, ...facts(request, current) });
      return loginReply(result, current.lang);
    } catch (err) {
      return unavailable(err, current.lang);
    }
  };

  /** `POST` second factor: `{ "challenge": string, "code": string }` (TOTP or recovery code). */
  const verifyMfa = async (request: HttpRequest, current: KanmonRequestState, body: ReadBodyResult): Promise<HttpReply> => {
    const refused = transport(request, current.lang);
    if (refused) return refused;
    const fields = bodyObject(body, current.lang);
    if (isReply(fields)) return fields;
    const challenge = text(fields, 'challenge', 8192);
    const code = text(fields, 'code', 64);
    if (challenge === null || code === null) return errorReply('invalid_request', current.lang);
    try {
      const result: VerifyMfaResult = await kanmon.verifyMfa(challenge, code, facts(request, current));
      return result.status === 'denied' ? mfaDenied(result.reason, result.retryAfterMs, current.lang) : stepReply(result);
    } catch (err) {
      return unavailable(err, current.lang);
    }
  };

  /**
   * `POST` password change: `{ "challenge"?: string, "currentPassword": string, "newPassword": string }`;
   * with a `password_change_required` challenge, or else for the session.
   */
  const changePassword = async (request: HttpRequest, current: KanmonRequestState, body: ReadBodyResult): Promise<HttpReply> => {
    const refused = transport(request, current.lang);
    if (refused) return refused;
    const fields = bodyObject(body, current.lang);
    if (isReply(fields)) return fields;
    const currentPassword = text(fields, 'currentPassword', 4096);
    const newPassword = typeof fields.newPassword === 'string' && fields.newPassword.length <= 4096 ? fields.newPassword : null;
    if (currentPassword === null || newPassword === null) return errorReply('invalid_request', current.lang);
    const who = await target(request, current, fields);
    if (isReply(who)) return who;
    try {
      const result: ChangePasswordResult = await kanmon.changePassword({ ...facts(request, current), ...who.target, currentPassword, newPassword });
      if (result.status === 'changed') return stepReply(result.next, { changed: true });
      switch (result.reason) {
        case 'policy':
          return errorReply('password_rejected', current.lang, {
            issues: (result.issues ?? []).map((issue) => ({ ...issue, message: formatIssue(issue, current.lang) })),
          });
        case 'reused':
          return errorReply('password_reused', current.lang);
        case 'too_soon':
          return errorReply('password_too_soon', current.lang, {}, retryAfter(result.retryAfterMs));
        case 'invalid_challenge':
          return errorReply('challenge_invalid', current.lang);
        case 'invalid_credentials':
          return errorReply('invalid_credentials', current.lang);
        case 'locked':
        case 'throttled':
        case 'unavailable':
          return errorReply(loginFailure[result.reason], current.lang, {}, retryAfter(result.retryAfterMs));
      }
    } catch (err) {
      return unavailable(err, current.lang);
    }
  };

  /**
   * `POST` TOTP enrolment start: `{ "challenge"?: string, "currentCode"?: string }`; answers the secret, URI and
   * QR code once. From a session, an account that has a second factor sends a code of it as `currentCode`.
   */
  const enrollTotp = async (request: HttpRequest, current: KanmonRequestState, body: ReadBodyResult): Promise<HttpReply> => {
    const refused = transport(request, current.lang);
    if (refused) return refused;
    const fields = bodyObject(body, current.lang);
    if (isReply(fields)) return fields;
    const currentCode = text(fields, 'currentCode', 64);
    if (fields.currentCode !== undefined && currentCode === null) return errorReply('invalid_request', current.lang);
    const who = await target(request, current, fields);
    if (isReply(who)) return who;
    try {
      const enrollTarget: EnrollTarget = 'session' in who.target && currentCode !== null ? { ...who.target, currentCode } : who.target;
      const result: EnrollTotpResult = await kanmon.enrollTotp(enrollTarget, facts(request, current));
      if (result.status === 'denied') return withCookies(mfaDenied(result.reason, result.retryAfterMs, current.lang), who.setCookie);
      const { secret, uri, qrSvg } = result;
      return withCookies(jsonReply(200, { status: 'pending', secret, uri, qrSvg }), who.setCookie);
    } catch (err) {
      return unavailable(err, current.lang);
    }
  };

  /** `POST` TOTP enrolment confirmation: `{ "challenge"?: string, "code": string }`; answers the recovery codes once. */
  const confirmTotp = async (request: HttpRequest, current: KanmonRequestState, body: ReadBodyResult): Promise<HttpReply> => {
    const refused = transport(request, current.lang);
    if (refused) return refused;
    const fields = bodyObject(body, current.lang);
    if (isReply(fields)) return fields;
    const code = text(fields, 'code', 64);
    if (code === null) return errorReply('invalid_request', current.lang);
    const who = await target(request, current, fields);
    if (isReply(who)) return who;
    try {
      const result: ConfirmEnrollmentResult = await kanmon.confirmTotp(who.target, code, facts(request, current));
      if (result.status === 'denied') return withCookies(mfaDenied(result.reason, result.retryAfterMs, current.lang), who.setCookie);
      if (result.status === 'enrolled') return withCookies(jsonReply(200, { status: 'enrolled', recoveryCodes: result.recoveryCodes }), who.setCookie);
      return stepReply(result, { recoveryCodes: result.recoveryCodes });
    } catch (err) {
      return unavailable(err, current.lang);
    }
  };

  /** `POST` logout: ends the session (if any) and clears the cookie; `204` either way. */
  const logout = async (request: HttpRequest, current: KanmonRequestState): Promise<HttpReply> => {
    const refused = transport(request, current.lang);
    if (refused) return refused;
    const cleared: HttpReply = { status: 204, headers: { 'cache-control': 'no-store', 'set-cookie': clearCookie() }, body: null };
    const found = tokenOf(request);
    if (found === null) return cleared;
    const result = await sessions.verify(found.token, { tenant: current.tenant });
    if (!result.ok) return result.reason === 'unavailable' ? errorReply('service_unavailable', current.lang) : cleared;
    try {
      await kanmon.logout(result.session, facts(request, current));
    } catch (err) {
      return unavailable(err, current.lang);
    }
    return cleared;
  };

  /** Read a JSON body from the raw request stream (when the framework has not parsed it). */
  const readBody = (stream: Readable & HttpRequest): Promise<ReadBodyResult> => {
    const contentType = stream.headers['content-type'];
    const contentLength = stream.headers['content-length'];
    return readJsonBody(stream, typeof contentType === 'string' ? contentType : undefined, bodyLimitBytes, typeof contentLength === 'string' ? contentLength : undefined);
  };

  /** `requireAccess(name)`: the name must be a rule of `policy.access.routes`, checked when the guard is made. */
  const accessRule = (policyName: unknown): string => {
    if (typeof policyName !== 'string' || !Object.hasOwn(policy.access.routes, policyName)) {
      throw new KanmonError('ERR_INVALID_ARGUMENT', `requireAccess('${String(policyName)}'): no such rule in policy.access.routes`);
    }
    return policyName;
  };

  /** A handler that never throws: whatever escapes it takes the one error path. */
  const safe =
    <A extends unknown[]>(handler: (request: HttpRequest, current: KanmonRequestState, ...rest: A) => Promise<HttpReply>) =>
    async (request: HttpRequest, current: KanmonRequestState, ...rest: A): Promise<HttpReply> => {
      try {
        return await handler(request, current, ...rest);
      } catch (err) {
        return fail(err, current.lang);
      }
    };

  return {
    cookieName,
    accessRule,
    bodyLimitBytes,
    state,
    langOf,
    transport,
    fail,
    /** Run one guard; never throws (a failure is a coded refusal). */
    guard: async (request: HttpRequest, current: KanmonRequestState, requirement: GuardRequirement): Promise<GuardOutcome> => {
      try {
        return await guard(request, current, requirement);
      } catch (err) {
        return { ok: false, reply: fail(err, current.lang) };
      }
    },
    readBody,
    handlers: {
      login: safe(login),
      verifyMfa: safe(verifyMfa),
      changePassword: safe(changePassword),
      enrollTotp: safe(enrollTotp),
      confirmTotp: safe(confirmTotp),
      logout: safe(logout),
    },
  };
}

/** The neutral core both adapters wrap. */
export type HttpCore = ReturnType<typeof createHttpCore>;

/** The handlers every adapter exposes. */
export type HttpHandlerName = keyof HttpCore['handlers'];
