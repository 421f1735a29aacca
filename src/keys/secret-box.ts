import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { KanmonError } from '../errors.js';
import { type KeyRing, keyRingForTenant } from './key-ring.js';

/**
 * What a sealed value is bound to. A value sealed for one binding does not
 * open under another: a TOTP seed of account A cannot be swapped into B's row.
 */
export interface SealBinding {
  /** Tenant id (municipality); `''` when single-tenant. */
  readonly tenant?: string;
  /** The account the secret belongs to. */
  readonly account: string;
  /** What the secret is for, e.g. `'totp'`, `'recovery'`. */
  readonly purpose: string;
}

/** The result of {@link openSecret}. */
export interface OpenedSecret {
  readonly value: Buffer;
  /** The key it was sealed under. */
  readonly keyId: string;
  /** Sealed under a key other than the current one: seal it again and store the new string. */
  readonly needsReseal: boolean;
}

const PREFIX = 'kmn1';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

function aad(keyId: string, binding: SealBinding): Buffer {
  for (const part of [binding.tenant ?? '', binding.account, binding.purpose]) {
    if (typeof part !== 'string') throw new KanmonError('ERR_INVALID_ARGUMENT', 'seal binding fields must be strings');
  }
  // Length-prefixed so that no two bindings share bytes.
  const parts = ['kanmon-seal-v1', keyId, binding.tenant ?? '', binding.account, binding.purpose].map((p) => Buffer.from(p, 'utf8'));
  const out: Buffer[] = [];
  for (const part of parts) {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(part.length);
    out.push(len, part);
  }
  return Buffer.concat(out);
}

/**
 * Seal a secret at rest with AES-256-GCM (CRYPTREC-listed, SEC-17) under the
 * key ring's current key: the tenant's own current key when the ring holds keys
 * for `binding.tenant` (`keyRing.forTenant`), the shared one otherwise. The string carries the key id, the tenant it is
 * sealed for and the nonce: `kmn1.<keyId>.<tenant>.<nonce>.<ciphertext+tag>`
 * (base64url; the tenant is a label for error messages, authenticated as part
 * of the binding). kanmon 0.1 wrote `kmn1.<keyId>.<nonce>.<ciphertext+tag>`:
 * such values still open.
 *
 * @example
 * ```ts
 * import { createKeyRing, sealSecret, openSecret } from 'kanmon';
 * const keyRing = createKeyRing({ keys: [{ id: 'k1', secret: new Uint8Array(32).fill(7) }], current: 'k1' });
 * const sealed = sealSecret(keyRing, 'JBSWY3DPEHPK3PXP', { account: 'u-1', purpose: 'totp' });
 * openSecret(keyRing, sealed, { account: 'u-1', purpose: 'totp' }).value.toString(); // 'JBSWY3DPEHPK3PXP'
 * ```
 */
export function sealSecret(keyRing: KeyRing, value: string | Uint8Array, binding: SealBinding): string {
  const ring = keyRingForTenant(keyRing, binding.tenant); // the tenant's own key when it has one (issue 19)
  const keyId = ring.currentId;
  const key = ring.derive(keyId, 'seal');
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(aad(keyId, binding));
  const plaintext = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  const tenant = Buffer.from(binding.tenant ?? '', 'utf8').toString('base64url');
  return `${PREFIX}.${keyId}.${tenant}.${nonce.toString('base64url')}.${body.toString('base64url')}`;
}

/** AES-256-GCM open, or why not (the tag does not verify: tampered, or another binding). */
function decrypt(key: Buffer, nonce: Buffer, body: Buffer, associated: Buffer): { value: Buffer } | { failure: unknown } {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce);
    decipher.setAAD(associated);
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    return { value: Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]) };
  } catch (failure) {
    return { failure };
  }
}

