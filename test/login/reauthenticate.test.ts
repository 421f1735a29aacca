/**
 * Issue 17 point 1, step-up (SEC-13 強化された認証技術; ASVS 5.0 V7.5.1 re-authenticate before sensitive work):
 * `reauthenticate({ session, password | code })` re-checks a factor through the same lockout as a login and
 * answers a NEW session (new id, `authTime` now); the old one is refused from then on. Failures count toward
 * the lock a login sees (SEC-24). On memory, Redis and PostgreSQL.
 */
import { describe, expect, it } from 'vitest';
import { totpAt } from '../mfa/support.js';
import { type MakeStore, type StoreName, onEveryStore } from '../support/stores.js';
import { okOf } from '../support/results.js';
import { GOOD_PASSWORD, INTERNAL_IP, OUTSIDE_IP, type World, base32Decode, makeWorld } from './support.js';

const inside = { clientIp: INTERNAL_IP, tls: true } as const;
const outside = { clientIp: OUTSIDE_IP, tls: true } as const;
const WRONG = 'Wrong#Pass9x';
const STEP = 30_000;

function reauthSuite(name: StoreName, makeStore: MakeStore) {
  /** sato, logged in from inside (password only): the session and its token. */
  async function loggedIn(w: World = makeWorld(makeStore)) {
    const account = await w.addUser('sato', GOOD_PASSWORD, { roles: ['staff'] });
    const login = await w.kanmon.login({ tenant: w.tenant, username: 'sato', password: GOOD_PASSWORD, ...inside });
    if (login.status !== 'authenticated') throw new Error(JSON.stringify(login));
    return { w, account, session: login.session, token: login.token };
  }

  /** sato with TOTP, logged in from outside with a code: the session passed the second factor. */
  async function enrolled() {
    const w = makeWorld(makeStore);
    const account = await w.addUser('sato');
    const login = await w.kanmon.login({ tenant: w.tenant, username: 'sato', password: GOOD_PASSWORD, ...outside });
    if (login.status !== 'mfa_required') throw new Error(login.status);
    const enrollment = await w.kanmon.enrollTotp({ challenge: login.challenge });
    if (enrollment.status !== 'pending') throw new Error(JSON.stringify(enrollment));
    const secret = base32Decode(enrollment.secret);
    const confirmed = await w.kanmon.confirmTotp({ challenge: login.challenge, code: totpAt(secret, w.clock.now()) });
    if (confirmed.status !== 'authenticated') throw new Error(JSON.stringify(confirmed));
    return { w, account, secret, session: confirmed.session, token: confirmed.token, recoveryCodes: [...confirmed.recoveryCodes] };
  }

  describe(`SEC-13, ASVS 5.0 V7.5.1: reauthenticate (${name})`, () => {
    it('the password: a new session (new id, authTime now, the roles now); the old token is refused, the new one accepted; audited', async () => {
      const { w, account, session, token } = await loggedIn();
      await w.accounts.update(w.tenant, account.id, { roles: ['staff', 'auditor'] });
      w.clock.advance(20 * 60_000);
      const result = okOf(await w.kanmon.reauthenticate({ session, password: GOOD_PASSWORD, ...inside }));
      expect(result.session.sessionId).not.toBe(session.sessionId);
      expect(result.session.authTime).toBe(w.clock.now());
      expect(result.session).toMatchObject({ tenant: w.tenant, subject: account.id, amr: ['pwd'], roles: ['staff', 'auditor'] });
      expect(await w.kanmon.sessions.verify(token, { tenant: w.tenant })).toEqual({ ok: false, reason: 'revoked' });
      expect(await w.kanmon.sessions.verify(result.token, { tenant: w.tenant })).toMatchObject({ ok: true, session: { sessionId: result.session.sessionId } });
      const success = w.events().filter((e) => e.type === 'auth.reauth.success');
      expect(success).toEqual([
        expect.objectContaining({ actor: 'sato', target: account.id, reason: 'pwd', before: { sessionId: session.sessionId }, after: expect.objectContaining({ sessionId: result.session.sessionId }) as object }),
      ]);
      expect(w.auditText()).not.toContain(GOOD_PASSWORD);
    });

    it('the old session cannot step up twice: the second answer is invalid_session, audited, and makes no session', async () => {
      const { w, session } = await loggedIn();
      okOf(await w.kanmon.reauthenticate({ session, password: GOOD_PASSWORD }));
      expect(await w.kanmon.reauthenticate({ session, password: GOOD_PASSWORD })).toEqual({ ok: false, reason: 'invalid_session' });
      expect(w.events().filter((e) => e.type === 'auth.reauth.success')).toHaveLength(1);
      expect(w.events().at(-1)).toMatchObject({ type: 'auth.reauth.failure', outcome: 'denied', reason: 'invalid_session' });
    });

    it('SEC-24: wrong passwords count toward the login lockout: 5 wrong reauthentications lock the account for a login too (and no hash is computed then)', async () => {
      const { w, session } = await loggedIn();
      for (let i = 0; i < 4; i++) expect(await w.kanmon.reauthenticate({ session, password: WRONG, ...inside })).toEqual({ ok: false, reason: 'invalid_credentials' });
      expect(await w.kanmon.reauthenticate({ session, password: WRONG, ...inside })).toEqual({ ok: false, reason: 'locked', retryAfterMs: 30 * 60_000 });
      w.hasher.reset();
      expect(await w.kanmon.login({ tenant: w.tenant, username: 'sato', password: GOOD_PASSWORD, ...inside })).toMatchObject({ status: 'denied', reason: 'locked' });
      expect(await w.kanmon.reauthenticate({ session, password: GOOD_PASSWORD, ...inside })).toMatchObject({ ok: false, reason: 'locked' });
      expect(w.hasher.calls).toEqual({ verify: 0, dummyVerify: 0, hash: 0 });
      expect(w.events().filter((e) => e.type === 'auth.reauth.failure').map((e) => e.reason)).toEqual([...Array<string>(5).fill('wrong_password'), 'locked']);
      expect(w.auditText()).not.toContain(WRONG);
    });

    it('SEC-24: failed logins count toward a reauthentication: a locked account cannot step up', async () => {
      const { w, session } = await loggedIn();
      for (let i = 0; i < 5; i++) await w.kanmon.login({ tenant: w.tenant, username: 'sato', password: WRONG, ...inside });
      expect(await w.kanmon.reauthenticate({ session, password: GOOD_PASSWORD, ...inside })).toMatchObject({ ok: false, reason: 'locked' });
    });

    it('a TOTP code: otp and mfa join the amr; the same code again is replayed; a recovery code works once', async () => {
      const { w, secret, session, recoveryCodes } = await enrolled();
      w.clock.advance(STEP);
      const code = totpAt(secret, w.clock.now());
      const stepped = okOf(await w.kanmon.reauthenticate({ session, code, ...outside }));
      expect([...stepped.session.amr].sort()).toEqual(['mfa', 'otp', 'pwd']);
      expect(stepped.session.authTime).toBe(w.clock.now());
      expect(await w.kanmon.reauthenticate({ session: stepped.session, code, ...outside })).toEqual({ ok: false, reason: 'replayed' });
      const byRecovery = okOf(await w.kanmon.reauthenticate({ session: stepped.session, code: recoveryCodes[0]!, ...outside }));
      expect(await w.kanmon.reauthenticate({ session: byRecovery.session, code: recoveryCodes[0]!, ...outside })).toEqual({ ok: false, reason: 'already_used' });
      expect(w.auditText()).not.toContain(code);
      expect(w.auditText()).not.toContain(recoveryCodes[0]!);
    });

    it('SEC-13: wrong codes count toward the MFA lockout: after 5, a login cannot pass its second factor either', async () => {
      const { w, secret, session } = await enrolled();
      w.clock.advance(STEP);
      const wrong = totpAt(secret, w.clock.now() + 10 * STEP);
      for (let i = 0; i < 5; i++) expect(await w.kanmon.reauthenticate({ session, code: wrong })).toEqual({ ok: false, reason: 'invalid_code' });
      expect(await w.kanmon.reauthenticate({ session, code: totpAt(secret, w.clock.now()) })).toMatchObject({ ok: false, reason: 'locked' });
      const login = await w.kanmon.login({ tenant: w.tenant, username: 'sato', password: GOOD_PASSWORD, ...outside });
      if (login.status !== 'mfa_required') throw new Error(login.status);
      expect(await w.kanmon.verifyMfa({ challenge: login.challenge, code: totpAt(secret, w.clock.now()) })).toMatchObject({ status: 'denied', reason: 'locked' });
    });

    it('a code for an account without a second factor: not_enrolled (audited), nothing counted', async () => {
      const { w, session } = await loggedIn();
      expect(await w.kanmon.reauthenticate({ session, code: '123456' })).toEqual({ ok: false, reason: 'not_enrolled' });
      expect(w.events().at(-1)).toMatchObject({ type: 'auth.reauth.failure', reason: 'not_enrolled' });
    });

    it('refused without checking the factor: a disabled account, a session revoked by a logout everywhere', async () => {
      const disabled = await loggedIn();
      await disabled.w.accounts.update(disabled.w.tenant, disabled.account.id, { disabled: true });
      disabled.w.hasher.reset();
      expect(await disabled.w.kanmon.reauthenticate({ session: disabled.session, password: GOOD_PASSWORD })).toEqual({ ok: false, reason: 'invalid_session' });
      expect(disabled.w.hasher.calls.verify).toBe(0);

      const revoked = await loggedIn();
      await revoked.w.kanmon.sessions.revokeAll(revoked.w.tenant, revoked.account.id);
      expect(await revoked.w.kanmon.reauthenticate({ session: revoked.session, password: GOOD_PASSWORD })).toEqual({ ok: false, reason: 'invalid_session' });
      // A hand-made session (no epoch from sessions.verify) is no proof either.
      const { epoch: _epoch, ...handMade } = revoked.session;
      expect(await revoked.w.kanmon.reauthenticate({ session: handMade, password: GOOD_PASSWORD })).toEqual({ ok: false, reason: 'invalid_session' });
      expect(revoked.w.events().filter((e) => e.type === 'auth.reauth.failure').map((e) => e.reason)).toEqual(['invalid_session', 'invalid_session']);
    });

    it('race: concurrent reauthentications of one session give exactly one new session; the account is not locked by them', async () => {
      const { w, session } = await loggedIn();
      // As many as the lockout lets in flight at once (maxFailures 5): every loser is refused as a spent session.
      const answers = await Promise.all(Array.from({ length: 5 }, () => w.kanmon.reauthenticate({ session, password: GOOD_PASSWORD, ...inside })));
      expect(answers.filter((a) => a.ok)).toHaveLength(1);
      expect(answers.filter((a) => !a.ok).map((a) => (a.ok ? null : a.reason))).toEqual(Array<string>(4).fill('invalid_session'));
      expect(w.events().filter((e) => e.type === 'auth.reauth.success')).toHaveLength(1);
      // More than that at once: the lockout refuses the surplus in flight (as for logins), still one session, and no lock stays.
      const again = await loggedIn(makeWorld(makeStore));
      const many = await Promise.all(Array.from({ length: 10 }, () => again.w.kanmon.reauthenticate({ session: again.session, password: GOOD_PASSWORD, ...inside })));
      expect(many.filter((a) => a.ok)).toHaveLength(1);
      expect(many.every((a) => a.ok || a.reason === 'invalid_session' || a.reason === 'locked')).toBe(true);
      expect(await again.w.kanmon.login({ tenant: again.w.tenant, username: 'sato', password: GOOD_PASSWORD, ...inside })).toMatchObject({ status: 'authenticated' });
    });

    it('malformed input: a coded refusal for a password that is no string (counted), a programmer error for no session or not exactly one factor', async () => {
      const { w, session } = await loggedIn();
      expect(await w.kanmon.reauthenticate({ session, password: 12345 as unknown as string })).toEqual({ ok: false, reason: 'invalid_credentials' });
      expect((await w.kanmon.lockout.status({ tenant: w.tenant, account: 'sato', accountId: session.subject })).password.failures).toBe(1);
      await expect(w.kanmon.reauthenticate({ session, password: GOOD_PASSWORD, code: '123456' } as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
      await expect(w.kanmon.reauthenticate({ session } as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
      await expect(w.kanmon.reauthenticate({ password: GOOD_PASSWORD } as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
      await expect(w.kanmon.reauthenticate(null as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    });
  });
}

onEveryStore(reauthSuite);
