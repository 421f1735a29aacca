/**
 * What every part of `kanmon/nestjs` shares: the one HTTP core (`src/http/`), the
 * request state kept per raw request, and the few lines that move a reply onto
 * whichever platform response Nest hands over (Express `res` or Fastify `reply`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { KanmonError } from '../errors.js';
import { type HttpAdapterOptions, type HttpKanmon, type HttpRequest, type KanmonRequestState, createHttpCore } from '../http/create-http-core.js';
import type { HttpReply } from '../http/error-body.js';
import type { ReadBodyResult } from '../http/read-body.js';
import { rememberState } from './current-session.js';

/** Options of {@link KanmonModule.forRoot} (and what `forRootAsync`'s `useFactory` returns). */
export interface KanmonModuleOptions extends HttpAdapterOptions {
  /** What `createKanmon` returns. */
  readonly kanmon: HttpKanmon;
  /**
   * IPC-16: refuse plain HTTP on every route of the application (a middleware on all paths), unless TLS
   * ends at a trusted proxy. Guards and kanmon's routes check it whatever this says. `{ skip }` exempts
   * requests (a load balancer's health check).
   * @default true
   */
  readonly enforceTls?: boolean | {
    /** Answers true for a request the plain-HTTP refusal lets through (a health check on a private port). */
    readonly skip: (request: IncomingMessage) => boolean;
  };
}

/** The route names of the controller and their paths under its prefix. */
export const bodyRoutes = {
  login: 'login',
  verifyMfa: 'mfa',
  changePassword: 'password',
  enrollTotp: 'totp/enroll',
  confirmTotp: 'totp/confirm',
  requestPasswordReset: 'password/reset/request',
  completePasswordReset: 'password/reset/complete',
  regenerateRecoveryCodes: 'recovery-codes/regenerate',
  reauthenticate: 'reauthenticate',
  revokeSession: 'sessions/revoke',
  passkeyRegisterStart: 'passkeys/register/start',
  passkeyRegisterFinish: 'passkeys/register/finish',
  passkeyAuthenticateStart: 'passkeys/authenticate/start',
  passkeyAuthenticateFinish: 'passkeys/authenticate/finish',
  passkeyReauthenticateStart: 'passkeys/reauthenticate/start',
  passkeyReauthenticateFinish: 'passkeys/reauthenticate/finish',
  renamePasskey: 'passkeys/rename',
  removePasskey: 'passkeys/remove',
} as const;

/** Routes that read no body, with their method. */
export const bodilessRoutes = {
  logout: { method: 'POST', path: 'logout' },
  listSessions: { method: 'GET', path: 'sessions' },
  revokeOtherSessions: { method: 'POST', path: 'sessions/revoke-others' },
  listPasskeys: { method: 'GET', path: 'passkeys' },
} as const;

export type BodyRouteName = keyof typeof bodyRoutes;
export type BodilessRouteName = keyof typeof bodilessRoutes;

/** A handler the core gains (a new route of the other adapters) and the controller lacks fails the type check here. */
type UnroutedHandler = Exclude<keyof ReturnType<typeof createHttpCore>['handlers'], BodyRouteName | BodilessRouteName>;
export const everyHandlerRouted: [UnroutedHandler] extends [never] ? true : UnroutedHandler = true;

/** A platform request: Express's `req` (an `IncomingMessage`) or Fastify's `request` (`.raw`). */
type PlatformRequest = IncomingMessage & { readonly raw?: IncomingMessage; readonly body?: unknown; readonly rawBody?: unknown };
/** A platform response: Express's `res` (a `ServerResponse`) or Fastify's `reply`. */
interface FastifyLikeReply {
  readonly raw: ServerResponse;
  readonly sent: boolean;
  code(status: number): FastifyLikeReply;
  header(name: string, value: unknown): FastifyLikeReply;
  send(body?: unknown): FastifyLikeReply;
}

const isFastifyReply = (res: unknown): res is FastifyLikeReply =>
  typeof (res as FastifyLikeReply | null)?.code === 'function' && typeof (res as FastifyLikeReply).raw === 'object';

/** The Node request under a platform request. */
export const rawRequest = (req: unknown): IncomingMessage => (req as PlatformRequest).raw ?? (req as IncomingMessage);

/** Whether the answer has started already. */
export function responseSent(res: unknown): boolean {
  return isFastifyReply(res) ? res.sent : (res as ServerResponse).headersSent;
}

