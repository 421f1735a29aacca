import { KanmonError } from '../../errors.js';
import type { FlowContext } from '../flow-context.js';
import { reauthenticate } from '../flows/reauthenticate.js';
import { inputObject } from '../internal/input.js';
import { assertMaxAge, reauthDeadline } from '../internal/step-up.js';
import { answeringOutage, notOkUnavailable } from '../outage.js';
import type { KanmonStepUp } from '../step-up-types.js';

/** The step-up methods of `Kanmon` (issue 17 point 1), each answering an outage as `unavailable`. */
export function stepUpMethods(ctx: FlowContext): KanmonStepUp {
  return {
    reauthenticate: answeringOutage((input) => reauthenticate(ctx, input), notOkUnavailable),
    checkRecentAuth(input) {
      const { session, maxAgeSeconds = ctx.policy.session.reauthMaxAgeSeconds } = inputObject('checkRecentAuth', input, '{ session, maxAgeSeconds? }');
      if (typeof session !== 'object' || session === null) throw new KanmonError('ERR_INVALID_ARGUMENT', 'checkRecentAuth: pass { session } (a session from sessions.verify)');
      assertMaxAge(maxAgeSeconds);
      const deadline = reauthDeadline(ctx, session, maxAgeSeconds);
      return ctx.now() <= deadline ? { ok: true, deadline } : { ok: false, reason: 'reauth_required', deadline };
    },
  };
}
