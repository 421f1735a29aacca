/**
 * `kanmon/fastify`: a Fastify 5 plugin over the framework-neutral core in
 * `src/http/`. Every decision is made there; this file only moves bytes.
 *
 * @module kanmon/fastify
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { KanmonError } from '../errors.js';
import { type DataEventLog, type DataEventSpec, type GuardRequirement, type HttpAdapterOptions, type HttpKanmon, type HttpRequest, type KanmonRequestState, createHttpCore, roleList } from '../http/create-http-core.js';
import { type HttpReply, errorReply } from '../http/error-body.js';
import { parseJsonBody } from '../http/read-body.js';

export { chooseLanguage } from '../http/language.js';
export { readCookie, serializeCookie } from '../http/cookies.js';
export type { CookieAttributes } from '../http/cookies.js';
export { httpErrorStatus, httpErrorMessage } from '../http/error-body.js';
export type { HttpErrorCode, HttpReply } from '../http/error-body.js';
export { hasSecondFactor } from '../http/create-http-core.js';
export type { DataEventLog, DataEventSpec, HttpAdapterOptions, HttpKanmon, HttpRequest, KanmonRequestState } from '../http/create-http-core.js';

/** Per-guard options. */
export interface FastifyGuardOptions {
  /** Let this request through without the check. */
  readonly skip?: (request: FastifyRequest) => boolean;
  /**
   * Answer a refusal yourself (an HTML page, a redirect). `denial` is what kanmon
   * would send (status, headers, JSON body, `code`). Default: send it.
   */
  readonly onDenied?: (request: FastifyRequest, reply: FastifyReply, denial: HttpReply) => FastifyReply | Promise<FastifyReply>;
}

/** Guards, as `preHandler` hooks: `{ preHandler: fastify.kanmon.requireSession() }`. */
export interface KanmonFastify {
  /** A valid session (cookie or `Bearer`): `request.kanmon.session`. Rolls the cookie when due. */
  requireSession(options?: FastifyGuardOptions): preHandlerAsyncHookHandler;
  /** A session that used a second factor (`amr` has `otp`). */
  requireMfa(options?: FastifyGuardOptions): preHandlerAsyncHookHandler;
  /** A session holding at least one of `roles`. */
  requireRole(roles: string | readonly string[], options?: FastifyGuardOptions): preHandlerAsyncHookHandler;
  /** The access rule `policyName` of `policy.access.routes` (IP, certificate, device, hours) and its MFA flag. */
  requireAccess(policyName: string, options?: FastifyGuardOptions): preHandlerAsyncHookHandler;
  /**
   * A session that authenticated within `maxAgeSeconds` (default `policy.session.reauthMaxAgeSeconds`), else
   * `401 reauth_required`: step up with `POST {routes}/reauthenticate` (SEC-13).
   */
  requireRecentAuth(maxAgeSeconds?: number, options?: FastifyGuardOptions): preHandlerAsyncHookHandler;
  /**
   * Record a data event of the route in the audit chain with the session's actor (EXT-6, SEC-26), as a `preHandler`.
   * No session: `401`; an audit outage: `503` (the data is not served unrecorded).
   */
  recordData(log: DataEventLog, describe: (request: FastifyRequest) => DataEventSpec): preHandlerAsyncHookHandler;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** kanmon's guards. */
    kanmon: KanmonFastify;
  }
  interface FastifyRequest {
    /** Tenant, language, the verified session and the access decision; set on every request. */
    kanmon: KanmonRequestState | null;
  }
}

