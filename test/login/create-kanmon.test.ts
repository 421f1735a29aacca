/**
 * The login flow end to end (docs/login-flow.md), on the memory store and on a
 * real Redis server, for every outcome and every order-sensitive rule:
 *
 * - EXT-4, FNB-2.1: an address outside the allow-list is refused before the
 *   lockout counter or the hasher is touched.
 * - SEC-6.3: a registered device is checked before the credentials.
 * - SEC-13: privileged roles must use MFA. SEC-16: so must clients outside the
 *   internal networks (a verified device may stand in).
 * - IPC-4, FNB-3.1.1: an issued password (initial, admin reset) must be changed
 *   at first use; the admin never chooses it; the flow forces the change.
 * - IPC-16: plain HTTP is refused unless TLS ends at a trusted proxy.
 * - RM-23, FNB-3.1.4: a compromised password revokes the sessions at once and
 *   forces a change.
 * - SEC-24 (with the lockout suites): a locked account never reaches the
 *   hasher; concurrent wrong guesses never exceed `maxFailures` verifications.
 * - Enumeration: unknown user, wrong password and disabled account give one
 *   identical answer, and the hasher runs exactly once on each path.
 */
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KanmonError, type KanmonStore, certificateFingerprintSha256, type LoginResult, memoryStore } from '../../src/index.js';
import { redisStore } from '../../src/redis/index.js';
import { type RedisServer, requireService, startRedis } from '../support/services.js';
import { okOf } from '../support/results.js';
import { totpAt } from '../mfa/support.js';
import { type TestCertificates, generateCertificates } from '../access/support/certificates.js';
import { GOOD_PASSWORD, INTERNAL_IP, OTHER_GOOD_PASSWORD, OUTSIDE_IP, SATURDAY_10_JST, type World, base32Decode, makeWorld } from './support.js';
import type { PolicyOverrides } from '../../src/index.js';
import { adminActor } from '../support/admin.js';

const internal = { clientIp: INTERNAL_IP, tls: true } as const;
const outside = { clientIp: OUTSIDE_IP, tls: true } as const;
const DAY = 24 * 60 * 60_000;
let generated: TestCertificates | null = null;
/** openssl-made test certificates, generated once on first use. */
const certs = () => (generated ??= generateCertificates());

function expectStatus<S extends LoginResult['status']>(result: { status: string }, status: S): asserts result is Extract<LoginResult, { status: S }> {
  expect(result.status, JSON.stringify(result)).toBe(status);
}

/** Enrol TOTP through a login challenge and return the raw secret and the authenticated result. */
async function enrolThroughChallenge(world: World, challenge: string) {
  const enrollment = await world.kanmon.enrollTotp({ challenge });
  expectStatus(enrollment as never, 'pending' as never);
  const secret = base32Decode((enrollment as { secret: string }).secret);
  const confirmed = await world.kanmon.confirmTotp({ challenge, code: totpAt(secret, world.clock.now()) });
  return { secret, confirmed };
}

