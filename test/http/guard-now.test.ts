/**
 * Issue 22 item 2 (Express guards): over an in-process store the guards grant a session without a promise round
 * (`guardNow`: the token's signature already checked and cached, the revocation marks read from the store now).
 * These tests hold that path to the full guard: it only ever grants what the full guard grants, with the same
 * session and no cookie; it reads revocation on every request (RM-23, FNB-3.1.4: a logout or a "sign out
 * everywhere" ends the very next request); it leaves every refusal to the full guard (IPC-16 spoofed
 * `X-Forwarded-Proto`, IPC-11/IPC-12 deadlines, another tenant, a destroyed key: FNB-4.1); and Express's
 * `requireSession` then calls `next()` within the middleware call.
 */
import fc from 'fast-check';
import type { NextFunction, Request, Response } from 'express';
import { describe, expect, it } from 'vitest';
import { kanmonExpress } from '../../src/express/index.js';
import { createHttpCore } from '../../src/http/create-http-core.js';
import type { GuardOutcome, GuardRequirement, HttpKanmon, HttpRequest } from '../../src/http/types.js';
import { type KanmonStore, memoryStore } from '../../src/index.js';
import { makeWorld } from '../login/support.js';

const MIN = 60_000;
const PROXY = '127.0.0.1';
const policy = { access: { trustedProxies: [PROXY], requireTls: true } };

/** The same Kanmon with its session manager copied into a plain object: the guards then have no synchronous path. */
const withoutFastPath = (kanmon: HttpKanmon): HttpKanmon => ({ ...kanmon, sessions: { ...kanmon.sessions } });

function request(token: string | null, options: { peer?: string; proto?: string | null; via?: 'cookie' | 'bearer'; cookieName: string }): HttpRequest {
  const headers: Record<string, string> = {};
  if (options.proto !== null) headers['x-forwarded-proto'] = options.proto ?? 'https';
  if (token !== null && (options.via ?? 'cookie') === 'cookie') headers.cookie = `lang=ja; ${options.cookieName}=${token}`;
  if (token !== null && options.via === 'bearer') headers.authorization = `Bearer ${token}`;
  return { headers, socket: { encrypted: false, remoteAddress: options.peer ?? PROXY } };
}

/** What an outcome tells the client and the route: compared between the two paths. */
const visible = (outcome: GuardOutcome) =>
  outcome.ok
    ? { ok: true, session: outcome.state.session, setCookie: [...outcome.setCookie] }
    : { ok: false, status: outcome.reply.status, code: outcome.reply.code, headers: outcome.reply.headers, body: outcome.reply.body };

