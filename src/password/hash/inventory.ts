import { KanmonError, isKanmonError } from '../../errors.js';
import type { AccountRepository } from '../../login/account.js';
import { readImportHash } from './foreign/import-hash.js';
import { readForeign } from './foreign/read.js';

/**
 * How many accounts are still on a hash kanmon did not write (the upgrade report of a
 * migration): each is replaced at its user's next successful login. Feed it to
 * `complianceReport(policy, { passwordHashes })`: SEC-23 is `weakened` while any remain.
 */
export interface PasswordHashInventory {
  /** Accounts counted. */
  readonly total: number;
  /** On kanmon's own Argon2id or PBKDF2 (whatever their parameters: `needsRehash` upgrades those). */
  readonly kanmon: number;
  /** On a foreign hash (Django, passlib, PHP, Spring, ASP.NET, Keycloak, `imported$…`), weak ones included. */
  readonly foreign: number;
  /** Of those, weak as stored: a layered wrap of a fast digest, or PBKDF2 under 10,000 iterations. */
  readonly weak: number;
  /** No usable hash (SSO-only, `!`, empty) or one kanmon cannot read. */
  readonly unusable: number;
  /** Foreign hashes by format (`layered-md5`, `django-pbkdf2-sha256`, …). */
  readonly byFormat: Readonly<Record<string, number>>;
}

/** The category of one stored hash, without computing anything. */
function classify(stored: unknown): { kind: 'kanmon' | 'foreign' | 'unusable'; format?: string; weak?: boolean } {
  if (typeof stored !== 'string') return { kind: 'unusable' };
  const layered = /^layered\$(md5|sha1|sha256|crypt-des)\$/.exec(stored);
  if (layered) return { kind: 'foreign', format: `layered-${layered[1]!}`, weak: true };
  if (/^\$argon2id\$|^\$pbkdf2-sha(256|512)\$i=/.test(stored)) return { kind: 'kanmon' };
  try {
    const foreign = readForeign(stored);
    if (!foreign) return { kind: 'unusable' };
    const read = readImportHash(stored);
    return { kind: 'foreign', format: foreign.format, weak: read.ok && read.weak };
  } catch (err) {
    if (isKanmonError(err)) return { kind: 'unusable' };
    throw err;
  }
}

/**
 * Count stored password hashes by what they are (no hash is computed, no value is kept).
 *
 * @example
 * ```ts
 * import { passwordHashInventory } from 'kanmon';
 * const inventory = passwordHashInventory([
 *   '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc',
 *   'pbkdf2_sha256$260000$v4yurcRDRnBSwJdyfAS5DQ$baZSHDPyD+Q0tD1gWnO1YOj6sym6gzlinUm0Sjy4BJ4=',
 * ]);
 * inventory.foreign; // 1 (byFormat: { 'django-pbkdf2-sha256': 1 })
 * ```
 */
export function passwordHashInventory(hashes: Iterable<unknown>): PasswordHashInventory {
  let total = 0;
  let kanmon = 0;
  let foreign = 0;
  let weak = 0;
  let unusable = 0;
  const byFormat: Record<string, number> = {};
  for (const stored of hashes) {
    total++;
    const c = classify(stored);
    if (c.kind === 'kanmon') kanmon++;
    else if (c.kind === 'unusable') unusable++;
    else {
      foreign++;
      if (c.weak) weak++;
      byFormat[c.format!] = (byFormat[c.format!] ?? 0) + 1;
    }
  }
  return { total, kanmon, foreign, weak, unusable, byFormat };
}

/**
 * {@link passwordHashInventory} over every account of a tenant, read page by page through
 * `accounts.list` (memoryAccounts and postgresAccounts have it; throws `ERR_INVALID_ARGUMENT` without it).
 *
 * @example
 * ```ts
 * import { accountHashInventory, memoryAccounts } from 'kanmon';
 * const accounts = memoryAccounts();
 * const inventory = await accountHashInventory(accounts, 'funabashi');
 * console.log(`${inventory.foreign} of ${inventory.total} hashes still in a foreign format`);
 * ```
 */
export async function accountHashInventory(accounts: AccountRepository, tenant: string): Promise<PasswordHashInventory> {
  if (typeof accounts?.list !== 'function') throw new KanmonError('ERR_INVALID_ARGUMENT', 'accountHashInventory: the repository has no list()');
  const hashes: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await accounts.list({ tenant, cursor, limit: 1000 });
    for (const a of page.accounts) hashes.push(a.passwordHash);
    cursor = page.cursor;
  } while (cursor !== null);
  return passwordHashInventory(hashes);
}
