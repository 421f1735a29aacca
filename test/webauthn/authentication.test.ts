/**
 * Issue 18, passkey sign-in (EXT-4 生体認証及び多要素認証【推奨】) (W3C WebAuthn Level 3 §7.2 "Verifying an authentication assertion"): as the second
 * factor of a login (offered beside TOTP), and passwordless (discoverable credentials, user verification required:
 * the passkey alone satisfies MFA, amr hwk + user). Every refusal is a coded result from the real
 * `@simplewebauthn/server` checking a software authenticator's assertions (node:crypto P-256); failures count toward
 * the second-factor lockout (SEC-13; NIST SP 800-63B-4 §3.2.2), a lowered counter is audited as a clone warning.
 */
import { describe, expect, it } from 'vitest';
import { memoryStore } from '../../src/index.js';
import type { MakeStore } from '../support/stores.js';
import { okOf } from '../support/results.js';
import type { SoftAuthenticator } from './support/authenticator.js';
import { atSecondFactor, authenticator, inside, passkeyWorld, register, signedIn, twinInOtherTenant } from './support/world.js';
import type { World } from '../login/support.js';

const mem: MakeStore = (now) => memoryStore({ now });
const denied = (reason: string) => ({ status: 'denied', reason });

/** sato with a registered passkey; a passwordless ceremony started. */
async function passwordless(webauthn: Parameters<typeof passkeyWorld>[1] = {}, auth: SoftAuthenticator = authenticator()) {
  const w = passkeyWorld(mem, webauthn);
  const { session, accountId } = await signedIn(w);
  await register(w, session, auth);
  const start = okOf(await w.kanmon.startPasskeyAuthentication({ tenant: w.tenant }));
  return { w, auth, accountId, start };
}

const finishPasswordless = (w: World, response: unknown) => w.kanmon.finishPasskeyAuthentication({ tenant: w.tenant, response, ...inside });

