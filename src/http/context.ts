import type { AccessRequest } from '../access/evaluate-access.js';
import { createIpAllowList } from '../access/ip-allow-list.js';
import { type RequestPlace, createRequestPlaceResolver } from '../access/request-place.js';
import { KanmonError } from '../errors.js';
import type { RequestFacts } from '../login/types.js';
import type { MessageLang } from '../messages/catalog.js';
import { type VerifyNow, verifyNowOf } from '../session/internal/verify-now.js';
import { readCookie, serializeCookie } from './cookies.js';
import { isDependencyOutage } from '../store/guard.js';
import { type HttpReply, errorReply, failureReply } from './error-body.js';
import { chooseLanguage } from './language.js';
import { MAX_BODY_BYTES } from './read-body.js';
import type { HttpAdapterOptions, HttpKanmon, HttpRequest, KanmonRequestState } from './types.js';

/** What every guard and handler works with: the Kanmon, the adapter's options resolved, and the request helpers. Built once per adapter. */
export interface HttpContext {
  readonly kanmon: HttpKanmon;
  readonly cookieName: string;
  readonly tokenInBody: boolean;
  readonly bodyLimitBytes: number;
  /** A fresh state for a request: its tenant and language, no session or access decision yet. */
  state(request: HttpRequest): KanmonRequestState;
  langOf(request: HttpRequest): MessageLang;
  /**
   * The one error path of every route and guard: report the error, answer the
   * coded body ({@link failureReply}: 503 + `Retry-After` for an outage, else 500).
   */
  fail(err: unknown, lang: MessageLang): HttpReply;
  /** Hand an error to the adapter's `onError` (a failing hook is ignored). */
  report(err: unknown): void;
  /** Where the request comes from (client address through the trusted proxies, TLS): resolved once per request (kept on its state). */
  placeOf(request: HttpRequest, current: KanmonRequestState): RequestPlace;
  /** IPC-16: a reply refusing plain HTTP, or `null` when the transport is acceptable. */
  transport(request: HttpRequest, current: KanmonRequestState): HttpReply | null;
  /** The session manager's synchronous grant (an in-process store), else `null`: see `guardNow` (guards.ts). */
  readonly verifyNow: VerifyNow | null;
  /** The token from the session cookie, else from `Authorization: Bearer`. */
  tokenOf(request: HttpRequest): { token: string; from: 'cookie' | 'bearer' } | null;
  /**
   * The session cookie: `__Host-` name, `HttpOnly`, `Secure`, `SameSite=Strict`,
   * `Path=/`, no `Max-Age` (it ends with the browser; the server enforces the
   * idle and absolute deadlines whatever the cookie does).
   */
  sessionCookie(token: string): string;
  /** The `Set-Cookie` value that clears the session cookie. */
  clearCookie(): string;
  /** The request as the access evaluator reads it, for the rule `route`. */
  accessRequest(request: HttpRequest, current: KanmonRequestState, route: string | null | undefined): AccessRequest;
  /** What every kanmon call gets about the request: the request itself, the client address resolved through the trusted proxies, the user agent. */
  facts(request: HttpRequest, current: KanmonRequestState): RequestFacts;
}

const BEARER = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i;

/**
 * The state `HttpContext.state` makes for a request. Besides the public fields it keeps the request's place,
 * resolved on first use, in a private field: the transport check of the adapter hook, the guard, the body
 * preamble, the facts handed to kanmon and the access decision all read that one resolution (a `WeakMap`
 * keyed by the request cost more per request than the second resolution it saved).
 */
class RequestState implements KanmonRequestState {
  readonly tenant: string;
  readonly lang: MessageLang;
  session: KanmonRequestState['session'] = null;
  access: KanmonRequestState['access'] = null;
  readonly #request: HttpRequest;
  #place: RequestPlace | null = null;

  constructor(tenant: string, lang: MessageLang, request: HttpRequest) {
    this.tenant = tenant;
    this.lang = lang;
    this.#request = request;
  }

