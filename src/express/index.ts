/**
 * `kanmon/express`: Express 5 middleware over the framework-neutral core in
 * `src/http/`. Every decision is made there; this file only moves bytes.
 *
 * @module kanmon/express
 */
import type { NextFunction, Request, RequestHandler, Response, ErrorRequestHandler } from 'express';
import { KanmonError } from '../errors.js';
import { type DataEventLog, type DataEventSpec, type GuardOutcome, type HttpAdapterOptions, type HttpKanmon, type HttpRequest, type KanmonRequestState, createHttpCore, roleList } from '../http/create-http-core.js';
import type { HttpReply } from '../http/error-body.js';
import { errorReply } from '../http/error-body.js';
import type { ReadBodyResult } from '../http/read-body.js';

export { chooseLanguage } from '../http/language.js';
export { readCookie, serializeCookie } from '../http/cookies.js';
export type { CookieAttributes } from '../http/cookies.js';
export { httpErrorStatus, httpErrorMessage } from '../http/error-body.js';
export type { HttpErrorCode, HttpReply } from '../http/error-body.js';
export { hasSecondFactor } from '../http/create-http-core.js';
export type { DataEventLog, DataEventSpec, HttpAdapterOptions, HttpKanmon, HttpRequest, KanmonRequestState } from '../http/create-http-core.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by every kanmon middleware: tenant, language, the verified session, the access decision. */
      kanmon?: KanmonRequestState;
    }
  }
}

/** Per-middleware options (express-rate-limit's shape). */
export interface ExpressGuardOptions {
  /** Let this request through without the check (health checks, static files). */
  readonly skip?: (req: Request) => boolean;
  /**
   * Answer a refusal yourself (an HTML page, a redirect to the login page).
   * `reply` is what kanmon would send (status, headers, JSON body, `code`).
   * Default: send `reply`.
   */
  readonly onDenied?: (req: Request, res: Response, reply: HttpReply) => void;
}