/** Send a reply on an Express response, a Fastify reply, or a bare Node response (middleware on Fastify). */
export function sendReply(res: unknown, reply: HttpReply): void {
  if (isFastifyReply(res)) {
    res.code(reply.status);
    for (const [name, value] of Object.entries(reply.headers)) res.header(name, value);
    if (reply.body === null) res.send();
    else res.send(reply.body);
    return;
  }
  const node = res as ServerResponse;
  node.statusCode = reply.status;
  for (const [name, value] of Object.entries(reply.headers)) {
    if (name === 'set-cookie') appendCookies(node, typeof value === 'string' ? [value] : value);
    else node.setHeader(name, value);
  }
  if (reply.body === null) node.end();
  else node.end(reply.body);
}

/** Add `Set-Cookie` values (a rolled session) to the answer the route will send. */
export function appendCookies(res: unknown, cookies: readonly string[]): void {
  if (cookies.length === 0) return;
  if (isFastifyReply(res)) {
    for (const cookie of cookies) res.header('set-cookie', cookie);
    return;
  }
  const node = res as ServerResponse;
  const before = node.getHeader('set-cookie');
  const kept = before === undefined ? [] : Array.isArray(before) ? before : [String(before)];
  node.setHeader('set-cookie', [...kept, ...cookies]);
}

/** The one runtime of a {@link KanmonModule}: made once per application from its options. */
export interface KanmonRuntime {
  /** @internal The framework-neutral HTTP core the guards, filter and routes call; not part of the public API. */
  readonly core: ReturnType<typeof createHttpCore>;
  readonly options: KanmonModuleOptions;
  /** The request's state (made once per request). Throws what the tenant function threw. */
  state(req: unknown): KanmonRequestState;
  /** The state, or the coded failure already sent on `res` (`null`). */
  begin(req: unknown, res: unknown): KanmonRequestState | null;
  /** The request's state if kanmon made one, else `null`. */
  peek(req: unknown): KanmonRequestState | null;
  /** The body of a kanmon route: what Nest's parser made (kept only as JSON within the limit), else read here. */
  body(req: unknown): Promise<ReadBodyResult>;
  /** The paths of kanmon's routes under the module's prefix (`/auth/login`, …); empty with `routes: false`. */
  readonly routePaths: readonly string[];
}

/** kanmon's route paths under `prefix`. */
export function routePathsOf(prefix: string | false): readonly string[] {
  if (prefix === false) return [];
  const base = prefix.replace(/\/+$/, '');
  return [...Object.values(bodyRoutes), ...Object.values(bodilessRoutes).map((route) => route.path)].map((path) => `${base}/${path}`);
}

/** Build the runtime from the module's options (validates them as the other adapters do). */
export function createKanmonRuntime(options: KanmonModuleOptions, prefix: string | false = false): KanmonRuntime {
  if (typeof options !== 'object' || options === null || typeof options.kanmon !== 'object' || options.kanmon === null) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', 'KanmonModule needs { kanmon, tenant }');
  }
  const { kanmon, enforceTls: _enforceTls, ...adapterOptions } = options;
  const core = createHttpCore(kanmon, adapterOptions);
  const states = new WeakMap<IncomingMessage, KanmonRequestState>();
  const asHttp = (raw: IncomingMessage): HttpRequest => raw;

  const state = (req: unknown): KanmonRequestState => {
    const raw = rawRequest(req);
    let current = states.get(raw);
    if (current === undefined) {
      current = core.state(asHttp(raw));
      states.set(raw, current);
      rememberState(raw, current);
    }
    return current;
  };

  return {
    core,
    options,
    routePaths: routePathsOf(prefix),
    state,
    peek: (req) => states.get(rawRequest(req)) ?? null,
    begin: (req, res) => {
      try {
        return state(req);
      } catch (err) {
        sendReply(res, core.fail(err, core.langOf(asHttp(rawRequest(req)))));
        return null;
      }
    },
    body: async (req) => {
      const platform = req as PlatformRequest;
      const raw = rawRequest(req);
      if (platform.rawBody instanceof Uint8Array) return core.bodyBytes(asHttp(raw), platform.rawBody);
      if (platform.body !== undefined) return core.parsedBody(asHttp(raw), platform.body);
      if (raw.readableEnded) return { ok: false, reason: 'invalid_request' };
      return core.readBody(raw);
    },
  };
}