/** Options of the {@link kanmonFastify} plugin. */
export interface KanmonFastifyOptions extends HttpAdapterOptions {
  /** What `createKanmon` returns. */
  readonly kanmon: HttpKanmon;
  /**
   * Register the login routes under this prefix: `POST {prefix}/login`, `/mfa`,
   * `/password`, `/totp/enroll`, `/totp/confirm`, `/recovery-codes/regenerate`, `/reauthenticate`, `/passkeys/register/start|finish`, `/passkeys/authenticate/start|finish`, `/passkeys/reauthenticate/start|finish`, `/passkeys/rename`, `/passkeys/remove`, `/logout`, `/password/reset/request`,
   * `/password/reset/complete`, `/sessions/revoke`, `/sessions/revoke-others`, `GET {prefix}/sessions` and `GET {prefix}/passkeys`. `false`: none.
   * @default '/auth'
   */
  readonly routes?: string | false;
  /**
   * IPC-16: refuse plain HTTP on every route of the instance (an `onRequest`
   * hook), unless TLS ends at a trusted proxy. Guards and login routes check it
   * whatever this says. `{ skip }` exempts requests (a load balancer's health check).
   * @default true
   */
  readonly enforceTls?:
    | boolean
    | {
        /** Exempt this request from the TLS requirement (a load balancer's health check). */
        readonly skip: (request: FastifyRequest) => boolean;
      };
}

function send(reply: FastifyReply, response: HttpReply): FastifyReply {
  reply.code(response.status);
  for (const [name, value] of Object.entries(response.headers)) reply.header(name, value);
  return response.body === null ? reply.send() : reply.send(response.body);
}

const raw = (request: FastifyRequest): HttpRequest => request.raw;

const routeNames = {
  login: '/login',
  verifyMfa: '/mfa',
  changePassword: '/password',
  enrollTotp: '/totp/enroll',
  confirmTotp: '/totp/confirm',
  requestPasswordReset: '/password/reset/request',
  completePasswordReset: '/password/reset/complete',
  regenerateRecoveryCodes: '/recovery-codes/regenerate',
  reauthenticate: '/reauthenticate',
  revokeSession: '/sessions/revoke',
  passkeyRegisterStart: '/passkeys/register/start',
  passkeyRegisterFinish: '/passkeys/register/finish',
  passkeyAuthenticateStart: '/passkeys/authenticate/start',
  passkeyAuthenticateFinish: '/passkeys/authenticate/finish',
  passkeyReauthenticateStart: '/passkeys/reauthenticate/start',
  passkeyReauthenticateFinish: '/passkeys/reauthenticate/finish',
  renamePasskey: '/passkeys/rename',
  removePasskey: '/passkeys/remove',
} as const;

