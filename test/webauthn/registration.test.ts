/**
 * Issue 18, passkey registration (W3C WebAuthn Level 3 §7.1 "Registering a new credential"; SEC-13 step-up before a
 * new factor, ASVS 5.0 V7.5.1; SEC-6.3 / RM-21 device binding by AAGUID). Every refusal is a coded result, made by the
 * real `@simplewebauthn/server` checking what a software authenticator (node:crypto P-256) sent.
 */
import { issued, rogue } from './support/attestation-fixtures.js';
import { describe, expect, it } from 'vitest';
import { memoryStore } from '../../src/index.js';
import type { MakeStore } from '../support/stores.js';
import { okOf } from '../support/results.js';
import { ORIGIN, RP_ID, authenticator, passkeyWorld, register, signedIn, twinInOtherTenant } from './support/world.js';
import { GOOD_PASSWORD, makeWorld } from '../login/support.js';

const mem: MakeStore = (now) => memoryStore({ now });
const CITY_KEY = '2fc0579f-8113-47ea-b116-bb5a8db9202a';
/** Packed full attestations of the city's model: by its maker (`issued`), and by a rogue maker's own root. */
const byMaker = (m: typeof issued | typeof rogue) => ({ attestation: { chain: [m.leaf], key: m.leafKey } });

describe('WebAuthn L3 §7.1: registration stores the passkey on the account', () => {
  it('start → create → finish: the credential (public key, counter, transports, AAGUID, backup flag, label) is on the account; audited by id, no key material', async () => {
    const w = passkeyWorld(mem);
    const { session, accountId } = await signedIn(w);
    const auth = authenticator({ aaguid: CITY_KEY });
    const start = okOf(await w.kanmon.startPasskeyRegistration({ session }));
    expect(start.options).toMatchObject({ rp: { id: RP_ID, name: 'kanmon' }, user: { name: 'sato' }, attestation: 'none', authenticatorSelection: { residentKey: 'required', userVerification: 'required' } });
    expect(start.expiresAt).toBe(w.clock.now() + 300_000);
    const done = okOf(await w.kanmon.finishPasskeyRegistration({ session, response: auth.create(start.options), label: '庁舎PC' }));
    expect(done.passkey).toEqual({ id: auth.id, label: '庁舎PC', aaguid: CITY_KEY, backedUp: false, transports: ['internal'], createdAt: w.clock.now(), lastUsedAt: null });
    const stored = (await w.accounts.findById(w.tenant, accountId))?.passkeys ?? [];
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ id: auth.id, counter: 0, aaguid: CITY_KEY });
    expect(typeof stored[0]?.publicKey).toBe('string');
    expect(w.events().filter((e) => e.type === 'auth.passkey.registered')).toEqual([
      expect.objectContaining({ actor: 'sato', target: accountId, after: { webauthnId: auth.id, aaguid: CITY_KEY, backedUp: false, label: '庁舎PC' } }),
    ]);
    expect(w.auditText()).not.toContain(stored[0]?.publicKey ?? '-');
    const listed = okOf(await w.kanmon.listPasskeys({ session }));
    expect(listed.passkeys.map((p) => p.id)).toEqual([auth.id]);
    expect(JSON.stringify(listed)).not.toContain('publicKey');
  });

  it('off by default: passkeys_off', async () => {
    const w = makeWorld(mem);
    const { session } = await signedIn(w);
    expect(await w.kanmon.startPasskeyRegistration({ session })).toEqual({ ok: false, reason: 'passkeys_off' });
    expect(await w.kanmon.finishPasskeyRegistration({ session, response: {} })).toEqual({ ok: false, reason: 'passkeys_off' });
  });
});