/** What {@link kanmonExpress} returns: middleware factories. */
export interface KanmonExpress {
  /** IPC-16: refuse plain HTTP on every route it is mounted on (`app.use(auth.tls())`). Guards and handlers check it too. */
  tls(options?: ExpressGuardOptions): RequestHandler;
  /** A valid session (cookie or `Bearer`): `req.kanmon.session`. Rolls the cookie when due. */
  requireSession(options?: ExpressGuardOptions): RequestHandler;
  /** A session that used a second factor (`amr` has `otp`). */
  requireMfa(options?: ExpressGuardOptions): RequestHandler;
  /** A session holding at least one of `roles`. */
  requireRole(roles: string | readonly string[], options?: ExpressGuardOptions): RequestHandler;
  /** The access rule `policyName` of `policy.access.routes` (IP, certificate, device, hours) and its MFA flag. */
  requireAccess(policyName: string, options?: ExpressGuardOptions): RequestHandler;
  /**
   * A session that authenticated within `maxAgeSeconds` (default `policy.session.reauthMaxAgeSeconds`), else
   * `401 reauth_required`: step up with {@link KanmonExpress.reauthenticate} (SEC-13).
   */
  requireRecentAuth(maxAgeSeconds?: number, options?: ExpressGuardOptions): RequestHandler;
  /**
   * Record a data event of the route in the audit chain with the session's actor (EXT-6, SEC-26), then `next()`:
   * `auth.recordData(log, (req) => ({ type: 'data.access', target: req.params.id, data: { recordIds: [req.params.id] } }))`.
   * No session: `401`; an audit outage: `503` (the data is not served unrecorded).
   */
  recordData(log: DataEventLog, describe: (req: Request) => DataEventSpec): RequestHandler;
  /** `POST { username, password }`: `authenticated` (sets the cookie), `mfa_required`, `password_change_required`, or a coded error. */
  login(): RequestHandler;
  /** `POST { challenge, code }`. */
  verifyMfa(): RequestHandler;
  /** `POST { challenge?, currentPassword, newPassword }`. */
  changePassword(): RequestHandler;
  /** `POST { challenge? }`: the TOTP secret, URI and QR code, once. */
  enrollTotp(): RequestHandler;
  /** `POST { challenge?, code }`: the recovery codes, once. */
  confirmTotp(): RequestHandler;
  /** `POST { currentCode? }` from a session (fresh; `currentCode` when it did not pass the second factor): new recovery codes, once. */
  regenerateRecoveryCodes(): RequestHandler;
  /** `POST { password }` or `{ code }` from a session (mount it at `/auth/reauthenticate`): a new session and its cookie, or a coded error. */
  reauthenticate(): RequestHandler;
  /** `POST`: ends the session, clears the cookie, `204`. */
  logout(): RequestHandler;
  /** `GET` (at `/auth/sessions`): the account's live sessions, `{ sessions: [...] }`, the caller's marked `current`. */
  listSessions(): RequestHandler;
  /** `POST { sessionId }` (at `/auth/sessions/revoke`): end one of the account's sessions; `404 session_not_found` for any other id. */
  revokeSession(): RequestHandler;
  /** `POST` (at `/auth/sessions/revoke-others`): end every other session of the account. */
  revokeOtherSessions(): RequestHandler;
  /** `POST {}` (at `/auth/passkeys/register/start`) from a recent session: the options for `navigator.credentials.create`. */
  passkeyRegisterStart(): RequestHandler;
  /** `POST { response, label? }` (at `/auth/passkeys/register/finish`): the passkey stored, or `401 passkey_invalid` with its `reason`. */
  passkeyRegisterFinish(): RequestHandler;
  /** `POST { challenge? }` (at `/auth/passkeys/authenticate/start`): options for `navigator.credentials.get` (second factor with the login challenge, else passwordless). */
  passkeyAuthenticateStart(): RequestHandler;
  /** `POST { response, challenge? }` (at `/auth/passkeys/authenticate/finish`): `authenticated` (sets the cookie), or a coded error. */
  passkeyAuthenticateFinish(): RequestHandler;
  /** `POST {}` (at `/auth/passkeys/reauthenticate/start`) from a session: options for `navigator.credentials.get`, bound to this session (step-up). */
  passkeyReauthenticateStart(): RequestHandler;
  /** `POST { response }` (at `/auth/passkeys/reauthenticate/finish`): a new session and its cookie (as `reauthenticate`), or `401 passkey_invalid` with its `reason`. */
  passkeyReauthenticateFinish(): RequestHandler;
  /** `GET` (at `/auth/passkeys`): the account's passkeys, `{ passkeys: [{ id, label, aaguid, backedUp, transports, createdAt, lastUsedAt }] }`. */
  listPasskeys(): RequestHandler;
  /** `POST { credentialId, label }` (at `/auth/passkeys/rename`) from a recent session (`401 reauth_required` otherwise); `404 passkey_not_found` for any other id. */
  renamePasskey(): RequestHandler;
  /** `POST { credentialId }` (at `/auth/passkeys/remove`) from a recent session (`401 reauth_required` otherwise); `404 passkey_not_found` for any other id. */
  removePasskey(): RequestHandler;
  /** `POST { username }` (mount it at `/auth/password/reset/request`): `202 { status: 'requested' }` alike for every account, or a coded error. */
  requestPasswordReset(): RequestHandler;
  /** `POST { token, newPassword, challenge?, code? }` (at `/auth/password/reset/complete`): `changed`, `mfa_required`, or a coded error. */
  completePasswordReset(): RequestHandler;
  /**
   * Turns body-parser errors (`express.json()`) and any `KanmonError` (503 +
   * `Retry-After` for an outage, else 500) into kanmon's coded JSON bodies;
   * passes anything else on. kanmon's own middleware never needs it: they answer
   * their failures themselves.
   */
  errorHandler(): ErrorRequestHandler;
}