describe('issue 18: a passkey as the second factor of a login, beside TOTP', () => {
  it('mfa_required offers the passkey; the assertion completes the login: amr pwd + hwk + user + mfa, audited with the credential id, counter stored', async () => {
    const w = passkeyWorld(mem, { passwordless: false });
    const { auth, accountId, login } = await atSecondFactor(w);
    expect(login).toMatchObject({ enrolled: true, passkey: true });
    const start = okOf(await w.kanmon.startPasskeyAuthentication({ tenant: w.tenant, challenge: login.challenge }));
    expect(start.options.allowCredentials?.map((c) => c.id)).toEqual([auth.id]);
    expect(start.options.userVerification).toBe('preferred');
    const result = await w.kanmon.finishPasskeyAuthentication({ tenant: w.tenant, challenge: login.challenge, response: auth.get(start.options), ...inside });
    if (result.status !== 'authenticated') throw new Error(JSON.stringify(result));
    expect([...result.session.amr].sort()).toEqual(['hwk', 'mfa', 'pwd', 'user']);
    expect(result.session.subject).toBe(accountId);
    expect(w.events().filter((e) => e.type === 'auth.passkey.success')).toEqual([expect.objectContaining({ target: accountId, after: { webauthnId: auth.id, counter: 1, userVerified: true } })]);
    expect((await w.accounts.findById(w.tenant, accountId))?.passkeys?.[0]).toMatchObject({ counter: 1, lastUsedAt: w.clock.now() });
    // the login challenge is spent: it starts and completes no second login
    expect(await w.kanmon.startPasskeyAuthentication({ tenant: w.tenant, challenge: login.challenge })).toEqual({ ok: false, reason: 'invalid_challenge' });
    expect(await w.kanmon.finishPasskeyAuthentication({ tenant: w.tenant, challenge: login.challenge, response: auth.get(start.options), ...inside })).toEqual(denied('invalid_challenge'));
  });

  it('a credential of another account: unknown_credential (counted, audited)', async () => {
    const w = passkeyWorld(mem, { passwordless: false });
    const suzuki = await signedIn(w, 'suzuki');
    const stolen = authenticator();
    await register(w, suzuki.session, stolen);
    const { login } = await atSecondFactor(w);
    const start = okOf(await w.kanmon.startPasskeyAuthentication({ tenant: w.tenant, challenge: login.challenge }));
    expect(await w.kanmon.finishPasskeyAuthentication({ tenant: w.tenant, challenge: login.challenge, response: stolen.get(start.options), ...inside })).toEqual(denied('unknown_credential'));
    expect(w.events().filter((e) => e.type === 'auth.passkey.failure').map((e) => e.reason)).toContain('unknown_credential');
  });

  it("the ceremony of another login, another account, another tenant: challenge_mismatch; a wrong login challenge: invalid_challenge", async () => {
    const w = passkeyWorld(mem);
    const { auth, login } = await atSecondFactor(w);
    const second = await w.kanmon.login({ tenant: w.tenant, username: 'sato', password: 'Kq7#vRt2!mZp', clientIp: '198.51.100.7', tls: true });
    if (second.status !== 'mfa_required') throw new Error(second.status);
    const startFirst = okOf(await w.kanmon.startPasskeyAuthentication({ tenant: w.tenant, challenge: login.challenge }));
    // signed for the first login, offered with the second
    expect(await w.kanmon.finishPasskeyAuthentication({ tenant: w.tenant, challenge: second.challenge, response: auth.get(startFirst.options), ...inside })).toEqual(denied('challenge_mismatch'));
    // a passwordless (unbound) ceremony is not this login's
    const free = okOf(await w.kanmon.startPasskeyAuthentication({ tenant: w.tenant }));
    expect(await w.kanmon.finishPasskeyAuthentication({ tenant: w.tenant, challenge: login.challenge, response: auth.get(free.options), ...inside })).toEqual(denied('challenge_mismatch'));
    expect(await w.kanmon.finishPasskeyAuthentication({ tenant: w.tenant, challenge: 'kc1.nope', response: auth.get(startFirst.options), ...inside })).toEqual(denied('invalid_challenge'));
    // another tenant: the same account copied there, its login's challenge, the first tenant's ceremony
    const other = await twinInOtherTenant(w, (await w.accounts.find(w.tenant, 'sato'))?.id ?? '');
    const twinLogin = await w.kanmon.login({ tenant: other, username: 'sato', password: 'Kq7#vRt2!mZp', clientIp: '198.51.100.7', tls: true });
    if (twinLogin.status !== 'mfa_required') throw new Error(twinLogin.status);
    expect(await w.kanmon.finishPasskeyAuthentication({ tenant: other, challenge: twinLogin.challenge, response: auth.get(startFirst.options), ...inside })).toEqual(denied('challenge_mismatch'));
  });

  it('SEC-13: failures count toward the second-factor lockout (policy.lockout.mfa.maxFailures = 5): then locked, even with a good assertion', async () => {
    const w = passkeyWorld(mem, { passwordless: false });
    const { auth, login } = await atSecondFactor(w);
    for (let i = 0; i < 5; i++) {
      const start = okOf(await w.kanmon.startPasskeyAuthentication({ tenant: w.tenant, challenge: login.challenge }));
      const r = await w.kanmon.finishPasskeyAuthentication({ tenant: w.tenant, challenge: login.challenge, response: auth.get(start.options, { wrongKey: true }), ...inside });
      expect(r).toMatchObject({ status: 'denied', reason: expect.stringMatching(/^(invalid_signature|locked)$/) as string });
    }
    const start = okOf(await w.kanmon.startPasskeyAuthentication({ tenant: w.tenant, challenge: login.challenge }));
    expect(await w.kanmon.finishPasskeyAuthentication({ tenant: w.tenant, challenge: login.challenge, response: auth.get(start.options), ...inside })).toMatchObject({ status: 'denied', reason: 'locked' });
  });
});

