import { type KeyObject, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { KanmonError } from '../errors.js';

/** The format tag of a {@link DeletionCertificate}. */
export const deletionCertificateFormat = 'kanmon.deletion-certificate.v1';

/** What was deleted, per kind. */
export interface DeletionCounts {
  /** Store keys of the tenant (lockout, replay, recovery, session revocation, entry lists, …). */
  readonly storeKeys: number;
  /** Account records deleted through the repository (`AccountRepository.delete`). */
  readonly accounts: number;
  /** Keys destroyed (crypto-shredding what could not be deleted: backups of sealed fields). */
  readonly keysDestroyed: number;
}

/** Everything a deletion certificate states; the signature covers all of it. */
export interface DeletionCertificateBody {
  readonly format: typeof deletionCertificateFormat;
  /** A random id for the certificate (UUID). */
  readonly id: string;
  readonly tenant: string;
  /** Who purged the tenant. */
  readonly actor: string;
  /** When, ISO 8601 in the policy's time zone (JST: `…+09:00`). */
  readonly purgedAt: string;
  readonly counts: DeletionCounts;
  /** Ids of the keys destroyed. */
  readonly keysDestroyed: readonly string[];
  /** The audit-chain head right after the `admin.tenant.purge` record (keep it: it anchors the log). */
  readonly auditHead: { readonly stream: string; readonly seq: number; readonly mac: string } | null;
  /** What the application or the repository could not delete (e.g. no `delete` capability). Empty when complete. */
  readonly notes: readonly string[];
  /** The operator's signing key: id and algorithm (the public key is given to verifiers apart from the certificate). */
  readonly signer: { readonly kid: string; readonly alg: 'EdDSA' | 'ES256' };
}

/** A signed deletion certificate (RM-18, SEC-34, FNB-4.3): plain JSON, `signature` base64url over the canonical body. */
export interface DeletionCertificate extends DeletionCertificateBody {
  readonly signature: string;
}

/** The operator's key that signs certificates; it must survive every tenant (never a tenant's key). */
export interface CertificateSigningKey {
  readonly kid: string;
  /** An Ed25519 or P-256 private key (KeyObject or PEM). */
  readonly privateKey: KeyObject | string;
}

/** JSON with object keys sorted at every level: the bytes the signature covers. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function algOf(key: KeyObject): 'EdDSA' | 'ES256' {
  if (key.asymmetricKeyType === 'ed25519') return 'EdDSA';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  throw new KanmonError('ERR_INVALID_ARGUMENT', 'deletion certificate: the signing key must be Ed25519 or P-256');
}

const bodyBytes = (body: DeletionCertificateBody) => Buffer.from(canonicalJson({ ...body, signature: undefined }), 'utf8');

/**
 * Signs a certificate body with the operator's key.
 *
 * @example
 * ```ts
 * import { randomUUID } from 'node:crypto';
 * import { readFile } from 'node:fs/promises';
 * import { deletionCertificateFormat, signDeletionCertificate } from 'kanmon';
 * const certificate = signDeletionCertificate(
 *   {
 *     id: randomUUID(),
 *     tenant: 'city-a',
 *     actor: 'operator',
 *     purgedAt: '2026-12-01T10:00:00+09:00',
 *     counts: { storeKeys: 120, accounts: 35, keysDestroyed: 1 },
 *     keysDestroyed: ['city-a-2024'],
 *     auditHead: null,
 *     notes: [],
 *   },
 *   { kid: 'operator-2026', privateKey: await readFile('operator.pem', 'utf8') },
 * );
 * certificate.format === deletionCertificateFormat; // true
 * ```
 */
export function signDeletionCertificate(body: Omit<DeletionCertificateBody, 'signer' | 'format'>, key: CertificateSigningKey): DeletionCertificate {
  const privateKey = typeof key.privateKey === 'string' ? createPrivateKey(key.privateKey) : key.privateKey;
  if (privateKey.type !== 'private') throw new KanmonError('ERR_INVALID_ARGUMENT', 'deletion certificate: signingKey.privateKey must be a private key');
  const alg = algOf(privateKey);
  const full: DeletionCertificateBody = { format: deletionCertificateFormat, ...body, signer: { kid: key.kid, alg } };
  const signature = sign(alg === 'EdDSA' ? null : 'sha256', bodyBytes(full), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return { ...full, signature: signature.toString('base64url') };
}

/** The answer of {@link verifyDeletionCertificate}. */
export type DeletionCertificateVerification =
  | { readonly ok: true; readonly certificate: DeletionCertificate }
  | { readonly ok: false; readonly reason: 'malformed' | 'wrong_key' | 'bad_signature' };

const isCount = (n: unknown) => Number.isSafeInteger(n) && (n as number) >= 0;

function wellFormed(value: unknown): value is DeletionCertificate {
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Record<string, unknown>;
  const counts = c.counts as Record<string, unknown> | null | undefined;
  const signer = c.signer as Record<string, unknown> | null | undefined;
  return (
    c.format === deletionCertificateFormat &&
    typeof c.id === 'string' &&
    typeof c.tenant === 'string' &&
    typeof c.actor === 'string' &&
    typeof c.purgedAt === 'string' &&
    typeof counts === 'object' && counts !== null &&
    isCount(counts.storeKeys) && isCount(counts.accounts) && isCount(counts.keysDestroyed) &&
    Array.isArray(c.keysDestroyed) && c.keysDestroyed.every((k) => typeof k === 'string') &&
    Array.isArray(c.notes) && c.notes.every((k) => typeof k === 'string') &&
    (c.auditHead === null || typeof c.auditHead === 'object') &&
    typeof signer === 'object' && signer !== null && typeof signer.kid === 'string' && (signer.alg === 'EdDSA' || signer.alg === 'ES256') &&
    typeof c.signature === 'string' && /^[A-Za-z0-9_-]+$/.test(c.signature)
  );
}

/**
 * Verifies a deletion certificate (parsed JSON, or its text) against the
 * operator's public key, given apart from the certificate (a certificate
 * naming its own key would prove nothing). Any edit of any field, added
 * field, or another key answers `ok: false`; never throws for bad input.
 *
 * @example
 * ```ts
 * import { readFile } from 'node:fs/promises';
 * import { verifyDeletionCertificate } from 'kanmon';
 * const text = await readFile('certificate.json', 'utf8');
 * const result = verifyDeletionCertificate(text, { publicKey: await readFile('operator.pub.pem', 'utf8') });
 * if (!result.ok) console.error(result.reason); // 'bad_signature'
 * ```
 */
export function verifyDeletionCertificate(certificate: unknown, options: { publicKey: KeyObject | string }): DeletionCertificateVerification {
  let value = certificate;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value) as unknown;
    } catch {
      return { ok: false, reason: 'malformed' };
    }
  }
  if (!wellFormed(value)) return { ok: false, reason: 'malformed' };
  const publicKey = typeof options.publicKey === 'string' ? createPublicKey(options.publicKey) : options.publicKey.type === 'private' ? createPublicKey(options.publicKey) : options.publicKey;
  let alg: 'EdDSA' | 'ES256';
  try {
    alg = algOf(publicKey);
  } catch {
    return { ok: false, reason: 'wrong_key' };
  }
  if (alg !== value.signer.alg) return { ok: false, reason: 'wrong_key' };
  const { signature, ...body } = value;
  const good = verify(alg === 'EdDSA' ? null : 'sha256', bodyBytes(body), { key: publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'));
  return good ? { ok: true, certificate: value } : { ok: false, reason: 'bad_signature' };
}
