/**
 * ONE behaviour suite for both adapters (`kanmon/express`, `kanmon/fastify`),
 * run by express.test.ts and fastify.test.ts against real servers on loopback,
 * with real HTTP(S) requests and the real `createKanmon`.
 *
 * Every server mounts the same routes:
 *   POST /auth/login, /auth/mfa, /auth/password, /auth/totp/enroll, /auth/totp/confirm, /auth/logout,
 *        /auth/password/reset/request, /auth/password/reset/complete (reset-behaviour.ts),
 *        /auth/recovery-codes/regenerate (recovery-codes-behaviour.ts)
 *   GET  /bare       no guard (refused over plain HTTP all the same: IPC-16 applies to the whole app)
 *   GET  /me         requireSession()       → { subject, roles, amr }
 *   GET  /admin      requireRole('admin')
 *   GET  /mfa-only   requireMfa()
 *   GET  /office     requireAccess('office')    IP allow-list 127.0.0.1
 *   GET  /branch     requireAccess('branch')    IP allow-list 192.0.2.0/24 (loopback is outside)
 *   GET  /terminal   requireAccess('terminal')  client certificate
 *   GET  /device     requireAccess('device')    registered device
 *   GET  /open       requireAccess('open')      any place (business hours still apply)
 *   GET  /page       requireSession({ onDenied }) answering 303 → /login (an HTML app's own refusal)
 */
import { generateSync } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificateFingerprintSha256 } from '../../src/index.js';
import type { PolicyOverrides } from '../../src/index.js';
import type { HttpAdapterOptions } from '../../src/http/create-http-core.js';
import type { Kanmon } from '../../src/login/types.js';
import { type TestCertificates, generateCertificates } from '../access/support/certificates.js';
import { okOf } from '../support/results.js';
import { resetBehaviour } from './reset-behaviour.js';
import { sessionsBehaviour } from './sessions-behaviour.js';
import { recoveryCodesBehaviour } from './recovery-codes-behaviour.js';
import { stepUpBehaviour } from './step-up-behaviour.js';
import { passkeysBehaviour } from './passkeys-behaviour.js';
import { type Answer, BUSINESS_DAY_17_JST, type RequestOptions, PASSWORD, SUNDAY_10_JST, TENANT, type TestKanmon, cookiePair, cookieValue, manualClock, request, testKanmon } from './kit.js';
import { adminActor } from '../support/admin.js';

export interface ServerTls {
  readonly key: string;
  readonly cert: string;
  readonly ca: string;
  /** Ask for a client certificate (not required by TLS; the access rule decides). */
  readonly requestCert: boolean;
}

export interface RunningServer {
  readonly port: number;
  close(): Promise<void>;
}

/** One framework: start a server with the routes above on 127.0.0.1, port 0. */
export interface AdapterUnderTest {
  readonly name: 'express' | 'fastify' | 'nestjs-express' | 'nestjs-fastify';
  serve(kanmon: Kanmon, options: HttpAdapterOptions, tls: ServerTls | null): Promise<RunningServer>;
}

/** The access rules the routes above name. */
const routes = (fingerprint: string): PolicyOverrides => ({
  access: {
    routes: {
      office: { allow: 'allow_listed_terminals', ipAllowList: ['127.0.0.1/32'] },
      branch: { allow: 'allow_listed_terminals', ipAllowList: ['192.0.2.0/24'] },
      terminal: { allow: 'allow_listed_terminals', requireClientCert: true },
      device: { allow: 'allow_listed_terminals', requireRegisteredDevice: true },
      open: { allow: 'any' },
    },
    clientCert: { fingerprintsSha256: [fingerprint] },
  },
});

/** Headers that may differ between two otherwise identical answers. */
const VOLATILE = new Set(['date', 'connection', 'keep-alive']);
const stable = (answer: Answer) => ({
  status: answer.status,
  headers: Object.fromEntries(Object.entries(answer.headers).filter(([name]) => !VOLATILE.has(name))),
  body: answer.bytes.toString('base64'),
});

