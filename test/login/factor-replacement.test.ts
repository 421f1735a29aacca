/**
 * ASVS 5.0 V7.5.1 (re-authenticate before changing an authentication factor)
 * and V6 (a factor is replaced only with that factor or an equal one): the
 * second factor of an account cannot be replaced from a password-only session.
 *
 * The setting is the one the issue found: a staff account inside the internal
 * network is let in with its password alone (SEC-16 asks MFA only outside),
 * but the account has TOTP enrolled. From that session, `enrollTotp` /
 * `confirmTotp` need a fresh authentication (`policy.session.reauthMaxAgeSeconds`,
 * else `reauth_required`) and a code of the current factor (TOTP or recovery
 * code, else `factor_required` / `invalid_code`), checked like a login's: MFA
 * lockout, replay guard (RFC 6238 §5.2), single use. On memory, Redis and
 * PostgreSQL.
 */
import { describe, expect, it } from 'vitest';
import type { Session } from '../../src/index.js';
import { totpAt } from '../mfa/support.js';
import { type MakeStore, type StoreName, onEveryStore } from '../support/stores.js';
import { GOOD_PASSWORD, INTERNAL_IP, OUTSIDE_IP, type World, base32Decode, makeWorld } from './support.js';

const internal = { clientIp: INTERNAL_IP, tls: true } as const;
const outside = { clientIp: OUTSIDE_IP, tls: true } as const;
const STEP = 30_000;