function flowSuite(storeName: string, makeStore: () => (now: () => number) => KanmonStore) {
  const world = (overrides?: PolicyOverrides) => makeWorld(makeStore(), overrides);

  describe(`login flow on the ${storeName} store`, () => {
    it('authenticates an ordinary user on the internal network: a session that verifies, audited without the password', async () => {
      const w = world();
      const alice = await w.addUser('alice');
      const result = await w.kanmon.login({ tenant: w.tenant, username: 'alice', password: GOOD_PASSWORD, ...internal, userAgent: 'vitest' });
      expectStatus(result, 'authenticated');
      expect(result.warnings).toEqual([]);
      expect(result.session).toMatchObject({ tenant: w.tenant, subject: alice.id, amr: ['pwd'], roles: [] });
      const verified = await w.kanmon.sessions.verify(result.token, { tenant: w.tenant });
      expect(verified.ok && verified.session.sessionId).toBe(result.session.sessionId);
      const types = w.events().map((e) => e.type);
      expect(types).toEqual(['auth.session.created', 'auth.login.success']);
      expect(w.events()[1]).toMatchObject({ actor: 'alice', target: alice.id, outcome: 'success', source: { ip: INTERNAL_IP, userAgent: 'vitest' } });
      expect(w.auditText()).not.toContain(GOOD_PASSWORD);
    });

    describe('enumeration: one answer, one hash', () => {
      it('unknown user, wrong password and disabled account: identical results, the hasher runs exactly once on each path, the audit keeps the real reason', async () => {
        const w = world();
        await w.addUser('bob');
        await w.addUser('carol', GOOD_PASSWORD, { disabled: true });
        const attempts = [
          { username: 'nobody', password: GOOD_PASSWORD, reason: 'unknown_user' },
          { username: 'bob', password: 'Wrong#Pass9x', reason: 'wrong_password' },
          { username: 'carol', password: GOOD_PASSWORD, reason: 'disabled' },
        ];
        const results: LoginResult[] = [];
        for (const attempt of attempts) {
          w.hasher.reset();
          results.push(await w.kanmon.login({ tenant: w.tenant, username: attempt.username, password: attempt.password, ...internal }));
          expect(w.hasher.calls.verify + w.hasher.calls.dummyVerify, attempt.reason).toBe(1);
          expect(w.hasher.calls.hash).toBe(0);
        }
        expect(results[0]).toEqual({ status: 'denied', reason: 'invalid_credentials' });
        expect(JSON.stringify(results[1])).toBe(JSON.stringify(results[0]));
        expect(JSON.stringify(results[2])).toBe(JSON.stringify(results[0]));
        const failures = w.events().filter((e) => e.type === 'auth.login.failure');
        expect(failures.map((e) => e.reason)).toEqual(['unknown_user', 'wrong_password', 'disabled']);
      });
    });

    describe('order-sensitive rules', () => {
      it('SEC-24: a locked account never reaches the hasher, even with the right password', async () => {
        const w = world();
        await w.addUser('dave');
        const wrong = () => w.kanmon.login({ tenant: w.tenant, username: 'dave', password: 'Wrong#Pass9x', ...internal });
        for (let i = 0; i < 4; i++) expect(await wrong()).toEqual({ status: 'denied', reason: 'invalid_credentials' });
        const fifth = await wrong(); // the last allowed attempt: it fails, the account is locked
        expect(fifth).toEqual({ status: 'denied', reason: 'locked', retryAfterMs: 30 * 60_000 });
        w.hasher.reset();
        const right = await w.kanmon.login({ tenant: w.tenant, username: 'dave', password: GOOD_PASSWORD, ...internal });
        expect(right).toMatchObject({ status: 'denied', reason: 'locked' });
        expect(w.hasher.calls).toEqual({ verify: 0, dummyVerify: 0, hash: 0 });
        // adminUnlock lifts it, audited with actor and target.
        const unlocked = await w.kanmon.adminUnlock({ tenant: w.tenant, ...(await adminActor(w.kanmon, w.tenant, 'admin-1')), accountId: 'u-1' });
        expect(unlocked).toEqual({ ok: true, wasLocked: true });
        expectStatus(await w.kanmon.login({ tenant: w.tenant, username: 'dave', password: GOOD_PASSWORD, ...internal }), 'authenticated');
        expect(w.events().find((e) => e.type === 'admin.account.unlock')).toMatchObject({ actor: 'admin-1', target: 'u-1', before: { locked: true } });
      });

      it('EXT-4, FNB-2.1: an address outside the allow-list never reaches the lockout counter or the hasher', async () => {
        const w = world({ access: { ipAllowList: ['10.0.0.0/8'], defaultRule: { allow: 'allow_listed_terminals' } } });
        await w.addUser('erin');
        for (let i = 0; i < 10; i++) {
          expect(await w.kanmon.login({ tenant: w.tenant, username: 'erin', password: 'Wrong#Pass9x', ...outside })).toEqual({ status: 'denied', reason: 'ip_not_allowed' });
        }
        expect(w.hasher.calls).toEqual({ verify: 0, dummyVerify: 0, hash: 0 });
        const status = await w.kanmon.lockout.status({ account: 'erin', tenant: w.tenant });
        expect(status.password.failures).toBe(0);
        expect(w.events().filter((e) => e.type === 'access.denied.ip')).toHaveLength(10);
        expectStatus(await w.kanmon.login({ tenant: w.tenant, username: 'erin', password: GOOD_PASSWORD, ...internal }), 'authenticated');
      });

      it('IPC-16: plain HTTP is refused before anything else; https reported by a trusted proxy is accepted, and only its X-Forwarded-For is believed', async () => {
        const w = world({ access: { trustedProxies: ['10.9.9.9'] } });
        await w.addUser('fay');
        expect(await w.kanmon.login({ tenant: w.tenant, username: 'fay', password: GOOD_PASSWORD, clientIp: INTERNAL_IP })).toEqual({ status: 'denied', reason: 'tls_required' });
        // A client claiming https and an internal address, straight to the app: neither is believed.
        const spoofed = {
          socket: { encrypted: false, remoteAddress: OUTSIDE_IP },
          headers: { 'x-forwarded-proto': 'https', 'x-forwarded-for': INTERNAL_IP },
        };
        expect(await w.kanmon.login({ tenant: w.tenant, username: 'fay', password: GOOD_PASSWORD, request: spoofed })).toEqual({ status: 'denied', reason: 'tls_required' });
        expect(w.hasher.calls.verify + w.hasher.calls.dummyVerify).toBe(0);
        const viaProxy = {
          socket: { encrypted: false, remoteAddress: '10.9.9.9' },
          headers: { 'x-forwarded-proto': 'https', 'x-forwarded-for': `${OUTSIDE_IP}, ${INTERNAL_IP}` },
        };
        // The proxy says the client is INTERNAL_IP (the right-most untrusted hop).
        expectStatus(await w.kanmon.login({ tenant: w.tenant, username: 'fay', password: GOOD_PASSWORD, request: viaProxy }), 'authenticated');
        expect(w.events().at(-1)?.source.ip).toBe(INTERNAL_IP);
      });

      it('SEC-6.3: with registered devices required, a login without one stops before the lockout and the hasher; a registered one passes', async () => {
        const w = world({ access: { requireRegisteredDevice: true, defaultRule: { allow: 'allow_listed_terminals' } } });
        const gina = await w.addUser('gina');
        const other = await w.addUser('hana');
        expect(await w.kanmon.login({ tenant: w.tenant, username: 'gina', password: 'Wrong#Pass9x', ...internal })).toEqual({
          status: 'denied',
          reason: 'device_not_registered',
        });
        expect(await w.kanmon.login({ tenant: w.tenant, username: 'gina', password: GOOD_PASSWORD, ...internal, deviceId: 'kdt1.forged.x.y' })).toEqual({
          status: 'denied',
          reason: 'device_not_registered',
        });
        expect(w.hasher.calls.verify + w.hasher.calls.dummyVerify).toBe(0);
        expect((await w.kanmon.lockout.status({ account: 'gina', tenant: w.tenant })).password.failures).toBe(0);

        const { token } = okOf(await w.kanmon.registerDevice({ tenant: w.tenant, ...(await adminActor(w.kanmon, w.tenant, 'admin-1')), accountId: gina.id, label: '総務課 端末 3' }));
        expect(token).toEqual(expect.any(String));
        expectStatus(await w.kanmon.login({ tenant: w.tenant, username: 'gina', password: GOOD_PASSWORD, ...internal, deviceId: token }), 'authenticated');
        // Bound to gina: hana cannot use it (one hash all the same, so it says nothing about hana's password).
        w.hasher.reset();
        expect(await w.kanmon.login({ tenant: w.tenant, username: other.username, password: GOOD_PASSWORD, ...internal, deviceId: token })).toEqual({
          status: 'denied',
          reason: 'device_not_registered',
        });
        expect(w.hasher.calls.verify + w.hasher.calls.dummyVerify).toBe(1);
        const device = w.events().find((e) => e.type === 'admin.device.register');
        expect(device).toMatchObject({ actor: 'admin-1', after: { account: gina.id, kind: 'token' } });
        expect(w.auditText()).not.toContain(token!);
      });
    });

    describe('every refusal of place, time and state', () => {
      it('FNB-2.1: an internal_only rule refuses a client outside the internal networks before the lockout', async () => {
        const w = world({ access: { defaultRule: { allow: 'internal_only' } } });
        await w.addUser('abe');
        expect(await w.kanmon.login({ tenant: w.tenant, username: 'abe', password: GOOD_PASSWORD, ...outside })).toEqual({ status: 'denied', reason: 'not_internal' });
        expect(w.hasher.calls.verify + w.hasher.calls.dummyVerify).toBe(0);
        expectStatus(await w.kanmon.login({ tenant: w.tenant, username: 'abe', password: GOOD_PASSWORD, ...internal }), 'authenticated');
      });

      it('a client certificate required by the rule: refused without one; accepted from the trusted TLS proxy, and the session says cert', async () => {
        const w = world({
          access: {
            trustedProxies: ['10.9.9.9'],
            requireClientCert: true,
            defaultRule: { allow: 'allow_listed_terminals' },
            clientCert: { header: 'x-ssl-client-cert', fingerprintsSha256: [certificateFingerprintSha256(certs().clientCert)] },
          },
        });
        await w.addUser('ban');
        const viaProxy = (headers: Record<string, string>) => ({
          socket: { encrypted: false, remoteAddress: '10.9.9.9' },
          headers: { 'x-forwarded-proto': 'https', 'x-forwarded-for': OUTSIDE_IP, ...headers },
        });
        expect(await w.kanmon.login({ tenant: w.tenant, username: 'ban', password: GOOD_PASSWORD, request: viaProxy({}) })).toEqual({
          status: 'denied',
          reason: 'client_cert_required',
        });
        expect(await w.kanmon.login({ tenant: w.tenant, username: 'ban', password: GOOD_PASSWORD, request: viaProxy({ 'x-ssl-client-cert': encodeURIComponent(certs().rogueCert) }) })).toEqual({
          status: 'denied',
          reason: 'client_cert_required',
        });
        expect(w.hasher.calls.verify + w.hasher.calls.dummyVerify).toBe(0);
        const ok = await w.kanmon.login({ tenant: w.tenant, username: 'ban', password: GOOD_PASSWORD, request: viaProxy({ 'x-ssl-client-cert': encodeURIComponent(certs().clientCert) }) });
        // Outside the internal networks, but the certificate is device authentication (SEC-16, clientCertSatisfiesOutside).
        expectStatus(ok, 'authenticated');
        expect(ok.session.amr).toEqual(['pwd', 'cert']);
        expect(w.events().filter((e) => e.type === 'access.denied.cert').map((e) => e.reason)).toEqual(['client_cert_required.no_certificate', expect.stringMatching(/^client_cert_required\./) as string]);
      });

      it('SEC-27 business hours: deny refuses, flag warns and audits, require_mfa asks for the second factor', async () => {
        const saturday = SATURDAY_10_JST;
        const deny = world({ access: { businessHours: { outOfHours: 'deny' } } });
        await deny.addUser('cho');
        deny.clock.set(saturday);
        expect(await deny.kanmon.login({ tenant: deny.tenant, username: 'cho', password: GOOD_PASSWORD, ...internal })).toEqual({ status: 'denied', reason: 'out_of_hours' });
        expect(deny.events().at(-1)).toMatchObject({ type: 'access.denied.hours', outOfHours: true });

        const flag = world();
        await flag.addUser('cho');
        flag.clock.set(saturday);
        const flagged = await flag.kanmon.login({ tenant: flag.tenant, username: 'cho', password: GOOD_PASSWORD, ...internal });
        expectStatus(flagged, 'authenticated');
        expect(flagged.warnings).toEqual([{ code: 'out_of_hours' }]);
        expect(flag.events().map((e) => e.type)).toContain('access.out_of_hours');
        expect(flag.events().find((e) => e.type === 'auth.login.success')?.outOfHours).toBe(true);

        const mfa = world({ access: { businessHours: { outOfHours: 'require_mfa' } } });
        await mfa.addUser('cho');
        mfa.clock.set(saturday);
        const asked = await mfa.kanmon.login({ tenant: mfa.tenant, username: 'cho', password: GOOD_PASSWORD, ...internal });
        expectStatus(asked, 'mfa_required');
        expect(asked.reasons).toEqual(['outside_business_hours']);
      });

      it('password spraying: the per-IP throttle stops one address across accounts, with a retry time, before any hash', async () => {
        const w = world({ lockout: { perSource: { maxFailuresPerIp: 3 } } });
        for (const name of ['dai', 'eri', 'fumi', 'gen']) await w.addUser(name);
        const results = [];
        for (const name of ['dai', 'eri', 'fumi', 'gen']) results.push(await w.kanmon.login({ tenant: w.tenant, username: name, password: 'Spray#2026x', ...internal }));
        expect(results.slice(0, 3).every((r) => r.status === 'denied' && r.reason === 'invalid_credentials')).toBe(true);
        expect(results[3]).toMatchObject({ status: 'denied', reason: 'throttled', retryAfterMs: expect.any(Number) as number });
        expect(w.hasher.calls.verify + w.hasher.calls.dummyVerify).toBe(3);
      });
    });

    describe('MFA', () => {
      it('SEC-13: a privileged role must use MFA: first enrolment through the challenge, then TOTP with replay guard, recovery codes once', async () => {
        const w = world();
        const root = await w.addUser('root', GOOD_PASSWORD, { roles: ['admin'] });
        const first = await w.kanmon.login({ tenant: w.tenant, username: 'root', password: GOOD_PASSWORD, ...internal });
        expectStatus(first, 'mfa_required');
        expect(first.reasons).toEqual(['privileged_role']);
        expect(first.enrolled).toBe(false);
        // The challenge alone is no session.
        expect((await w.kanmon.sessions.verify(first.challenge, { tenant: w.tenant })).ok).toBe(false);

        const { secret, confirmed } = await enrolThroughChallenge(w, first.challenge);
        expectStatus(confirmed, 'authenticated');
        expect(confirmed.session.amr).toEqual(['pwd', 'otp', 'mfa']);
        expect(confirmed.session.roles).toEqual(['admin']);
        const recoveryCodes = (confirmed as unknown as { recoveryCodes: string[] }).recoveryCodes;
        expect(recoveryCodes).toHaveLength(10);
        // A used challenge is spent.
        expect(await w.kanmon.verifyMfa({ challenge: first.challenge, code: totpAt(secret, w.clock.now()) })).toEqual({ status: 'denied', reason: 'invalid_challenge' });

        const second = await w.kanmon.login({ tenant: w.tenant, username: 'root', password: GOOD_PASSWORD, ...internal });
        expectStatus(second, 'mfa_required');
        expect(second.enrolled).toBe(true);
        // Enrolling again with a login challenge would replace the factor: refused.
        expect(await w.kanmon.enrollTotp({ challenge: second.challenge })).toEqual({ status: 'denied', reason: 'already_enrolled' });
        // The code that confirmed the enrolment cannot be replayed.
        expect(await w.kanmon.verifyMfa({ challenge: second.challenge, code: totpAt(secret, w.clock.now()) })).toEqual({ status: 'denied', reason: 'replayed' });
        expect(await w.kanmon.verifyMfa({ challenge: second.challenge, code: '000000' })).toEqual({ status: 'denied', reason: 'invalid_code' });
        w.clock.advance(30_000);
        const ok = await w.kanmon.verifyMfa({ challenge: second.challenge, code: totpAt(secret, w.clock.now()) });
        expectStatus(ok, 'authenticated');
        expect(ok.session.subject).toBe(root.id);

        const third = await w.kanmon.login({ tenant: w.tenant, username: 'root', password: GOOD_PASSWORD, ...internal });
        expectStatus(third, 'mfa_required');
        const byRecovery = await w.kanmon.verifyMfa({ challenge: third.challenge, code: recoveryCodes[0]!.toLowerCase() });
        expectStatus(byRecovery, 'authenticated');
        const fourth = await w.kanmon.login({ tenant: w.tenant, username: 'root', password: GOOD_PASSWORD, ...internal });
        expectStatus(fourth, 'mfa_required');
        expect(await w.kanmon.verifyMfa({ challenge: fourth.challenge, code: recoveryCodes[0]! })).toEqual({ status: 'denied', reason: 'already_used' });

        const text = w.auditText();
        expect(text).not.toContain(recoveryCodes[0]!);
        expect(text).not.toContain(totpAt(secret, w.clock.now()));
        expect(w.events().map((e) => e.type)).toEqual(expect.arrayContaining(['auth.mfa.enrolled', 'auth.recovery_code.generated', 'auth.mfa.replayed', 'auth.mfa.success', 'auth.recovery_code.used']));
      });

      it('SEC-16: a client outside the internal networks must use MFA; a registered device stands in for it', async () => {
        const w = world();
        const ivy = await w.addUser('ivy');
        const result = await w.kanmon.login({ tenant: w.tenant, username: 'ivy', password: GOOD_PASSWORD, ...outside });
        expectStatus(result, 'mfa_required');
        expect(result.reasons).toEqual(['outside_internal_network']);
        const { token } = okOf(await w.kanmon.registerDevice({ tenant: w.tenant, ...(await adminActor(w.kanmon, w.tenant, 'admin-1')), accountId: ivy.id }));
        const withDevice = await w.kanmon.login({ tenant: w.tenant, username: 'ivy', password: GOOD_PASSWORD, ...outside, deviceId: token });
        expectStatus(withDevice, 'authenticated');
        expect(withDevice.session.amr).toEqual(['pwd']);
      });

      it('wrong codes count towards the MFA lock; a locked second factor says locked with a retry time', async () => {
        const w = world();
        await w.addUser('jun', GOOD_PASSWORD, { roles: ['admin'] });
        const first = await w.kanmon.login({ tenant: w.tenant, username: 'jun', password: GOOD_PASSWORD, ...internal });
        expectStatus(first, 'mfa_required');
        const { secret } = await enrolThroughChallenge(w, first.challenge);
        const next = await w.kanmon.login({ tenant: w.tenant, username: 'jun', password: GOOD_PASSWORD, ...internal });
        expectStatus(next, 'mfa_required');
        const results = [];
        for (let i = 0; i < 6; i++) results.push(await w.kanmon.verifyMfa({ challenge: next.challenge, code: '99999' + String(i) }));
        expect(results.at(-1)).toMatchObject({ status: 'denied', reason: 'locked', retryAfterMs: expect.any(Number) as number });
        w.clock.advance(30_000);
        expect(await w.kanmon.verifyMfa({ challenge: next.challenge, code: totpAt(secret, w.clock.now()) })).toMatchObject({ status: 'denied', reason: 'locked' });
        // An administrator lifts the second-factor lock too.
        expect(await w.kanmon.adminUnlock({ tenant: w.tenant, ...(await adminActor(w.kanmon, w.tenant, 'admin-1')), accountId: 'u-1' })).toEqual({ ok: true, wasLocked: true });
        expectStatus(await w.kanmon.verifyMfa({ challenge: next.challenge, code: totpAt(secret, w.clock.now()) }), 'authenticated');
      });

      it('challenges: forged, tampered, expired or of the other stage are refused', async () => {
        const w = world();
        await w.addUser('kai', GOOD_PASSWORD, { roles: ['admin'] });
        const result = await w.kanmon.login({ tenant: w.tenant, username: 'kai', password: GOOD_PASSWORD, ...internal });
        expectStatus(result, 'mfa_required');
        const parts = result.challenge.split('.');
        const claims = JSON.parse(Buffer.from(parts[2]!, 'base64url').toString()) as Record<string, unknown>;
        const tampered = [parts[0], parts[1], Buffer.from(JSON.stringify({ ...claims, a: 'u-999' })).toString('base64url'), parts[3]].join('.');
        for (const bad of ['', 'x', tampered, result.challenge + 'A', 'kc1.k1.e30.AAAA']) {
          expect(await w.kanmon.verifyMfa({ challenge: bad, code: '123456' })).toEqual({ status: 'denied', reason: 'invalid_challenge' });
        }
        expect(await w.kanmon.changePassword({ challenge: result.challenge, currentPassword: GOOD_PASSWORD, newPassword: OTHER_GOOD_PASSWORD })).toEqual({
          status: 'denied',
          reason: 'invalid_challenge',
        });
        w.clock.advance(5 * 60_000);
        expect(await w.kanmon.enrollTotp({ challenge: result.challenge })).toEqual({ status: 'denied', reason: 'invalid_challenge' });
      });
    });

    describe('passwords that must change', () => {
      it('IPC-4, FNB-3.1.1: a created account gets a random one-time password that must be changed; weak, reused and wrong inputs are refused', async () => {
        const w = world();
        const created = await w.kanmon.createAccount({ tenant: w.tenant, ...(await adminActor(w.kanmon, w.tenant, 'admin-1')), username: 'kenji', roles: ['staff'] });
        if (!created.ok) throw new Error('createAccount failed');
        const { initialPassword } = created;
        expect(initialPassword.length).toBeGreaterThanOrEqual(16);
        const login = await w.kanmon.login({ tenant: w.tenant, username: 'kenji', password: initialPassword, ...internal });
        expectStatus(login, 'password_change_required');
        expect(login.reason).toBe('initial');
        const change = (currentPassword: string, newPassword: string) => w.kanmon.changePassword({ challenge: login.challenge, currentPassword, newPassword, ...internal });
        expect(await change('Wrong#Pass9x', OTHER_GOOD_PASSWORD)).toEqual({ status: 'denied', reason: 'invalid_credentials' });
        const weak = await change(initialPassword, 'password');
        expect(weak).toMatchObject({ status: 'denied', reason: 'policy' });
        expect((weak.status === 'denied' ? (weak.issues ?? []) : []).map((i) => i.code)).toEqual(expect.arrayContaining(['too_short']));
        expect(await change(initialPassword, initialPassword)).toEqual({ status: 'denied', reason: 'reused' });
        const changed = await change(initialPassword, OTHER_GOOD_PASSWORD);
        expect(changed.status).toBe('changed');
        expectStatus((changed as { next: LoginResult }).next, 'authenticated');
        expect(await w.kanmon.login({ tenant: w.tenant, username: 'kenji', password: initialPassword, ...internal })).toEqual({ status: 'denied', reason: 'invalid_credentials' });
        expectStatus(await w.kanmon.login({ tenant: w.tenant, username: 'kenji', password: OTHER_GOOD_PASSWORD, ...internal }), 'authenticated');
        const text = w.auditText();
        expect(text).not.toContain(initialPassword);
        expect(text).not.toContain(OTHER_GOOD_PASSWORD);
        expect(w.events().find((e) => e.type === 'admin.account.create')).toMatchObject({ actor: 'admin-1', after: { username: 'kenji', mustChange: 'initial' } });
      });

      it('IPC-4: an admin reset issues a one-time password, revokes the sessions, and forces a change at the next login', async () => {
        const w = world();
        const lena = await w.addUser('lena');
        const before = await w.kanmon.login({ tenant: w.tenant, username: 'lena', password: GOOD_PASSWORD, ...internal });
        expectStatus(before, 'authenticated');
        const reset = await w.kanmon.adminResetPassword({ tenant: w.tenant, ...(await adminActor(w.kanmon, w.tenant, 'admin-1')), accountId: lena.id });
        if (!reset.ok) throw new Error('reset failed');
        expect(reset.temporaryPassword).not.toBe(GOOD_PASSWORD);
        expect(await w.kanmon.sessions.verify(before.token, { tenant: w.tenant })).toEqual({ ok: false, reason: 'revoked' });
        const login = await w.kanmon.login({ tenant: w.tenant, username: 'lena', password: reset.temporaryPassword, ...internal });
        expectStatus(login, 'password_change_required');
        expect(login.reason).toBe('admin_reset');
        expect(w.events().find((e) => e.type === 'admin.password.reset')).toMatchObject({ actor: 'admin-1', target: lena.id, after: { mustChange: 'admin_reset' } });
        expect(w.auditText()).not.toContain(reset.temporaryPassword);
        expect(await w.kanmon.adminResetPassword({ tenant: w.tenant, ...(await adminActor(w.kanmon, w.tenant, 'admin-1')), accountId: 'nope' })).toEqual({ ok: false, reason: 'not_found' });
      });

      it('an expired password forces a change; a password near expiry warns (password_expires_soon)', async () => {
        const w = world({ password: { maxAgeDays: 90, expiryWarningDays: 14 } });
        await w.addUser('mio', GOOD_PASSWORD, { passwordChangedAt: w.clock.now() - 100 * DAY });
        await w.addUser('nao', GOOD_PASSWORD, { passwordChangedAt: w.clock.now() - 80 * DAY });
        const expired = await w.kanmon.login({ tenant: w.tenant, username: 'mio', password: GOOD_PASSWORD, ...internal });
        expectStatus(expired, 'password_change_required');
        expect(expired.reason).toBe('expired');
        expect(w.events().at(-1)).toMatchObject({ type: 'password.expired', target: 'u-1' });
        const warned = await w.kanmon.login({ tenant: w.tenant, username: 'nao', password: GOOD_PASSWORD, ...internal });
        expectStatus(warned, 'authenticated');
        expect(warned.warnings).toEqual([{ code: 'password_expires_soon', daysLeft: 10, expiresAt: expect.any(Number) as number }]);
        // After the forced change, the expired user logs in normally.
        const changed = await w.kanmon.changePassword({ challenge: expired.challenge, currentPassword: GOOD_PASSWORD, newPassword: OTHER_GOOD_PASSWORD, ...internal });
        expect(changed.status).toBe('changed');
      });

      it('RM-23, FNB-3.1.4: marking a password compromised revokes every session at once and forces a change', async () => {
        const w = world();
        const omi = await w.addUser('omi');
        const a = await w.kanmon.login({ tenant: w.tenant, username: 'omi', password: GOOD_PASSWORD, ...internal });
        const b = await w.kanmon.login({ tenant: w.tenant, username: 'omi', password: GOOD_PASSWORD, ...internal });
        expectStatus(a, 'authenticated');
        expectStatus(b, 'authenticated');
        expect((await w.kanmon.sessions.verify(a.token, { tenant: w.tenant })).ok).toBe(true);
        expect(await w.kanmon.markCompromised({ tenant: w.tenant, ...(await adminActor(w.kanmon, w.tenant, 'admin-1')), accountId: omi.id, source: 'incident' })).toEqual({ ok: true, alreadyCompromised: false });
        expect(await w.kanmon.sessions.verify(a.token, { tenant: w.tenant })).toEqual({ ok: false, reason: 'revoked' });
        expect(await w.kanmon.sessions.verify(b.token, { tenant: w.tenant })).toEqual({ ok: false, reason: 'revoked' });
        const login = await w.kanmon.login({ tenant: w.tenant, username: 'omi', password: GOOD_PASSWORD, ...internal });
        expectStatus(login, 'password_change_required');
        expect(login.reason).toBe('compromised');
        expect(w.events().find((e) => e.type === 'password.compromised')).toMatchObject({ actor: 'admin-1', target: omi.id, reason: 'incident', after: { compromised: true } });
      });

      it('changing the password from a session revokes every other session and hands back a fresh one; the minimum age holds', async () => {
        const w = world({ password: { minAgeDays: 1 } });
        await w.addUser('pia', GOOD_PASSWORD, { passwordChangedAt: w.clock.now() - 2 * DAY });
        const a = await w.kanmon.login({ tenant: w.tenant, username: 'pia', password: GOOD_PASSWORD, ...internal });
        const b = await w.kanmon.login({ tenant: w.tenant, username: 'pia', password: GOOD_PASSWORD, ...internal });
        expectStatus(a, 'authenticated');
        expectStatus(b, 'authenticated');
        const changed = await w.kanmon.changePassword({ session: a.session, currentPassword: GOOD_PASSWORD, newPassword: OTHER_GOOD_PASSWORD, ...internal });
        if (changed.status !== 'changed') throw new Error(JSON.stringify(changed));
        expectStatus(changed.next, 'authenticated');
        expect(changed.next.session.authTime).toBe(a.session.authTime);
        expect(await w.kanmon.sessions.verify(b.token, { tenant: w.tenant })).toEqual({ ok: false, reason: 'revoked' });
        expect(await w.kanmon.sessions.verify(a.token, { tenant: w.tenant })).toEqual({ ok: false, reason: 'revoked' });
        expect((await w.kanmon.sessions.verify(changed.next.token, { tenant: w.tenant })).ok).toBe(true);
        // RM-36: not again the same day.
        const again = await w.kanmon.changePassword({ session: changed.next.session, currentPassword: OTHER_GOOD_PASSWORD, newPassword: 'Zy8&tGm3#qWv', ...internal });
        expect(again).toMatchObject({ status: 'denied', reason: 'too_soon', retryAfterMs: expect.any(Number) as number });
      });

      it('RM-36: the last passwords (policy.password.history) cannot come back', async () => {
        const w = world({ password: { history: 3 } });
        await w.addUser('pia');
        const login = await w.kanmon.login({ tenant: w.tenant, username: 'pia', password: GOOD_PASSWORD, ...internal });
        expectStatus(login, 'authenticated');
        let session = login.session;
        const change = async (from: string, to: string) => {
          const result = await w.kanmon.changePassword({ session, currentPassword: from, newPassword: to, ...internal });
          if (result.status === 'changed' && result.next.status === 'authenticated') session = result.next.session;
          return result;
        };
        expect((await change(GOOD_PASSWORD, OTHER_GOOD_PASSWORD)).status).toBe('changed');
        expect(await change(OTHER_GOOD_PASSWORD, GOOD_PASSWORD)).toEqual({ status: 'denied', reason: 'reused' });
        expect((await change(OTHER_GOOD_PASSWORD, 'Zy8&tGm3#qWv')).status).toBe('changed');
        expect(await change('Zy8&tGm3#qWv', GOOD_PASSWORD)).toEqual({ status: 'denied', reason: 'reused' });
        expect((await change('Zy8&tGm3#qWv', 'Hj5*pXc7!sDf')).status).toBe('changed');
        // Three back (history 3 = the current one and the two before it): GOOD_PASSWORD is free again.
        expect((await change('Hj5*pXc7!sDf', GOOD_PASSWORD)).status).toBe('changed');
        expect(w.events().filter((e) => e.type === 'password.rejected').map((e) => e.reason)).toEqual(['reused', 'reused']);
      });
    });

    describe('administration and sessions', () => {
      it('grantRole / revokeRole are audited with before and after; revoking a role revokes the sessions carrying it', async () => {
        const w = world();
        const quin = await w.addUser('quin');
        const grant = await w.kanmon.grantRole({ tenant: w.tenant, ...(await adminActor(w.kanmon, w.tenant, 'admin-1')), accountId: quin.id, role: 'auditor' });
        expect(grant).toEqual({ ok: true, roles: ['auditor'] });
        const login = await w.kanmon.login({ tenant: w.tenant, username: 'quin', password: GOOD_PASSWORD, ...internal });
        expectStatus(login, 'authenticated');
        expect(login.session.roles).toEqual(['auditor']);
        expect(await w.kanmon.revokeRole({ tenant: w.tenant, ...(await adminActor(w.kanmon, w.tenant, 'admin-1')), accountId: quin.id, role: 'auditor' })).toEqual({ ok: true, roles: [] });
        expect(await w.kanmon.sessions.verify(login.token, { tenant: w.tenant })).toEqual({ ok: false, reason: 'revoked' });
        const events = w.events().filter((e) => e.type.startsWith('admin.role.'));
        expect(events.map((e) => [e.type, e.actor, e.target, e.before, e.after])).toEqual([
          ['admin.role.grant', 'admin-1', quin.id, { roles: [] }, { roles: ['auditor'] }],
          ['admin.role.revoke', 'admin-1', quin.id, { roles: ['auditor'] }, { roles: [], sessionsRevoked: true }],
        ]);
      });

      it('logout ends that session only; disabling an account ends all of them', async () => {
        const w = world();
        const rin = await w.addUser('rin');
        const a = await w.kanmon.login({ tenant: w.tenant, username: 'rin', password: GOOD_PASSWORD, ...internal });
        const b = await w.kanmon.login({ tenant: w.tenant, username: 'rin', password: GOOD_PASSWORD, ...internal });
        expectStatus(a, 'authenticated');
        expectStatus(b, 'authenticated');
        await w.kanmon.logout({ session: a.session, ...internal });
        expect(await w.kanmon.sessions.verify(a.token, { tenant: w.tenant })).toEqual({ ok: false, reason: 'revoked' });
        expect((await w.kanmon.sessions.verify(b.token, { tenant: w.tenant })).ok).toBe(true);
        expect(await w.kanmon.setDisabled({ tenant: w.tenant, ...(await adminActor(w.kanmon, w.tenant, 'admin-1')), accountId: rin.id, disabled: true })).toEqual({ ok: true });
        expect(await w.kanmon.sessions.verify(b.token, { tenant: w.tenant })).toEqual({ ok: false, reason: 'revoked' });
        expect(w.events().map((e) => e.type)).toEqual(expect.arrayContaining(['auth.logout', 'admin.account.disable']));
      });

      it("a session of one tenant is refused by another tenant's check", async () => {
        const w = world();
        await w.addUser('sora');
        const login = await w.kanmon.login({ tenant: w.tenant, username: 'sora', password: GOOD_PASSWORD, ...internal });
        expectStatus(login, 'authenticated');
        expect(await w.kanmon.sessions.verify(login.token, { tenant: 'other-city' })).toEqual({ ok: false, reason: 'wrong_tenant' });
        // And its accounts are not found from there.
        expect(await w.kanmon.login({ tenant: 'other-city', username: 'sora', password: GOOD_PASSWORD, ...internal })).toEqual({ status: 'denied', reason: 'invalid_credentials' });
      });

      it('a hash at older parameters is replaced on a successful login (needsRehash)', async () => {
        const w = world();
        const old = await import('../../src/index.js').then(({ createPasswordHasher, definePolicy, createKeyRing }) =>
          createPasswordHasher({
            policy: definePolicy('funabashi', { hashing: { argon2: { memoryKiB: 2048, iterations: 1, parallelism: 1 } } }),
            keyRing: createKeyRing({ keys: [{ id: 'x', secret: new Uint8Array(32) }], current: 'x' }),
          }).hash(GOOD_PASSWORD),
        );
        const taro = await w.addUser('taro', GOOD_PASSWORD, { passwordHash: old });
        expect(w.kanmon.hasher.needsRehash(old)).toBe(true);
        expectStatus(await w.kanmon.login({ tenant: w.tenant, username: 'taro', password: GOOD_PASSWORD, ...internal }), 'authenticated');
        const stored = (await w.accounts.findById(w.tenant, taro.id))!.passwordHash;
        expect(stored).not.toBe(old);
        expect(w.kanmon.hasher.needsRehash(stored)).toBe(false);
        expectStatus(await w.kanmon.login({ tenant: w.tenant, username: 'taro', password: GOOD_PASSWORD, ...internal }), 'authenticated');
      });

      it('malformed input is a coded answer, never a throw', async () => {
        const w = world();
        for (const username of [undefined, 42, '', 'x'.repeat(300)]) {
          expect(await w.kanmon.login({ tenant: w.tenant, username: username as string, password: GOOD_PASSWORD, ...internal })).toEqual({
            status: 'denied',
            reason: 'invalid_credentials',
          });
        }
        await expect(w.kanmon.login({ tenant: 'bad tenant!', username: 'a', password: 'b', ...internal })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
      });
    });

    describe('races', () => {
      it('SEC-24: 40 concurrent logins with a wrong password never run more than maxFailures verifications', async () => {
        const w = world();
        await w.addUser('umi');
        const results = await Promise.all(
          Array.from({ length: 40 }, () => w.kanmon.login({ tenant: w.tenant, username: 'umi', password: 'Wrong#Pass9x', ...internal })),
        );
        expect(w.hasher.calls.verify + w.hasher.calls.dummyVerify).toBeLessThanOrEqual(w.policy.lockout.maxFailures);
        expect(results.every((r) => r.status === 'denied')).toBe(true);
        expect(results.filter((r) => r.status === 'denied' && r.reason === 'locked').length).toBeGreaterThanOrEqual(40 - w.policy.lockout.maxFailures);
      });

      it('two concurrent uses of one MFA challenge with two valid codes: one session', async () => {
        const w = world();
        await w.addUser('vic', GOOD_PASSWORD, { roles: ['admin'] });
        const first = await w.kanmon.login({ tenant: w.tenant, username: 'vic', password: GOOD_PASSWORD, ...internal });
        expectStatus(first, 'mfa_required');
        const { secret } = await enrolThroughChallenge(w, first.challenge);
        const login = await w.kanmon.login({ tenant: w.tenant, username: 'vic', password: GOOD_PASSWORD, ...internal });
        expectStatus(login, 'mfa_required');
        w.clock.advance(30_000);
        const results = await Promise.all([0, 1].map(() => w.kanmon.verifyMfa({ challenge: login.challenge, code: totpAt(secret, w.clock.now()) })));
        expect(results.filter((r) => r.status === 'authenticated')).toHaveLength(1);
      });
    });
  });
}

flowSuite('memory', () => (now) => memoryStore({ now }));

describe('malformed input never throws (property)', () => {
  it('login, verifyMfa, changePassword, enrollTotp: any value in any field is a coded answer', async () => {
    const w = makeWorld((now) => memoryStore({ now }));
    await w.addUser('alice');
    const anything = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.anything(), fc.constant('alice'), fc.constant(GOOD_PASSWORD));
    const statuses = new Set(['authenticated', 'mfa_required', 'password_change_required', 'denied']);
    await fc.assert(
      fc.asyncProperty(anything, anything, anything, anything, async (username, password, clientIp, deviceId) => {
        const result = await w.kanmon.login({ tenant: w.tenant, username, password, clientIp, deviceId, tls: true } as never);
        expect(statuses.has(result.status)).toBe(true);
        expect(await w.kanmon.verifyMfa({ challenge: username as string, code: password as string })).toEqual({ status: 'denied', reason: 'invalid_challenge' });
        expect(await w.kanmon.enrollTotp({ challenge: username as string })).toEqual({ status: 'denied', reason: 'invalid_challenge' });
        const change = await w.kanmon.changePassword({ challenge: username as string, currentPassword: password as string, newPassword: 'x' });
        expect(change).toEqual({ status: 'denied', reason: 'invalid_challenge' });
      }),
      { numRuns: 150 },
    );
  });
});

