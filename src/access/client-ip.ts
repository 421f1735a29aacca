import { KanmonError } from '../errors.js';
import { allowListTables, createIpAllowList } from './ip-allow-list.js';
import type { IpAllowList } from './ip-allow-list.js';
import { type HeaderBag, headerValue, hopText, parseForwarded, parseHop, splitForwardedFor } from './internal/forwarded.js';
import { checkTrustsEverything } from './internal/hazard.js';
import { formatIp, parseClientIp } from './internal/ip.js';

/** Request headers as Node gives them (`req.headers`): lower-case names. */
export type IncomingHeaders = HeaderBag;

/** What {@link resolveClientIp} reads from a request. */
export interface ClientIpRequest {
  /** The socket peer (`req.socket.remoteAddress`); `undefined` once the socket is gone. */
  readonly remoteAddress: string | null | undefined;
  readonly headers: IncomingHeaders;
}

/** Which proxy header the trusted proxies write. */
export type ForwardedHeaderName = 'x-forwarded-for' | 'forwarded';

export interface ClientIpOptions {
  /**
   * Proxies whose forwarding header is believed (addresses or CIDRs, or a
   * compiled {@link IpAllowList}). Empty: headers are ignored and the socket
   * peer is the client. Covering every address (`0.0.0.0/0`, `::/0`) is a
   * configuration hazard: a `KanmonWarning` with code `ERR_CONFIG_HAZARD` is
   * emitted once per resolver, because any client can then forge its address.
   */
  readonly trustedProxies: readonly string[] | IpAllowList;
  /**
   * The header your proxies set. Only that header is read; a client-sent copy
   * of the other one is ignored, since your proxy would not strip it.
   * @default 'x-forwarded-for'
   */
  readonly header?: ForwardedHeaderName;
}

/** Where the client address came from. */
export type ClientIpSource = 'socket' | ForwardedHeaderName;

/**
 * The client address as far as it can be believed.
 *
 * `ip` is canonical (dotted decimal for IPv4 and IPv4-mapped IPv6, RFC 5952
 * for IPv6, zone id stripped), or `null` when it is unknown: no socket peer,
 * or a malformed or obfuscated hop where the walk had to stop. `null` is in
 * no allow-list.
 */
export interface ClientIpResult {
  readonly ip: string | null;
  /** The socket peer, canonical, or `null`. */
  readonly peer: string | null;
  /** Whether the socket peer is a trusted proxy (its headers were read). */
  readonly peerTrusted: boolean;
  readonly source: ClientIpSource;
  /** The forwarding header was present from a trusted proxy but could not be believed. */
  readonly malformed: boolean;
  /**
   * The scheme the nearest trusted proxy reports (`X-Forwarded-Proto`, or the
   * `proto` of the `Forwarded` element it wrote); `null` when not from a trusted proxy.
   */
  readonly forwardedProto: 'http' | 'https' | null;
}

/** A compiled resolver: the trusted proxies are parsed once. */
export interface ClientIpResolver {
  resolve(request: ClientIpRequest): ClientIpResult;
  /** True when the trusted proxies cover every IPv4 or every IPv6 address. */
  readonly trustsEverything: boolean;
}

function proto(value: string | undefined): 'http' | 'https' | null {
  if (value === undefined) return null;
  const last = value.split(',').pop()?.trim().toLowerCase();
  return last === 'https' || last === 'http' ? last : null;
}

/**
 * Compile a {@link ClientIpResolver} (EXT-9). Use this once at start-up;
 * {@link resolveClientIp} is the same with a cache.
 */
