/**
 * What the account inventory (RM-27 権限の割当一覧) takes and answers (the dormant-account sweep and
 * `deleteAccount` are administrative operations: `types.ts`). Part of the public contract of the login flow (`types.ts`).
 */
import type { OutageCause } from '../outage.js';

/** What `inventory` takes. */
export interface InventoryInput {
  readonly tenant: string;
}

/** An account's second factor as the inventory shows it. */
export interface InventoryMfa {
  /** `totp`: a confirmed authenticator; `none`: no second factor. */
  readonly status: 'none' | 'totp';
  /** Unused recovery codes; `null` when the account has none. */
  readonly recoveryCodesLeft: number | null;
}

/** One account in the inventory. Times are epoch ms. */
export interface InventoryEntry {
  readonly accountId: string;
  readonly username: string;
  readonly displayName: string | null;
  readonly roles: readonly string[];
  /** Holds a role in `policy.mfa.privilegedRoles`. */
  readonly privileged: boolean;
  readonly mfa: InventoryMfa;
  readonly createdAt: number | null;
  readonly lastLoginAt: number | null;
  readonly lastLoginIp: string | null;
  readonly passwordChangedAt: number;
  /** Calendar days (in `policy.timeZone`) since the password was set. */
  readonly passwordAgeDays: number;
  /** Locked by the lockout now (password or second factor); `null` when the lockout was not asked (an export). */
  readonly locked: boolean | null;
  readonly disabled: boolean;
  /** Calendar days (in `policy.timeZone`) since the last login, or since creation for an account never used. */
  readonly idleDays: number;
  /** `idleDays` reached `policy.accounts.dormantDays` (always `false` when that is `null`). */
  readonly dormant: boolean;
}

/** The answer of `inventory`. */
export type InventoryResult =
  | {
      readonly ok: true;
      readonly tenant: string;
      /** When the inventory was taken (epoch ms). */
      readonly generatedAt: number;
      /** The rule applied (`null`: none). */
      readonly dormantDays: number | null;
      /** The calendar the days are counted in. */
      readonly timeZone: string;
      readonly accounts: readonly InventoryEntry[];
    }
  | ({ readonly ok: false; readonly reason: 'unavailable'; readonly retryAfterMs: number } & OutageCause);

/** The inventory method of `Kanmon` (wired in `methods/inventory.ts`). */
export interface KanmonInventory {
  /**
   * Every account of the tenant with its roles, privilege, second factor, last login, password age, lock and
   * dormancy: the list of assignments RM-27 asks for. Needs `AccountRepository.list` (`ERR_CAPABILITY_MISSING`).
   */
  inventory(input: InventoryInput): Promise<InventoryResult>;
}
