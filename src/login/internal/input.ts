import { KanmonError } from '../../errors.js';

/**
 * The one input object of a `Kanmon` step. Anything else (the positional arguments of 0.1, `null`) is a
 * programmer error, named with the shape expected, rather than read as a wrong challenge or code.
 */
export function inputObject<T extends object>(method: string, input: T, shape: string): T {
  if (typeof input !== 'object' || input === null) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', `${method} takes one object ${shape} (the request's facts spread in, as for login)`);
  }
  return input;
}
