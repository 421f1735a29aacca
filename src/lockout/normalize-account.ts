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
