/**
 * ASVS 5.0 V6.4 (authentication factor lifecycle and recovery), FNB-3.1.1, SEC-18: self-service password
 * reset through `requestPasswordReset` / `completePasswordReset`, on every store (memory, real Redis, real
 * PostgreSQL). Enumeration (byte-identical answers, one keyed hash on every path), single use under a race,
 * expiry at its boundary on the injected clock, supersession, tenant binding, the whole password policy, the
 * second factor in the same flow (V6.4.3), sessions revoked, throttles with Retry-After, and no token in the
 * store, the audit log or any log line.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAuditLog, createKanmon, createKeyRing, memoryAccounts, memoryAuditSink } from '../../src/index.js';
import { base32Decode, testPolicy } from '../login/support.js';
import { totpAt } from '../mfa/support.js';
import { type MakeStore, type StoreName, onEveryStore } from '../support/stores.js';
import { GOOD_PASSWORD, NEW_PASSWORD, OTHER_GOOD_PASSWORD, type ResetWorld, internal, makeResetWorld } from './support.js';

/** Everything written to stdout, stderr and the process warnings while a test runs. */
const logged: string[] = [];
const onWarning = (w: Error) => logged.push(`${w.name} ${w.message}`);
beforeEach(() => {
  logged.length = 0;
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
      logged.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return (write as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
    });
  }
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void logged.push(args.map(String).join(' ')));
  }
  process.on('warning', onWarning);
});
afterEach(() => {
  vi.restoreAllMocks();
  process.off('warning', onWarning);
});

const login = (w: ResetWorld, username: string, password: string) => w.kanmon.login({ tenant: w.tenant, username, password, ...internal });