function send(res: Response, reply: HttpReply): void {
  res.status(reply.status);
  for (const [name, value] of Object.entries(reply.headers)) {
    if (name === 'set-cookie') res.append('Set-Cookie', value as string | string[]);
    else res.setHeader(name, value);
  }
  if (reply.body === null) res.end();
  else res.end(reply.body);
}

const asRequest = (req: Request): HttpRequest => req;

/**
 * Express 5 middleware for a {@link HttpKanmon} (what `createKanmon` returns).
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { kanmonExpress } from 'kanmon/express';
 * declare const kanmon: import('kanmon/express').HttpKanmon;
 * const app = express();
 * const auth = kanmonExpress(kanmon, { tenant: 'funabashi' });
 * app.use(auth.tls());
 * app.post('/auth/login', auth.login());
 * app.post('/auth/mfa', auth.verifyMfa());
 * app.post('/auth/logout', auth.logout());
 * app.get('/me', auth.requireSession(), (req, res) => {
 *   res.json({ subject: req.kanmon?.session?.subject });
 * });
 * app.get('/admin', auth.requireRole('admin'), auth.requireMfa(), (_req, res) => {
 *   res.json({ ok: true });
 * });
 * app.use(auth.errorHandler());
 * ```
 */
export function kanmonExpress(kanmon: HttpKanmon, options: HttpAdapterOptions): KanmonExpress {
  const core = createHttpCore(kanmon, options);

  const stateOf = (req: Request): KanmonRequestState => (req.kanmon ??= core.state(asRequest(req)));

  /** The request's state, or the coded failure answer when it cannot be made (a tenant function that throws). */
  const begin = (req: Request, res: Response): KanmonRequestState | null => {
    try {
      return stateOf(req);
    } catch (err) {
      send(res, core.fail(err, core.langOf(asRequest(req))));
      return null;
    }
  };

  /** Send a reply; a failure before anything was sent takes the one error path, after that the connection is ended. */
  const answer = (res: Response, lang: Parameters<typeof core.fail>[1], reply: Promise<HttpReply>): void => {
    reply
      .then((r) => send(res, r))
      .catch((err: unknown) => {
        if (!res.headersSent) send(res, core.fail(err, lang));
        else res.destroy();
      });
  };

  const refuse = (req: Request, res: Response, reply: HttpReply, guard: ExpressGuardOptions | undefined): void => {
    if (guard?.onDenied) guard.onDenied(req, res, reply);
    else send(res, reply);
  };

  const guard =
    (requirement: Parameters<typeof core.guard>[2], guardOptions?: ExpressGuardOptions): RequestHandler =>
    (req, res, next) => {
      if (guardOptions?.skip?.(req) === true) return next();
      const state = begin(req, res);
      if (state === null) return;
      const pass = (outcome: GuardOutcome): void => {
        if (!outcome.ok) return refuse(req, res, outcome.reply, guardOptions);
        if (outcome.setCookie.length > 0) res.append('Set-Cookie', [...outcome.setCookie]);
        next();
      };
      // Granted without waiting (an in-process store): no promise round; Express catches what the app's onDenied throws.
      const now = core.guardNow(asRequest(req), state, requirement);
      if (now !== null) return pass(now);
      core.guard(asRequest(req), state, requirement).then(pass).catch(next); // only the app's own onDenied can throw here
    };

  /** The body express.json()/urlencoded() parsed, else read here (JSON only, bounded). */
  const bodyOf = async (req: Request): Promise<ReadBodyResult> => {
    if (req.body !== undefined) return { ok: true, value: req.body as unknown };
    if (req.readableEnded) return { ok: false, reason: 'invalid_request' };
    return core.readBody(req);
  };

  const handler =
    (name: Exclude<keyof typeof core.handlers, 'logout' | 'listSessions' | 'revokeOtherSessions'>): RequestHandler =>
    (req, res) => {
      const state = begin(req, res);
      if (state === null) return;
      // The transport (IPC-16) is the first thing the handler's body preamble checks (http/body-fields.ts).
      answer(res, state.lang, bodyOf(req).then((body) => core.handlers[name](asRequest(req), state, body)));
    };

  /** A route that reads no body. */
  const bodiless =
    (name: 'logout' | 'listSessions' | 'revokeOtherSessions' | 'listPasskeys'): RequestHandler =>
    (req, res) => {
      const state = begin(req, res);
      if (state === null) return;
      answer(res, state.lang, core.handlers[name](asRequest(req), state));
    };

  return {
    tls: (guardOptions) => (req, res, next) => {
      if (guardOptions?.skip?.(req) === true) return next();
      const state = begin(req, res);
      if (state === null) return;
      const refused = core.transport(asRequest(req), state);
      if (refused) refuse(req, res, refused, guardOptions);
      else next();
    },
    requireSession: (guardOptions) => guard({ kind: 'session' }, guardOptions),
    recordData: (log, describe) => (req, res, next) => {
      const state = begin(req, res);
      if (state === null) return;
      Promise.resolve()
        .then(() => core.recordDataEvent(asRequest(req), state, log, describe(req)))
        .then(({ reply, setCookie }) => {
          if (reply) return send(res, reply);
          if (setCookie.length > 0) res.append('Set-Cookie', [...setCookie]);
          next();
        }, (err: unknown) => send(res, core.fail(err, state.lang))); // the app's describe threw
    },
    requireMfa: (guardOptions) => guard({ kind: 'mfa' }, guardOptions),
    requireRole: (roles, guardOptions) => guard({ kind: 'role', roles: roleList(roles) }, guardOptions),
    requireAccess: (policyName, guardOptions) => guard({ kind: 'access', policyName: core.accessRule(policyName) }, guardOptions),
    requireRecentAuth: (maxAgeSeconds, guardOptions) => guard({ kind: 'recent', maxAgeSeconds: core.recentAuthAge(maxAgeSeconds) }, guardOptions),
    login: () => handler('login'),
    verifyMfa: () => handler('verifyMfa'),
    changePassword: () => handler('changePassword'),
    enrollTotp: () => handler('enrollTotp'),
    confirmTotp: () => handler('confirmTotp'),
    requestPasswordReset: () => handler('requestPasswordReset'),
    completePasswordReset: () => handler('completePasswordReset'),
    regenerateRecoveryCodes: () => handler('regenerateRecoveryCodes'),
    reauthenticate: () => handler('reauthenticate'),
    logout: () => bodiless('logout'),
    listSessions: () => bodiless('listSessions'),
    revokeSession: () => handler('revokeSession'),
    revokeOtherSessions: () => bodiless('revokeOtherSessions'),
    passkeyRegisterStart: () => handler('passkeyRegisterStart'),
    passkeyRegisterFinish: () => handler('passkeyRegisterFinish'),
    passkeyAuthenticateStart: () => handler('passkeyAuthenticateStart'),
    passkeyAuthenticateFinish: () => handler('passkeyAuthenticateFinish'),
    passkeyReauthenticateStart: () => handler('passkeyReauthenticateStart'),
    passkeyReauthenticateFinish: () => handler('passkeyReauthenticateFinish'),
    listPasskeys: () => bodiless('listPasskeys'),
    renamePasskey: () => handler('renamePasskey'),
    removePasskey: () => handler('removePasskey'),
    errorHandler: () => (err: unknown, req: Request, res: Response, next: NextFunction) => {
      const type = (err as { type?: unknown } | null)?.type;
      const lang = req.kanmon?.lang ?? core.langOf(asRequest(req));
      if (res.headersSent) return next(err);
      if (type === 'entity.too.large') return send(res, errorReply('payload_too_large', lang));
      if (typeof type === 'string' && (type.startsWith('entity.') || type === 'encoding.unsupported' || type === 'charset.unsupported' || type === 'request.aborted')) {
        return send(res, errorReply('invalid_request', lang));
      }
      // A KanmonError the app let through (a direct kanmon call in its own route): the same coded body as kanmon's routes.
      if (err instanceof KanmonError) return send(res, core.fail(err, lang));
      next(err);
    },
  };
}
