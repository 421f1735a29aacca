/**
 * Issue 14, where the adapters meet what is around them, on Express and Fastify:
 * - item 5 (EXT-9, SEC-24, audit source): every route hands kanmon the client
 *   address it resolved (and the user agent), so the password change is
 *   audited with the caller's address and its current-password guesses are
 *   throttled per IP like login's; MFA verification and logout are audited with
 *   the address of THEIR request, not the login's.
 * - item 12 (fail closed, no stack trace over HTTP): an audit sink, state store
 *   or account repository that fails, or a tenant function that throws, gives
 *   the same coded JSON body on both adapters: 503 `service_unavailable` with
 *   `Retry-After` for an outage, 500 `internal_error` otherwise; no session.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { AdapterUnderTest, RunningServer } from './behaviour.js';
import { type Answer, PASSWORD, TENANT } from './kit.js';
import { seamKanmon } from './seam-kit.js';
import { expressAdapter, fastifyAdapter } from './servers.js';
import { nestExpressAdapter, nestFastifyAdapter } from './nest-servers.js';
import { type WireRequest, send } from './wire.js';
import { LEAK_PATTERNS } from './hostile-inputs.js';

const adapters: readonly AdapterUnderTest[] = [expressAdapter, fastifyAdapter, nestExpressAdapter, nestFastifyAdapter];
const UA = 'seam-test/1.0 (Windows NT 10.0)';
const codeOf = (answer: Answer) => (answer.json() as { error: { code: string } }).error.code;
const cookieOf = (answer: Answer) => (answer.cookies[0] ?? '').split(';')[0] ?? '';

/** Traces of a stack or of an internal error, in any answer. */
const LEAKS = [...LEAK_PATTERNS, /10\.9\.8\.7/];
const expectNoLeak = (answer: Answer) => {
  const everything = `${answer.text}\n${JSON.stringify(answer.headers)}`;
  for (const leak of LEAKS) expect(everything).not.toMatch(leak);
};

const running: RunningServer[] = [];
afterAll(async () => {
  await Promise.all(running.map((r) => r.close()));
});

for (const adapter of adapters) {
  describe(`issue 14 item 5 (EXT-9, SEC-24): kanmon/${adapter.name} passes the resolved client address on every route`, () => {
    const start = async () => {
      const seam = await seamKanmon({
        access: { requireTls: false },
        lockout: { maxFailures: 50, perSource: { maxFailuresPerIp: 4 } },
      });
      const server = await adapter.serve(seam.kanmon, { tenant: TENANT }, null);
      running.push(server);
      const call = (request: Omit<WireRequest, 'method'>) => send(server.port, { method: 'POST', ...request, headers: { 'user-agent': UA, ...request.headers } });
      const login = async (username: string, from: string) => {
        const answer = await call({ path: '/auth/login', from, body: { username, password: PASSWORD } });
        expect(answer.status).toBe(200);
        return answer;
      };
      return { seam, call, login };
    };

    it('password.rejected and password.changed carry the address and user agent of the request that changed it', async () => {
      const { seam, call, login } = await start();
      const cookie = cookieOf(await login('yamada', '127.0.0.5'));
      const wrong = await call({ path: '/auth/password', from: '127.0.0.6', headers: { cookie }, body: { currentPassword: 'Wrong#Password1', newPassword: 'Tsuki#Hoshi-7319' } });
      expect(codeOf(wrong)).toBe('invalid_credentials');
      const changed = await call({ path: '/auth/password', from: '127.0.0.6', headers: { cookie }, body: { currentPassword: PASSWORD, newPassword: 'Tsuki#Hoshi-7319' } });
      expect(changed.status).toBe(200);
      const [rejected] = await seam.records('password.rejected');
      const [done] = await seam.records('password.changed');
      expect(rejected?.source).toEqual({ ip: '127.0.0.6', userAgent: UA });
      expect(done?.source).toEqual({ ip: '127.0.0.6', userAgent: UA });
    });

    it('SEC-24: current-password guesses from one address are throttled per IP (maxFailuresPerIp 4), another address is not', async () => {
      const { seam, call, login } = await start();
      const cookie = cookieOf(await login('sato', '127.0.0.7'));
      const guess = (from: string) => call({ path: '/auth/password', from, headers: { cookie }, body: { currentPassword: 'Wrong#Password1', newPassword: 'Tsuki#Hoshi-7319' } });
      const codes: string[] = [];
      for (let i = 0; i < 8; i++) codes.push(codeOf(await guess('127.0.0.8')));
      expect(codes).toEqual([...Array<string>(4).fill('invalid_credentials'), ...Array<string>(4).fill('throttled')]);
      const last = await guess('127.0.0.8');
      expect(last.status).toBe(429);
      expect(Number(last.headers['retry-after'])).toBeGreaterThan(0);
      expect(codeOf(await guess('127.0.0.9'))).toBe('invalid_credentials');
      const throttled = await seam.records('auth.lockout.throttled');
      expect(throttled.length).toBeGreaterThan(0);
    });

    it("MFA verification and logout are audited with their own request's address, not the login's", async () => {
      const { seam, call, login } = await start();
      const first = await login('kanri', '127.0.0.10');
      const { challenge } = first.json() as { challenge: string };
      const verify = await call({ path: '/auth/mfa', from: '127.0.0.11', body: { challenge, code: '000000' } });
      expect(verify.status).toBeGreaterThanOrEqual(400);
      const [failure] = await seam.records('auth.mfa.failure');
      expect(failure?.source).toEqual({ ip: '127.0.0.11', userAgent: UA });

      const cookie = cookieOf(await login('suzuki', '127.0.0.12'));
      const out = await call({ path: '/auth/logout', from: '127.0.0.13', headers: { cookie } });
      expect(out.status).toBe(204);
      const [logout] = await seam.records('auth.logout');
      expect(logout?.source).toEqual({ ip: '127.0.0.13', userAgent: UA });
    });
  });
}