export function adapterBehaviour(adapter: AdapterUnderTest): void {
  resetBehaviour(adapter);
  recoveryCodesBehaviour(adapter);
  stepUpBehaviour(adapter);
  passkeysBehaviour(adapter);
  sessionsBehaviour(adapter);
  describe(`kanmon/${adapter.name}: shared adapter behaviour`, () => {
    let certs: TestCertificates;
    let main: TestKanmon;
    let server: RunningServer;
    const servers: RunningServer[] = [];

    const start = async (kanmon: Kanmon, tls: boolean, options: Partial<HttpAdapterOptions> = {}) => {
      const running = await adapter.serve(kanmon, { tenant: TENANT, ...options }, tls ? { key: certs.serverKey, cert: certs.serverCert, ca: certs.caCert, requestCert: true } : null);
      servers.push(running);
      return running;
    };

    /** An HTTPS request to the main server. */
    const call = (path: string, options: RequestOptions = {}) => request(server.port, path, { ...options, tls: options.tls ?? { ca: certs.serverCert } });
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) => call(path, { method: 'POST', body, headers });
    const login = (username: string, password = PASSWORD, headers: Record<string, string> = {}) => post('/auth/login', { username, password }, headers);
    const sessionCookie = async (username = 'yamada') => {
      const answer = await login(username);
      expect(answer.status).toBe(200);
      return cookiePair(answer.cookies[0] ?? '');
    };
    const error = (answer: Answer) => (answer.json() as { error: { code: string; message: string } }).error;

    beforeAll(async () => {
      certs = generateCertificates();
      main = await testKanmon(routes(certificateFingerprintSha256(certs.clientCert)));
      server = await start(main.kanmon, true);
    });

    afterAll(async () => {
      await Promise.all(servers.map((s) => s.close()));
    });

    describe('login', () => {
      it('IPC-16: a login over TLS sets the session cookie: __Host- name, HttpOnly, Secure, SameSite=Strict, Path=/, no Domain', async () => {
        const answer = await login('yamada');
        expect(answer.status).toBe(200);
        expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
        expect(answer.headers['cache-control']).toBe('no-store');
        const body = answer.json() as { status: string; session: { subject: string; tenant: string; amr: string[] }; token?: string };
        expect(body).toMatchObject({ status: 'authenticated', session: { subject: 'u-yamada', tenant: TENANT, amr: ['pwd'] } });
        expect(body.token).toBeUndefined(); // the token lives only in the HttpOnly cookie
        expect(answer.cookies).toHaveLength(1);
        const cookie = answer.cookies[0] ?? '';
        expect(cookie).toMatch(/^__Host-kanmon=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+; Path=\/; Secure; HttpOnly; SameSite=Strict$/);
        expect(cookie).not.toMatch(/Domain=/i);

        const me = await call('/me', { headers: { cookie: cookiePair(cookie) } });
        expect(me.status).toBe(200);
        expect(me.json()).toMatchObject({ subject: 'u-yamada', roles: ['staff'], amr: ['pwd'] });
      });

      it('previous-logon notice: the authenticated body carries previousLogin and failuresSinceLastLogin', async () => {
        expect((await login('yamada')).status).toBe(200); // whatever came before: this is now the last login
        expect((await login('yamada', 'Wrong-Password-1')).status).toBe(401);
        const answer = await login('yamada');
        expect(answer.json()).toMatchObject({ status: 'authenticated', previousLogin: { at: main.clock.now(), ip: '127.0.0.1' }, failuresSinceLastLogin: 1 });
        expect((await login('yamada')).json()).toMatchObject({ failuresSinceLastLogin: 0 });
      });

      it('SEC-24 / enumeration: unknown user, wrong password and disabled account give byte-identical answers (status, headers, body)', async () => {
        const answers = [await login('nobody-here'), await login('yamada', 'Wrong#Password1'), await login('taishoku')];
        for (const answer of answers) {
          expect(answer.status).toBe(401);
          expect(error(answer).code).toBe('invalid_credentials');
          expect(answer.cookies).toEqual([]);
          expect(answer.headers['retry-after']).toBeUndefined();
        }
        expect(stable(answers[1] as Answer)).toEqual(stable(answers[0] as Answer));
        expect(stable(answers[2] as Answer)).toEqual(stable(answers[0] as Answer));
      });

      it('SEC-24: after maxFailures wrong passwords the answer is 429 locked with Retry-After in seconds, even for the right password', async () => {
        const { maxFailures, lockDurationMs } = main.kanmon.policy.lockout;
        // The failure that reaches the limit already answers `locked`.
        for (let i = 1; i < maxFailures; i++) expect((await login('lock1', 'Wrong#Password1')).status).toBe(401);
        for (const password of ['Wrong#Password1', PASSWORD]) {
          const locked = await login('lock1', password);
          expect(locked.status).toBe(429);
          expect(error(locked).code).toBe('locked');
          const retryAfter = Number(locked.headers['retry-after']);
          expect(Number.isInteger(retryAfter)).toBe(true);
          expect(retryAfter).toBeGreaterThan(0);
          expect(retryAfter).toBeLessThanOrEqual(lockDurationMs / 1000);
          expect(locked.cookies).toEqual([]);
        }
      });

      it('SEC-24: 20 concurrent wrong passwords: no more than maxFailures are judged, the rest are locked out', async () => {
        const { maxFailures } = main.kanmon.policy.lockout;
        const answers = await Promise.all(Array.from({ length: 20 }, () => login('lock2', 'Wrong#Password1')));
        const statuses = answers.map((a) => a.status);
        expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(maxFailures);
        expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(20 - maxFailures);
        expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
      });

      it('RM-23: an initial password must be changed first; a weak new one is refused with coded issues, a good one logs in', async () => {
        const first = await login('shinjin');
        expect(first.status).toBe(200);
        const { status, reason, challenge } = first.json() as { status: string; reason: string; challenge: string };
        expect({ status, reason }).toEqual({ status: 'password_change_required', reason: 'initial' });
        expect(first.cookies).toEqual([]);

        const weak = await post('/auth/password', { challenge, currentPassword: PASSWORD, newPassword: 'short' }, { 'accept-language': 'en' });
        expect(weak.status).toBe(422);
        const weakError = error(weak) as { code: string; issues?: { code: string; message: string }[] };
        expect(weakError.code).toBe('password_rejected');
        expect(weakError.issues?.map((i) => i.code)).toContain('too_short');
        expect(weakError.issues?.every((i) => typeof i.message === 'string' && i.message.length > 0)).toBe(true);

        const changed = await post('/auth/password', { challenge, currentPassword: PASSWORD, newPassword: 'Tsuki#Hoshi-7319' });
        expect(changed.status).toBe(200);
        expect(changed.json()).toMatchObject({ status: 'authenticated', changed: true });
        expect(changed.cookies[0]).toMatch(/^__Host-kanmon=.+; Path=\/; Secure; HttpOnly; SameSite=Strict$/);
      });

      it('SEC-13 / RFC 6238: an admin enrols TOTP with the login challenge, then MFA logins need a fresh code; a replayed code is refused', async () => {
        const first = await login('kanri');
        expect(first.status).toBe(200);
        const mfa = first.json() as { status: string; challenge: string; enrolled: boolean; reasons: string[] };
        expect(mfa).toMatchObject({ status: 'mfa_required', enrolled: false });
        expect(first.cookies).toEqual([]);

        const enrol = await post('/auth/totp/enroll', { challenge: mfa.challenge });
        expect(enrol.status).toBe(200);
        const { uri } = enrol.json() as { uri: string };
        const params = new URL(uri).searchParams;
        const code = () =>
          generateSync({ secret: params.get('secret') ?? '', digits: Number(params.get('digits')), period: Number(params.get('period')), epoch: Math.floor(main.clock.now() / 1000) });

        const confirmed = await post('/auth/totp/confirm', { challenge: mfa.challenge, code: code() });
        expect(confirmed.status).toBe(200);
        const confirmedBody = confirmed.json() as { status: string; recoveryCodes: string[]; session: { amr: string[] } };
        expect(confirmedBody.status).toBe('authenticated');
        expect(confirmedBody.recoveryCodes.length).toBeGreaterThan(0);
        expect(confirmedBody.session.amr).toContain('otp');

        main.clock.advance(60_000);
        const again = (await login('kanri')).json() as { status: string; challenge: string; enrolled: boolean };
        expect(again).toMatchObject({ status: 'mfa_required', enrolled: true });
        const wrong = await post('/auth/mfa', { challenge: again.challenge, code: '000000' === code() ? '111111' : '000000' });
        expect(wrong.status).toBe(401);
        expect(error(wrong).code).toBe('mfa_invalid');
        const good = code();
        const ok = await post('/auth/mfa', { challenge: again.challenge, code: good });
        expect(ok.status).toBe(200);
        const adminCookie = cookiePair(ok.cookies[0] ?? '');
        expect((await call('/admin', { headers: { cookie: adminCookie } })).status).toBe(200);
        expect((await call('/mfa-only', { headers: { cookie: adminCookie } })).status).toBe(200);

        const third = (await login('kanri')).json() as { challenge: string };
        const replay = await post('/auth/mfa', { challenge: third.challenge, code: good });
        expect(replay.status).toBe(401);
        expect(error(replay).code).toBe('mfa_invalid');
      });

      it('logout ends the session: 204, the cookie is cleared, and the old token is refused', async () => {
        const cookie = await sessionCookie();
        const out = await post('/auth/logout', undefined, { cookie });
        expect(out.status).toBe(204);
        expect(out.cookies[0]).toBe('__Host-kanmon=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Strict');
        const after = await call('/me', { headers: { cookie } });
        expect(after.status).toBe(401);
        expect(error(after).code).toBe('session_invalid');
      });
    });

    describe('IPC-16: plain HTTP', () => {
      it('IPC-16: plain HTTP is refused on login, guards and plain routes, with a coded 403', async () => {
        const plain = await start(main.kanmon, false);
        for (const [path, method] of [
          ['/auth/login', 'POST'],
          ['/me', 'GET'],
          ['/bare', 'GET'],
        ] as const) {
          const answer = await request(plain.port, path, { method, ...(method === 'POST' ? { body: { username: 'yamada', password: PASSWORD } } : {}) });
          expect(answer.status).toBe(403);
          expect(error(answer).code).toBe('tls_required');
          expect(answer.cookies).toEqual([]);
        }
      });

      it('IPC-16: behind a configured trusted proxy, X-Forwarded-Proto: https is accepted; without it, refused', async () => {
        const proxied = await testKanmon({ access: { trustedProxies: ['127.0.0.1/32'] } });
        const plain = await start(proxied.kanmon, false);
        const body = { username: 'yamada', password: PASSWORD };
        const accepted = await request(plain.port, '/auth/login', { method: 'POST', body, headers: { 'x-forwarded-proto': 'https', 'x-forwarded-for': '127.0.0.1' } });
        expect(accepted.status).toBe(200);
        expect(accepted.cookies[0]).toMatch(/^__Host-kanmon=.+; Secure; HttpOnly; SameSite=Strict$/);
        const refused = await request(plain.port, '/auth/login', { method: 'POST', body });
        expect(refused.status).toBe(403);
        expect(error(refused).code).toBe('tls_required');
        const downgraded = await request(plain.port, '/bare', { headers: { 'x-forwarded-proto': 'http' } });
        expect(downgraded.status).toBe(403);
      });

      it('IPC-16: RFC 7239 Forwarded proto=https from the trusted proxy is accepted when that is the configured header', async () => {
        const proxied = await testKanmon({ access: { trustedProxies: ['127.0.0.1/32'], forwardedHeader: 'forwarded' } });
        const plain = await start(proxied.kanmon, false);
        const ok = await request(plain.port, '/bare', { headers: { forwarded: 'for=127.0.0.1;proto=https' } });
        expect(ok.status).toBe(200);
        // The other header is not the one this proxy writes: a client could have sent it.
        const other = await request(plain.port, '/bare', { headers: { 'x-forwarded-proto': 'https' } });
        expect(other.status).toBe(403);
      });

      it('IPC-16: a spoofed X-Forwarded-Proto from an untrusted peer is refused', async () => {
        const elsewhere = await testKanmon({ access: { trustedProxies: ['10.0.0.0/8'] } });
        const plain = await start(elsewhere.kanmon, false);
        const spoofs: Record<string, string>[] = [{ 'x-forwarded-proto': 'https' }, { 'x-forwarded-proto': 'https', 'x-forwarded-for': '10.0.0.1' }, { forwarded: 'for=10.0.0.1;proto=https' }];
        for (const headers of spoofs) {
          const answer = await request(plain.port, '/auth/login', { method: 'POST', body: { username: 'yamada', password: PASSWORD }, headers });
          expect(answer.status).toBe(403);
          expect(error(answer).code).toBe('tls_required');
        }
      });
    });

    describe('requireSession', () => {
      it('IPC-11: a missing token is 401 session_required', async () => {
        const answer = await call('/me');
        expect(answer.status).toBe(401);
        expect(error(answer).code).toBe('session_required');
      });

      it('IPC-11, IPC-12, RM-38: an idle session expires at its deadline; the answer clears the cookie', async () => {
        const cookie = await sessionCookie();
        main.clock.advance(main.kanmon.policy.session.idleTimeoutMs);
        const answer = await call('/me', { headers: { cookie } });
        expect(answer.status).toBe(401);
        expect(error(answer).code).toBe('session_expired');
        expect(answer.cookies).toEqual(['__Host-kanmon=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Strict']);
      });

      it('IPC-11: rolling session: a request after the refresh interval re-sets the cookie with a new token, which keeps the session alive past the first idle deadline', async () => {
        const cookie = await sessionCookie();
        const { idleTimeoutMs } = main.kanmon.policy.session;
        main.clock.advance(idleTimeoutMs - 60_000);
        const rolled = await call('/me', { headers: { cookie } });
        expect(rolled.status).toBe(200);
        expect(rolled.cookies).toHaveLength(1);
        const fresh = rolled.cookies[0] ?? '';
        expect(fresh).toMatch(/^__Host-kanmon=.+; Path=\/; Secure; HttpOnly; SameSite=Strict$/);
        expect(cookieValue(fresh)).not.toBe(cookie.split('=')[1]);
        main.clock.advance(120_000); // past the first token's idle deadline
        expect((await call('/me', { headers: { cookie } })).status).toBe(401);
        expect((await call('/me', { headers: { cookie: cookiePair(fresh) } })).status).toBe(200);
      });

      it('SEC-17: a tampered token, an alg:none token and a garbage cookie are 401 session_invalid', async () => {
        const cookie = await sessionCookie();
        const token = cookie.slice('__Host-kanmon='.length);
        const [header, payload, signature] = token.split('.') as [string, string, string];
        const flipped = `${header}.${payload}.${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;
        const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
        const elevated = Buffer.from(JSON.stringify({ ...claims, roles: ['admin'] })).toString('base64url');
        const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'kanmon-session+jwt' })).toString('base64url')}.${payload}.`;
        for (const bad of [flipped, `${header}.${elevated}.${signature}`, none, 'not-a-token', 'a.b.c']) {
          const answer = await call('/me', { headers: { cookie: `__Host-kanmon=${bad}` } });
          expect(answer.status).toBe(401);
          expect(error(answer).code).toBe('session_invalid');
        }
        const bearer = await call('/me', { headers: { authorization: `Bearer ${flipped}` } });
        expect(bearer.status).toBe(401);
        expect(error(bearer).code).toBe('session_invalid');
      });

      it("a token of another tenant (same keys, same account name) is 401 session_invalid", async () => {
        const other = await start(main.kanmon, true, { tenant: 'ichikawa' });
        const theirs = await request(other.port, '/auth/login', { method: 'POST', body: { username: 'yamada', password: PASSWORD }, tls: { ca: certs.serverCert } });
        expect(theirs.status).toBe(200);
        const cookie = cookiePair(theirs.cookies[0] ?? '');
        expect((await request(other.port, '/me', { headers: { cookie }, tls: { ca: certs.serverCert } })).status).toBe(200);
        const answer = await call('/me', { headers: { cookie } });
        expect(answer.status).toBe(401);
        expect(error(answer).code).toBe('session_invalid');
      });

      it('a Bearer token is accepted like the cookie', async () => {
        const cookie = await sessionCookie();
        const answer = await call('/me', { headers: { authorization: `Bearer ${cookie.slice('__Host-kanmon='.length)}` } });
        expect(answer.status).toBe(200);
      });
    });

    describe('requireRole, requireMfa', () => {
      it('SEC-13: a staff session is 403 forbidden on requireRole("admin") and 403 mfa_required on requireMfa()', async () => {
        const cookie = await sessionCookie();
        const admin = await call('/admin', { headers: { cookie } });
        expect(admin.status).toBe(403);
        expect(error(admin).code).toBe('forbidden');
        const mfa = await call('/mfa-only', { headers: { cookie } });
        expect(mfa.status).toBe(403);
        expect(error(mfa).code).toBe('mfa_required');
      });

      it('onDenied answers a refusal the app\'s own way (a redirect to the login page), and is not called on success', async () => {
        const refused = await call('/page', { headers: { 'accept-language': 'en' } });
        expect(refused.status).toBe(303);
        expect(refused.headers.location).toBe('/login?reason=session_required');
        const cookie = await sessionCookie();
        const ok = await call('/page', { headers: { cookie } });
        expect(ok.status).toBe(200);
      });

      it('requireRole alone still demands a session (401, not a pass)', async () => {
        const answer = await call('/admin');
        expect(answer.status).toBe(401);
        expect(error(answer).code).toBe('session_required');
      });
    });

    describe('requireAccess (FNB-2.1)', () => {
      it('EXT-4, IPC-2: an IP allow-list admits loopback on one rule and refuses it on another', async () => {
        expect((await call('/office')).status).toBe(200);
        const branch = await call('/branch');
        expect(branch.status).toBe(403);
        expect(error(branch).code).toBe('access_denied');
      });

      it('SEC-6.3: a rule requiring a client certificate admits the allow-listed certificate and refuses none or a rogue one', async () => {
        expect((await call('/terminal', { tls: { ca: certs.serverCert, cert: certs.clientCert, key: certs.clientKey } })).status).toBe(200);
        const none = await call('/terminal');
        expect(none.status).toBe(403);
        expect(error(none).code).toBe('access_denied');
        const rogue = await call('/terminal', { tls: { ca: certs.serverCert, cert: certs.rogueCert, key: certs.rogueKey } });
        expect(rogue.status).toBe(403);
      });

      it('SEC-6.3: a rule requiring a registered device admits its token and refuses a missing, forged or revoked one', async () => {
        const { device, token } = okOf(await main.kanmon.registerDevice({ tenant: TENANT, ...(await adminActor(main.kanmon, TENANT, 'u-kanri')), label: 'terminal 1' }));
        expect(token).toEqual(expect.any(String));
        expect((await call('/device', { headers: { 'x-kanmon-device': token ?? '' } })).status).toBe(200);
        expect((await call('/device')).status).toBe(403);
        expect((await call('/device', { headers: { 'x-kanmon-device': `${token ?? ''}x` } })).status).toBe(403);
        await main.kanmon.revokeDevice({ tenant: TENANT, ...(await adminActor(main.kanmon, TENANT, 'u-kanri')), deviceId: device.deviceId });
        const revoked = await call('/device', { headers: { 'x-kanmon-device': token ?? '' } });
        expect(revoked.status).toBe(403);
        expect(error(revoked).code).toBe('access_denied');
      });

      it('SEC-27: business hours: with outOfHours "deny", a Sunday request is refused and a business-day-morning one admitted', async () => {
        const clock = manualClock();
        const hours = await testKanmon({ access: { businessHours: { outOfHours: 'deny' }, routes: { open: { allow: 'any' } } } }, clock);
        const hoursServer = await start(hours.kanmon, true);
        expect((await request(hoursServer.port, '/open', { tls: { ca: certs.serverCert } })).status).toBe(200);
        clock.set(SUNDAY_10_JST);
        const sunday = await request(hoursServer.port, '/open', { tls: { ca: certs.serverCert } });
        expect(sunday.status).toBe(403);
        expect(error(sunday).code).toBe('access_denied');
      });

      it('SEC-16: with outOfHours "require_mfa", a password-only session is refused with mfa_required', async () => {
        const clock = manualClock();
        const hours = await testKanmon({ access: { businessHours: { outOfHours: 'require_mfa' }, routes: { open: { allow: 'any' } } } }, clock);
        const hoursServer = await start(hours.kanmon, true);
        const tls = { ca: certs.serverCert };
        clock.set(BUSINESS_DAY_17_JST); // 17:00 JST, closing at 17:15
        const loggedIn = await request(hoursServer.port, '/auth/login', { method: 'POST', body: { username: 'yamada', password: PASSWORD }, tls });
        expect(loggedIn.status).toBe(200);
        const cookie = cookiePair(loggedIn.cookies[0] ?? '');
        expect((await request(hoursServer.port, '/open', { headers: { cookie }, tls })).status).toBe(200);
        clock.advance(20 * 60_000); // 17:20 JST, inside the idle timeout
        const late = await request(hoursServer.port, '/open', { headers: { cookie }, tls });
        expect(late.status).toBe(403);
        expect(error(late).code).toBe('mfa_required');
      });
    });

    describe('Accept-Language', () => {
      it.each([
        [undefined, 'ja'],
        ['ja', 'ja'],
        ['en', 'en'],
        ['en-US,en;q=0.9,ja;q=0.8', 'en'],
        ['ja;q=0.1, en;q=0.8', 'en'],
        ['fr-FR, de;q=0.9', 'ja'],
        ['en;q=0', 'ja'],
        ['*;q=0.5, ja;q=0', 'en'],
        ['en;q=garbage', 'ja'],
      ] as const)('Accept-Language %s → %s message, Content-Language and the same code', async (acceptLanguage, lang) => {
        // A different unknown name per case, so no case runs into the lockout of another.
        const answer = await login(`ghost-${String(acceptLanguage)}`, PASSWORD, acceptLanguage === undefined ? {} : { 'accept-language': acceptLanguage });
        expect(answer.status).toBe(401);
        expect(answer.headers['content-language']).toBe(lang);
        expect(answer.headers.vary).toMatch(/Accept-Language/);
        const { code, message } = error(answer);
        expect(code).toBe('invalid_credentials');
        expect(message).toBe(lang === 'ja' ? 'ユーザーIDまたはパスワードが正しくありません。' : 'The user ID or password is incorrect.');
      });
    });

    describe('malformed bodies', () => {
      const cases: [string, number, string, RequestOptions][] = [
        ['text/plain', 400, 'invalid_request', { body: 'username=yamada&password=x', headers: { 'content-type': 'text/plain' } }],
        ['broken JSON', 400, 'invalid_request', { body: '{"username": "yamada", "password":', headers: { 'content-type': 'application/json' } }],
        ['empty JSON body', 400, 'invalid_request', { body: '', headers: { 'content-type': 'application/json' } }],
        ['JSON null', 400, 'invalid_request', { body: 'null', headers: { 'content-type': 'application/json' } }],
        ['JSON array', 400, 'invalid_request', { body: [{ username: 'yamada', password: PASSWORD }] }],
        ['wrong types', 400, 'invalid_request', { body: { username: 1, password: ['x'] } }],
        ['missing password', 400, 'invalid_request', { body: { username: 'yamada' } }],
        ['empty strings', 400, 'invalid_request', { body: { username: '', password: '' } }],
        ['over-long username', 400, 'invalid_request', { body: { username: 'a'.repeat(300), password: PASSWORD } }],
        ['invalid UTF-8', 400, 'invalid_request', { body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), headers: { 'content-type': 'application/json' } }],
        ['huge body (1 MiB)', 413, 'payload_too_large', { body: { username: 'yamada', password: 'x'.repeat(1 << 20) } }],
        ['no body at all', 400, 'invalid_request', {}],
      ];
      it.each(cases)('%s → coded %i %s, never a crash', async (_name, status, code, options) => {
        const answer = await call('/auth/login', { method: 'POST', ...options });
        expect(answer.status).toBe(status);
        expect(error(answer).code).toBe(code);
        expect(answer.cookies).toEqual([]);
        expect((await call('/bare')).status).toBe(200); // still serving
      });

      it('malformed MFA and password-change bodies are coded 400 too', async () => {
        for (const [path, body] of [
          ['/auth/mfa', { challenge: 42, code: '123456' }],
          ['/auth/mfa', { challenge: 'x', code: { $gt: '' } }],
          ['/auth/password', { challenge: 'x', currentPassword: PASSWORD }],
          ['/auth/totp/confirm', { challenge: 'x' }],
        ] as const) {
          const answer = await post(path, body);
          expect(answer.status).toBe(400);
          expect(error(answer).code).toBe('invalid_request');
        }
      });

      it('a forged MFA challenge is 401 challenge_invalid', async () => {
        const answer = await post('/auth/mfa', { challenge: 'eyJhbGciOiJub25lIn0.e30.', code: '123456' });
        expect(answer.status).toBe(401);
        expect(error(answer).code).toBe('challenge_invalid');
      });
    });
  });
}