function suite(name: StoreName, makeStore: MakeStore) {
  describe(`ASVS 5.0 V6.4: requestPasswordReset on ${name}`, () => {
    it('enumeration: known, unknown, disabled and locked accounts get the same answer, with exactly one keyed hash on each path; only known and locked get a token', async () => {
      const w = makeResetWorld(makeStore);
      await w.addUser('yamada');
      await w.addUser('taishoku', { disabled: true });
      await w.addUser('lock1');
      for (let i = 0; i < 5; i++) await login(w, 'lock1', 'Wrong#Password1');
      expect((await login(w, 'lock1', GOOD_PASSWORD)).status).toBe('denied'); // locked indeed
      const answers: string[] = [];
      const hashes: number[] = [];
      for (const username of ['yamada', 'nobody-here', 'taishoku', 'lock1']) {
        const before = w.keyRing.resetHashes;
        const result = await w.kanmon.requestPasswordReset({ tenant: w.tenant, username, ...internal });
        hashes.push(w.keyRing.resetHashes - before);
        answers.push(JSON.stringify(result));
        expect(result).toEqual({ ok: true });
      }
      expect(new Set(answers).size).toBe(1);
      expect(hashes).toEqual([1, 1, 1, 1]);
      expect(w.deliveries.map((d) => d.accountId)).toEqual(['u-1', 'u-3']);
      expect(w.deliveries[0]).toMatchObject({ tenant: w.tenant, expiresAt: w.clock.now() + 30 * 60_000, lang: 'ja' });
      // The audit log keeps the real reason.
      const requested = w.events().filter((e) => e.type === 'password.reset.requested');
      expect(requested.map((e) => [e.actor, e.reason])).toEqual([
        ['yamada', null],
        ['nobody-here', 'unknown_user'],
        ['taishoku', 'disabled'],
        ['lock1', null],
      ]);
    });

    it('the same store calls on every path (a shared stand-in counter, no key per name typed)', async () => {
      const w = makeResetWorld(makeStore);
      await w.addUser('yamada');
      const shape = async (username: string) => {
        const before = w.storeCalls.length;
        await w.kanmon.requestPasswordReset({ tenant: w.tenant, username, ...internal });
        return w.storeCalls.slice(before).map((c) => c.split(' ')[0]);
      };
      const known = await shape('yamada');
      expect(await shape('ghost-1')).toEqual(known);
      // No generation counter is kept per name typed (the throttle's record for it expires with its window).
      expect(w.storeCalls.filter((c) => c.includes(':pwreset:gen')).join('\n')).not.toContain('ghost');
    });

    it('self-service off: self_service_off, and nothing delivered; on without deliver: createKanmon refuses to start', async () => {
      const w = makeResetWorld(makeStore, { recovery: { selfService: false } });
      await w.addUser('yamada');
      expect(await w.kanmon.requestPasswordReset({ tenant: w.tenant, username: 'yamada', ...internal })).toEqual({ ok: false, reason: 'self_service_off' });
      expect(w.deliveries).toEqual([]);
      expect(() => kanmonWithoutDeliver(makeStore)).toThrow(/recovery: \{ deliver \}/);
    });

    it('bad input is a coded answer: an empty or too long name is invalid_request', async () => {
      const w = makeResetWorld(makeStore);
      for (const username of ['', 'x'.repeat(300)]) expect(await w.kanmon.requestPasswordReset({ tenant: w.tenant, username, ...internal })).toEqual({ ok: false, reason: 'invalid_request' });
      expect(await w.kanmon.requestPasswordReset({ tenant: w.tenant, username: 42 as unknown as string, ...internal })).toEqual({ ok: false, reason: 'invalid_request' });
    });

    it('throttle: the 4th request for one account (another IP) and the 21st from one IP are throttled with Retry-After', async () => {
      const w = makeResetWorld(makeStore);
      await w.addUser('yamada');
      for (let i = 0; i < 3; i++) expect(await w.kanmon.requestPasswordReset({ tenant: w.tenant, username: 'yamada', clientIp: `10.0.0.${i + 1}`, tls: true })).toEqual({ ok: true });
      const account = await w.kanmon.requestPasswordReset({ tenant: w.tenant, username: 'yamada', clientIp: '10.0.0.9', tls: true });
      expect(account).toEqual({ ok: false, reason: 'throttled', retryAfterMs: 60 * 60_000 });
      expect(w.deliveries).toHaveLength(3);
      // 10.0.0.1 counted yamada's first request: 19 more names, then the 21st request from it is refused.
      for (let i = 0; i < 19; i++) expect(await w.kanmon.requestPasswordReset({ tenant: w.tenant, username: `ghost-${i}`, clientIp: '10.0.0.1', tls: true })).toEqual({ ok: true });
      w.clock.advance(1000);
      const ip = await w.kanmon.requestPasswordReset({ tenant: w.tenant, username: 'ghost-x', clientIp: '10.0.0.1', tls: true });
      expect(ip).toEqual({ ok: false, reason: 'throttled', retryAfterMs: 60 * 60_000 - 1000 });
      expect(w.events().filter((e) => e.reason?.startsWith('throttled_')).map((e) => e.reason)).toEqual(['throttled_account', 'throttled_ip']);
    });
  });

  describe(`ASVS 5.0 V6.4: completePasswordReset on ${name}`, () => {
    it('sets the password (the whole policy passed), revokes every session, audits without the token; the old password stops working', async () => {
      const w = makeResetWorld(makeStore);
      await w.addUser('yamada', { mustChangePassword: 'admin_reset' });
      const session = await login(w, 'yamada', GOOD_PASSWORD);
      const token = await w.tokenFor('yamada');
      expect(await w.kanmon.completePasswordReset({ tenant: w.tenant, token, newPassword: NEW_PASSWORD, ...internal })).toEqual({ status: 'changed' });
      expect((await login(w, 'yamada', GOOD_PASSWORD)).status).toBe('denied');
      expect((await login(w, 'yamada', NEW_PASSWORD)).status).toBe('authenticated');
      expect(await w.accounts.findById(w.tenant, 'u-1')).toMatchObject({ mustChangePassword: null, compromised: false, passwordHistory: [expect.any(String)] });
      // The change challenge the issued password had led to died with the reset.
      if (session.status !== 'password_change_required') throw new Error(session.status);
      expect(await w.kanmon.changePassword({ challenge: session.challenge, currentPassword: GOOD_PASSWORD, newPassword: OTHER_GOOD_PASSWORD })).toEqual({ status: 'denied', reason: 'invalid_challenge' });
      const done = w.events().find((e) => e.type === 'password.reset' && e.outcome === 'success');
      expect(done).toMatchObject({ target: 'u-1', after: { sessionsRevoked: true, secondFactor: null } });
      expect(w.auditText()).not.toContain(token);
    });

    it('sessions: a session open before the reset is revoked by it', async () => {
      const w = makeResetWorld(makeStore);
      await w.addUser('yamada');
      const before = await login(w, 'yamada', GOOD_PASSWORD);
      if (before.status !== 'authenticated') throw new Error(before.status);
      expect((await w.kanmon.sessions.verify(before.token, { tenant: w.tenant })).ok).toBe(true);
      const token = await w.tokenFor('yamada');
      expect((await w.kanmon.completePasswordReset({ tenant: w.tenant, token, newPassword: NEW_PASSWORD, ...internal })).status).toBe('changed');
      expect(await w.kanmon.sessions.verify(before.token, { tenant: w.tenant })).toMatchObject({ ok: false });
    });

    it('race: 20 concurrent completions with one token → exactly one `changed`, every other `invalid_token`', async () => {
      const w = makeResetWorld(makeStore);
      await w.addUser('yamada');
      const token = await w.tokenFor('yamada');
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => w.kanmon.completePasswordReset({ tenant: w.tenant, token, newPassword: `${NEW_PASSWORD}${i}`, ...internal })),
      );
      expect(results.filter((r) => r.status === 'changed')).toHaveLength(1);
      expect(results.filter((r) => r.status === 'denied' && r.reason === 'invalid_token')).toHaveLength(19);
      const winner = results.findIndex((r) => r.status === 'changed');
      expect((await login(w, 'yamada', `${NEW_PASSWORD}${winner}`)).status).toBe('authenticated');
    });

    it('expiry at its boundary on the injected clock: accepted at expiresAt − 1 ms, refused at expiresAt', async () => {
      const w = makeResetWorld(makeStore);
      await w.addUser('yamada');
      await w.addUser('sato');
      const late = await w.tokenFor('yamada');
      const early = await w.tokenFor('sato');
      const expiresAt = w.deliveries[0]?.expiresAt ?? 0;
      w.clock.set(expiresAt);
      expect(await w.kanmon.completePasswordReset({ tenant: w.tenant, token: late, newPassword: NEW_PASSWORD, ...internal })).toEqual({ status: 'denied', reason: 'invalid_token' });
      w.clock.set(expiresAt - 1);
      expect(await w.kanmon.completePasswordReset({ tenant: w.tenant, token: early, newPassword: NEW_PASSWORD, ...internal })).toEqual({ status: 'changed' });
      expect(w.events().filter((e) => e.type === 'password.reset' && e.outcome === 'denied').map((e) => e.reason)).toEqual(['token_expired']);
    });

    it('a newer token supersedes the older; a successful login or a password change kills every token', async () => {
      const w = makeResetWorld(makeStore, { recovery: { throttle: { maxRequestsPerAccount: 10 } } });
      await w.addUser('yamada');
      const first = await w.tokenFor('yamada');
      const second = await w.tokenFor('yamada');
      expect(await w.kanmon.completePasswordReset({ tenant: w.tenant, token: first, newPassword: NEW_PASSWORD, ...internal })).toEqual({ status: 'denied', reason: 'invalid_token' });
      expect((await login(w, 'yamada', GOOD_PASSWORD)).status).toBe('authenticated');
      expect(await w.kanmon.completePasswordReset({ tenant: w.tenant, token: second, newPassword: NEW_PASSWORD, ...internal })).toEqual({ status: 'denied', reason: 'invalid_token' });
      const third = await w.tokenFor('yamada');
      const session = await login(w, 'yamada', GOOD_PASSWORD);
      if (session.status !== 'authenticated') throw new Error(session.status);
      const fourth = await w.tokenFor('yamada'); // after the login: alive until the change
      expect((await w.kanmon.changePassword({ session: session.session, currentPassword: GOOD_PASSWORD, newPassword: OTHER_GOOD_PASSWORD, ...internal })).status).toBe('changed');
      for (const token of [third, fourth]) expect(await w.kanmon.completePasswordReset({ tenant: w.tenant, token, newPassword: NEW_PASSWORD, ...internal })).toEqual({ status: 'denied', reason: 'invalid_token' });
      expect(w.events().filter((e) => e.type === 'password.reset' && e.outcome === 'denied').map((e) => e.reason)).toEqual(Array(4).fill('token_superseded'));
    });

    it("tenant binding: tenant A's token is refused at tenant B, even for an account of the same id", async () => {
      const w = makeResetWorld(makeStore);
      await w.addUser('yamada');
      const token = await w.tokenFor('yamada');
      await w.accounts.create({ ...(await w.accounts.findById(w.tenant, 'u-1'))!, tenant: 'other-city' });
      expect(await w.kanmon.completePasswordReset({ tenant: 'other-city', token, newPassword: NEW_PASSWORD, ...internal })).toEqual({ status: 'denied', reason: 'invalid_token' });
      expect((await login(w, 'yamada', GOOD_PASSWORD)).status).toBe('authenticated');
    });

    it('the whole password policy: too weak, containing the user name, or one of the history (the current included) is refused, and the token still works', async () => {
      const w = makeResetWorld(makeStore);
      await w.addUser('yamada', { email: 'taro.yamada@example.jp', passwordHistory: [await w.hasher.hash(OTHER_GOOD_PASSWORD)] });
      const token = await w.tokenFor('yamada');
      const weak = await w.kanmon.completePasswordReset({ tenant: w.tenant, token, newPassword: 'short', ...internal });
      const codes = (r: typeof weak) => (r.status === 'denied' ? (r.issues ?? []).map((i) => i.code) : []);
      expect(weak).toMatchObject({ status: 'denied', reason: 'policy' });
      expect(codes(weak)).toContain('too_short');
      const context = await w.kanmon.completePasswordReset({ tenant: w.tenant, token, newPassword: 'Yamada#2030kq', ...internal });
      expect(context).toMatchObject({ status: 'denied', reason: 'policy' });
      expect(codes(context)).toContain('contains_context');
      for (const old of [GOOD_PASSWORD, OTHER_GOOD_PASSWORD]) expect(await w.kanmon.completePasswordReset({ tenant: w.tenant, token, newPassword: old, ...internal })).toEqual({ status: 'denied', reason: 'reused' });
      expect(await w.kanmon.completePasswordReset({ tenant: w.tenant, token, newPassword: NEW_PASSWORD, ...internal })).toEqual({ status: 'changed' });
    });

    it('hostile tokens are coded refusals, never a throw: garbage, a huge one, one naming a 300-character account, one with control characters', async () => {
      const w = makeResetWorld(makeStore);
      const b64 = (text: string) => Buffer.from(text).toString('base64url');
      for (const token of ['', 'x', 'kr1.k1.AA.1.AA', 'k'.repeat(20_000), `kr1.k1.${b64('u'.repeat(300))}.1.${'A'.repeat(43)}`, `kr1.k1.${b64('u-1\r\n{"x":1}')}.1.${'A'.repeat(43)}`]) {
        expect(await w.kanmon.completePasswordReset({ tenant: w.tenant, token, newPassword: NEW_PASSWORD, ...internal })).toEqual({ status: 'denied', reason: 'invalid_token' });
      }
      expect(w.events().filter((e) => e.type === 'password.reset').map((e) => e.reason)).toEqual([...Array<string>(5).fill('token_malformed'), 'token_unknown']);
    });

    it('a token allows 5 attempts: the 6th is invalid_token even with a good password (no endless probing of the history)', async () => {
      const w = makeResetWorld(makeStore);
      await w.addUser('yamada');
      const token = await w.tokenFor('yamada');
      for (let i = 0; i < 5; i++) expect((await w.kanmon.completePasswordReset({ tenant: w.tenant, token, newPassword: GOOD_PASSWORD, ...internal })).status).toBe('denied');
      expect(await w.kanmon.completePasswordReset({ tenant: w.tenant, token, newPassword: NEW_PASSWORD, ...internal })).toEqual({ status: 'denied', reason: 'invalid_token' });
    });

    it('ASVS 6.4.3: with TOTP enrolled, the reset stops at mfa_required and completes only with a valid code; a replayed code is refused', async () => {
      const w = makeResetWorld(makeStore);
      await w.addUser('yamada');
      const secret = await w.enrolTotp('yamada');
      const token = await w.tokenFor('yamada');
      const first = await w.kanmon.completePasswordReset({ tenant: w.tenant, token, newPassword: NEW_PASSWORD, ...internal });
      if (first.status !== 'mfa_required') throw new Error(JSON.stringify(first));
      expect(first.expiresAt).toBeGreaterThan(w.clock.now());
      expect((await login(w, 'yamada', NEW_PASSWORD)).status).toBe('denied'); // nothing changed yet
      const wrong = await w.kanmon.completePasswordReset({ tenant: w.tenant, token, newPassword: NEW_PASSWORD, challenge: first.challenge, code: '000000', ...internal });
      expect(wrong).toEqual({ status: 'denied', reason: 'invalid_code' });
      const noCode = await w.kanmon.completePasswordReset({ tenant: w.tenant, token, newPassword: NEW_PASSWORD, challenge: first.challenge, ...internal });
      expect(noCode).toEqual({ status: 'denied', reason: 'invalid_code' });
      const code = totpAt(secret, w.clock.now());
      expect(await w.kanmon.completePasswordReset({ tenant: w.tenant, token, newPassword: NEW_PASSWORD, challenge: first.challenge, code, ...internal })).toEqual({ status: 'changed' });
      expect(w.events().find((e) => e.type === 'password.reset' && e.outcome === 'success')).toMatchObject({ after: { secondFactor: 'totp' } });
      // A second reset in the same step, with the same code: replayed.
      const again = await w.tokenFor('yamada');
      const step = await w.kanmon.completePasswordReset({ tenant: w.tenant, token: again, newPassword: OTHER_GOOD_PASSWORD, ...internal });
      if (step.status !== 'mfa_required') throw new Error(JSON.stringify(step));
      expect(await w.kanmon.completePasswordReset({ tenant: w.tenant, token: again, newPassword: OTHER_GOOD_PASSWORD, challenge: step.challenge, code, ...internal })).toEqual({
        status: 'denied',
        reason: 'replayed',
      });
      expect((await login(w, 'yamada', NEW_PASSWORD)).status).not.toBe('denied');
    });

    it("ASVS 6.4.3: the MFA step's challenge cannot be skipped, forged, taken from a login, or carried to another account", async () => {
      const w = makeResetWorld(makeStore, { mfa: { requireForAll: true } });
      await w.addUser('yamada');
      await w.addUser('sato');
      const secret = await enrolThroughLogin(w, 'yamada');
      const secretSato = await enrolThroughLogin(w, 'sato');
      const token = await w.tokenFor('yamada');
      const code = () => totpAt(secret, w.clock.now());
      // A login's mfa challenge (another stage) and a reset challenge of another account are both refused.
      const loginStep = await login(w, 'yamada', GOOD_PASSWORD);
      if (loginStep.status !== 'mfa_required') throw new Error(loginStep.status);
      const satoToken = await w.tokenFor('sato');
      const satoStep = await w.kanmon.completePasswordReset({ tenant: w.tenant, token: satoToken, newPassword: NEW_PASSWORD, ...internal });
      if (satoStep.status !== 'mfa_required') throw new Error(satoStep.status);
      for (const challenge of [loginStep.challenge, satoStep.challenge, 'kc1.k1.e30.AAAA']) {
        expect(await w.kanmon.completePasswordReset({ tenant: w.tenant, token, newPassword: NEW_PASSWORD, challenge, code: code(), ...internal })).toEqual({ status: 'denied', reason: 'invalid_challenge' });
      }
      void secretSato;
      expect((await login(w, 'yamada', NEW_PASSWORD)).status).toBe('denied');
    });

    it('the token never appears in the store, the audit log or any log line (everything written during the flow, grepped)', async () => {
      const w = makeResetWorld(makeStore);
      await w.addUser('yamada');
      await w.addUser('kanri');
      const tokens = [await w.tokenFor('yamada'), await w.tokenFor('yamada'), await w.tokenFor('kanri')];
      await w.kanmon.completePasswordReset({ tenant: w.tenant, token: tokens[0]!, newPassword: NEW_PASSWORD, ...internal }); // superseded
      await w.kanmon.completePasswordReset({ tenant: w.tenant, token: tokens[1]!, newPassword: 'weak', ...internal });
      await w.kanmon.completePasswordReset({ tenant: w.tenant, token: tokens[1]!, newPassword: NEW_PASSWORD, ...internal });
      await w.kanmon.completePasswordReset({ tenant: w.tenant, token: tokens[1]!, newPassword: NEW_PASSWORD, ...internal }); // used
      await w.kanmon.completePasswordReset({ tenant: 'other-city', token: tokens[2]!, newPassword: NEW_PASSWORD, ...internal });
      const written = [w.storeCalls.join('\n'), w.auditText(), logged.join('\n')].join('\n');
      expect(w.storeCalls.length).toBeGreaterThan(20);
      expect(w.events().length).toBeGreaterThanOrEqual(8);
      for (const token of tokens) {
        const secret = token.split('.').at(-1) ?? '';
        expect(written).not.toContain(token);
        for (let i = 0; i + 12 <= secret.length; i += 6) expect(written).not.toContain(secret.slice(i, i + 12));
        expect(written).not.toContain(Buffer.from(secret, 'base64url').toString('hex').slice(0, 16));
        expect(written).not.toContain(Buffer.from(secret, 'base64url').toString('base64').slice(0, 16));
      }
    });
  });
}

