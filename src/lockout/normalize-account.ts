import { keyHashFinish, keyHashState, keyHashStep } from '../store/internal/key-table.js';

/**
 * The lockout key of a login name: NFKC, then case-folded, so `Alice`,
 * `ALICE` and `ａｌｉｃｅ` count against one account. Case folding goes through
 * upper case first so `ß`/`SS` and `ς`/`σ` fold together, as full folding does.
 */
export function normalizeAccountKey(account: string): string {
  // Fast path: printable ASCII (NFKC leaves it alone); lower-case only when needed.
  let upper = false;
  for (let i = 0; i < account.length; i++) {
    const c = account.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return account.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC');
    if (c >= 0x41 && c <= 0x5a) upper = true;
  }
  return upper ? account.toLowerCase() : account;
}

/** ASCII codes a normalised account keeps as they are and a store key takes unescaped: a-z 0-9 _ . @ + - */
const settled = new Uint8Array(128);
for (const c of 'abcdefghijklmnopqrstuvwxyz0123456789_.@+-') settled[c.charCodeAt(0)] = 1;

/**
 * `prefix + account` when that already is the account's store key, else
 * `null`: the account is made of a-z 0-9 _ . @ + - only (NFKC and case
 * folding leave it alone, and key escaping does too) and is at most 256
 * characters (longer parts are hashed). The common login name takes this
 * path: the new string is read once, not the name and then the key.
 */
export const settledAccountKey = (prefix: string, account: string): string | null => settledAccountKeyHashed(prefix, keyHashState(prefix), account);

/** The memory store's hash of the last key {@link settledAccountKeyHashed} (or {@link settledAccountKey}) returned. */
export const settledKeyHash = { value: 0 };

/**
 * {@link settledAccountKey}, hashing the key for the memory store in the same
 * pass (`keyHash`, from `prefixState` = `keyHashState(prefix)`) into
 * {@link settledKeyHash}: the store then does not read the key again.
 */
export function settledAccountKeyHashed(prefix: string, prefixState: number, account: string): string | null {
  if (account.length > 256) return null;
  const key = prefix + account;
  let h = prefixState;
  for (let i = prefix.length; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c >= 128 || settled[c] === 0) return null;
    h = keyHashStep(h, c);
  }
  settledKeyHash.value = keyHashFinish(h);
  return key;
}