async function plugin(fastify: FastifyInstance, options: KanmonFastifyOptions): Promise<void> {
  const { kanmon, routes = '/auth', enforceTls = true, ...adapterOptions } = options;
  const core = createHttpCore(kanmon, adapterOptions);
  if (routes !== false && (typeof routes !== 'string' || !routes.startsWith('/'))) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', "routes must be a path prefix starting with '/' or false");
  }

  const stateOf = (request: FastifyRequest): KanmonRequestState => (request.kanmon ??= core.state(raw(request)));

  /** The request's state, or `null` after answering the coded failure (a tenant function that throws). */
  const begin = (request: FastifyRequest, reply: FastifyReply): KanmonRequestState | null => {
    try {
      return stateOf(request);
    } catch (err) {
      send(reply, core.fail(err, core.langOf(raw(request))));
      return null;
    }
  };

  fastify.decorateRequest('kanmon', null);
  // A callback hook, not an async one: it decides synchronously, and Fastify's promise round per request is saved.
  // Answering here (a refusal) means not calling done(): Fastify then sends that reply and runs nothing more.
  fastify.addHook('onRequest', (request, reply, done) => {
    const state = begin(request, reply);
    if (state === null) return;
    if (enforceTls === false || (typeof enforceTls === 'object' && enforceTls.skip(request))) return done();
    const refused = core.transport(raw(request), state);
    if (refused) {
      send(reply, refused);
      return;
    }
    done();
  });

  const guard =
    (requirement: GuardRequirement, guardOptions?: FastifyGuardOptions): preHandlerAsyncHookHandler =>
    async (request, reply) => {
      if (guardOptions?.skip?.(request) === true) return;
      const state = begin(request, reply);
      if (state === null) return reply;
      // Granted without waiting where it can be (an in-process store), else the whole guard.
      const outcome = core.guardNow(raw(request), state, requirement) ?? (await core.guard(raw(request), state, requirement));
      if (!outcome.ok) return guardOptions?.onDenied ? guardOptions.onDenied(request, reply, outcome.reply) : send(reply, outcome.reply);
      for (const cookie of outcome.setCookie) reply.header('set-cookie', cookie);
    };


  const guards: KanmonFastify = {
    requireSession: (guardOptions) => guard({ kind: 'session' }, guardOptions),
    recordData: (log, describe) => async (request, reply) => {
      const state = begin(request, reply);
      if (state === null) return reply;
      let spec: DataEventSpec;
      try {
        spec = describe(request);
      } catch (err) {
        return send(reply, core.fail(err, state.lang));
      }
      const { reply: refused, setCookie } = await core.recordDataEvent(raw(request), state, log, spec);
      if (refused) return send(reply, refused);
      for (const cookie of setCookie) reply.header('set-cookie', cookie);
    },
    requireMfa: (guardOptions) => guard({ kind: 'mfa' }, guardOptions),
    requireRole: (roles, guardOptions) => guard({ kind: 'role', roles: roleList(roles) }, guardOptions),
    requireAccess: (policyName, guardOptions) => guard({ kind: 'access', policyName: core.accessRule(policyName) }, guardOptions),
    requireRecentAuth: (maxAgeSeconds, guardOptions) => guard({ kind: 'recent', maxAgeSeconds: core.recentAuthAge(maxAgeSeconds) }, guardOptions),
  };
  fastify.decorate('kanmon', guards);

  if (routes === false) return;
  await fastify.register(
    (auth, _options, done) => {
      // kanmon reads its own bodies: bytes up to the limit, then the same JSON check as the Express adapter.
      auth.removeAllContentTypeParsers();
      auth.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: core.bodyLimitBytes }, (_request, body, done) => done(null, body));
      // Whatever reaches Fastify's error path on kanmon's routes leaves as a coded body, never Fastify's default (message, code).
      auth.setErrorHandler((error: FastifyError, request, reply) => {
        const lang = request.kanmon?.lang ?? core.langOf(raw(request));
        if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return send(reply, errorReply('payload_too_large', lang));
        if (typeof error.code === 'string' && error.code.startsWith('FST_ERR_CTP_')) return send(reply, errorReply('invalid_request', lang));
        if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500 && !(error instanceof KanmonError)) {
          return send(reply, errorReply(error.statusCode === 413 ? 'payload_too_large' : 'invalid_request', lang));
        }
        return send(reply, core.fail(error, lang));
      });
      for (const [name, path] of Object.entries(routeNames) as [keyof typeof routeNames, string][]) {
        auth.post(path, async (request, reply) => {
          const state = begin(request, reply);
          if (state === null) return reply;
          const body = parseJsonBody(request.body as Buffer | undefined, request.headers['content-type']);
          return send(reply, await core.handlers[name](raw(request), state, body));
        });
      }
      const bodiless = (name: 'logout' | 'listSessions' | 'revokeOtherSessions' | 'listPasskeys') => async (request: FastifyRequest, reply: FastifyReply) => {
        const state = begin(request, reply);
        if (state === null) return reply;
        return send(reply, await core.handlers[name](raw(request), state));
      };
      auth.post('/logout', bodiless('logout'));
      auth.get('/sessions', bodiless('listSessions'));
      auth.post('/sessions/revoke-others', bodiless('revokeOtherSessions'));
      auth.get('/passkeys', bodiless('listPasskeys'));
      done();
    },
    { prefix: routes },
  );
}

/**
 * The kanmon plugin for Fastify 5 (`fastify-plugin`, name `kanmon`).
 *
 * @example
 * ```ts
 * import Fastify from 'fastify';
 * import { kanmonFastify } from 'kanmon/fastify';
 * declare const kanmon: import('kanmon/fastify').HttpKanmon;
 * const app = Fastify();
 * await app.register(kanmonFastify, { kanmon, tenant: 'funabashi' }); // POST /auth/login, /auth/mfa, /auth/logout, …
 * app.get('/me', { preHandler: app.kanmon.requireSession() }, async (request) => ({
 *   subject: request.kanmon?.session?.subject,
 * }));
 * app.get('/admin', { preHandler: [app.kanmon.requireRole('admin'), app.kanmon.requireMfa()] }, async () => ({ ok: true }));
 * ```
 */
export const kanmonFastify = fp(plugin, { fastify: '5.x', name: 'kanmon' });
export default kanmonFastify;
