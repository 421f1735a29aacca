/**
 * The app's own account records as kanmon reads them, through a tiny repository the app implements.
 * Re-exported by `types.ts` (the public contract of the login flow).
 */
import type { RecoveryCodeSet } from '../mfa/recovery-codes.js';
import type { MustChangeReason } from '../password/age.js';
import type { PasskeyCredential } from '../webauthn/credential.js';

/** Why an account's password must be changed before it may be used (set by kanmon; `compromised` is its own flag). */
export type AccountMustChange = Exclude<MustChangeReason, 'compromised'>;

/**
 * One user account as kanmon reads it. The app owns the record (its own
 * database, its own extra columns); kanmon reads these fields and writes them
 * back through {@link AccountRepository.update}. No field holds a secret in
 * the clear: the password is a PHC hash, the TOTP secret is sealed
 * (AES-256-GCM under the key ring), recovery codes are keyed hashes.
 */
export interface AccountRecord {
  /** Stable id (the session's `sub`). */
  readonly id: string;
  /** The tenant (municipality) the account belongs to. */
  readonly tenant: string;
  /** The login name, as the user types it. */
  readonly username: string;
  /** PHC string from the hasher (Argon2id, PBKDF2, or a legacy format kanmon reads). */
  readonly passwordHash: string;
  /** When the password was set (epoch ms): age rules and minimum age read it. */
  readonly passwordChangedAt: number;
  /** Earlier password hashes, newest first, without the current one (`policy.password.history`). */
  readonly passwordHistory: readonly string[];
  /** Set when the password was issued rather than chosen (`initial`, `admin_reset`) or the policy changed. */
  readonly mustChangePassword: AccountMustChange | null;
  /** The password is known or suspected to be compromised (RM-23, FNB-3.1.4). */
  readonly compromised: boolean;
  /** A disabled account cannot log in; the caller sees `invalid_credentials` all the same. */
  readonly disabled: boolean;
  /** Role names; those in `policy.mfa.privilegedRoles` must use MFA (SEC-13). */
  readonly roles: readonly string[];
  /** Confirmed TOTP secret, sealed (`confirmTotp` writes it); `null` = not enrolled. */
  readonly totpSecret: string | null;
  /** A TOTP enrolment awaiting its first code (`enrollTotp` writes it); `null` when none. */
  readonly totpPendingSecret: string | null;
  /** Recovery codes as keyed hashes (`confirmTotp` writes them); `null` when none. */
  readonly recoveryCodes: RecoveryCodeSet | null;
  /** Registered passkeys (WebAuthn; docs/passkeys.md); absent or empty = none. Written whole by kanmon. */
  readonly passkeys?: readonly PasskeyCredential[] | undefined;
  /** Used by the password context rule (its local part must not appear in the password). */
  readonly email?: string | null | undefined;
  /** Shown in UIs; never used in a decision. */
  readonly displayName?: string | null | undefined;
  /** When the account was created (epoch ms); a never-used account is dormant this long after it (`policy.accounts.dormantDays`). */
  readonly createdAt?: number | null | undefined;
  /** The last successful login (epoch ms; written by the login flow); `null` = never. */
  readonly lastLoginAt?: number | null | undefined;
  /** The client IP of the last successful login (as the trusted-proxy logic resolved it). */
  readonly lastLoginIp?: string | null | undefined;
}

/** What kanmon writes back: a subset of the fields, never `id` or `tenant`. */
export type AccountPatch = Partial<Omit<AccountRecord, 'id' | 'tenant'>>;

/** A new account for {@link AccountRepository.create}. */
export type NewAccount = AccountRecord;

/**
 * How kanmon reads and writes the app's accounts. Implement it over your own
 * database; `memoryAccounts()` is one for tests and the demo.
 *
 * Every method is scoped by tenant: an account of one tenant is never found
 * through another tenant's id.
 */
export interface AccountRepository {
  /** The account whose login name is `username` (the app decides case rules), or `null`. */
  find(tenant: string, username: string): Promise<AccountRecord | null>;
  /** The account with this id, or `null`. */
  findById(tenant: string, id: string): Promise<AccountRecord | null>;
  /** Apply `patch` to the account. Resolve once it is stored. */
  update(tenant: string, id: string, patch: AccountPatch): Promise<void>;
  /** Insert a new account (`Kanmon.createAccount`); optional for apps that create accounts themselves. */
  create?(account: NewAccount): Promise<void>;
  /**
   * One page of a tenant's accounts, ordered by `id` (code-unit order), for
   * the inventory (RM-27) and the dormant-account sweep (SEC-12, IPC-3).
   * Optional: `inventory` and `disableDormantAccounts` need it.
   */
  list?(query: AccountListQuery): Promise<AccountPage>;
  /**
   * Remove the account. Resolves `true` when it existed, `false` when it did
   * not. Optional: `deleteAccount` needs it.
   */
  delete?(tenant: string, id: string): Promise<boolean>;
}

/** The arguments of {@link AccountRepository.list}. */
export interface AccountListQuery {
  readonly tenant: string;
  /** The `cursor` of the previous page; omit (or `null`) for the first page. */
  readonly cursor?: string | null | undefined;
  /** Accounts per page at most. @default 500 */
  readonly limit?: number | undefined;
}

/** One page of {@link AccountRepository.list}. */
export interface AccountPage {
  readonly accounts: readonly AccountRecord[];
  /** Pass it back for the next page; `null` when this was the last. */
  readonly cursor: string | null;
}
