/**
 * Issue 15 point 2 on the guard path (IPC-16 TLS through a trusted proxy, RFC 7239 / X-Forwarded-For): the
 * place of a request is resolved once and kept on the state the core made for that request, so the adapter's
 * transport hook and the guard read one resolution. The place belongs to the request, not to whatever state
 * is passed along: a state made for one request and handed in with another (a reused state, a literal) never
 * lends it its TLS judgement.
 */
import { describe, expect, it } from 'vitest';
import { createClientIpResolver } from '../../src/access/client-ip.js';
import { createHttpCore } from '../../src/http/create-http-core.js';
import type { HttpRequest, KanmonRequestState } from '../../src/http/types.js';
import { memoryStore } from '../../src/index.js';
import { makeWorld } from '../login/support.js';

const PROXY = '127.0.0.1';

/** A request from `peer` claiming HTTPS, whose forwarding header counts how often it is read. */
function request(peer: string, extra: Record<string, string> = {}): { request: HttpRequest; reads: () => number } {
  let reads = 0;
  const headers = new Proxy<Record<string, string>>(
    { 'x-forwarded-for': '10.1.2.3', 'x-forwarded-proto': 'https', ...extra },
    {
      get(target, name, receiver) {
        if (name === 'x-forwarded-for') reads++;
        return Reflect.get(target, name, receiver) as unknown;
      },
    },
  );
  return { request: { headers, socket: { encrypted: false, remoteAddress: peer } }, reads: () => reads };
}

async function world() {
  const w = makeWorld((now) => memoryStore({ now }), { access: { trustedProxies: [PROXY], requireTls: true } });
  const { token } = await w.kanmon.sessions.issue({ tenant: w.tenant, subject: 'u-1', amr: ['pwd'], roles: ['staff'] });
  const core = createHttpCore(w.kanmon, { tenant: w.tenant });
  return { w, core, cookie: `${w.kanmon.policy.session.cookieName}=${token}` };
}

describe('IPC-16 / RFC 7239: the place of a guarded request is resolved once, and only for that request', () => {
  it('the transport hook and requireSession read the forwarding header as often as one resolution does', async () => {
    const { core, cookie } = await world();
    const one = request(PROXY);
    createClientIpResolver({ trustedProxies: [PROXY] }).resolve({ remoteAddress: PROXY, headers: one.request.headers });
    expect(one.reads()).toBeGreaterThan(0);

    const guarded = request(PROXY, { cookie });
    const state = core.state(guarded.request);
    expect(core.transport(guarded.request, state)).toBeNull(); // the adapter's hook (Express tls(), Fastify onRequest)
    const outcome = await core.guard(guarded.request, state, { kind: 'session' });
    expect(outcome.ok).toBe(true);
    expect(state.session?.subject).toBe('u-1');
    expect(guarded.reads()).toBe(one.reads());
  });

  it("a state made for a request behind the trusted proxy does not lend its TLS to a plain-HTTP request from another peer", async () => {
    const { core, cookie } = await world();
    const trusted = request(PROXY, { cookie });
    const state = core.state(trusted.request);
    expect(core.transport(trusted.request, state)).toBeNull(); // resolved, and kept on the state

    const spoofed = request('203.0.113.9', { cookie }); // claims https, but its peer is no trusted proxy
    expect(core.transport(spoofed.request, state)?.code).toBe('tls_required');
    const outcome = await core.guard(spoofed.request, state, { kind: 'session' });
    expect(outcome.ok).toBe(false);
    expect(outcome.ok ? null : outcome.reply.code).toBe('tls_required');
    expect(state.session).toBeNull();
  });

  it('and the other way round: a state first used for plain HTTP does not refuse the proxied request it is handed with', async () => {
    const { core } = await world();
    const plain = request('203.0.113.9');
    const state = core.state(plain.request);
    expect(core.transport(plain.request, state)?.code).toBe('tls_required');
    expect(core.transport(request(PROXY).request, state)).toBeNull();
  });

  it('a state the core did not make (a literal) is judged on the request it comes with, every time', async () => {
    const { core, w } = await world();
    const literal: KanmonRequestState = { tenant: w.tenant, lang: 'en', session: null, access: null };
    expect(core.transport(request(PROXY).request, literal)).toBeNull();
    expect(core.transport(request('203.0.113.9').request, literal)?.code).toBe('tls_required');
    expect(core.transport(request(PROXY).request, literal)).toBeNull();
  });

  it('the state reads as before: its public fields only', async () => {
    const { core, w } = await world();
    const { request: r } = request(PROXY);
    const state = core.state(r);
    core.transport(r, state);
    expect(state).toEqual({ tenant: w.tenant, lang: 'ja', session: null, access: null });
    expect(Object.keys(state)).toEqual(['tenant', 'lang', 'session', 'access']);
    expect(JSON.parse(JSON.stringify(state))).toEqual({ tenant: w.tenant, lang: 'ja', session: null, access: null });
  });
});
