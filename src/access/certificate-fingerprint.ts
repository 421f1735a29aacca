import { KanmonError } from '../errors.js';
import { fingerprintBytes, formatFingerprint, parseCertificate } from './internal/certificate.js';

/**
 * The SHA-256 fingerprint of a certificate's DER encoding, `AB:CD:…`, as
 * `access.clientCert.fingerprintsSha256` and device registration expect it.
 * For administrators' tooling: a certificate that does not parse throws
 * `KanmonError('ERR_INVALID_CERTIFICATE')`.
 *
 * @param certificate PEM, URL-encoded PEM, base64 DER, or DER bytes.
 *
 * @example
 * ```ts
 * import { certificateFingerprintSha256 } from 'kanmon';
 * import { readFileSync } from 'node:fs';
 * const pin = certificateFingerprintSha256(readFileSync('terminal-01.crt', 'utf8'));
 * ```
 */
export function certificateFingerprintSha256(certificate: string | Uint8Array): string {
  const cert = typeof certificate === 'string' || certificate instanceof Uint8Array ? parseCertificate(certificate) : null;
  if (cert === null) {
    throw new KanmonError('ERR_INVALID_CERTIFICATE', 'Not an X.509 certificate (expected PEM, URL-encoded PEM, base64 DER or DER bytes)');
  }
  return formatFingerprint(fingerprintBytes(cert));
}