describe('WebAuthn L3 §7.1 steps 9–13, 17: every registration refusal is coded, never a throw', () => {
  async function started(webauthn: Parameters<typeof passkeyWorld>[1] = {}) {
    const w = passkeyWorld(mem, webauthn);
    const { session, accountId } = await signedIn(w);
    const start = okOf(await w.kanmon.startPasskeyRegistration({ session }));
    return { w, session, accountId, start };
  }
  const refusal = (reason: string) => ({ ok: false, reason });

  it('a wrong origin (a phishing page relaying the ceremony): wrong_origin, audited, nothing stored', async () => {
    const { w, session, accountId, start } = await started();
    const response = authenticator().create(start.options, { origin: 'https://kanmon.example.evil.test' });
    expect(await w.kanmon.finishPasskeyRegistration({ session, response })).toEqual(refusal('wrong_origin'));
    expect((await w.accounts.findById(w.tenant, accountId))?.passkeys ?? []).toEqual([]);
    expect(w.events().filter((e) => e.type === 'auth.passkey.failure').map((e) => e.reason)).toEqual(['register_wrong_origin']);
  });

  it('an origin that only resembles one allowed (other port, http, trailing slash): wrong_origin each (checked exactly)', async () => {
    for (const origin of ['https://kanmon.example:8443', 'http://kanmon.example', `${ORIGIN}/`, 'https://KANMON.example']) {
      const { w, session, start } = await started();
      expect(await w.kanmon.finishPasskeyRegistration({ session, response: authenticator().create(start.options, { origin }) })).toEqual(refusal('wrong_origin'));
    }
  });

  it('a wrong rpId hash: wrong_rp_id', async () => {
    const { w, session, start } = await started();
    expect(await w.kanmon.finishPasskeyRegistration({ session, response: authenticator().create(start.options, { rpId: 'evil.test' }) })).toEqual(refusal('wrong_rp_id'));
  });

  it('a reused challenge: challenge_reused (the second passkey is not stored)', async () => {
    const { w, session, accountId, start } = await started();
    okOf(await w.kanmon.finishPasskeyRegistration({ session, response: authenticator().create(start.options) }));
    expect(await w.kanmon.finishPasskeyRegistration({ session, response: authenticator().create(start.options) })).toEqual(refusal('challenge_reused'));
    expect((await w.accounts.findById(w.tenant, accountId))?.passkeys).toHaveLength(1);
  });

  it('an expired challenge (policy.webauthn.challengeTtlSeconds): challenge_expired; one millisecond before, accepted', async () => {
    const a = await started({ challengeTtlSeconds: 60 });
    a.w.clock.advance(60_000);
    expect(await a.w.kanmon.finishPasskeyRegistration({ session: a.session, response: authenticator().create(a.start.options) })).toEqual(refusal('challenge_expired'));
    const b = await started({ challengeTtlSeconds: 60 });
    b.w.clock.advance(59_999);
    expect((await b.w.kanmon.finishPasskeyRegistration({ session: b.session, response: authenticator().create(b.start.options) })).ok).toBe(true);
  });

  it("a challenge of another account, another session, another tenant, or a forged one: challenge_mismatch / invalid_challenge", async () => {
    const { w, session, start } = await started();
    const suzuki = await signedIn(w, 'suzuki');
    expect(await w.kanmon.finishPasskeyRegistration({ session: suzuki.session, response: authenticator().create(start.options) })).toEqual(refusal('challenge_mismatch'));
    // the same account signed in again: another session
    const again = await w.kanmon.login({ tenant: w.tenant, username: 'sato', password: GOOD_PASSWORD, clientIp: '10.1.2.3', tls: true });
    if (again.status !== 'authenticated') throw new Error(again.status);
    expect(await w.kanmon.finishPasskeyRegistration({ session: again.session, response: authenticator().create(start.options) })).toEqual(refusal('challenge_mismatch'));
    // the same account id and name in another tenant
    const other = await twinInOtherTenant(w, session.subject);
    const twin = await signedIn(w, 'sato', other);
    expect(await w.kanmon.finishPasskeyRegistration({ session: twin.session, response: authenticator().create(start.options) })).toEqual(refusal('challenge_mismatch'));
    // a challenge kanmon never signed
    const forged = Buffer.from('kw1.k1.W10.AAAA').toString('base64url');
    expect(await w.kanmon.finishPasskeyRegistration({ session, response: authenticator().create(start.options, { challenge: forged }) })).toEqual(refusal('invalid_challenge'));
    // an authentication challenge is no registration challenge
    const auth = okOf(await w.kanmon.startPasskeyAuthentication({ tenant: w.tenant }));
    expect(await w.kanmon.finishPasskeyRegistration({ session, response: authenticator().create(start.options, { challenge: auth.options.challenge }) })).toEqual(refusal('invalid_challenge'));
  });

  it('user verification missing where required (passwordless on, or userVerification required): user_verification_required', async () => {
    const a = await started();
    expect(await a.w.kanmon.finishPasskeyRegistration({ session: a.session, response: authenticator({ userVerification: false }).create(a.start.options) })).toEqual(refusal('user_verification_required'));
    const b = await started({ passwordless: false, userVerification: 'required' });
    expect(await b.w.kanmon.finishPasskeyRegistration({ session: b.session, response: authenticator({ userVerification: false }).create(b.start.options) })).toEqual(refusal('user_verification_required'));
    const c = await started({ passwordless: false, userVerification: 'preferred' });
    expect((await c.w.kanmon.finishPasskeyRegistration({ session: c.session, response: authenticator({ userVerification: false }).create(c.start.options) })).ok).toBe(true);
  });

  it('SEC-6.3, RM-21: an AAGUID outside policy.webauthn.allowedAaguids: aaguid_not_allowed; one inside it: registered', async () => {
    const a = await started({ allowedAaguids: [CITY_KEY] });
    expect(await a.w.kanmon.finishPasskeyRegistration({ session: a.session, response: authenticator({ aaguid: 'ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4' }).create(a.start.options) })).toEqual(refusal('aaguid_not_allowed'));
    expect(await a.w.kanmon.finishPasskeyRegistration({ session: a.session, response: authenticator().create(a.start.options) })).toEqual(refusal('aaguid_not_allowed'));
    const b = await started({ allowedAaguids: [CITY_KEY] });
    expect((await b.w.kanmon.finishPasskeyRegistration({ session: b.session, response: authenticator({ aaguid: CITY_KEY }).create(b.start.options) })).ok).toBe(true);
  });

  it("attestation 'direct': a 'none' statement is refused (attestation_required)", async () => {
    const { w, session, start } = await started({ attestation: 'direct' });
    expect(start.options.attestation).toBe('direct');
    expect(await w.kanmon.finishPasskeyRegistration({ session, response: authenticator().create(start.options) })).toEqual(refusal('attestation_required'));
  });

  it("SEC-6.3, RM-21, WebAuthn §8.2: attestation 'direct' refuses a self attestation (no certificate: the model it names is the authenticator's word), whatever AAGUID it claims", async () => {
    const { w, session, start } = await started({ attestation: 'direct', allowedAaguids: [CITY_KEY] });
    // A software authenticator claiming the city's model: a valid packed statement, signed by the new key itself.
    const claimed = authenticator({ aaguid: CITY_KEY }).create(start.options, { attestation: 'self' });
    expect(await w.kanmon.finishPasskeyRegistration({ session, response: claimed })).toEqual(refusal('attestation_required'));
    // The same statement where no attestation is asked registers (the AAGUID is then the authenticator's claim, as the report says).
    const open = await started({ allowedAaguids: [CITY_KEY] });
    expect((await open.w.kanmon.finishPasskeyRegistration({ session: open.session, response: authenticator({ aaguid: CITY_KEY }).create(open.start.options, { attestation: 'self' }) })).ok).toBe(true);
  });

  it("SEC-6.3, RM-21: with policy.webauthn.attestationRoots, only an attestation whose chain leads to a listed maker's root registers; the same model under another root: attestation_untrusted", async () => {
    const anchored = { attestation: 'direct' as const, allowedAaguids: [CITY_KEY], attestationRoots: [issued.root] };
    const a = await started(anchored);
    const made = await a.w.kanmon.finishPasskeyRegistration({ session: a.session, response: authenticator({ aaguid: CITY_KEY }).create(a.start.options, byMaker(issued)) });
    expect(made.ok).toBe(true);
    // A maker the city did not list made its own root and a batch certificate naming the city's model.
    const b = await started(anchored);
    expect(await b.w.kanmon.finishPasskeyRegistration({ session: b.session, response: authenticator({ aaguid: CITY_KEY }).create(b.start.options, byMaker(rogue)) })).toEqual(refusal('attestation_untrusted'));
    expect((await b.w.accounts.findById(b.w.tenant, b.accountId))?.passkeys ?? []).toEqual([]);
    // Without roots the library's checks stand alone: the rogue chain is accepted (what the report calls a weak stage).
    const c = await started({ attestation: 'direct', allowedAaguids: [CITY_KEY] });
    expect((await c.w.kanmon.finishPasskeyRegistration({ session: c.session, response: authenticator({ aaguid: CITY_KEY }).create(c.start.options, byMaker(rogue)) })).ok).toBe(true);
  });

  it('a synced (backed-up) passkey when policy.webauthn.allowBackedUp is off: backup_not_allowed', async () => {
    const { w, session, start } = await started({ allowBackedUp: false });
    expect(await w.kanmon.finishPasskeyRegistration({ session, response: authenticator({ backedUp: true }).create(start.options) })).toEqual(refusal('backup_not_allowed'));
  });

  it('malformed responses: invalid_response, never a throw', async () => {
    const { w, session, start } = await started();
    const good = authenticator().create(start.options);
    const bad: unknown[] = [null, 'x', 42, [], {}, { ...good, response: null }, { ...good, id: '' }, { ...good, type: 'password' }, { ...good, response: { clientDataJSON: '!!', attestationObject: 'AA' } }, { ...good, response: { ...(good.response as object), attestationObject: 'oA' } }];
    for (const response of bad) {
      await expect(w.kanmon.finishPasskeyRegistration({ session, response })).resolves.toMatchObject({ ok: false, reason: expect.stringMatching(/^(invalid_response|challenge_reused)$/) as string });
    }
  });

  it('SEC-13, ASVS 5.0 V7.5.1: a session older than policy.session.reauthMaxAgeSeconds: reauth_required (start and finish)', async () => {
    const { w, session, start } = await started();
    w.clock.advance(10 * 60_000 + 1);
    expect(await w.kanmon.startPasskeyRegistration({ session })).toEqual(refusal('reauth_required'));
    expect(await w.kanmon.finishPasskeyRegistration({ session, response: authenticator().create(start.options) })).toEqual(refusal('reauth_required'));
  });

  it('a credential registered already, and more than policy.webauthn.maxPerAccount: already_registered, too_many', async () => {
    const w = passkeyWorld(mem, { maxPerAccount: 2 });
    const { session } = await signedIn(w);
    const auth = authenticator();
    await register(w, session, auth);
    const start = okOf(await w.kanmon.startPasskeyRegistration({ session }));
    expect(start.options.excludeCredentials?.map((c) => c.id)).toEqual([auth.id]);
    expect(await w.kanmon.finishPasskeyRegistration({ session, response: auth.create(start.options) })).toEqual(refusal('already_registered'));
    await register(w, session, authenticator());
    expect(await w.kanmon.startPasskeyRegistration({ session })).toEqual(refusal('too_many'));
  });
});