describe('issue 18: passwordless sign-in (discoverable credentials)', () => {
  it('the passkey alone: a session with amr hwk + user + mfa; the user handle names the account', async () => {
    const { w, auth, accountId, start } = await passwordless();
    expect(start.options).toMatchObject({ rpId: 'kanmon.example', userVerification: 'required', allowCredentials: [] });
    const result = await finishPasswordless(w, auth.get(start.options));
    if (result.status !== 'authenticated') throw new Error(JSON.stringify(result));
    expect(result.session).toMatchObject({ subject: accountId, amr: ['hwk', 'user', 'mfa'] });
    expect(w.events().some((e) => e.type === 'auth.login.success' && e.reason === 'passkey')).toBe(true);
  });

  it('off per policy (policy.webauthn.passwordless false): passkeys_off on start and finish', async () => {
    const { w, auth, start } = await passwordless();
    const off = passkeyWorld(mem, { passwordless: false });
    expect(await off.kanmon.startPasskeyAuthentication({ tenant: off.tenant })).toEqual({ ok: false, reason: 'passkeys_off' });
    expect(await off.kanmon.finishPasskeyAuthentication({ tenant: off.tenant, response: auth.get(start.options) })).toEqual(denied('passkeys_off'));
    expect((await finishPasswordless(w, auth.get(start.options))).status).toBe('authenticated');
  });

  it('a replayed assertion: challenge_reused (the second copy is refused and audited)', async () => {
    const { w, auth, start } = await passwordless();
    const assertion = auth.get(start.options);
    expect((await finishPasswordless(w, assertion)).status).toBe('authenticated');
    expect(await finishPasswordless(w, assertion)).toEqual(denied('challenge_reused'));
    expect(w.events().filter((e) => e.type === 'auth.passkey.failure').map((e) => e.reason)).toEqual(['challenge_reused']);
  });

  it('a lowered sign counter: counter_regression, audited with a clone warning', async () => {
    const { w, auth, start } = await passwordless({}, authenticator({ counterStart: 10 }));
    expect((await finishPasswordless(w, auth.get(start.options))).status).toBe('authenticated');
    const next = okOf(await w.kanmon.startPasskeyAuthentication({ tenant: w.tenant }));
    expect(await finishPasswordless(w, auth.get(next.options, { counter: 5 }))).toEqual(denied('counter_regression'));
    expect(w.events().filter((e) => e.type === 'auth.passkey.clone_warning')).toEqual([expect.objectContaining({ reason: 'counter_regression', after: { webauthnId: auth.id } })]);
  });

  it('user verification missing (passwordless requires it): user_verification_required', async () => {
    const { w, auth, start } = await passwordless();
    expect(await finishPasswordless(w, auth.get(start.options, { uv: false }))).toEqual(denied('user_verification_required'));
  });

  it('a wrong origin, a wrong rpId hash, a bad signature, another type: each coded', async () => {
    const { w, auth } = await passwordless();
    const cases: [Parameters<SoftAuthenticator['get']>[1], string][] = [
      [{ origin: 'https://kanmon.example.evil.test' }, 'wrong_origin'],
      [{ rpId: 'evil.test' }, 'wrong_rp_id'],
      [{ wrongKey: true }, 'invalid_signature'],
      [{ type: 'webauthn.create' }, 'invalid_response'],
    ];
    for (const [bend, reason] of cases) {
      const start = okOf(await w.kanmon.startPasskeyAuthentication({ tenant: w.tenant }));
      expect(await finishPasswordless(w, auth.get(start.options, bend))).toEqual(denied(reason));
    }
  });

  it('an expired challenge: challenge_expired; a forged one: invalid_challenge', async () => {
    const { w, auth, start } = await passwordless({ challengeTtlSeconds: 30 });
    w.clock.advance(30_000);
    expect(await finishPasswordless(w, auth.get(start.options))).toEqual(denied('challenge_expired'));
    expect(await finishPasswordless(w, auth.get(start.options, { challenge: Buffer.from('kw1.k1.e30.x').toString('base64url') }))).toEqual(denied('invalid_challenge'));
  });

  it("another tenant's ceremony, or an account the tenant does not have: challenge_mismatch, unknown_credential", async () => {
    const { w, auth, accountId, start } = await passwordless();
    const other = await twinInOtherTenant(w, accountId);
    // the twin has the same passkey on its record: only the challenge's tenant tells them apart
    expect(await w.kanmon.finishPasskeyAuthentication({ tenant: other, response: auth.get(start.options), ...inside })).toEqual(denied('challenge_mismatch'));
    const stranger = authenticator();
    stranger.userHandle = Buffer.from('u-999').toString('base64url');
    expect(await finishPasswordless(w, stranger.get(start.options))).toEqual(denied('unknown_credential'));
  });

  it('SEC-6.3: the place is checked first, as at login (an address outside the allow-list never reaches the passkey)', async () => {
    const { w, auth, start } = await passwordless();
    const refused = await w.kanmon.finishPasskeyAuthentication({ tenant: w.tenant, response: auth.get(start.options), clientIp: '10.1.2.3', tls: false });
    expect(refused).toEqual(denied('tls_required'));
  });

  it('malformed assertions: coded, never a throw', async () => {
    const { w, auth, start } = await passwordless();
    const good = auth.get(start.options);
    for (const response of [null, 'x', {}, { ...good, response: null }, { ...good, response: { ...(good.response as object), userHandle: 42 } }, { ...good, response: { ...(good.response as object), signature: '!!' } }]) {
      await expect(finishPasswordless(w, response)).resolves.toMatchObject({ status: 'denied', reason: expect.stringMatching(/^(invalid_response|invalid_signature)$/) as string });
    }
  });
});

