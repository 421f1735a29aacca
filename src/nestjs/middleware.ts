/** IPC-16 on every route of the application: the module's middleware refuses plain HTTP (unless TLS ends at a trusted proxy). */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import { type KanmonRuntime, sendReply } from './runtime.js';
import { KANMON_RUNTIME } from './tokens.js';

/**
 * IPC-16 on every route: refuses plain HTTP with kanmon's coded `403` unless TLS ends at a trusted proxy.
 * {@link KanmonModule} applies it to all routes (`enforceTls`); export it only to apply it yourself.
 *
 * @example
 * ```ts
 * import type { MiddlewareConsumer } from '@nestjs/common';
 * import { KanmonTlsMiddleware } from 'kanmon/nestjs';
 * declare const consumer: MiddlewareConsumer;
 * consumer.apply(KanmonTlsMiddleware).forRoutes('*');
 * ```
 */
export class KanmonTlsMiddleware implements NestMiddleware {
  readonly #runtime: KanmonRuntime;
  constructor(runtime: KanmonRuntime) {
    this.#runtime = runtime;
  }
  /** Refuses a request that did not arrive over TLS (IPC-16) with kanmon's coded body; calls `next()` otherwise. */
  use(req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void {
    const state = this.#runtime.begin(req, res);
    if (state === null) return;
    const { enforceTls = true } = this.#runtime.options;
    if (enforceTls === false || (typeof enforceTls === 'object' && enforceTls.skip(req))) return next();
    const refused = this.#runtime.core.transport(req, state);
    if (refused) sendReply(res, refused);
    else next();
  }
}
Injectable()(KanmonTlsMiddleware);
Inject(KANMON_RUNTIME)(KanmonTlsMiddleware, undefined, 0);