describe('store outage', () => {
  it('the store does not answer: the login is refused as unavailable (fail closed) and no hash is computed', async () => {
    let down = false;
    const w = makeWorld((now) => {
      const store = memoryStore({ now });
      const fail = () => Promise.reject(new KanmonError('ERR_STORE_UNAVAILABLE', 'ECONNREFUSED'));
      return { ...store, updateNow: undefined, inProcess: false, update: (t, k, a) => (down ? fail() : store.update(t, k, a)) };
    });
    await w.addUser('hiro');
    expectStatus(await w.kanmon.login({ tenant: w.tenant, username: 'hiro', password: GOOD_PASSWORD, ...internal }), 'authenticated');
    down = true;
    w.hasher.reset();
    expect(await w.kanmon.login({ tenant: w.tenant, username: 'hiro', password: GOOD_PASSWORD, ...internal })).toEqual({ status: 'denied', reason: 'unavailable', retryAfterMs: 1000 });
    expect(w.hasher.calls).toEqual({ verify: 0, dummyVerify: 0, hash: 0 });
  });
});

const hasRedis = requireService('redis');
describe.skipIf(!hasRedis)('Redis', () => {
  let server: RedisServer;
  let client: Redis;
  beforeAll(async () => {
    server = await startRedis();
    client = new Redis(server.url);
    client.on('error', () => undefined);
  });
  afterAll(async () => {
    await client?.quit();
    await server?.stop();
  });
  flowSuite('redis', () => () => redisStore({ client }));
});
