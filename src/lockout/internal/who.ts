/**
 * Who is attempting, from a {@link LockoutKey}: the tenant, the normalised
 * account name, the client's address bucket, and the store keys of the
 * records a reservation, a success or a status reads.
 */
import { KanmonError } from '../../errors.js';
import { ipBucket } from '../../internal/ip-bucket.js';
import { assertTenant, trustedKey } from '../../store/key.js';
import { keyHashState } from '../../store/internal/key-table.js';
import { normalizeAccountKey, settledAccountKey, settledAccountKeyHashed } from '../normalize-account.js';
import type { LockoutKey } from '../types.js';

export interface Resolved {
  readonly tenant: string;
  readonly account: string;
  /** The client address bucket (an IPv4 address or an IPv6 /64), or `null`. */
  readonly ip: string | null;
}

/** {@link Resolved} with the store key of the account's counter. */
export type ResolvedKey = Resolved & { readonly key: string };

/** The account side of a key: its id (`null`: no account found; `undefined`: not given) and stored login name. */
export interface AccountSide {
  readonly accountId: string | null | undefined;
  readonly canonicalName: string | undefined;
}

export interface Who {
  /** Who is attempting; with `kind`, the store key of their password (`pw`) or second-factor (`mfa`) counter by name too. */
  readonly resolve: {
    (key: LockoutKey): Resolved;
    (key: LockoutKey, kind: 'pw' | 'mfa'): ResolvedKey;
  };
  readonly accountSide: (key: LockoutKey) => AccountSide;
  /** The second factor's counter of a key: the account id's when it names one, else the name's. */
  readonly mfaWho: (key: LockoutKey) => ResolvedKey;
  /**
   * The password counter's key of a bare login name on the default tenant when
   * the name is its own normalised form (`resolve(name, 'pw')` would give it
   * with `account: name`), else `null`. Its hash for the memory store is
   * then in `settledKeyHash` (normalize-account.ts).
   */
  readonly settledName: (account: string) => string | null;
  /** The tenant of keys that name none. */
  readonly defaultTenant: string;
}

/** The record of an account's own password counter (a namespace no login name reaches). */
export const accountKey = (tenant: string, accountId: string): string => trustedKey(tenant, 'lockout', 'pw-id', accountId);
/** The stand-in counter of a name that led to no account (see `reserveAccount`). */
export const unknownKey = (tenant: string, account: string): string => trustedKey(tenant, 'lockout', 'pw-unknown', account);

/** Key resolution for a lockout whose keys default to `defaultTenant` (checked by the caller). */
export function createWho(defaultTenant: string): Who {
  /** `{tenant}:lockout:pw:` and `{tenant}:lockout:mfa:` of the default tenant, built once. */
  const defaultPrefixes = { pw: `{${defaultTenant}}:lockout:pw:`, mfa: `{${defaultTenant}}:lockout:mfa:` };
  /** Their hash states (the memory store's key hash), computed once: the name check hashes only the name. */
  const defaultStates = { pw: keyHashState(defaultPrefixes.pw), mfa: keyHashState(defaultPrefixes.mfa) };

  function resolve(key: LockoutKey): Resolved;
  function resolve(key: LockoutKey, kind: 'pw' | 'mfa'): ResolvedKey;
  function resolve(key: LockoutKey, kind?: 'pw' | 'mfa'): Resolved & { readonly key?: string } {
    let account: unknown;
    let ip: unknown = null;
    let tenant: unknown = defaultTenant;
    if (typeof key === 'string') {
      account = key;
    } else if (key && typeof key === 'object') {
      account = key.account;
      ip = key.ip ?? null;
      tenant = key.tenant ?? defaultTenant;
    }
    if (typeof account !== 'string') throw new KanmonError('ERR_INVALID_ARGUMENT', 'lockout key: account must be a string');
    if (ip !== null && typeof ip !== 'string') throw new KanmonError('ERR_INVALID_ARGUMENT', 'lockout key: ip must be a string');
    if (tenant !== defaultTenant) assertTenant(tenant);
    const bucket = ip === null || ip === '' ? null : ipBucket(ip);
    if (kind === undefined) return { tenant, account: normalizeAccountKey(account), ip: bucket };
    const settled =
      tenant === defaultTenant ? settledAccountKeyHashed(defaultPrefixes[kind], defaultStates[kind], account) : settledAccountKey(`{${tenant}}:lockout:${kind}:`, account);
    if (settled !== null) return { tenant, account, ip: bucket, key: settled };
    const normalized = normalizeAccountKey(account);
    return { tenant, account: normalized, ip: bucket, key: trustedKey(tenant, 'lockout', kind, normalized) };
  }

  function accountSide(key: LockoutKey): AccountSide {
    if (typeof key !== 'object' || key === null) return { accountId: undefined, canonicalName: undefined };
    const { accountId, canonicalName } = key;
    if (accountId !== undefined && accountId !== null && (typeof accountId !== 'string' || accountId.length === 0)) {
      throw new KanmonError('ERR_INVALID_ARGUMENT', 'lockout key: accountId must be a non-empty string or null');
    }
    if (canonicalName !== undefined && typeof canonicalName !== 'string') throw new KanmonError('ERR_INVALID_ARGUMENT', 'lockout key: canonicalName must be a string');
    return { accountId, canonicalName };
  }

  function mfaWho(key: LockoutKey): ResolvedKey {
    const who = resolve(key, 'mfa');
    const { accountId } = accountSide(key);
    if (typeof accountId !== 'string') return who;
    const account = normalizeAccountKey(accountId);
    return { ...who, account, key: trustedKey(who.tenant, 'lockout', 'mfa', account) };
  }

  const settledName = (account: string): string | null => settledAccountKeyHashed(defaultPrefixes.pw, defaultStates.pw, account);

  return { resolve, accountSide, mfaWho, settledName, defaultTenant };
}