/**
 * Open a value from {@link sealSecret}. Throws `ERR_SEAL_INVALID` when it was
 * tampered with, truncated or sealed for another binding (sealed for another
 * tenant: the message and `details` name both, `{ sealedForTenant,
 * openedAsTenant }`), `ERR_KEY_DESTROYED` after its key was destroyed,
 * `ERR_KEY_NOT_FOUND` for an unknown key id. With per-tenant keys
 * (`keyRing.forTenant`), a value sealed with the shared key before the tenant
 * had its own key still opens, with `needsReseal: true`: seal it again (it is
 * then sealed under the tenant's key).
 *
 * @example
 * ```ts
 * import { openSecret, sealSecret } from 'kanmon';
 * declare const stored: string; // a sealSecret string from the database
 * const opened = openSecret(keyRing, stored, { tenant: 'funabashi', account: accountId, purpose: 'api-token' });
 * const token = opened.value.toString('utf8');
 * if (opened.needsReseal) await accounts.update(accountId, { apiToken: sealSecret(keyRing, token, { tenant: 'funabashi', account: accountId, purpose: 'api-token' }) });
 * ```
 */
export function openSecret(keyRing: KeyRing, sealed: string, binding: SealBinding): OpenedSecret {
  const parts = typeof sealed === 'string' ? sealed.split('.') : [];
  // 0.2: kmn1.<keyId>.<tenant>.<nonce>.<body>; 0.1: kmn1.<keyId>.<nonce>.<body> (no tenant recorded).
  const labelled = parts.length === 5;
  const [prefix, keyId] = parts;
  const [tenantText, nonceText, bodyText] = labelled ? parts.slice(2) : [null, ...parts.slice(2)];
  if ((parts.length !== 4 && !labelled) || prefix !== PREFIX || !keyId || !nonceText || !bodyText) {
    throw new KanmonError('ERR_SEAL_INVALID', 'not a sealed value (expected kmn1.<keyId>.<tenant>.<nonce>.<body>)');
  }
  const sealedFor = tenantText === null ? null : Buffer.from(tenantText, 'base64url').toString('utf8');
  const openedAs = binding.tenant ?? '';
  // the key of the tenant the value names (its label is authenticated below), so a value of another tenant is named as such
  const ring = keyRingForTenant(keyRing, typeof openedAs === 'string' ? (sealedFor ?? openedAs) : undefined);
  const key = ring.derive(keyId, 'seal');
  const nonce = Buffer.from(nonceText, 'base64url');
  const body = Buffer.from(bodyText, 'base64url');
  const tenantBytes = tenantText === null ? null : Buffer.from(tenantText, 'base64url');
  if (
    nonce.length !== NONCE_BYTES ||
    body.length < TAG_BYTES ||
    nonce.toString('base64url') !== nonceText ||
    body.toString('base64url') !== bodyText ||
    (tenantBytes !== null && tenantBytes.toString('base64url') !== tenantText)
  ) {
    throw new KanmonError('ERR_SEAL_INVALID', 'sealed value is malformed');
  }
  const associated = aad(keyId, binding); // checks the binding's fields first
  if (sealedFor !== null && sealedFor !== openedAs) {
    // Sealed for another tenant, if the value opens under the tenant it names (the label is authenticated so).
    const asLabelled = decrypt(key, nonce, body, aad(keyId, { ...binding, tenant: sealedFor }));
    if ('value' in asLabelled) {
      asLabelled.value.fill(0);
      throw new KanmonError('ERR_SEAL_INVALID', `sealed value was sealed for tenant ${JSON.stringify(sealedFor)} but opened as tenant ${JSON.stringify(openedAs)}: pass the tenant it was sealed for`, {
        details: { sealedForTenant: sealedFor, openedAsTenant: openedAs },
      });
    }
    throw new KanmonError('ERR_SEAL_INVALID', 'sealed value failed authentication (tampered, or sealed for another account or purpose)', { cause: asLabelled.failure });
  }
  const opened = decrypt(key, nonce, body, associated);
  if ('value' in opened) return { value: opened.value, keyId, needsReseal: keyId !== ring.currentId };
  const what = sealedFor === null ? `another tenant, account or purpose; opened as tenant ${JSON.stringify(openedAs)}` : 'another account or purpose';
  throw new KanmonError('ERR_SEAL_INVALID', `sealed value failed authentication (tampered, or sealed for ${what})`, { cause: opened.failure });
}
