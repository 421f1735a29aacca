import { randomBytes } from 'node:crypto';
import { ScureBase32Plugin } from 'otplib';
import QRCode from 'qrcode';
import { KanmonError } from '../errors.js';
import type { KeyRing } from '../keys/key-ring.js';
import { sealSecret } from '../keys/secret-box.js';
import type { Policy } from '../policy/define-policy.js';

/** Who a TOTP secret belongs to. */
export interface TotpAccount {
  /** Stable account id: the seal binding and the replay / lockout key. */
  readonly id: string;
  /** What the authenticator app shows (user name, e-mail, 氏名). @default id */
  readonly label?: string;
  /** Tenant (municipality) id, as for the lockout and the store (`createMfa({ tenant })` names it once). @default 'default' */
  readonly tenant?: string;
}

/** Options for {@link enrollTotp}. */
export interface EnrollTotpOptions {
  /** Seals the secret for storage (AES-256-GCM under the current key). */
  readonly keyRing: KeyRing;
  /** Overrides `policy.mfa.totp.issuer` (e.g. the city's service name, 船橋市 電子申請). */
  readonly issuer?: string;
}

/** A new TOTP enrolment, pending until {@link confirmTotpEnrollment} sees a correct code. */
export interface TotpEnrollment {
  readonly status: 'pending';
  /** Base32 secret, for typing into an app by hand. Show once; never log or store it. */
  readonly secret: string;
  /** `otpauth://totp/…` Key URI (issuer and label percent-encoded as UTF-8). Show once. */
  readonly uri: string;
  /** The URI as an SVG QR code (`<svg …>`), to inline in the enrolment page. */
  readonly qrSvg: string;
  /**
   * What to store on the account while enrolment is pending. It is sealed for
   * purpose `totp-pending`: {@link verifyTotp} answers `not_enrolled` for it,
   * so a secret nobody has proved to hold never counts as a second factor.
   */
  readonly pendingSealedSecret: string;
}

const base32 = new ScureBase32Plugin();

/** Secret length per algorithm: the HMAC's own block of output (RFC 4226 §4 R6: ≥ 128 bits; 160 for SHA-1). */
const secretBytes = { SHA1: 20, SHA256: 32, SHA512: 64 } as const;

/** Seal purpose of a secret awaiting its first code, and of a confirmed one. */
export const TOTP_PENDING_PURPOSE = 'totp-pending';
export const TOTP_PURPOSE = 'totp';

function accountOf(account: TotpAccount | string): Required<TotpAccount> {
  const a = typeof account === 'string' ? { id: account } : account;
  if (typeof a !== 'object' || a === null || typeof a.id !== 'string' || a.id.length === 0) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', 'account must be an id string or { id, label?, tenant? }');
  }
  return { id: a.id, label: a.label ?? a.id, tenant: a.tenant ?? 'default' };
}

function labelPart(name: string, value: string): string {
  if (value.length === 0 || value.length > 256) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', `TOTP ${name} must be 1–256 characters`);
  }
  // The Key URI format separates issuer and account with a colon, literal or %3A,
  // so neither part may contain one: authenticator apps would split it wrongly.
  if (value.includes(':')) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', `TOTP ${name} must not contain ':' (the otpauth label separator)`);
  }
  return encodeURIComponent(value.normalize('NFC'));
}

/**
 * The `otpauth://totp/` Key URI. Issuer and account are each percent-encoded
 * from UTF-8 with `encodeURIComponent` (spaces as `%20`, never `+`), joined by
 * a literal colon; parameters are spelled out (`algorithm`, `digits`, `period`)
 * so apps that ignore defaults still agree with the server.
 */
function totpUri(secretBase32: string, issuer: string, label: string, policy: Policy): string {
  const { algorithm, digits, periodSeconds } = policy.mfa.totp;
  const issuerPart = labelPart('issuer', issuer);
  const path = `${issuerPart}:${labelPart('label', label)}`;
  return `otpauth://totp/${path}?secret=${secretBase32}&issuer=${issuerPart}&algorithm=${algorithm}&digits=${digits}&period=${periodSeconds}`;
}

/**
 * Start TOTP enrolment (RFC 6238) for an account: a fresh secret from the
 * operating system's CSPRNG (160 bits for SHA-1, 256 / 512 for SHA-256 / 512),
 * its `otpauth://` URI and SVG QR code to show once, and the sealed secret to
 * store. Enrolment stays pending until {@link confirmTotpEnrollment} accepts
 * the first code from the user's app.
 *
 * @example
 * ```ts
 * import { createKeyRing, definePolicy, enrollTotp } from 'kanmon';
 * const policy = definePolicy('funabashi', { mfa: { totp: { issuer: '船橋市 電子申請' } } });
 * const keyRing = createKeyRing({ keys: [{ id: 'k1', secret: new Uint8Array(32).fill(1) }], current: 'k1' });
 * const enrolment = await enrollTotp({ id: 'u-42', label: '山田 太郎' }, policy, { keyRing });
 * // show enrolment.qrSvg once; store enrolment.pendingSealedSecret on the account
 * ```
 */
export async function enrollTotp(account: TotpAccount | string, policy: Policy, options: EnrollTotpOptions): Promise<TotpEnrollment> {
  const { id, label, tenant } = accountOf(account);
  const { keyRing, issuer = policy.mfa.totp.issuer } = options;
  const raw = randomBytes(secretBytes[policy.mfa.totp.algorithm]);
  try {
    const secret = base32.encode(raw, { padding: false });
    const uri = totpUri(secret, issuer, label, policy);
    const qrSvg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 4 });
    const pendingSealedSecret = sealSecret(keyRing, raw, { tenant, account: id, purpose: TOTP_PENDING_PURPOSE });
    return { status: 'pending', secret, uri, qrSvg, pendingSealedSecret };
  } finally {
    raw.fill(0);
  }
}