describe('SEC-13, ASVS 5.0 V7.5.1: step-up with a passkey (reauthenticate, the third way beside password and code)', () => {
  it('a ceremony bound to the session; the new session adds hwk + user, and mfa beside the password; the assertion is worth nothing to another session', async () => {
    const w = passkeyWorld(mem);
    const { session } = await signedIn(w);
    const auth = authenticator();
    await register(w, session, auth);
    w.clock.advance(20 * 60_000);
    const start = okOf(await w.kanmon.startPasskeyAuthentication({ session }));
    expect(start.options.allowCredentials?.map((c) => c.id)).toEqual([auth.id]);
    const assertion = auth.get(start.options);
    const renewed = okOf(await w.kanmon.reauthenticate({ session, passkey: assertion, ...inside }));
    expect([...renewed.session.amr].sort()).toEqual(['hwk', 'mfa', 'pwd', 'user']);
    expect(renewed.session.authTime).toBe(w.clock.now());
    expect(w.events().filter((e) => e.type === 'auth.reauth.success').map((e) => e.reason)).toEqual(['passkey']);
    expect(await w.kanmon.reauthenticate({ session: renewed.session, passkey: assertion, ...inside })).toEqual({ ok: false, reason: 'invalid_passkey', passkeyReason: 'challenge_mismatch' });
    const bad = okOf(await w.kanmon.startPasskeyAuthentication({ session: renewed.session }));
    expect(await w.kanmon.reauthenticate({ session: renewed.session, passkey: auth.get(bad.options, { wrongKey: true }), ...inside })).toEqual({ ok: false, reason: 'invalid_passkey', passkeyReason: 'invalid_signature' });
  });
});

describe('issue 18: passkeys managed behind step-up; admin removal audited', () => {
  it('rename and remove need a recent authentication; an administrator removes a lost key (sessions revoked, admin.passkey.remove)', async () => {
    const w = passkeyWorld(mem);
    const { session, accountId } = await signedIn(w);
    const auth = authenticator();
    await register(w, session, auth);
    expect(await w.kanmon.renamePasskey({ session, credentialId: auth.id, label: '鍵' })).toEqual({ ok: true });
    expect((await w.accounts.findById(w.tenant, accountId))?.passkeys?.[0]?.label).toBe('鍵');
    expect(await w.kanmon.renamePasskey({ session, credentialId: auth.id, label: '' })).toEqual({ ok: false, reason: 'invalid_label' });
    expect(await w.kanmon.removePasskey({ session, credentialId: 'nope' })).toEqual({ ok: false, reason: 'unknown_credential' });
    w.clock.advance(10 * 60_000 + 1);
    expect(await w.kanmon.removePasskey({ session, credentialId: auth.id })).toEqual({ ok: false, reason: 'reauth_required' });
    const admin = await signedIn(w, 'admin');
    const removed = await w.kanmon.adminRemovePasskey({ tenant: w.tenant, actor: admin.accountId, actorSession: admin.session, accountId, credentialId: auth.id });
    expect(removed).toEqual({ ok: true });
    expect((await w.accounts.findById(w.tenant, accountId))?.passkeys).toEqual([]);
    expect(await w.kanmon.listPasskeys({ session })).toEqual({ ok: false, reason: 'invalid_session' });
    expect(w.events().filter((e) => e.type === 'admin.passkey.remove')).toEqual([expect.objectContaining({ actor: admin.accountId, target: accountId, before: { webauthnId: auth.id, label: '鍵', aaguid: '00000000-0000-0000-0000-000000000000' } })]);
  });
});