/** Self-service on and no `deliver`: a configuration mistake, refused at construction. */
function kanmonWithoutDeliver(makeStore: MakeStore) {
  const keyRing = createKeyRing({ keys: [{ id: 'k1', secret: randomBytes(32) }], current: 'k1' });
  const now = () => Date.UTC(2030, 3, 1, 1);
  const audit = createAuditLog({ sink: memoryAuditSink(), keyRing, stream: 'auth', now });
  return createKanmon({ policy: testPolicy({ recovery: { selfService: true } }), store: makeStore(now), accounts: memoryAccounts(), keyRing, audit, now });
}

async function enrolThroughLogin(w: ResetWorld, username: string): Promise<Buffer> {
  const first = await login(w, username, GOOD_PASSWORD);
  if (first.status !== 'mfa_required') throw new Error(first.status);
  const enrollment = await w.kanmon.enrollTotp({ challenge: first.challenge });
  if (enrollment.status !== 'pending') throw new Error(enrollment.status);
  const secret = base32Decode(enrollment.secret);
  const done = await w.kanmon.confirmTotp({ challenge: first.challenge, code: totpAt(secret, w.clock.now()) });
  if (done.status !== 'authenticated') throw new Error(done.status);
  w.clock.advance(30_000);
  return secret;
}

onEveryStore(suite);
