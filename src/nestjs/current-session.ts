/** Parameter decorators: the verified session and kanmon's request state, as a guard left them. */
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { KanmonRequestState } from '../http/create-http-core.js';

const stateOf = (context: ExecutionContext): KanmonRequestState | null => {
  const req = context.switchToHttp().getRequest<{ raw?: object }>();
  return (states.get((req.raw ?? req)) ?? null);
};

/** Filled by the runtime (runtime.ts) through {@link rememberState}; read here without a dependency on the module. */
const states = new WeakMap<object, KanmonRequestState>();

/** Called by the runtime when it makes a request's state. */
export function rememberState(raw: object, state: KanmonRequestState): void {
  states.set(raw, state);
}

/**
 * The session a `@Require…()` guard verified (`null` on a route without one).
 *
 * @example
 * ```ts
 * import { CurrentSession } from 'kanmon/nestjs';
 * class MeController {
 *   me(session: import('kanmon').Session | null) {
 *     return { subject: session?.subject };
 *   }
 * }
 * CurrentSession()(MeController.prototype, 'me', 0);
 * ```
 */
export const CurrentSession = createParamDecorator((_data: unknown, context: ExecutionContext) => stateOf(context)?.session ?? null);

/**
 * kanmon's state of the request: tenant, language, session, the last access decision (`null` when
 * kanmon has not seen the request).
 *
 * @example
 * ```ts
 * import { KanmonState } from 'kanmon/nestjs';
 * class WhereController {
 *   where(state: import('kanmon/nestjs').KanmonRequestState | null) {
 *     return { tenant: state?.tenant, lang: state?.lang };
 *   }
 * }
 * KanmonState()(WhereController.prototype, 'where', 0);
 * ```
 */
export const KanmonState = createParamDecorator((_data: unknown, context: ExecutionContext) => stateOf(context));
