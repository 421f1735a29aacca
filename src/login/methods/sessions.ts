import type { FlowContext } from '../flow-context.js';
import { listSessions, revokeOtherSessions, revokeSession } from '../flows/sessions.js';
import { answeringOutage, notOkUnavailable } from '../outage.js';
import type { KanmonSessions } from '../session-types.js';

/** The user's own session controls of `Kanmon` (flows/sessions.ts), each answering an outage as `unavailable`. */
export function sessionMethods(ctx: FlowContext): KanmonSessions {
  return {
    listSessions: answeringOutage((input) => listSessions(ctx, input), notOkUnavailable),
    revokeSession: answeringOutage((input) => revokeSession(ctx, input), notOkUnavailable),
    revokeOtherSessions: answeringOutage((input) => revokeOtherSessions(ctx, input), notOkUnavailable),
  };
}
