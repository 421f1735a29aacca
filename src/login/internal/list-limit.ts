import { KanmonError } from '../../errors.js';
import type { AccountListQuery } from '../account.js';

/** The most accounts one `list` page may ask for. */
export const maxListLimit = 10_000;

/**
 * The checked page size of an {@link AccountListQuery} (`ERR_INVALID_ARGUMENT`
 * for a tenant that is not a string, a cursor that is not a string, or a limit
 * outside 1..10 000). Shared by the repositories kanmon ships.
 */
export function listLimit(query: AccountListQuery): number {
  if (!query || typeof query.tenant !== 'string') throw new KanmonError('ERR_INVALID_ARGUMENT', 'list: tenant must be a string');
  if (query.cursor !== undefined && query.cursor !== null && typeof query.cursor !== 'string') {
    throw new KanmonError('ERR_INVALID_ARGUMENT', 'list: cursor must be a string or null');
  }
  const limit = query.limit ?? 500;
  if (!Number.isInteger(limit) || limit < 1 || limit > maxListLimit) throw new KanmonError('ERR_INVALID_ARGUMENT', `list: limit must be an integer from 1 to ${maxListLimit}`);
  return limit;
}
