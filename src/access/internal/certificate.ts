import { X509Certificate, createHash, timingSafeEqual } from 'node:crypto';

/** Longest certificate header read (a PEM chain of a few certificates fits). */
export const MAX_CERT_HEADER_LENGTH = 16_384;

/** Parse a certificate from DER bytes, PEM, URL-encoded PEM, or base64 DER. `null` when it is none of them. */
export function parseCertificate(input: string | Uint8Array): X509Certificate | null {
  try {
    if (typeof input !== 'string') return new X509Certificate(input);
    if (input.length === 0 || input.length > MAX_CERT_HEADER_LENGTH) return null;
    let text = input.trim();
    if (text.includes('%')) text = decodeURIComponent(text);
    const pem = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(text);
    const body = (pem ? (pem[1] ?? '') : text).replace(/\s+/g, '');
    if (body.length === 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(body)) return null;
    return new X509Certificate(Buffer.from(body, 'base64'));
  } catch {
    return null;
  }
}

/** SHA-256 of the DER encoding. */
export function fingerprintBytes(cert: X509Certificate): Buffer {
  return createHash('sha256').update(cert.raw).digest();
}

/** `AB:CD:…` (upper-case, colon-separated) as Node prints `fingerprint256`. */
export function formatFingerprint(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex').toUpperCase().replace(/(..)(?!$)/g, '$1:');
}

/** Parse a configured fingerprint (`AB:CD:…` or 64 hex digits, any case) into 32 bytes, or `null`. */
export function parseFingerprint(text: string): Buffer | null {
  if (typeof text !== 'string') return null;
  const hex = text.replace(/:/g, '');
  if (!/^[0-9A-Fa-f]{64}$/.test(hex) || /^:|:$|::/.test(text)) return null;
  return Buffer.from(hex, 'hex');
}

/**
 * Whether `candidate` is one of `allowed`, comparing every entry in constant
 * time and never stopping early, so timing tells nothing about which (or how
 * many) bytes matched.
 */
export function fingerprintAllowed(candidate: Uint8Array, allowed: readonly Buffer[]): boolean {
  let found = 0;
  for (const entry of allowed) {
    found |= entry.length === candidate.length && timingSafeEqual(entry, candidate) ? 1 : 0;
  }
  return found === 1;
}

/** A distinguished-name pattern: every listed attribute must appear in the name. */
export type NamePattern = readonly (readonly [string, string])[];

function splitAttributes(text: string, separator: RegExp): [string, string][] | null {
  const out: [string, string][] = [];
  for (const raw of text.split(separator)) {
    const part = raw.trim();
    if (part.length === 0) continue;
    const eq = part.indexOf('=');
    if (eq <= 0) return null;
    out.push([part.slice(0, eq).trim().toUpperCase(), part.slice(eq + 1).trim()]);
  }
  return out.length > 0 ? out : null;
}

/**
 * Parse a configured subject or issuer pattern: `CN=terminal-01, O=Funabashi City`
 * (or one attribute per line when a value holds a comma). `null` when malformed.
 */
export function parseNamePattern(text: string): NamePattern | null {
  if (typeof text !== 'string') return null;
  return splitAttributes(text, text.includes('\n') ? /\n/ : /,/);
}

/** The attributes of a name as Node prints it (`C=JP\nO=…\nCN=…`). */
export function nameAttributes(name: string): NamePattern {
  return splitAttributes(name, /\n/) ?? [];
}

/** True when every attribute of `pattern` appears in `name`. */
export function nameMatches(pattern: NamePattern, name: NamePattern): boolean {
  return pattern.every(([k, v]) => name.some(([nk, nv]) => nk === k && nv === v));
}
