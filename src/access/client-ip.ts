import { KanmonError } from '../errors.js';
import { allowListTables, createIpAllowList } from './ip-allow-list.js';
import type { IpAllowList } from './ip-allow-list.js';
import { type HeaderBag, MAX_HOPS, forwardedElementsFromRight, forwardedForFromRight, headerValue, hopText, parseForwardedElement, parseHop } from './internal/forwarded.js';
import type { ParsedIp } from './internal/ip.js';
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

/** Options of {@link createClientIpResolver} and {@link resolveClientIp}. */
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
 * or a malformed or obfuscated hop written by a trusted proxy, where the walk
 * had to stop. `null` is in no allow-list.
 */
export interface ClientIpResult {
  readonly ip: string | null;
  /**
   * The address to count attempts against (per-IP throttles): `ip` when it is
   * known, else the last address that could be believed, i.e. the trusted
   * proxy that forwarded the unreadable hop (the socket peer, or a trusted hop
   * of the chain). `null` only without a socket peer: an unreadable header
   * never means "no address, no throttle". Never use it for an allow-list:
   * it may be the proxy's own, internal, address.
   */
  readonly throttleIp: string | null;
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
  /** The client address of one request: the socket peer, or the forwarding header when the peer is a trusted proxy. */
  resolve(request: ClientIpRequest): ClientIpResult;
  /** True when the trusted proxies cover every IPv4 or every IPv6 address. */
  readonly trustsEverything: boolean;
}

/** The `X-Forwarded-For` hops from the right; an unreadable entry is `null`. */
function* xffHops(value: string): Generator<ParsedIp | null, void, undefined> {
  for (const entry of forwardedForFromRight(value)) yield parseHop(entry);
}

/** The `for=` hops of `Forwarded` from the right (the nearest element already parsed); an unreadable element is `null`. */
function* forwardedHops(nearest: ReadonlyMap<string, string> | null, rest: Iterator<string | null, void, undefined>): Generator<ParsedIp | null, void, undefined> {
  const hopOf = (element: ReadonlyMap<string, string> | null): ParsedIp | null => {
    const forValue = element?.get('for');
    return forValue === undefined ? null : parseHop(forValue);
  };
  yield hopOf(nearest);
  for (let next = rest.next(); next.done !== true; next = rest.next()) {
    yield hopOf(next.value === null ? null : parseForwardedElement(next.value));
  }
}

function proto(value: string | undefined): 'http' | 'https' | null {
  if (value === undefined) return null;
  const last = value.split(',').pop()?.trim().toLowerCase();
  return last === 'https' || last === 'http' ? last : null;
}

/**
 * Compile a {@link ClientIpResolver} (EXT-9). Use this once at start-up;
 * {@link resolveClientIp} is the same with a cache.
 *
 * @example
 * ```ts
 * import { createClientIpResolver } from 'kanmon';
 * const clientIp = createClientIpResolver({ trustedProxies: ['10.0.0.0/29'] });
 * const { ip } = clientIp.resolve({ remoteAddress: req.socket.remoteAddress ?? null, headers: req.headers });
 * ```
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
    const direct = (peerTrusted: boolean, forwardedProto: 'http' | 'https' | null = null): ClientIpResult => ({
      ip: peer,
      throttleIp: peer,
      peer,
      peerTrusted,
      source: 'socket',
      malformed: false,
      forwardedProto,
    });
    if (peer === null || noProxies || !trusted.has(peer)) return direct(false);

    /**
     * Walk the hops from the right. Each one was written by the trusted proxy
     * on its right (the socket peer for the rightmost), so it is believed; the
     * first that is not a trusted proxy is the client. A hop a trusted proxy
     * wrote unreadably (garbage, `unknown`, an obfuscated name, an empty
     * entry because it did not append) stops the walk: `ip` is unknown, and
     * attempts count against that proxy, the last address believed.
     */
    const walk = (hops: Iterable<ParsedIp | null>, forwardedProto: 'http' | 'https' | null): ClientIpResult => {
      const found = (ip: string): ClientIpResult => ({ ip, throttleIp: ip, peer, peerTrusted: true, source: header, malformed: false, forwardedProto });
      let reliable = peer;
      let count = 0;
      for (const hop of hops) {
        if (hop === null || count === MAX_HOPS) return { ip: null, throttleIp: reliable, peer, peerTrusted: true, source: header, malformed: true, forwardedProto };
        count++;
        const text = hopText(hop);
        if (!trusted.has(text)) return found(text);
        reliable = text;
      }
      // Every hop is a trusted proxy: the leftmost is the client.
      return found(reliable);
    };

    const headers = request.headers;
    if (header === 'x-forwarded-for') {
      const forwardedProto = proto(headerValue(headers, 'x-forwarded-proto'));
      const value = headerValue(headers, 'x-forwarded-for');
      if (value === undefined || value.trim() === '') return direct(true, forwardedProto);
      return walk(xffHops(value), forwardedProto);
    }

    const value = headerValue(headers, 'forwarded');
    if (value === undefined || value.trim() === '') return direct(true);
    const elements = forwardedElementsFromRight(value);
    const first = elements.next();
    const nearest = first.done === true || first.value === null ? null : parseForwardedElement(first.value);
    // The scheme is the one the nearest proxy wrote in its own element.
    const forwardedProto = proto(nearest?.get('proto'));
    return walk(forwardedHops(nearest, elements), forwardedProto);
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
 * walked from the right, where the proxies appended them: each trusted hop
 * passes to the one on its left, and the first untrusted hop is the client.
 * Whatever a client put in its own copy of the header (`,`, garbage, 8 KiB of
 * entries, several header lines) sits left of the hop its proxy appended and
 * is never read. A hop a trusted proxy wrote unreadably (garbage, `unknown`,
 * an obfuscated `for=`, more than 32 trusted hops) stops the walk with
 * `ip: null`, never a throw and never the proxy's own address (which may sit
 * inside an allow-listed network); `throttleIp` is then that proxy's address,
 * so per-IP throttles still count the attempt.
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
