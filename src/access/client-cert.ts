import type { X509Certificate } from 'node:crypto';
import { KanmonError } from '../errors.js';
import type { IncomingHeaders } from './client-ip.js';
import { type IpAllowList, createIpAllowList } from './ip-allow-list.js';
import {
  type NamePattern,
  fingerprintAllowed,
  fingerprintBytes,
  formatFingerprint,
  nameAttributes,
  nameMatches,
  parseCertificate,
  parseFingerprint,
  parseNamePattern,
} from './internal/certificate.js';
import { headerValue } from './internal/forwarded.js';
import { checkTrustsEverything } from './internal/hazard.js';

/** The part of a `tls.TLSSocket` the check reads. */
export interface PeerCertificateSocket {
  /** Whether the TLS layer verified the peer's chain against the server's `ca`. */
  readonly authorized?: boolean;
  /** The socket peer's address. */
  readonly remoteAddress?: string | undefined;
  /** The peer certificate (`raw` is its DER); `null` or `{}` when the client sent none. */
  getPeerCertificate?(detailed?: boolean): { readonly raw?: Uint8Array } | null | Record<string, never>;
}

/** Options of {@link createClientCertPolicy}: what a client certificate must be, and where it may come from. */
export interface ClientCertPolicyOptions {
  /** Allowed SHA-256 fingerprints of the DER (`AB:CD:…` or 64 hex digits). Empty = no pinning. */
  readonly fingerprintsSha256?: readonly string[];
  /** Allowed subjects, e.g. `CN=terminal-01, O=Funabashi City`: every listed attribute must match. Empty = any. */
  readonly subjects?: readonly string[];
  /** Allowed issuers, in the same form. Empty = any. */
  readonly issuers?: readonly string[];
  /** Refuse expired and not-yet-valid certificates. @default true */
  readonly requireValidity?: boolean;
  /**
   * Header in which a TLS-terminating proxy forwards the client certificate
   * (PEM, URL-encoded PEM such as nginx `$ssl_client_escaped_cert`, or base64 DER).
   * Read only when the socket peer is one of `trustedProxies`. `null` = socket only.
   * @default null
   */
  readonly header?: string | null;
  /** The proxies allowed to set `header`. Required when `header` is set. */
  readonly trustedProxies?: readonly string[] | IpAllowList;
  /** Clock for the validity window. */
  readonly now: () => number;
}

/** Where the certificate came from. */
export type ClientCertSource = 'socket' | 'header';

/** Why a client certificate was not accepted. */
export type ClientCertReason =
  /** No certificate on the socket, and none in the header from a trusted proxy. */
  | 'no_certificate'
  /** The header from a trusted proxy held something that is not a certificate. */
  | 'malformed'
  /** The TLS layer did not verify the chain, and no pinned fingerprint vouches for it. */
  | 'not_authorized'
  | 'expired'
  | 'not_yet_valid'
  | 'fingerprint_not_allowed'
  | 'subject_not_allowed'
  | 'issuer_not_allowed';

/** An accepted certificate, as recorded in audit events. */
export interface VerifiedClientCert {
  /** SHA-256 of the DER, `AB:CD:…`. */
  readonly fingerprintSha256: string;
  readonly subject: string;
  readonly issuer: string;
  readonly serialNumber: string;
  /** Epoch ms. */
  readonly validFrom: number;
  /** Epoch ms. */
  readonly validTo: number;
  readonly source: ClientCertSource;
}

/** The answer of {@link ClientCertPolicy.check}: the accepted certificate, or why none was accepted. */
export type ClientCertResult =
  | { readonly ok: true; readonly certificate: VerifiedClientCert }
  | { readonly ok: false; readonly reason: ClientCertReason; readonly source: ClientCertSource | null };

/** What {@link ClientCertPolicy.check} reads from a request. */
export interface ClientCertRequest {
  /** `req.socket`; a TLS socket when TLS ends here. */
  readonly socket?: PeerCertificateSocket | null;
  readonly headers?: IncomingHeaders;
  /** The socket peer; defaults to `socket.remoteAddress`. */
  readonly remoteAddress?: string | null;
}

/** A compiled client-certificate policy (from {@link createClientCertPolicy}). */
export interface ClientCertPolicy {
  /** Check the certificate on the socket (or, from a trusted proxy, in the header) against the policy. */
  check(request: ClientCertRequest): ClientCertResult;
}

function bad(message: string, details?: Record<string, unknown>): KanmonError {
  return new KanmonError('ERR_INVALID_ARGUMENT', `createClientCertPolicy: ${message}`, details ? { details } : {});
}

/**
 * A client-certificate check for allow-listed terminals (EXT-4, IPC-2, RM-21, SEC-16).
 *
 * The certificate comes from the TLS socket (`getPeerCertificate().raw`,
 * `authorized`) or, only when the socket peer is a trusted proxy, from the
 * configured header. A header from anyone else is ignored. Fingerprints are
 * SHA-256 of the DER, compared in constant time; subject and issuer patterns
 * are matched attribute by attribute; the validity window is checked against
 * the injected clock. Every refusal is a reason code, never a throw.
 *
 * A socket certificate whose chain the TLS layer did not verify
 * (`authorized === false`) is accepted only when its fingerprint is pinned:
 * anyone can self-sign a certificate with the right subject.
 *
 * @example
 * ```ts
 * import { createClientCertPolicy } from 'kanmon';
 * const certs = createClientCertPolicy({
 *   subjects: ['CN=terminal-01, O=Funabashi City'],
 *   header: 'x-ssl-client-cert',
 *   trustedProxies: ['10.0.0.0/29'],
 *   now: () => Date.now(),
 * });
 * // const result = certs.check({ socket: req.socket, headers: req.headers });
 * // if (!result.ok) deny(result.reason);
 * ```
 */