export function createClientIpResolver(options: ClientIpOptions): ClientIpResolver {
  const { trustedProxies, header = 'x-forwarded-for' } = options ?? ({} as ClientIpOptions);
  if (header !== 'x-forwarded-for' && header !== 'forwarded') {
    throw new KanmonError('ERR_INVALID_ARGUMENT', `header must be 'x-forwarded-for' or 'forwarded', got ${String(header)}`);
  }
  const trusted: IpAllowList = Array.isArray(trustedProxies)
    ? createIpAllowList(trustedProxies as readonly string[])
    : (trustedProxies as IpAllowList);
  if (trusted === undefined || trusted === null || typeof trusted.has !== 'function') {
    throw new KanmonError('ERR_INVALID_ARGUMENT', 'trustedProxies must be an array of CIDRs or an IpAllowList');
  }
  const trustsEverything = checkTrustsEverything(trusted);
  const tables = allowListTables(trusted);
  const noProxies = tables !== undefined ? tables.v4Starts.length === 0 && tables.v6Starts.length === 0 : false;

  function resolve(request: ClientIpRequest): ClientIpResult {
    const peerParsed = parseClientIp(request?.remoteAddress);
    const peer = peerParsed === null ? null : formatIp(peerParsed);
    const direct = (peerTrusted: boolean): ClientIpResult => ({
      ip: peer,
      peer,
      peerTrusted,
      source: 'socket',
      malformed: false,
      forwardedProto: null,
    });
    if (peer === null || noProxies || !trusted.has(peer)) return direct(false);

    const headers = request.headers;
    const unknown = (forwardedProto: 'http' | 'https' | null): ClientIpResult => ({
      ip: null,
      peer,
      peerTrusted: true,
      source: header,
      malformed: true,
      forwardedProto,
    });

    if (header === 'x-forwarded-for') {
      const forwardedProto = proto(headerValue(headers, 'x-forwarded-proto'));
      const value = headerValue(headers, 'x-forwarded-for');
      if (value === undefined || value.trim() === '') return { ...direct(true), forwardedProto };
      const entries = splitForwardedFor(value);
      if (entries === null) return unknown(forwardedProto);
      for (let i = entries.length - 1; i >= 0; i--) {
        const hop = parseHop(entries[i] as string);
        if (hop === null) return unknown(forwardedProto);
        const text = hopText(hop);
        if (i === 0 || !trusted.has(text)) {
          return { ip: text, peer, peerTrusted: true, source: header, malformed: false, forwardedProto };
        }
      }
      return unknown(forwardedProto); // unreachable: the loop returns at i === 0
    }

    const value = headerValue(headers, 'forwarded');
    if (value === undefined || value.trim() === '') return direct(true);
    const elements = parseForwarded(value);
    if (elements === null) return unknown(null);
    const last = elements[elements.length - 1];
    const forwardedProto = proto(last?.get('proto'));
    for (let i = elements.length - 1; i >= 0; i--) {
      const forValue = elements[i]?.get('for');
      const hop = forValue === undefined ? null : parseHop(forValue);
      if (hop === null) return unknown(forwardedProto);
      const text = hopText(hop);
      if (i === 0 || !trusted.has(text)) {
        return { ip: text, peer, peerTrusted: true, source: header, malformed: false, forwardedProto };
      }
    }
    return unknown(forwardedProto);
  }

  return Object.freeze({ resolve, trustsEverything });
}

const byList = new WeakMap<object, Map<ForwardedHeaderName, ClientIpResolver>>();
const byText = new Map<string, ClientIpResolver>();
const MAX_TEXT_CACHE = 64;

/**
 * The client address of a request, believing `X-Forwarded-For` or RFC 7239
 * `Forwarded` only from trusted proxies (EXT-9; express-rate-limit #134).
 *
 * The header is read only when the socket peer is a trusted proxy. Its hops are
 * walked from the right: each trusted hop passes to the one on its left, and
 * the first untrusted hop is the client. A malformed header or hop, or an
 * `unknown` / obfuscated `for=`, stops the walk with `ip: null`: never a throw,
 * and never the proxy's own address (which may sit inside an allow-listed network).
 *
 * Resolvers are cached per trusted-proxy list, so the trust-everything warning
 * is emitted once per configuration.
 *
 * @example
 * ```ts
 * import { resolveClientIp } from 'kanmon';
 * const { ip } = resolveClientIp(
 *   { remoteAddress: '10.0.0.5', headers: { 'x-forwarded-for': '203.0.113.7, 10.0.0.4' } },
 *   { trustedProxies: ['10.0.0.0/29'] },
 * );
 * ip; // '203.0.113.7'
 * ```
 */
export function resolveClientIp(request: ClientIpRequest, options: ClientIpOptions): ClientIpResult {
  const header = options?.header ?? 'x-forwarded-for';
  const proxies = options?.trustedProxies;
  let resolver: ClientIpResolver | undefined;
  if (Array.isArray(proxies)) {
    const key = `${header}|${(proxies as readonly unknown[]).map(String).join(',')}`;
    resolver = byText.get(key);
    if (!resolver) {
      resolver = createClientIpResolver(options);
      if (byText.size >= MAX_TEXT_CACHE) byText.clear();
      byText.set(key, resolver);
    }
  } else if (proxies !== null && typeof proxies === 'object') {
    let perHeader = byList.get(proxies);
    if (!perHeader) byList.set(proxies, (perHeader = new Map<ForwardedHeaderName, ClientIpResolver>()));
    resolver = perHeader.get(header);
    if (!resolver) perHeader.set(header, (resolver = createClientIpResolver(options)));
  } else {
    resolver = createClientIpResolver(options);
  }
  return resolver.resolve(request);
}
