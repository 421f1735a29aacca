import { KanmonError } from '../errors.js';

/** Attributes of a `Set-Cookie` header (RFC 6265bis). */
export interface CookieAttributes {
  /** Seconds; `0` deletes the cookie. Absent: a browser-session cookie. */
  readonly maxAgeSeconds?: number;
  /** @default '/' */
  readonly path?: string;
  /** Never set for `__Host-` cookies. */
  readonly domain?: string;
  /** @default true */
  readonly secure?: boolean;
  /** @default true */
  readonly httpOnly?: boolean;
  /** @default 'Strict' */
  readonly sameSite?: 'Strict' | 'Lax' | 'None';
}

// RFC 6265 §4.1.1: cookie-name is a token, cookie-octet excludes CTLs, space, DQUOTE, comma, semicolon, backslash.
const NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const VALUE = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*$/;
const PATH = /^\/[\x20-\x3A\x3C-\x7E]*$/;
const DOMAIN = /^[A-Za-z0-9.-]+$/;

/**
 * One `Set-Cookie` header value with secure defaults: `HttpOnly`, `Secure`,
 * `SameSite=Strict`, `Path=/`.
 *
 * A `__Host-` name must be `Secure`, have `Path=/` and no `Domain`, and a
 * `__Secure-` name must be `Secure` (RFC 6265bis §4.1.3): anything else would be
 * dropped by the browser, so it throws `ERR_INVALID_ARGUMENT` here instead.
 * `SameSite=None` without `Secure` is refused for the same reason.
 *
 * @example
 * ```ts
 * import { serializeCookie } from 'kanmon/express';
 * serializeCookie('__Host-kanmon', 'eyJ…', { maxAgeSeconds: 900 });
 * // '__Host-kanmon=eyJ…; Max-Age=900; Path=/; Secure; HttpOnly; SameSite=Strict'
 * ```
 */
export function serializeCookie(name: string, value: string, attributes: CookieAttributes = {}): string {
  const { maxAgeSeconds, path = '/', domain, secure = true, httpOnly = true, sameSite = 'Strict' } = attributes;
  if (typeof name !== 'string' || !NAME.test(name)) throw new KanmonError('ERR_INVALID_ARGUMENT', `invalid cookie name '${String(name)}'`);
  if (typeof value !== 'string' || !VALUE.test(value)) throw new KanmonError('ERR_INVALID_ARGUMENT', `invalid value for cookie ${name}`);
  if (!PATH.test(path)) throw new KanmonError('ERR_INVALID_ARGUMENT', `invalid cookie path '${path}'`);
  if (domain !== undefined && !DOMAIN.test(domain)) throw new KanmonError('ERR_INVALID_ARGUMENT', `invalid cookie domain '${domain}'`);
  if (maxAgeSeconds !== undefined && (!Number.isSafeInteger(maxAgeSeconds) || maxAgeSeconds < 0)) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', `maxAgeSeconds must be a non-negative integer, got ${String(maxAgeSeconds)}`);
  }
  const lower = name.toLowerCase();
  if (lower.startsWith('__host-') && (!secure || path !== '/' || domain !== undefined)) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', `a __Host- cookie must be Secure, with Path=/ and no Domain (${name})`);
  }
  if (lower.startsWith('__secure-') && !secure) throw new KanmonError('ERR_INVALID_ARGUMENT', `a __Secure- cookie must be Secure (${name})`);
  if (sameSite === 'None' && !secure) throw new KanmonError('ERR_INVALID_ARGUMENT', 'SameSite=None requires Secure');
  let header = `${name}=${value}`;
  if (maxAgeSeconds !== undefined) header += `; Max-Age=${maxAgeSeconds}`;
  if (domain !== undefined) header += `; Domain=${domain}`;
  header += `; Path=${path}`;
  if (secure) header += '; Secure';
  if (httpOnly) header += '; HttpOnly';
  header += `; SameSite=${sameSite}`;
  return header;
}

/** Longest `Cookie` header read; longer ones are treated as carrying no cookie. */
const MAX_COOKIE_HEADER = 16_384;

/**
 * The value of one cookie in a `Cookie` request header, or `undefined`.
 * Never throws. When the name appears twice (a cookie-tossing attempt from a
 * sibling subdomain), the answer is `undefined`: neither copy is believed.
 *
 * @example
 * ```ts
 * import { readCookie } from 'kanmon/express';
 * readCookie('lang=ja; __Host-kanmon=eyJ…', '__Host-kanmon'); // 'eyJ…'
 * readCookie('__Host-kanmon=a; __Host-kanmon=b', '__Host-kanmon'); // undefined
 * ```
 */
export function readCookie(header: string | readonly string[] | null | undefined, name: string): string | undefined {
  const text = Array.isArray(header) ? header.join('; ') : header;
  if (typeof text !== 'string' || text.length === 0 || text.length > MAX_COOKIE_HEADER) return undefined;
  let found: string | undefined;
  for (const pair of text.split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0) continue;
    if (pair.slice(0, eq).trim() !== name) continue;
    if (found !== undefined) return undefined;
    let value = pair.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (!VALUE.test(value)) return undefined;
    found = value;
  }
  return found;
}
