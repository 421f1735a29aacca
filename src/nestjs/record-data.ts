/**
 * Data events from Nest routes (EXT-6, SEC-26): `@RecordData(log, describe)` records the route's access to the
 * application's data in the audit chain before the handler runs, with the session's subject as the actor: the
 * same HTTP-core helper (`recordDataEvent`) as `recordData` of `kanmon/express` and `kanmon/fastify`.
 */
import { type CanActivate, type ExecutionContext, Inject, Injectable, UseFilters, UseGuards, applyDecorators } from '@nestjs/common';
import type { DataEventLog, DataEventSpec } from '../http/record-data-event.js';
import { KanmonDenied, KanmonExceptionFilter } from './filter.js';
import { stateOrDenied } from './guards.js';
import { type KanmonRuntime, appendCookies, rawRequest } from './runtime.js';
import { KANMON_RUNTIME } from './tokens.js';

/**
 * Record a data event for every request the route serves, before its handler runs: the actor is the verified
 * session's subject (a session is required: `401 session_required` without one), the tenant the request's, the
 * source the client address through the trusted proxies. `describe` gets the platform's request (Express's or
 * Fastify's) and names the type, target and fields (checked by the type's schema). An audit outage answers
 * `503` and the handler does not run: data is never served unrecorded.
 *
 * @example
 * ```ts
 * import { Controller, Get } from '@nestjs/common';
 * import type { AuditLog } from 'kanmon';
 * import { RecordData } from 'kanmon/nestjs';
 * declare const log: AuditLog;
 * class ResidentsController {
 *   show() {
 *     return { ok: true };
 *   }
 * }
 * const show = Object.getOwnPropertyDescriptor(ResidentsController.prototype, 'show')!;
 * RecordData(log, (req: { params: { id: string } }) => ({ type: 'data.access', target: req.params.id, data: { recordIds: [req.params.id] } }))(ResidentsController.prototype, 'show', show);
 * Get(':id')(ResidentsController.prototype, 'show', show);
 * Controller('residents')(ResidentsController);
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the platform's request (Express or Fastify), as the app types it
export function RecordData<Req = any>(log: DataEventLog, describe: (request: Req) => DataEventSpec): ReturnType<typeof applyDecorators> {
  class KanmonRecordDataGuard implements CanActivate {
    readonly #runtime: KanmonRuntime;
    constructor(runtime: KanmonRuntime) {
      this.#runtime = runtime;
    }
    async canActivate(context: ExecutionContext): Promise<boolean> {
      const http = context.switchToHttp();
      const req = http.getRequest<Req>();
      const { core } = this.#runtime;
      const state = stateOrDenied(this.#runtime, req);
      let spec: DataEventSpec;
      try {
        spec = describe(req);
      } catch (err) {
        throw new KanmonDenied(core.fail(err, state.lang));
      }
      const { reply, setCookie } = await core.recordDataEvent(rawRequest(req), state, log, spec);
      if (reply !== null) throw new KanmonDenied(reply);
      appendCookies(http.getResponse<unknown>(), setCookie);
      return true;
    }
  }
  Injectable()(KanmonRecordDataGuard);
  Inject(KANMON_RUNTIME)(KanmonRecordDataGuard, undefined, 0);
  return applyDecorators(UseGuards(KanmonRecordDataGuard), UseFilters(KanmonExceptionFilter));
}
