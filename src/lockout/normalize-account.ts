const printableAscii = /^[\x20-\x7e]*$/;

/**
 * The lockout key of a login name: NFKC, then case-folded, so `Alice`,
 * `ALICE` and `ａｌｉｃｅ` count against one account. Case folding goes through
 * upper case first so `ß`/`SS` and `ς`/`σ` fold together, as full folding does.
 */
export function normalizeAccountKey(account: string): string {
  if (printableAscii.test(account)) return account.toLowerCase();
  return account.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC');
}
