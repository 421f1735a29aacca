import type { AccountRecord } from './types.js';

/** What an account must be given; every security field has the value a new account starts with. */
export type NewAccountInit = Pick<AccountRecord, 'id' | 'tenant' | 'username' | 'passwordHash' | 'passwordChangedAt'> & Partial<AccountRecord>;

/**
 * An {@link AccountRecord} for a new account: no history, no second factor,
 * not compromised, not disabled, no roles, unless `init` says otherwise.
 *
 * @example
 * ```ts
 * import { memoryAccounts, newAccount } from 'kanmon';
 * const accounts = memoryAccounts();
 * const passwordHash = '$argon2id$…'; // from createPasswordHasher(...).hash(password)
 * await accounts.create(newAccount({ id: 'u-1', tenant: 'funabashi', username: 'sato', passwordHash, passwordChangedAt: Date.now(), roles: ['staff'] }));
 * ```
 */
export function newAccount(init: NewAccountInit): AccountRecord {
  return {
    passwordHistory: [],
    mustChangePassword: null,
    compromised: false,
    disabled: false,
    roles: [],
    totpSecret: null,
    totpPendingSecret: null,
    recoveryCodes: null,
    ...init,
  };
}