describe('issue 22 item 2: the guards grant a session from an in-process store without waiting, exactly as the full guard does', () => {
  it('property: whenever guardNow answers, the full guard answers the same (random sessions, clock, logouts, revokeAll, requirements, transports, tenants)', async () => {
    const op = fc.oneof(
      { arbitrary: fc.record({ kind: fc.constant('issue' as const), otp: fc.boolean(), admin: fc.boolean() }), weight: 2 },
      { arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.oneof({ arbitrary: fc.integer({ min: 0, max: 20_000 }), weight: 4 }, { arbitrary: fc.integer({ min: 0, max: 40 * MIN }), weight: 1 }) }), weight: 2 },
      { arbitrary: fc.record({ kind: fc.constant('logout' as const), which: fc.nat() }), weight: 1 },
      { arbitrary: fc.record({ kind: fc.constant('revokeAll' as const) }), weight: 1 },
      { arbitrary: fc.record({
        kind: fc.constant('request' as const),
        repeat: fc.integer({ min: 1, max: 3 }),
        which: fc.nat(),
        requirement: fc.constantFrom<GuardRequirement>({ kind: 'session' }, { kind: 'mfa' }, { kind: 'role', roles: ['admin'] }, { kind: 'recent', maxAgeSeconds: 300 }, { kind: 'recent', maxAgeSeconds: null }),
        peer: fc.constantFrom(PROXY, PROXY, PROXY, '198.51.100.7'),
        proto: fc.constantFrom<string | null>('https', 'https', 'https', 'http', null),
        via: fc.constantFrom<'cookie' | 'bearer'>('cookie', 'bearer'),
        otherTenant: fc.boolean(),
        twice: fc.boolean(),
      }), weight: 6 },
    );
    let granted = 0;
    let compared = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 4, maxLength: 24 }), async (rest) => {
        const ops = [{ kind: 'issue' as const, otp: false, admin: false }, ...rest];
        const world = makeWorld((now) => memoryStore({ now }), policy);
        const fast = createHttpCore(world.kanmon, { tenant: world.tenant });
        const full = createHttpCore(withoutFastPath(world.kanmon), { tenant: world.tenant });
        const other = createHttpCore(world.kanmon, { tenant: `${world.tenant}-other` });
        const sessions: { token: string; sessionId: string; subject: string; absoluteExpiresAt: number }[] = [];
        for (const step of ops) {
          if (step.kind === 'issue') {
            const { token, session } = await world.kanmon.sessions.issue({ tenant: world.tenant, subject: 'u-1', amr: step.otp ? ['pwd', 'otp'] : ['pwd'], roles: step.admin ? ['staff', 'admin'] : ['staff'] });
            sessions.push({ token, ...session });
          } else if (step.kind === 'advance') world.clock.advance(step.ms);
          else if (step.kind === 'logout') {
            const s = sessions[step.which % Math.max(1, sessions.length)];
            if (s) await world.kanmon.sessions.logout({ tenant: world.tenant, subject: s.subject, sessionId: s.sessionId, absoluteExpiresAt: s.absoluteExpiresAt } as never);
          } else if (step.kind === 'revokeAll') await world.kanmon.sessions.revokeAll(world.tenant, 'u-1');
          else for (let i = 0; i < step.repeat; i++) {
            // Mostly the newest session (live more often), sometimes any earlier one.
            const token = sessions[step.which % 2 === 0 ? sessions.length - 1 : step.which % Math.max(1, sessions.length)]?.token ?? null;
            const req = request(token, { peer: step.peer, proto: step.proto, via: step.via, cookieName: full.cookieName });
            const core = step.otherTenant ? other : fast;
            const state = core.state(req);
            const now = core.guardNow(req, state, step.requirement);
            if (step.twice && now !== null) expect(core.guardNow(req, state, step.requirement)).toEqual(now); // a second guard on the request
            const reference = await (step.otherTenant ? createHttpCore(withoutFastPath(world.kanmon), { tenant: `${world.tenant}-other` }) : full).guard(req, full.state(req), step.requirement);
            if (now === null) continue;
            compared++;
            if (now.ok) granted++;
            expect(visible(now)).toEqual(visible(reference));
          }
        }
      }),
      { numRuns: 60 },
    );
    // The property is not vacuous: the synchronous path answered, and granted, many times.
    expect(compared).toBeGreaterThan(30);
    expect(granted).toBeGreaterThan(15);
  });

  it('RM-23, FNB-3.1.4: revocation is read on every request, never cached — a logout, then a "sign out everywhere", end the next request', async () => {
    const world = makeWorld((now) => memoryStore({ now }), policy);
    const core = createHttpCore(world.kanmon, { tenant: world.tenant });
    const issue = () => world.kanmon.sessions.issue({ tenant: world.tenant, subject: 'u-1', amr: ['pwd'], roles: ['staff'] });
    const ask = (token: string) => {
      const req = request(token, { cookieName: core.cookieName });
      return { req, state: core.state(req) };
    };

    const first = await issue();
    const a = ask(first.token);
    expect(core.guardNow(a.req, a.state, { kind: 'session' })).toMatchObject({ ok: true, state: { session: { sessionId: first.session.sessionId } } });
    await world.kanmon.sessions.logout(first.session);
    const b = ask(first.token);
    expect(core.guardNow(b.req, b.state, { kind: 'session' })).toBeNull();
    expect(visible(await core.guard(b.req, b.state, { kind: 'session' }))).toMatchObject({ ok: false, status: 401, code: 'session_invalid' });

    const second = await issue();
    const c = ask(second.token);
    expect(core.guardNow(c.req, c.state, { kind: 'session' })?.ok).toBe(true);
    await world.kanmon.sessions.revokeAll(world.tenant, 'u-1');
    const d = ask(second.token);
    expect(core.guardNow(d.req, d.state, { kind: 'session' })).toBeNull();
    expect(visible(await core.guard(d.req, d.state, { kind: 'session' }))).toMatchObject({ ok: false, status: 401, code: 'session_invalid' });
  });

  it('IPC-16: X-Forwarded-Proto: https from a peer that is not a trusted proxy is not believed on the synchronous path either (tls_required)', async () => {
    const world = makeWorld((now) => memoryStore({ now }), policy);
    const core = createHttpCore(world.kanmon, { tenant: world.tenant });
    const { token } = await world.kanmon.sessions.issue({ tenant: world.tenant, subject: 'u-1', amr: ['pwd'], roles: ['staff'] });
    const spoofed = request(token, { peer: '198.51.100.7', proto: 'https', cookieName: core.cookieName });
    const state = core.state(spoofed);
    expect(core.guardNow(spoofed, state, { kind: 'session' })).toBeNull();
    expect(state.session).toBeNull();
    expect(visible(await core.guard(spoofed, state, { kind: 'session' }))).toMatchObject({ ok: false, status: 403, code: 'tls_required' });
  });

  it('a refresh due, a deadline passed, another tenant: left to the full guard (rolled cookie, session_expired, session_invalid)', async () => {
    const world = makeWorld((now) => memoryStore({ now }), policy);
    const core = createHttpCore(world.kanmon, { tenant: world.tenant });
    const { token } = await world.kanmon.sessions.issue({ tenant: world.tenant, subject: 'u-1', amr: ['pwd'], roles: ['staff'] });
    const ask = (over = core) => {
      const req = request(token, { cookieName: core.cookieName });
      return { req, state: over.state(req) };
    };
    const other = createHttpCore(world.kanmon, { tenant: `${world.tenant}-x` });
    const o = ask(other);
    expect(other.guardNow(o.req, o.state, { kind: 'session' })).toBeNull();
    expect(visible(await other.guard(o.req, o.state, { kind: 'session' }))).toMatchObject({ ok: false, code: 'session_invalid' });

    world.clock.advance(2 * MIN); // past refreshAfterMs (60 s): the token is rolled
    const r = ask();
    expect(core.guardNow(r.req, r.state, { kind: 'session' })).toBeNull();
    const rolled = await core.guard(r.req, r.state, { kind: 'session' });
    expect(rolled.ok && rolled.setCookie).toHaveLength(1);

    world.clock.advance(world.policy.session.idleTimeoutMs);
    const e = ask();
    expect(core.guardNow(e.req, e.state, { kind: 'session' })).toBeNull();
    expect(visible(await core.guard(e.req, e.state, { kind: 'session' }))).toMatchObject({ ok: false, code: 'session_expired' });
  });

  it('a store without the synchronous read (a network store, a wrapper): no synchronous path, the full guard grants', async () => {
    const world = makeWorld((now) => {
      const inner = memoryStore({ now });
      // A wrapper that keeps the KanmonStore contract only (as a store over the network offers it).
      return Object.fromEntries(Object.entries(inner).filter(([name]) => !['inProcess', 'updateNow', 'clock', 'readCounterNow'].includes(name))) as unknown as KanmonStore;
    }, policy);
    const core = createHttpCore(world.kanmon, { tenant: world.tenant });
    const { token } = await world.kanmon.sessions.issue({ tenant: world.tenant, subject: 'u-1', amr: ['pwd'], roles: ['staff'] });
    const req = request(token, { cookieName: core.cookieName });
    const state = core.state(req);
    expect(core.guardNow(req, state, { kind: 'session' })).toBeNull();
    expect(await core.guard(req, state, { kind: 'session' })).toMatchObject({ ok: true, state: { session: { subject: 'u-1' } } });
  });

  it('Express requireSession over the memory store calls next() within the middleware call (no promise round), and a revoked token is refused with 401', async () => {
    const world = makeWorld((now) => memoryStore({ now }), policy);
    const auth = kanmonExpress(world.kanmon, { tenant: world.tenant });
    const { token, session } = await world.kanmon.sessions.issue({ tenant: world.tenant, subject: 'u-1', amr: ['pwd'], roles: ['staff'] });
    const sent: { status?: number; body?: string } = {};
    const res = {
      headersSent: false,
      status(code: number) {
        sent.status = code;
        return this;
      },
      setHeader: () => undefined,
      append: () => undefined,
      end(body?: string) {
        sent.body = body;
      },
    } as unknown as Response;
    const make = () => request(token, { cookieName: world.kanmon.policy.session.cookieName }) as unknown as Request;
    const tls = auth.tls();
    const requireSession = auth.requireSession();

    const req = make();
    let passed = false;
    tls(req, res, (() => requireSession(req, res, (() => (passed = true)) as NextFunction)) as NextFunction);
    expect(passed).toBe(true); // before issue 22: next() ran a promise round later
    expect(req.kanmon?.session?.sessionId).toBe(session.sessionId);

    await world.kanmon.sessions.logout(session);
    const again = make();
    let passedAgain = false;
    await new Promise<void>((resolve) => {
      const origEnd = res.end.bind(res);
      (res as unknown as { end: (body?: string) => void }).end = (body?: string) => {
        origEnd(body);
        resolve();
      };
      tls(again, res, (() => requireSession(again, res, (() => (passedAgain = true)) as NextFunction)) as NextFunction);
    });
    expect(passedAgain).toBe(false);
    expect(sent.status).toBe(401);
    expect(JSON.parse(sent.body ?? '{}')).toMatchObject({ error: { code: 'session_invalid' } });
  });
});
