import { isKanmonError } from '../../errors.js';

/**
 * Run one store call: `'unavailable'` when the store fails or does not answer
 * within `timeoutMs`, so a dead Redis never hangs a login. A `KanmonError`
 * other than `ERR_STORE_UNAVAILABLE` (a malformed key: a bug) propagates.
 */
export async function storeCall<T>(op: () => Promise<T>, timeoutMs: number): Promise<T | 'unavailable'> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const timeout = new Promise<'unavailable'>((resolve) => {
      timer = setTimeout(resolve, timeoutMs, 'unavailable');
      timer.unref();
    });
    return await Promise.race([op(), timeout]);
  } catch (err) {
    if (isKanmonError(err) && err.code !== 'ERR_STORE_UNAVAILABLE') throw err;
    return 'unavailable';
  } finally {
    clearTimeout(timer);
  }
}
