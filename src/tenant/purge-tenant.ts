import { randomUUID } from 'node:crypto';
import type { AuditLog } from '../audit/create-audit-log.js';
import { tenantPattern } from '../audit/event.js';
import { KanmonError } from '../errors.js';
import { createIsoTimeFormatter } from '../internal/iso-time.js';
import type { KeyRing } from '../keys/key-ring.js';
import type { AccountPage, AccountRepository } from '../login/account.js';
import { answeringOutage, notOkUnavailable } from '../login/outage.js';
import type { KanmonStore } from '../store/store.js';
import { type CertificateSigningKey, type DeletionCertificate, signDeletionCertificate } from './certificate.js';

/** Options for {@link purgeTenant}. */
export interface PurgeTenantOptions {
  /** The tenant (municipality) whose data ends. */
  readonly tenant: string;
  /** Who purges it (recorded in the audit log and on the certificate). */
  readonly actor: string;
  /** The kanmon store (memory, Redis, PostgreSQL). */
  readonly store: Pick<KanmonStore, 'purgeTenant'>;
  /** The app's accounts; with `list` and `delete`, every account of the tenant is deleted through it. */
  readonly accounts?: AccountRepository | undefined;
  /** The key ring holding the tenant's keys: every key it holds for the tenant (`KeyInput.tenant`) is destroyed. */
  readonly keyRing?: KeyRing | undefined;
  /** More ids of keys that served only this tenant (shared-format keys of a ring without tenant keys): destroyed too (crypto-shredding backups of what they sealed). */
  readonly keyIds?: readonly string[] | undefined;
  /** The audit log: records `admin.tenant.purge`; its head goes on the certificate. */
  readonly auditLog: AuditLog;
  /** The operator's key that signs the certificate (survives every tenant). */
  readonly signingKey: CertificateSigningKey;
  /** Clock (epoch ms) of the purge and of the certificate. */
  readonly now: () => number;
  /** The zone of the certificate's time (the policy's `timeZone`). @default 'Asia/Tokyo' */
  readonly timeZone?: string | undefined;
}

/** The answer of {@link purgeTenant}. */
export type PurgeTenantResult =
  | { readonly ok: true; readonly certificate: DeletionCertificate }
  | { readonly ok: false; readonly reason: 'unavailable'; readonly retryAfterMs: number };

const pageSize = 500;

async function deleteAccounts(accounts: AccountRepository, tenant: string): Promise<number> {
  if (!accounts.list || !accounts.delete) return 0;
  let deleted = 0;
  // deleting while paging shifts pages: read every id first, then delete
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const page: AccountPage = await accounts.list({ tenant, cursor, limit: pageSize });
    for (const account of page.accounts) ids.push(account.id);
    cursor = page.cursor;
  } while (cursor !== null);
  for (const id of ids) if (await accounts.delete(tenant, id)) deleted++;
  return deleted;
}

async function purge(options: PurgeTenantOptions): Promise<PurgeTenantResult> {
  const { tenant, actor, store, accounts, keyRing, keyIds = [], auditLog, signingKey, now } = options;
  if (typeof tenant !== 'string' || !tenantPattern.test(tenant)) throw new KanmonError('ERR_INVALID_ARGUMENT', `purgeTenant: tenant must match ${String(tenantPattern)}`);
  if (typeof actor !== 'string' || actor === '') throw new KanmonError('ERR_INVALID_ARGUMENT', 'purgeTenant: actor is required');
  if (keyIds.length > 0 && !keyRing) throw new KanmonError('ERR_INVALID_ARGUMENT', 'purgeTenant: keyIds need the keyRing');
  for (const id of keyIds) {
    if (!keyRing!.has(id) && !keyRing!.isDestroyed(id)) throw new KanmonError('ERR_KEY_NOT_FOUND', `purgeTenant: no key '${id}' in the ring`);
    if (id === keyRing!.currentId) throw new KanmonError('ERR_INVALID_ARGUMENT', `purgeTenant: key '${id}' is the ring's current key, which serves other tenants`);
    const owner = keyRing!.tenantOf?.(id);
    if (owner !== undefined && owner !== tenant) throw new KanmonError('ERR_INVALID_ARGUMENT', `purgeTenant: key '${id}' serves tenant ${JSON.stringify(owner)}, not ${JSON.stringify(tenant)}`);
  }
  // the tenant's own keys (issue 19): destroyed by the purge itself, whether named or not
  const shredIds = [...new Set([...(keyRing?.tenantKeyIds?.(tenant) ?? []), ...keyIds])];
  const format = createIsoTimeFormatter(options.timeZone ?? 'Asia/Tokyo');
  const notes: string[] = [];
  if (accounts && (!accounts.list || !accounts.delete)) notes.push('account repository has no list/delete: account records were not deleted by kanmon');
  if (!accounts) notes.push('no account repository given: account records were not deleted by kanmon');

  const accountCount = accounts ? await deleteAccounts(accounts, tenant) : 0;
  const storeKeys = await store.purgeTenant(tenant);
  for (const id of shredIds) if (!keyRing!.isDestroyed(id)) keyRing!.destroy(id);
  const counts = { storeKeys, accounts: accountCount, keysDestroyed: shredIds.length };
  const at = now();
  // field names avoid the audit log's secret-name guard ('key'): ids only, never material
  await auditLog.append({ type: 'admin.tenant.purge', actor, tenant, target: tenant, after: { storeEntries: storeKeys, accounts: accountCount, shredded: shredIds } });
  const head = auditLog.head();
  const certificate = signDeletionCertificate(
    {
      id: randomUUID(),
      tenant,
      actor,
      purgedAt: format(at),
      counts,
      keysDestroyed: shredIds,
      auditHead: head ? { stream: head.stream, seq: head.seq, mac: head.mac } : null,
      notes,
    },
    signingKey,
  );
  return { ok: true, certificate };
}

/**
 * The end of a tenant (RM-18, SEC-31, SEC-34, FNB-4.1, FNB-4.3): deletes every
 * account of the tenant through the repository, every store key of the tenant
 * (security state, sessions' revocation state, entry lists), destroys the keys
 * that served only this tenant: every key the ring holds for it
 * (`KeyInput.tenant`) and any `keyIds` named (so backups of what they sealed
 * cannot be opened, and its audit records' MACs no longer verify), records `admin.tenant.purge` in the audit log, and returns a
 * deletion certificate signed with the operator's key. Idempotent: run it
 * again after an `unavailable` answer.
 *
 * Outage of the store, the repository or the audit log answers
 * `{ ok: false, reason: 'unavailable', retryAfterMs }`; bad arguments throw.
 *
 * @example
 * ```ts
 * import { readFile, writeFile } from 'node:fs/promises';
 * import { purgeTenant, renderDeletionCertificateHtml } from 'kanmon';
 * const signingKey = { kid: 'operator-2026', privateKey: await readFile('operator.pem', 'utf8') };
 * const result = await purgeTenant({ tenant: 'city-a', actor: 'operator', store, keyRing, auditLog, signingKey, now: () => Date.now() }); // destroys city-a's keys
 * if (result.ok) await writeFile('certificate.html', renderDeletionCertificateHtml(result.certificate));
 * ```
 */
export const purgeTenant: (options: PurgeTenantOptions) => Promise<PurgeTenantResult> = answeringOutage(purge, notOkUnavailable);
