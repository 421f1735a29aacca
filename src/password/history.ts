import { KanmonError } from '../errors.js';
import type { Policy } from '../policy/define-policy.js';
import type { PasswordHasher } from './hash/create-hasher.js';

/** The answer of {@link checkPasswordHistory}. */
export type PasswordHistoryResult =
  | { readonly ok: true; readonly checked: number }
  | {
      readonly ok: false;
      readonly reason: 'reused';
      /** Position of the matching hash in `previousHashes` (0 = the newest). */
      readonly index: number;
      /** `policy.password.history`: how many previous passwords are remembered. */
      readonly history: number;
    }
  | { readonly ok: false; readonly reason: 'too_long' | 'malformed' };

/**
 * Refuse reuse of the last `policy.password.history` passwords (RM-22, RM-36):
 * `password` is verified against each of the newest N `previousHashes`, which
 * may be of any algorithm the hasher reads (Argon2id, PBKDF2, peppered or
 * not, legacy bcrypt and scrypt), so a history survives an algorithm change.
 *
 * @param previousHashes Newest first; include the current password's hash.
 *   Only the first `policy.password.history` entries are checked.
 *
 * @example
 * ```ts
 * import { checkPasswordHistory } from 'kanmon';
 * const result = await checkPasswordHistory(newPassword, user.passwordHistory, policy, hasher);
 * if (!result.ok && result.reason === 'reused') {
 *   // 「過去 5 回以内に使用したパスワードは使用できません」
 * }
 * ```
 */
export async function checkPasswordHistory(
  password: string,
  previousHashes: readonly string[],
  policy: Policy,
  hasher: PasswordHasher,
): Promise<PasswordHistoryResult> {
  if (!Array.isArray(previousHashes)) throw new KanmonError('ERR_INVALID_ARGUMENT', 'previousHashes must be an array of stored hashes, newest first');
  const history = policy.password.history;
  const recent: readonly string[] = (previousHashes as readonly string[]).slice(0, history);
  // One at a time: the gate would run them in parallel, but a change of password
  // should not take N hashing slots from logins.
  for (let index = 0; index < recent.length; index++) {
    const result = await hasher.verify(recent[index]!, password);
    if (result.valid) return { ok: false, reason: 'reused', index, history };
    if (result.refused === 'too_long' || result.refused === 'malformed') return { ok: false, reason: result.refused };
    // 'bcrypt_too_long': a password bcrypt cannot hold cannot be the one it stored.
  }
  return { ok: true, checked: recent.length };
}
