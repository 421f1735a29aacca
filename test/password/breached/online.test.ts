import { createHash } from 'node:crypto';
import { type IncomingHttpHeaders, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOnlineBreachCheck, definePolicy } from '../../../src/index.js';

/** A local stand-in for api.pwnedpasswords.com on 127.0.0.1: never the internet. */
let server: Server;
let endpoint: string;
const requests: Array<{ url: string; headers: IncomingHttpHeaders }> = [];
let mode: 'ok' | 'slow' | 'error' | 'garbage' = 'ok';

const sha1 = (text: string) => createHash('sha1').update(text, 'utf8').digest('hex').toUpperCase();
const breachedPassword = 'P@ssw0rd';

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push({ url: req.url ?? '', headers: req.headers });
    if (mode === 'slow') return void setTimeout(() => res.end(''), 2000).unref();
    if (mode === 'error') return void res.writeHead(503).end('unavailable');
    if (mode === 'garbage') return void res.writeHead(200).end('<html>captive portal</html>');
    const prefix = (req.url ?? '').split('/').pop()!;
    const hit = sha1(breachedPassword);
    const rows = [`${'0'.repeat(35)}:0`, `${'F'.repeat(35)}:0`]; // padding rows carry count 0
    if (hit.startsWith(prefix)) rows.push(`${hit.slice(5)}:52579`);
    res.writeHead(200, { 'content-type': 'text/plain' }).end(rows.join('\r\n'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const policyWith = (online: { enabled: boolean; timeoutMs?: number; onError?: 'reject' | 'accept' }) =>
  definePolicy('funabashi', { password: { breached: { online } } });

describe('HIBP range API (k-anonymity), opt-in only', () => {
  it('SEC-6.1: off in every preset, and then no request is made at all', async () => {
    for (const id of ['funabashi', 'remote-maintenance', 'external-service-common', 'nist-800-63b'] as const) {
      expect(definePolicy(id).password.breached.online.enabled).toBe(false);
    }
    let called = 0;
    const check = createOnlineBreachCheck({
      policy: definePolicy('funabashi'),
      fetch: () => {
        called++;
        return Promise.reject(new Error('must not be called'));
      },
      endpoint,
    });
    await expect(check.check(breachedPassword)).resolves.toEqual({ ok: false, reason: 'disabled', breached: false });
    expect(called).toBe(0);
  });

  it('sends only the 5-character SHA-1 prefix, asks for padding, and finds the suffix', async () => {
    mode = 'ok';
    requests.length = 0;
    const check = createOnlineBreachCheck({ policy: policyWith({ enabled: true }), endpoint });
    await expect(check.check(breachedPassword)).resolves.toEqual({ ok: true, breached: true, count: 52579 });
    await expect(check.check('a-password-nobody-used-9f8e')).resolves.toEqual({ ok: true, breached: false, count: 0 });
    expect(requests.map((r) => r.url)).toEqual([`/range/${sha1(breachedPassword).slice(0, 5)}`, `/range/${sha1('a-password-nobody-used-9f8e').slice(0, 5)}`]);
    expect(requests[0]!.headers['add-padding']).toBe('true');
    expect(JSON.stringify(requests)).not.toContain(sha1(breachedPassword).slice(5));
  });

  it.each([
    ['slow', 'timeout'],
    ['error', 'bad_response'],
    ['garbage', 'bad_response'],
  ] as const)('server %s → %s; onError reject refuses, accept lets through', async (serverMode, error) => {
    mode = serverMode;
    const reject = createOnlineBreachCheck({ policy: policyWith({ enabled: true, timeoutMs: 200, onError: 'reject' }), endpoint });
    const accept = createOnlineBreachCheck({ policy: policyWith({ enabled: true, timeoutMs: 200, onError: 'accept' }), endpoint });
    await expect(reject.check('x')).resolves.toEqual({ ok: false, reason: error, breached: true });
    await expect(accept.check('x')).resolves.toEqual({ ok: false, reason: error, breached: false });
  });

  it('an unreachable endpoint is a network error, decided by onError', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const check = createOnlineBreachCheck({ policy: policyWith({ enabled: true, timeoutMs: 2000, onError: 'reject' }), endpoint: `http://127.0.0.1:${port}` });
    await expect(check.check('x')).resolves.toEqual({ ok: false, reason: 'network', breached: true });
  });
});