function replacementSuite(storeName: StoreName, makeStore: MakeStore) {
  /** An account with TOTP enrolled through its login challenge (from outside, where MFA is required). */
  async function enrolledWorld() {
    const w = makeWorld(makeStore);
    const account = await w.addUser('sato');
    const login = await w.kanmon.login({ tenant: w.tenant, username: 'sato', password: GOOD_PASSWORD, ...outside });
    if (login.status !== 'mfa_required') throw new Error(`expected mfa_required, got ${login.status}`);
    const enrollment = await w.kanmon.enrollTotp({ challenge: login.challenge });
    if (enrollment.status !== 'pending') throw new Error(`expected pending, got ${JSON.stringify(enrollment)}`);
    const secret = base32Decode(enrollment.secret);
    const confirmed = await w.kanmon.confirmTotp({ challenge: login.challenge, code: totpAt(secret, w.clock.now()) });
    if (confirmed.status !== 'authenticated') throw new Error(`expected authenticated, got ${JSON.stringify(confirmed)}`);
    w.clock.advance(STEP);
    return { w, account, secret, recoveryCodes: [...confirmed.recoveryCodes] };
  }

  /** A session from inside the internal network: the password alone (amr ['pwd']). */
  async function passwordOnly(w: World): Promise<Session> {
    const result = await w.kanmon.login({ tenant: w.tenant, username: 'sato', password: GOOD_PASSWORD, ...internal });
    if (result.status !== 'authenticated') throw new Error(`expected authenticated, got ${result.status}`);
    expect(result.session.amr).toEqual(['pwd']);
    return result.session;
  }

  /** A login from outside completed with `code`: the factor still (or no longer) works. */
  async function mfaLogin(w: World, code: string) {
    const login = await w.kanmon.login({ tenant: w.tenant, username: 'sato', password: GOOD_PASSWORD, ...outside });
    if (login.status !== 'mfa_required') throw new Error(`expected mfa_required, got ${login.status}`);
    return w.kanmon.verifyMfa({ challenge: login.challenge, code: code });
  }

  const stored = async (w: World, id: string) => (await w.accounts.findById(w.tenant, id))!;

  describe(`ASVS 5.0 V7.5.1: replacing the second factor from a session (${storeName})`, () => {
    it('a password-only session on an enrolled account cannot enrol or confirm: factor_required / invalid_code; the old secret and recovery codes still work', async () => {
      const { w, account, secret, recoveryCodes } = await enrolledWorld();
      const before = await stored(w, account.id);
      const session = await passwordOnly(w);

      expect(await w.kanmon.enrollTotp({ session })).toEqual({ status: 'denied', reason: 'factor_required' });
      expect(await w.kanmon.enrollTotp({ session, currentCode: '' })).toEqual({ status: 'denied', reason: 'factor_required' });
      expect(await w.kanmon.enrollTotp({ session, currentCode: '000000' === totpAt(secret, w.clock.now()) ? '111111' : '000000' })).toEqual({
        status: 'denied',
        reason: 'invalid_code',
      });
      expect(await w.kanmon.enrollTotp({ session, currentCode: 'AAAA-BBBB-CCCC' })).toEqual({ status: 'denied', reason: 'invalid_code' });
      expect(await w.kanmon.confirmTotp({ session, code: totpAt(secret, w.clock.now()) })).toEqual({ status: 'denied', reason: 'not_enrolled' });

      const after = await stored(w, account.id);
      expect(after.totpSecret).toBe(before.totpSecret);
      expect(after.totpPendingSecret).toBeNull();
      expect(after.recoveryCodes).toEqual(before.recoveryCodes);
      expect(w.events().filter((e) => e.type === 'auth.mfa.failure').map((e) => e.reason)).toEqual([
        'replace_factor_required',
        'replace_factor_required',
        'replace_invalid_code',
        'replace_recovery_invalid_code',
      ]);

      // The owner's authenticator and recovery codes are untouched.
      w.clock.advance(STEP);
      expect((await mfaLogin(w, totpAt(secret, w.clock.now()))).status).toBe('authenticated');
      expect((await mfaLogin(w, recoveryCodes[0]!)).status).toBe('authenticated');
    });

    it('with a code of the current TOTP and a fresh session: the factor is replaced, ten new recovery codes, the old secret and old codes are dead', async () => {
      const { w, account, secret, recoveryCodes } = await enrolledWorld();
      const session = await passwordOnly(w);
      const enrollment = await w.kanmon.enrollTotp({ session, currentCode: totpAt(secret, w.clock.now()) });
      if (enrollment.status !== 'pending') throw new Error(JSON.stringify(enrollment));
      const fresh = base32Decode(enrollment.secret);
      // The current factor still works until the new one is confirmed.
      expect((await stored(w, account.id)).totpSecret).not.toBeNull();
      w.clock.advance(STEP);
      const confirmed = await w.kanmon.confirmTotp({ session, code: totpAt(fresh, w.clock.now()) });
      if (confirmed.status !== 'enrolled') throw new Error(JSON.stringify(confirmed));
      expect(confirmed.recoveryCodes).toHaveLength(10);
      expect(confirmed.recoveryCodes.some((c) => recoveryCodes.includes(c))).toBe(false);
      expect(w.events().some((e) => e.type === 'auth.mfa.enrolled' && (e.before as { enrolled?: boolean } | null)?.enrolled === true)).toBe(true);

      w.clock.advance(STEP);
      expect(await mfaLogin(w, totpAt(secret, w.clock.now()))).toEqual({ status: 'denied', reason: 'invalid_code' });
      expect(await mfaLogin(w, recoveryCodes[1]!)).toEqual({ status: 'denied', reason: 'invalid_code' });
      expect((await mfaLogin(w, totpAt(fresh, w.clock.now()))).status).toBe('authenticated');
      expect((await mfaLogin(w, confirmed.recoveryCodes[0]!)).status).toBe('authenticated');
      expect(w.auditText()).not.toContain(enrollment.secret);
    });

    it('RFC 6238 §5.2: the new app may be confirmed in the same 30-second step as the current code; the confirming code cannot sign in again', async () => {
      const { w, secret } = await enrolledWorld();
      const session = await passwordOnly(w);
      const enrollment = await w.kanmon.enrollTotp({ session, currentCode: totpAt(secret, w.clock.now()) });
      if (enrollment.status !== 'pending') throw new Error(JSON.stringify(enrollment));
      const fresh = base32Decode(enrollment.secret);
      const confirming = totpAt(fresh, w.clock.now());
      const confirmed = await w.kanmon.confirmTotp({ session, code: confirming });
      expect(confirmed.status).toBe('enrolled');
      // The code that confirmed the new app is spent for the account: a replay of it at login is refused.
      expect(await mfaLogin(w, confirming)).toEqual({ status: 'denied', reason: 'replayed' });
      w.clock.advance(STEP);
      expect((await mfaLogin(w, totpAt(fresh, w.clock.now()))).status).toBe('authenticated');
    });

    it('a recovery code proves the current factor too, and is spent by it', async () => {
      const { w, recoveryCodes } = await enrolledWorld();
      const session = await passwordOnly(w);
      const enrollment = await w.kanmon.enrollTotp({ session, currentCode: recoveryCodes[2]! });
      expect(enrollment.status).toBe('pending');
      expect(w.events().filter((e) => e.type === 'auth.recovery_code.used')).toHaveLength(1);
      expect(await w.kanmon.enrollTotp({ session, currentCode: recoveryCodes[2]! })).toEqual({ status: 'denied', reason: 'already_used' });
    });

    it('RFC 6238 §5.2: a current code already used (at login, or for another enrolment) is refused as replayed', async () => {
      const { w, secret } = await enrolledWorld();
      const code = totpAt(secret, w.clock.now());
      expect((await mfaLogin(w, code)).status).toBe('authenticated');
      const session = await passwordOnly(w);
      expect(await w.kanmon.enrollTotp({ session, currentCode: code })).toEqual({ status: 'denied', reason: 'replayed' });
      w.clock.advance(STEP);
      const next = totpAt(secret, w.clock.now());
      expect((await w.kanmon.enrollTotp({ session, currentCode: next })).status).toBe('pending');
      expect(await w.kanmon.enrollTotp({ session, currentCode: next })).toEqual({ status: 'denied', reason: 'replayed' });
      expect(w.events().filter((e) => e.type === 'auth.mfa.replayed').map((e) => e.reason)).toEqual(['replace_replayed', 'replace_replayed']);
    });

    it('race: one current code sent by 12 concurrent enrolments starts exactly one (the others: replayed, or locked once maxFailures are in flight)', async () => {
      const { w, secret } = await enrolledWorld();
      const session = await passwordOnly(w);
      const code = totpAt(secret, w.clock.now());
      const results = await Promise.all(Array.from({ length: 12 }, () => w.kanmon.enrollTotp({ session, currentCode: code })));
      expect(results.filter((r) => r.status === 'pending')).toHaveLength(1);
      const reasons = new Set(results.flatMap((r) => (r.status === 'denied' ? [r.reason] : [])));
      expect([...reasons].every((reason) => reason === 'replayed' || reason === 'locked'), [...reasons].join()).toBe(true);
    });

    it('SEC-13: wrong current codes count on the MFA lockout; after maxFailures even the right code is locked', async () => {
      const { w, secret } = await enrolledWorld();
      const session = await passwordOnly(w);
      const right = totpAt(secret, w.clock.now());
      const wrong = right === '123456' ? '654321' : '123456';
      for (let i = 0; i < w.policy.lockout.mfa.maxFailures; i++) {
        expect((await w.kanmon.enrollTotp({ session, currentCode: wrong })).status).toBe('denied');
      }
      expect(await w.kanmon.enrollTotp({ session, currentCode: right })).toMatchObject({ status: 'denied', reason: 'locked' });
    });

    it('a stale session (authTime older than reauthMaxAgeSeconds) gets reauth_required, before any code is looked at', async () => {
      const { w, secret } = await enrolledWorld();
      const session = await passwordOnly(w);
      w.clock.advance(w.policy.session.reauthMaxAgeSeconds * 1000 + 1000);
      const code = totpAt(secret, w.clock.now());
      expect(await w.kanmon.enrollTotp({ session, currentCode: code })).toEqual({ status: 'denied', reason: 'reauth_required' });
      expect(await w.kanmon.confirmTotp({ session, code: code })).toEqual({ status: 'denied', reason: 'reauth_required' });
      // The code was not spent: it still completes a login.
      expect((await mfaLogin(w, code)).status).toBe('authenticated');
    });

    it('the pending secret of a proven enrolment can be confirmed only by the session that proved the factor, and only while it is fresh', async () => {
      const { w, account, secret } = await enrolledWorld();
      const owner = await passwordOnly(w);
      const other = await passwordOnly(w); // e.g. someone else who knows the password, inside the office
      const enrollment = await w.kanmon.enrollTotp({ session: owner, currentCode: totpAt(secret, w.clock.now()) });
      if (enrollment.status !== 'pending') throw new Error(JSON.stringify(enrollment));
      const fresh = base32Decode(enrollment.secret);
      w.clock.advance(STEP);
      expect(await w.kanmon.confirmTotp({ session: other, code: totpAt(fresh, w.clock.now()) })).toEqual({ status: 'denied', reason: 'factor_required' });
      expect((await stored(w, account.id)).totpPendingSecret).not.toBeNull();
      w.clock.advance(w.policy.session.reauthMaxAgeSeconds * 1000);
      expect(await w.kanmon.confirmTotp({ session: owner, code: totpAt(fresh, w.clock.now()) })).toEqual({ status: 'denied', reason: 'reauth_required' });
    });
  });

  describe(`first enrolment (${storeName})`, () => {
    it('from a session needs a fresh authentication but no code; through the login challenge it works as before', async () => {
      const w = makeWorld(makeStore);
      const account = await w.addUser('tanaka');
      const login = await w.kanmon.login({ tenant: w.tenant, username: 'tanaka', password: GOOD_PASSWORD, ...internal });
      if (login.status !== 'authenticated') throw new Error(login.status);
      w.clock.advance(w.policy.session.reauthMaxAgeSeconds * 1000 + 1000);
      expect(await w.kanmon.enrollTotp({ session: login.session })).toEqual({ status: 'denied', reason: 'reauth_required' });
      expect((await stored(w, account.id)).totpPendingSecret).toBeNull();

      const again = await w.kanmon.login({ tenant: w.tenant, username: 'tanaka', password: GOOD_PASSWORD, ...internal });
      if (again.status !== 'authenticated') throw new Error(again.status);
      const enrollment = await w.kanmon.enrollTotp({ session: again.session });
      if (enrollment.status !== 'pending') throw new Error(JSON.stringify(enrollment));
      const confirmed = await w.kanmon.confirmTotp({ session: again.session, code: totpAt(base32Decode(enrollment.secret), w.clock.now()) });
      expect(confirmed.status).toBe('enrolled');

      // The login challenge (stage mfa, account without a factor): unchanged, whatever the age of any session.
      const fresh = await w.addUser('kato');
      const challenged = await w.kanmon.login({ tenant: w.tenant, username: 'kato', password: GOOD_PASSWORD, ...outside });
      if (challenged.status !== 'mfa_required') throw new Error(challenged.status);
      w.clock.advance(60_000);
      const started = await w.kanmon.enrollTotp({ challenge: challenged.challenge });
      if (started.status !== 'pending') throw new Error(JSON.stringify(started));
      const done = await w.kanmon.confirmTotp({ challenge: challenged.challenge, code: totpAt(base32Decode(started.secret), w.clock.now()) });
      expect(done.status).toBe('authenticated');
      expect((await stored(w, fresh.id)).totpSecret).not.toBeNull();
    });
  });
}

onEveryStore(replacementSuite);
