import { KanmonError } from '../../errors.js';

/** The coded error of a call that needs an optional capability `owner` lacks (`details.capability` names it). */
export function capabilityMissing(who: string, owner: string, capability: string): KanmonError {
  return new KanmonError('ERR_CAPABILITY_MISSING', `${who}: the ${owner} has no ${capability}() (an optional capability this call needs)`, {
    details: { capability, owner },
  });
}
