/**
 * Issue 15 point 2, "decide where a request comes from once" (RFC 7239 / X-Forwarded-For through trusted
 * proxies, IPC-16 TLS): a login through the HTTP core resolves the request's place (client address, TLS)
 * once — the transport check, the body preamble, the facts handed to kanmon and the access decision all
 * read that one resolution — and the answer is the same as before: the client behind the trusted proxy
 * logs in from its own address, over the TLS the proxy reports.
 */
import { describe, expect, it } from 'vitest';
import { createClientIpResolver } from '../../src/access/client-ip.js';
import { createHttpCore } from '../../src/http/create-http-core.js';
import type { HttpRequest } from '../../src/http/types.js';
import { GOOD_PASSWORD, makeWorld } from '../login/support.js';
import { memoryStore } from '../../src/index.js';

/** A proxied request whose forwarding header counts how often it is read. */
function countedRequest(): { request: HttpRequest; reads: () => number } {
  let reads = 0;
  const headers = new Proxy<Record<string, string>>(
    { 'x-forwarded-for': '10.1.2.3', 'x-forwarded-proto': 'https', 'user-agent': 'place-once/1.0' },
    {
      get(target, name, receiver) {
        if (name === 'x-forwarded-for') reads++;
        return Reflect.get(target, name, receiver) as unknown;
      },
    },
  );
  return { request: { headers, socket: { encrypted: false, remoteAddress: '127.0.0.1' } }, reads: () => reads };
}

describe('issue 15 point 2: the HTTP core resolves where a request comes from once (trusted proxy, TLS)', () => {
  it('a login behind a trusted proxy reads the forwarding header as often as one resolution does, and logs in from the client address', async () => {
    const world = makeWorld((now) => memoryStore({ now }), { access: { trustedProxies: ['127.0.0.1'], requireTls: true } });
    await world.addUser('alice');
    const core = createHttpCore(world.kanmon, { tenant: world.tenant });

    const one = countedRequest();
    createClientIpResolver({ trustedProxies: ['127.0.0.1'] }).resolve({ remoteAddress: '127.0.0.1', headers: one.request.headers });
    expect(one.reads()).toBeGreaterThan(0);

    const counted = countedRequest();
    const state = core.state(counted.request);
    expect(core.transport(counted.request, state)).toBeNull(); // the adapter's own check (Express tls(), Fastify onRequest)
    const reply = await core.handlers.login(counted.request, state, { ok: true, value: { username: 'alice', password: GOOD_PASSWORD } });
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body ?? '{}')).toMatchObject({ status: 'authenticated' });
    expect(counted.reads()).toBe(one.reads());
    const success = world.events().find((e) => e.type === 'auth.login.success');
    expect(success?.source).toMatchObject({ ip: '10.1.2.3', userAgent: 'place-once/1.0' });
  });

  it('plain HTTP from a peer that is not a trusted proxy is refused (IPC-16), whatever it claims', async () => {
    const world = makeWorld((now) => memoryStore({ now }), { access: { trustedProxies: ['127.0.0.2'], requireTls: true } });
    await world.addUser('alice');
    const core = createHttpCore(world.kanmon, { tenant: world.tenant });
    const { request } = countedRequest();
    const state = core.state(request);
    expect(core.transport(request, state)?.code).toBe('tls_required');
    const reply = await core.handlers.login(request, state, { ok: true, value: { username: 'alice', password: GOOD_PASSWORD } });
    expect(reply.code).toBe('tls_required');
    expect(world.events().filter((e) => e.type === 'auth.login.success')).toEqual([]);
  });
});
