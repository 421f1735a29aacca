/**
 * What the seam tests put between a client and the adapters:
 * - {@link send}: one HTTP request from a chosen loopback address (127.0.0.0/8 is
 *   all loopback on Linux), with repeated header lines, or raw bytes on the socket
 *   for what node's client refuses to write;
 * - {@link appendingProxy}: a tiny reverse proxy on node:http that appends the
 *   address it saw to the client's `X-Forwarded-For` (nginx's
 *   `$proxy_add_x_forwarded_for`) or `Forwarded` (RFC 7239 §7.1), and says
 *   `https` (TLS ends at it), connecting upstream from its own address.
 */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Answer } from './kit.js';

export interface WireRequest {
  readonly method?: string;
  readonly path: string;
  /** An array sends the header on several lines. */
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
  /** An object is sent as JSON (with `Content-Type: application/json` unless given); a string or Buffer as is. */
  readonly body?: unknown;
  /** The client's own address. @default '127.0.0.1' */
  readonly from?: string;
  /** Bytes written on the socket as they are (the request line and headers included); `path` etc. are then ignored. */
  readonly raw?: string | Buffer;
}

function answerOf(status: number, headers: http.IncomingHttpHeaders, bytes: Buffer): Answer {
  const text = bytes.toString('utf8');
  return { status, headers, bytes, text, json: () => JSON.parse(text) as unknown, cookies: headers['set-cookie'] ?? [] };
}

/** One request to `127.0.0.1:port`; resolves with the raw answer. */
export function send(port: number, request: WireRequest): Promise<Answer> {
  if (request.raw !== undefined) return sendRaw(port, request.raw, request.from);
  const { method = 'GET', path, headers = {}, body, from = '127.0.0.1' } = request;
  const sendHeaders: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) sendHeaders[name] = typeof value === 'string' ? value : [...value];
  let payload: Buffer | undefined;
  if (body !== undefined) {
    payload = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    if (typeof body !== 'string' && !Buffer.isBuffer(body)) sendHeaders['content-type'] ??= 'application/json';
    sendHeaders['content-length'] ??= String(payload.length);
  }
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method, headers: sendHeaders, localAddress: from, agent: false });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(answerOf(res.statusCode ?? 0, res.headers, Buffer.concat(chunks))));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** Raw bytes on a socket; the answer is parsed just enough for the tests (status, headers, body to the end of the connection). */
function sendRaw(port: number, raw: string | Buffer, from = '127.0.0.1'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port, localAddress: from });
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const all = Buffer.concat(chunks);
      const split = all.indexOf('\r\n\r\n');
      const head = (split < 0 ? all : all.subarray(0, split)).toString('latin1').split('\r\n');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head[0] ?? '')?.[1] ?? 0);
      const headers: http.IncomingHttpHeaders = {};
      for (const line of head.slice(1)) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      let body: Buffer = split < 0 ? Buffer.alloc(0) : all.subarray(split + 4);
      if (/chunked/i.test(String(headers['transfer-encoding'] ?? ''))) body = dechunk(body);
      resolve(answerOf(status, headers, body));
    });
    socket.end(raw);
  });
}

function dechunk(body: Buffer): Buffer {
  // (chunk sizes in hex, each chunk followed by CRLF, a 0-size chunk ends)
  const out: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = body.indexOf('\r\n', at);
    if (eol < 0) break;
    const size = Number.parseInt(body.subarray(at, eol).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    out.push(body.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(out);
}

export interface RunningProxy {
  readonly port: number;
  /** The address the proxy connects upstream from: the one to list in `access.trustedProxies`. */
  readonly address: string;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);

/**
 * A reverse proxy to `127.0.0.1:upstreamPort` that appends the client's address
 * to whatever forwarding header the client sent, like nginx does:
 * `X-Forwarded-For: <client's lines joined by ", ">, <client address>` and
 * `X-Forwarded-Proto: https`, or `Forwarded: <client's>, for=<client>;proto=https`.
 */
export async function appendingProxy(upstreamPort: number, header: 'x-forwarded-for' | 'forwarded', address = '127.0.0.3'): Promise<RunningProxy> {
  const server = http.createServer((req, res) => {
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(req.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
    const client = req.socket.remoteAddress ?? '';
    const appendTo = (existing: string | string[] | undefined, hop: string) =>
      existing === undefined ? hop : `${Array.isArray(existing) ? existing.join(', ') : existing}, ${hop}`;
    if (header === 'x-forwarded-for') {
      headers['x-forwarded-for'] = appendTo(req.headers['x-forwarded-for'], client);
      headers['x-forwarded-proto'] = 'https';
    } else {
      headers.forwarded = appendTo(req.headers.forwarded, `for=${client.includes(':') ? `"[${client}]"` : client};proto=https`);
    }
    const upstream = http.request({ host: '127.0.0.1', port: upstreamPort, path: req.url, method: req.method, headers, localAddress: address, agent: false }, (answer) => {
      const back: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(answer.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) back[name] = value;
      res.writeHead(answer.statusCode ?? 502, back);
      answer.pipe(res);
    });
    upstream.on('error', () => {
      res.writeHead(502).end();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    address,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