export function createClientCertPolicy(options: ClientCertPolicyOptions): ClientCertPolicy {
  const {
    fingerprintsSha256 = [],
    subjects = [],
    issuers = [],
    requireValidity = true,
    header = null,
    trustedProxies,
    now,
  } = options ?? ({} as ClientCertPolicyOptions);
  if (typeof now !== 'function') throw bad('now must be a clock function () => number');
  const pins: Buffer[] = [];
  const badPins = fingerprintsSha256.filter((f) => {
    const bytes = parseFingerprint(f);
    if (bytes) pins.push(bytes);
    return bytes === null;
  });
  if (badPins.length > 0) throw bad(`invalid SHA-256 fingerprint(s): ${badPins.map((f) => JSON.stringify(f)).join(', ')}`, { fingerprints: badPins });
  const parsePatterns = (list: readonly string[], field: string): NamePattern[] =>
    list.map((text) => {
      const pattern = parseNamePattern(text);
      if (!pattern) throw bad(`${field}: ${JSON.stringify(text)} is not a list of KEY=value attributes`);
      return pattern;
    });
  const subjectPatterns = parsePatterns(subjects, 'subjects');
  const issuerPatterns = parsePatterns(issuers, 'issuers');
  let proxies: IpAllowList | null = null;
  let headerName: string | null = null;
  if (header !== null) {
    if (typeof header !== 'string' || !/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/.test(header)) throw bad('header must be an HTTP header name');
    if (trustedProxies === undefined) throw bad('a certificate header needs trustedProxies: only they may set it');
    proxies = Array.isArray(trustedProxies) ? createIpAllowList(trustedProxies as readonly string[]) : (trustedProxies as IpAllowList);
    if (!proxies || typeof proxies.has !== 'function') throw bad('trustedProxies must be an array of CIDRs or an IpAllowList');
    checkTrustsEverything(proxies);
    headerName = header.toLowerCase();
  }

  function verify(cert: X509Certificate, source: ClientCertSource, tlsAuthorized: boolean): ClientCertResult {
    const refuse = (reason: ClientCertReason): ClientCertResult => ({ ok: false, reason, source });
    const fingerprint = fingerprintBytes(cert);
    const pinned = pins.length > 0 && fingerprintAllowed(fingerprint, pins);
    if (pins.length > 0 && !pinned) return refuse('fingerprint_not_allowed');
    if (!tlsAuthorized && !pinned) return refuse('not_authorized');
    if (subjectPatterns.length > 0) {
      const name = nameAttributes(cert.subject);
      if (!subjectPatterns.some((p) => nameMatches(p, name))) return refuse('subject_not_allowed');
    }
    if (issuerPatterns.length > 0) {
      const name = nameAttributes(cert.issuer);
      if (!issuerPatterns.some((p) => nameMatches(p, name))) return refuse('issuer_not_allowed');
    }
    const validFrom = Date.parse(cert.validFrom);
    const validTo = Date.parse(cert.validTo);
    if (requireValidity) {
      const at = now();
      if (!(at >= validFrom)) return refuse('not_yet_valid');
      if (!(at <= validTo)) return refuse('expired');
    }
    return {
      ok: true,
      certificate: {
        fingerprintSha256: formatFingerprint(fingerprint),
        subject: cert.subject,
        issuer: cert.issuer,
        serialNumber: cert.serialNumber,
        validFrom,
        validTo,
        source,
      },
    };
  }

  function check(request: ClientCertRequest): ClientCertResult {
    const socket = request?.socket ?? null;
    if (socket !== null && typeof socket.getPeerCertificate === 'function') {
      let raw: Uint8Array | undefined;
      try {
        raw = socket.getPeerCertificate(false)?.raw;
      } catch {
        raw = undefined;
      }
      if (raw instanceof Uint8Array && raw.length > 0) {
        const cert = parseCertificate(raw);
        if (cert === null) return { ok: false, reason: 'malformed', source: 'socket' };
        return verify(cert, 'socket', socket.authorized === true);
      }
    }
    if (proxies !== null && headerName !== null) {
      const remoteAddress = request?.remoteAddress ?? socket?.remoteAddress;
      const value = headerValue(request?.headers, headerName);
      if (value !== undefined && typeof remoteAddress === 'string' && proxies.has(remoteAddress)) {
        const cert = parseCertificate(value);
        if (cert === null) return { ok: false, reason: 'malformed', source: 'header' };
        // The proxy verified the chain (configure it to); pins and names are still checked here.
        return verify(cert, 'header', true);
      }
    }
    return { ok: false, reason: 'no_certificate', source: null };
  }

  return Object.freeze({ check });
}
