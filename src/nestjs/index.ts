/**
 * `kanmon/nestjs`: a NestJS 11+ module (Express or Fastify platform) over the framework-neutral core in
 * `src/http/`. Every decision is made there; these files only wire it into Nest.
 *
 * @module kanmon/nestjs
 */
export { KanmonModule } from './module.js';
export type { KanmonModuleAsyncOptions, KanmonMountOptions } from './module.js';
export type { KanmonModuleOptions, KanmonRuntime } from './runtime.js';
export { RequireAccess, RequireMfa, RequireRecentAuth, RequireRole, RequireSession } from './guards.js';
export { CurrentSession, KanmonState } from './current-session.js';
export { KanmonDenied, KanmonExceptionFilter } from './filter.js';
export { kanmonController } from './controller.js';
export type { KanmonAuthController } from './controller.js';
export { KanmonTlsMiddleware } from './middleware.js';
export { RecordData } from './record-data.js';
export type { DataEventLog, DataEventSpec } from '../http/record-data-event.js';
export { KANMON_MODULE_OPTIONS, KANMON_RUNTIME } from './tokens.js';
export { chooseLanguage } from '../http/language.js';
export { httpErrorStatus, httpErrorMessage } from '../http/error-body.js';
export type { HttpErrorCode, HttpReply } from '../http/error-body.js';
export { hasSecondFactor } from '../http/create-http-core.js';
export type { HttpAdapterOptions, HttpKanmon, HttpRequest, KanmonRequestState } from '../http/create-http-core.js';
