import { type ClientIpResult, type ForwardedHeaderName, type IncomingHeaders, createClientIpResolver } from './client-ip.js';
import type { IpAllowList } from './ip-allow-list.js';

/** What the place of a request is read from (Node's `IncomingMessage` fits). */
export interface PlaceRequest {
  readonly socket?: { readonly encrypted?: boolean; readonly remoteAddress?: string | undefined } | null;
  /** Defaults to `socket.remoteAddress`. */
  readonly remoteAddress?: string | null;
  readonly headers: IncomingHeaders;
}

/** Where a request comes from, decided once per request and passed on (adapters → guards → flows → access decision). */
export interface RequestPlace {
  /** The client address through the trusted proxies (`ip` for decisions, `throttleIp` for counting attempts). */
  readonly client: ClientIpResult;
  /**
   * How TLS was established (IPC-16): on this socket, at a trusted proxy that reports `https` in the header it
   * writes (`X-Forwarded-Proto`, or `proto=` of its `Forwarded` element), or not at all. The same header from
   * any other peer is ignored: a client cannot talk plain HTTP and claim otherwise.
   */
  readonly tls: 'socket' | 'trusted_proxy' | 'none';
}

export interface RequestPlaceResolver {
  resolve(request: PlaceRequest): RequestPlace;
}

/**
 * The one place-of-request decision: the client address through `trustedProxies` and the TLS judgement.
 * The adapters resolve it once per request and pass it on (`AccessRequest.place`); the access evaluator
 * resolves it itself only for a request that comes without one.
 */
export function createRequestPlaceResolver(options: { readonly trustedProxies: readonly string[] | IpAllowList; readonly header?: ForwardedHeaderName }): RequestPlaceResolver {
  const resolver = createClientIpResolver(options);
  return {
    resolve(request) {
      const socket = request?.socket ?? null;
      const remoteAddress = request?.remoteAddress ?? socket?.remoteAddress ?? null;
      const client = resolver.resolve({ remoteAddress, headers: request?.headers ?? {} });
      const tls = socket?.encrypted === true ? 'socket' : client.peerTrusted && client.forwardedProto === 'https' ? 'trusted_proxy' : 'none';
      return { client, tls };
    },
  };
}
