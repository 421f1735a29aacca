import type { ClientIpResolver, ClientIpResult, IncomingHeaders } from '../access/client-ip.js';

/** What the transport check reads from a request (Node's `IncomingMessage` fits). */
export interface TransportRequest {
  readonly headers: IncomingHeaders;
  readonly socket?: { readonly encrypted?: boolean; readonly remoteAddress?: string | undefined } | null;
}

export type TransportResult =
  | { readonly ok: true; /** How TLS was established: on this socket, at a trusted proxy, or not at all (TLS not required). */ readonly tls: 'socket' | 'trusted_proxy' | 'none'; readonly client: ClientIpResult }
  | { readonly ok: false; readonly reason: 'tls_required'; readonly client: ClientIpResult };

/**
 * IPC-16: is this request encrypted end to end as far as we can tell?
 *
 * TLS counts when the socket itself is TLS, or when the socket peer is a
 * trusted proxy (policy `access.trustedProxies`) reporting `https` in the
 * header it writes (`X-Forwarded-Proto`, or `proto=` of its `Forwarded`
 * element). The same header from any other peer is ignored: a client cannot
 * talk plain HTTP and claim otherwise.
 */
export function checkTransport(request: TransportRequest, resolver: ClientIpResolver, requireTls: boolean): TransportResult {
  const socket = request.socket ?? null;
  const client = resolver.resolve({ remoteAddress: socket?.remoteAddress, headers: request.headers });
  if (socket?.encrypted === true) return { ok: true, tls: 'socket', client };
  if (client.peerTrusted && client.forwardedProto === 'https') return { ok: true, tls: 'trusted_proxy', client };
  return requireTls ? { ok: false, reason: 'tls_required', client } : { ok: true, tls: 'none', client };
}
