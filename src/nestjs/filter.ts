/**
 * The exception filter: kanmon's refusals ({@link KanmonDenied}), any `KanmonError`, and the errors Nest's
 * own body parser raises (413, malformed JSON, an unsupported media type; on any route) leave as
 * kanmon's coded JSON bodies, byte for byte those of `kanmon/express` and `kanmon/fastify`. Anything else
 * goes to Nest's default handling unchanged.
 */
import { type ArgumentsHost, type ExceptionFilter, HttpException, Catch, Inject, Optional } from '@nestjs/common';
import { BaseExceptionFilter, HttpAdapterHost } from '@nestjs/core';
import { KanmonError } from '../errors.js';
import type { HttpReply } from '../http/error-body.js';
import { errorReply } from '../http/error-body.js';
import { type KanmonRuntime, rawRequest, responseSent, sendReply } from './runtime.js';
import { KANMON_RUNTIME } from './tokens.js';

/**
 * What a kanmon guard throws on a refusal: `reply` is the exact answer (status, headers such as
 * `Retry-After`, the coded JSON body) the {@link KanmonExceptionFilter} sends. An application's own
 * filter may catch it to answer differently (an HTML login page, a redirect), reading `reply.code`.
 *
 * @example
 * ```ts
 * import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
 * import { KanmonDenied } from 'kanmon/nestjs';
 * class ToLoginPage implements ExceptionFilter {
 *   catch(denied: KanmonDenied, host: ArgumentsHost) {
 *     const res = host.switchToHttp().getResponse<import('node:http').ServerResponse>();
 *     res.writeHead(303, { location: `/login?reason=${denied.reply.code ?? ''}` }).end();
 *   }
 * }
 * Catch(KanmonDenied)(ToLoginPage);
 * ```
 */
export class KanmonDenied extends HttpException {
  /** The answer kanmon would send. */
  readonly reply: HttpReply;
  constructor(reply: HttpReply) {
    // Without the filter, Nest still sends the status and the coded body (but not kanmon's headers).
    super(reply.body === null ? '' : (JSON.parse(reply.body) as Record<string, unknown>), reply.status);
    this.reply = reply;
  }
}

/**
 * An error of the framework's body parsing, which runs before any route is chosen (body-parser's
 * http-errors carry a `type`; zlib's a `Z_…` code; Fastify's content-type parser an `FST_ERR_CTP_…` code),
 * as Nest hands it over: an HttpException with that error as its `cause`, or the error itself.
 */
function isBodyParserError(exception: unknown): boolean {
  const error = (exception instanceof HttpException ? exception.cause : exception) as { type?: unknown; code?: unknown; message?: unknown } | null | undefined;
  if (error === null || typeof error !== 'object') return false;
  if (error instanceof SyntaxError || typeof error.type === 'string') return true;
  if (error.code === 'ECONNRESET' && error.message === 'aborted') return true; // the client went away mid-body
  return typeof error.code === 'string' && (error.code.startsWith('FST_ERR_CTP_') || error.code.startsWith('Z_'));
}

/** The status an error asks for: an HttpException's, a framework error's own `statusCode` (4xx), else 500. */
function statusOf(exception: unknown): number {
  if (exception instanceof HttpException) return exception.getStatus();
  const status = (exception as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 && !(exception instanceof KanmonError) ? status : 500;
}

/** Statuses of the framework's own refusals on a kanmon route that are not about the body (a wrong method, no route). */
const PASS_THROUGH = new Set([404, 405]);

/**
 * Turns kanmon's refusals, `KanmonError`s and body-parser errors on kanmon's routes into kanmon's coded
 * JSON bodies (ja/en by `Accept-Language`); everything else is Nest's default answer. {@link KanmonModule}
 * registers it as a global filter (`APP_FILTER`), and every `@Require…()` decorator applies it too.
 *
 * @example
 * ```ts
 * import { NestFactory } from '@nestjs/core';
 * import { KanmonExceptionFilter } from 'kanmon/nestjs';
 * declare const AppModule: new () => object;
 * const app = await NestFactory.create(AppModule);
 * // Only needed when the module was imported with { globalFilter: false }:
 * app.useGlobalFilters(app.get(KanmonExceptionFilter));
 * ```
 */
export class KanmonExceptionFilter implements ExceptionFilter {
  readonly #runtime: KanmonRuntime;
  readonly #fallback: BaseExceptionFilter;
  constructor(runtime: KanmonRuntime, adapterHost?: HttpAdapterHost) {
    this.#runtime = runtime;
    this.#fallback = new BaseExceptionFilter(adapterHost?.httpAdapter);
  }

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') return this.#fallback.catch(exception, host);
    const http = host.switchToHttp();
    const req = http.getRequest<unknown>();
    const res = http.getResponse<unknown>();
    if (exception instanceof KanmonDenied) return responseSent(res) ? undefined : sendReply(res, exception.reply);
    const { core } = this.#runtime;
    const raw = rawRequest(req);
    const lang = this.#runtime.peek(req)?.lang ?? core.langOf(raw);
    if (exception instanceof KanmonError) return responseSent(res) ? undefined : sendReply(res, core.fail(exception, lang));
    const status = statusOf(exception);
    // Nest's parser errors on every route (the guarded ones included: never the parser's message), and any error on kanmon's routes.
    const path = (raw.url ?? '').split('?')[0] ?? '';
    const kanmonRoute = this.#runtime.routePaths.some((route) => path === route || path.endsWith(route));
    if ((!kanmonRoute && !isBodyParserError(exception)) || PASS_THROUGH.has(status)) return this.#fallback.catch(exception, host);
    if (responseSent(res)) return;
    // A kanmon route: the transport first (as the route itself would), then the body's fault, else the one error path.
    let refused: HttpReply | null = null;
    try {
      refused = core.transport(raw, this.#runtime.state(req));
    } catch (err) {
      return sendReply(res, core.fail(err, lang));
    }
    if (refused) return sendReply(res, refused);
    if (status === 413) return sendReply(res, errorReply('payload_too_large', lang));
    if (status >= 400 && status < 500) return sendReply(res, errorReply('invalid_request', lang));
    sendReply(res, core.fail(exception, lang));
  }

}
Catch()(KanmonExceptionFilter);
Inject(KANMON_RUNTIME)(KanmonExceptionFilter, undefined, 0);
Inject(HttpAdapterHost)(KanmonExceptionFilter, undefined, 1);
Optional()(KanmonExceptionFilter, undefined, 1);