  /** The place of `request` kept on `state`, resolved by `resolve` the first time; `null` when `state` is not this request's. */
  static placeOf(state: KanmonRequestState, request: HttpRequest, resolve: (request: HttpRequest) => RequestPlace): RequestPlace | null {
    if (!(#request in state) || state.#request !== request) return null;
    return (state.#place ??= resolve(request));
  }
}

/** Check the adapter's options (`ERR_INVALID_ARGUMENT` for a bad one) and build the {@link HttpContext}. */
export function createHttpContext(kanmon: HttpKanmon, options: HttpAdapterOptions): HttpContext {
  if (kanmon === null || typeof kanmon !== 'object' || typeof kanmon.sessions?.verify !== 'function' || typeof kanmon.login !== 'function') {
    throw new KanmonError('ERR_INVALID_ARGUMENT', 'pass the Kanmon returned by createKanmon()');
  }
  const { policy } = kanmon;
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
      if (!isDependencyOutage(error)) console.error('kanmon: a route or guard failed and answered 500 internal_error:', error);
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
  const places = createRequestPlaceResolver({ trustedProxies: createIpAllowList(policy.access.trustedProxies), header: policy.access.forwardedHeader });
  const resolvePlace = (request: HttpRequest): RequestPlace => places.resolve(request);
  // Resolved once per request, on the request's state (adapter hook, guard, handler and flow all read that one);
  // a state made elsewhere (a literal, another request's) gets a resolution of its own.
  const placeOf = (request: HttpRequest, current: KanmonRequestState): RequestPlace => RequestState.placeOf(current, request, resolvePlace) ?? resolvePlace(request);
  const requireTls = policy.access.requireTls;

  const report = (err: unknown): void => {
    try {
      onError(err);
    } catch {
      // a failing logger must not turn a coded answer into a crash
    }
  };
  const tenantOf = (request: HttpRequest): string => {
    const id = typeof tenant === 'string' ? tenant : tenant(request);
    if (typeof id !== 'string' || id.length === 0) throw new KanmonError('ERR_INVALID_ARGUMENT', 'the tenant option returned no tenant id');
    return id;
  };
  const langOf = (request: HttpRequest): MessageLang => chooseLanguage(request.headers['accept-language'], defaultLang);
  const deviceOf = (request: HttpRequest): string | null => {
    const value = request.headers[deviceHeader];
    return typeof value === 'string' && value.length > 0 && value.length <= 2048 ? value : null;
  };
  const accessRequest = (request: HttpRequest, current: KanmonRequestState, route: string | null | undefined): AccessRequest => ({
    route: route ?? null,
    socket: request.socket ?? null,
    headers: request.headers,
    tenantId: current.tenant,
    accountId: current.session?.subject ?? null,
    deviceToken: deviceOf(request),
    place: placeOf(request, current),
  });

  return {
    kanmon,
    cookieName,
    tokenInBody,
    bodyLimitBytes,
    langOf,
    accessRequest,
    verifyNow: verifyNowOf(kanmon.sessions),
    state: (request) => new RequestState(tenantOf(request), langOf(request), request),
    fail(err, lang) {
      report(err);
      return failureReply(err, lang);
    },
    report,
    placeOf,
    transport(request, current) {
      return requireTls && placeOf(request, current).tls === 'none' ? errorReply('tls_required', current.lang) : null;
    },
    tokenOf(request) {
      const fromCookie = readCookie(request.headers.cookie, cookieName);
      if (fromCookie !== undefined && fromCookie !== '') return { token: fromCookie, from: 'cookie' };
      if (acceptBearer) {
        const authorization = request.headers.authorization;
        const match = typeof authorization === 'string' ? BEARER.exec(authorization) : null;
        if (match?.[1] !== undefined) return { token: match[1], from: 'bearer' };
      }
      return null;
    },
    sessionCookie: (token) => serializeCookie(cookieName, token),
    clearCookie: () => serializeCookie(cookieName, '', { maxAgeSeconds: 0 }),
    facts(request, current) {
      const userAgent = request.headers['user-agent'];
      return {
        request: accessRequest(request, current, loginAccessRule),
        clientIp: placeOf(request, current).client.ip,
        deviceId: deviceOf(request),
        route: loginAccessRule ?? null,
        ...(typeof userAgent === 'string' ? { userAgent: userAgent.slice(0, 512) } : {}),
      };
    },
  };
}
