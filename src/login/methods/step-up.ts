import type { FlowContext } from '../flow-context.js';
import { reauthenticate } from '../flows/reauthenticate.js';
import { answeringOutage, notOkUnavailable } from '../outage.js';
import type { KanmonStepUp } from '../step-up-types.js';

/** The step-up methods of `Kanmon` (issue 17 point 1), each answering an outage as `unavailable`. */
export function stepUpMethods(ctx: FlowContext): KanmonStepUp {
  return {
    reauthenticate: answeringOutage((input) => reauthenticate(ctx, input), notOkUnavailable),
  };
}
