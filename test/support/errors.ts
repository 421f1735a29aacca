import { KanmonError } from '../../src/index.js';

/** The KanmonError `fn` throws; any other throw is rethrown, and no throw fails the test. */
export function kanmonError(fn: () => unknown): KanmonError {
  try {
    fn();
  } catch (err) {
    if (err instanceof KanmonError) return err;
    throw err;
  }
  throw new Error('expected a KanmonError');
}

/** The code of the KanmonError `fn` throws. */
export function errorCode(fn: () => unknown): string {
  return kanmonError(fn).code;
}

/** The code of the KanmonError `promise` rejects with; a fulfilled promise fails the test. */
export async function rejectionCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof KanmonError) return err.code;
    throw err;
  }
  throw new Error('expected a KanmonError');
}