describe('issue 14 item 12: a failing dependency gives one coded, stack-free answer, the same bytes on Express and Fastify', () => {
  const RELEVANT = ['status', 'content-type', 'content-language', 'cache-control', 'retry-after', 'set-cookie'];
  const view = (a: Answer) => ({ ...Object.fromEntries(RELEVANT.map((h) => [h, h === 'status' ? a.status : a.headers[h]])), body: a.text });
  const UNAVAILABLE_EN = '{"error":{"code":"service_unavailable","message":"The service is unavailable. Please try again later."}}';
  const INTERNAL_EN = '{"error":{"code":"internal_error","message":"An error occurred."}}';

  /** The same world behind both adapters: one seamKanmon each (an audit log that failed stays closed), the same request. */
  const both = async (prepare: (seam: Awaited<ReturnType<typeof seamKanmon>>, port: number) => Promise<void>, request: WireRequest, tenant: string | (() => string) = TENANT) => {
    const answers: Answer[] = [];
    const errors: unknown[][] = [];
    for (const adapter of adapters) {
      const seam = await seamKanmon({ access: { requireTls: false } });
      const seen: unknown[] = [];
      const server = await adapter.serve(seam.kanmon, { tenant, onError: (err) => seen.push(err) }, null);
      running.push(server);
      await prepare(seam, server.port);
      answers.push(await send(server.port, { ...request, headers: { 'accept-language': 'en', ...request.headers } }));
      errors.push(seen);
    }
    const [viaExpress, viaFastify] = answers as [Answer, Answer];
    expect(view(viaFastify)).toEqual(view(viaExpress));
    expectNoLeak(viaExpress);
    return { answer: viaExpress, errors };
  };
  const failing = (which: keyof Awaited<ReturnType<typeof seamKanmon>>['faults']) => (seam: Awaited<ReturnType<typeof seamKanmon>>) => {
    seam.faults[which] = true;
    return Promise.resolve();
  };
  const loginRequest: WireRequest = { method: 'POST', path: '/auth/login', body: { username: 'yamada', password: PASSWORD } };
  const sessionFor = async (port: number) => cookieOf(await send(port, loginRequest));

  it('the audit sink fails during login: 503 service_unavailable, Retry-After, no session cookie (fail closed)', async () => {
    const { answer, errors } = await both(failing('sink'), loginRequest);
    expect(answer.status).toBe(503);
    expect(answer.text).toBe(UNAVAILABLE_EN);
    expect(Number(answer.headers['retry-after'])).toBeGreaterThan(0);
    expect(answer.cookies).toEqual([]);
    // The app still sees what happened, through onError.
    for (const seen of errors) expect(seen).toEqual([expect.objectContaining({ code: 'ERR_AUDIT_WRITE' })]);
  });

  it('the audit sink fails on a wrong password and on a password change: the same 503', async () => {
    const wrong = await both(failing('sink'), { ...loginRequest, body: { username: 'yamada', password: 'Wrong#Password1' } });
    expect(wrong.answer.text).toBe(UNAVAILABLE_EN);
    let cookie = '';
    const change = await both(
      async (seam, port) => {
        cookie = await sessionFor(port);
        seam.faults.sink = true;
      },
      { method: 'POST', path: '/auth/password', get headers() { return { cookie }; }, body: { currentPassword: PASSWORD, newPassword: 'Tsuki#Hoshi-7319' } },
    );
    expect(change.answer.status).toBe(503);
    expect(change.answer.cookies).toEqual([]);
  });

  it('the state store fails: login is 503 with Retry-After (lockout fails closed), a session check is 503', async () => {
    const { answer } = await both(failing('store'), loginRequest);
    expect(answer.status).toBe(503);
    expect(answer.text).toBe(UNAVAILABLE_EN);
    expect(Number(answer.headers['retry-after'])).toBeGreaterThan(0);
    expect(answer.cookies).toEqual([]);
    let cookie = '';
    const me = await both(
      async (seam, port) => {
        cookie = await sessionFor(port);
        seam.faults.store = true;
      },
      { path: '/me', get headers() { return { cookie }; } },
    );
    expect(me.answer.status).toBe(503);
    expect(me.answer.text).toBe(UNAVAILABLE_EN);
    expect(Number(me.answer.headers['retry-after'])).toBeGreaterThan(0);
    const out = await both(
      async (seam, port) => {
        cookie = await sessionFor(port);
        seam.faults.store = true;
      },
      { method: 'POST', path: '/auth/logout', get headers() { return { cookie }; } },
    );
    expect(out.answer.status).toBe(503);
  });

  it("the app's account repository fails (accounts.find rejects): a coded answer without the driver's message, no session", async () => {
    const { answer, errors } = await both(failing('accounts'), loginRequest);
    expect([500, 503]).toContain(answer.status);
    expect([INTERNAL_EN, UNAVAILABLE_EN]).toContain(answer.text);
    expect(answer.cookies).toEqual([]);
    for (const seen of errors) expect(seen.length).toBe(1);
  });

  it('a tenant function that throws: 500 internal_error on routes and guards, nothing of its message', async () => {
    const tenant = () => {
      throw new Error('tenant lookup failed at /srv/app/tenants.js:12');
    };
    for (const request of [loginRequest, { path: '/me' }, { method: 'POST', path: '/auth/logout' }] as WireRequest[]) {
      const { answer } = await both(() => Promise.resolve(), request, tenant);
      expect(answer.status).toBe(500);
      expect(answer.text).toBe(INTERNAL_EN);
      expect(answer.text).not.toContain('tenants.js');
    }
  });

  it('an onError hook that throws does not change the answer', async () => {
    const seam = await seamKanmon({ access: { requireTls: false } });
    seam.faults.sink = true;
    for (const adapter of adapters) {
      const server = await adapter.serve(seam.kanmon, { tenant: TENANT, onError: () => { throw new Error('logger down'); } }, null);
      running.push(server);
      const answer = await send(server.port, { ...loginRequest, headers: { 'accept-language': 'en' } });
      expect(answer.status).toBe(503);
      expect(answer.text).toBe(UNAVAILABLE_EN);
    }
  });
});
