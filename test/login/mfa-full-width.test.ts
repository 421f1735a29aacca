/**
 * Full-width input at the MFA step (a Japanese IME left in full-width mode):
 * `verifyTotp` accepts `１２３４５６` and IME spaces (docs/mfa.md), and so must
 * the login flow, which decides "TOTP code or recovery code" before checking.
 * The decision now uses verifyTotp's own normalisation (NFKC, spaces dropped),
 * so full-width digits with an ideographic space (U+3000) is checked as a TOTP code (before: as a recovery code,
 * `invalid_code` every time, and five tries locked the user out, SEC-24).
 * Recovery codes typed full-width work too (docs/mfa.md: "全角文字 … を問いません").
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createAuditLog, createKanmon, createKeyRing, hashRecoveryCodes, memoryAccounts, memoryAuditSink, newAccount } from '../../src/index.js';
import { type MakeStore, type StoreName, onEveryStore } from '../support/stores.js';
import { totpAt } from '../mfa/support.js';
import { GOOD_PASSWORD, INTERNAL_IP, BUSINESS_DAY_10_JST, type World, base32Decode, makeWorld, testPolicy } from './support.js';

const internal = { clientIp: INTERNAL_IP, tls: true } as const;

/** What an IME in full-width mode types for printable ASCII (U+FF01–U+FF5E); a space becomes U+3000. */
const fullWidth = (text: string) => [...text].map((c) => (c === ' ' ? '\u3000' : c >= '!' && c <= '~' ? String.fromCharCode(c.charCodeAt(0) + 0xfee0) : c)).join('');

/** An admin (MFA required) with TOTP enrolled through a first login; returns the raw secret and the recovery codes. */
async function enrolledAdmin(w: World) {
  await w.addUser('root', GOOD_PASSWORD, { roles: ['admin'] });
  const first = await w.kanmon.login({ tenant: w.tenant, username: 'root', password: GOOD_PASSWORD, ...internal });
  if (first.status !== 'mfa_required') throw new Error(JSON.stringify(first));
  const enrollment = await w.kanmon.enrollTotp({ challenge: first.challenge });
  const secret = base32Decode((enrollment as { secret: string }).secret);
  const confirmed = await w.kanmon.confirmTotp({ challenge: first.challenge, code: totpAt(secret, w.clock.now()) });
  const recoveryCodes = (confirmed as unknown as { recoveryCodes: string[] }).recoveryCodes;
  w.clock.advance(30_000); // past the step the confirming code spent
  return { secret, recoveryCodes };
}

async function challenge(w: World): Promise<string> {
  const login = await w.kanmon.login({ tenant: w.tenant, username: 'root', password: GOOD_PASSWORD, ...internal });
  if (login.status !== 'mfa_required') throw new Error(JSON.stringify(login));
  return login.challenge;
}

function suite(storeName: StoreName, makeStore: MakeStore) {
  describe(`verifyMfa: a TOTP code typed with the IME in full-width mode is a TOTP code (docs/mfa.md), on the ${storeName} store`, () => {
    it.each([
      ['full-width digits', (code: string) => fullWidth(code)],
      ['full-width digits split by an ideographic space (U+3000)', (code: string) => fullWidth(`${code.slice(0, 3)} ${code.slice(3)}`)],
      ['ASCII digits split by an ideographic space', (code: string) => `${code.slice(0, 3)}\u3000${code.slice(3)}`],
      ['full-width digits with a no-break space', (code: string) => `${fullWidth(code.slice(0, 3))}\u00a0${fullWidth(code.slice(3))}`],
    ])('%s: authenticated, audited as totp', async (_name, typed) => {
      const w = makeWorld(makeStore);
      const { secret } = await enrolledAdmin(w);
      const result = await w.kanmon.verifyMfa({ challenge: await challenge(w), code: typed(totpAt(secret, w.clock.now())) });
      expect(result.status, JSON.stringify(result)).toBe('authenticated');
      expect(w.events().filter((e) => e.type === 'auth.mfa.success').map((e) => e.reason)).toEqual(['totp']);
    });

    it('a wrong full-width code is a TOTP failure (invalid_code), not a recovery-code one; the replay guard still applies', async () => {
      const w = makeWorld(makeStore);
      const { secret } = await enrolledAdmin(w);
      const code = totpAt(secret, w.clock.now());
      const wrong = code.replace(/^./, (d) => String((Number(d) + 1) % 10));
      expect(await w.kanmon.verifyMfa({ challenge: await challenge(w), code: fullWidth(wrong) })).toEqual({ status: 'denied', reason: 'invalid_code' });
      expect(w.events().filter((e) => e.type === 'auth.mfa.failure').map((e) => e.reason)).toEqual(['invalid_code']);
      expect((await w.kanmon.verifyMfa({ challenge: await challenge(w), code: code })).status).toBe('authenticated');
      // The same code again, typed full-width this time: the same step, so replayed.
      expect(await w.kanmon.verifyMfa({ challenge: await challenge(w), code: fullWidth(code) })).toEqual({ status: 'denied', reason: 'replayed' });
    });

    it('SEC-24: the right full-width code is accepted after failures, before the lock (it used to burn every try)', async () => {
      const w = makeWorld(makeStore);
      const { secret } = await enrolledAdmin(w);
      const max = w.policy.lockout.mfa.maxFailures;
      const c = await challenge(w);
      for (let i = 0; i < max - 1; i++) expect(await w.kanmon.verifyMfa({ challenge: c, code: fullWidth('000000') })).toMatchObject({ status: 'denied' });
      expect((await w.kanmon.verifyMfa({ challenge: c, code: fullWidth(totpAt(secret, w.clock.now())) })).status).toBe('authenticated');
    });
  });

  describe(`verifyMfa: recovery codes typed full-width (docs/mfa.md), on the ${storeName} store`, () => {
    it('a full-width recovery code, hyphens and all, is used once', async () => {
      const w = makeWorld(makeStore);
      const { recoveryCodes } = await enrolledAdmin(w);
      const typed = fullWidth(recoveryCodes[0]!);
      expect((await w.kanmon.verifyMfa({ challenge: await challenge(w), code: typed })).status).toBe('authenticated');
      expect(await w.kanmon.verifyMfa({ challenge: await challenge(w), code: typed })).toEqual({ status: 'denied', reason: 'already_used' });
      expect(w.events().filter((e) => e.type === 'auth.mfa.success').map((e) => e.reason)).toEqual(['recovery_code']);
    });

    it('a recovery code made only of digits (12 Crockford characters may all be digits) is a recovery code, ASCII or full-width', async () => {
      // A world of its own, to hold the key ring the codes are hashed under.
      const now = () => BUSINESS_DAY_10_JST;
      const policy = testPolicy();
      const keyRing = createKeyRing({ keys: [{ id: 'k1', secret: randomBytes(32) }], current: 'k1' });
      const accounts = memoryAccounts();
      const kanmon = createKanmon({ policy, store: makeStore(now), accounts, keyRing, audit: createAuditLog({ sink: memoryAuditSink(), keyRing, stream: 'auth', now }), now });
      const codes = ['0123-4567-8901', '9876-5432-1098'];
      const passwordHash = await kanmon.hasher.hash(GOOD_PASSWORD);
      const recoveryCodes = hashRecoveryCodes(codes, { keyRing, account: 'u-root', tenant: 'funabashi' });
      await accounts.create(newAccount({ id: 'u-root', tenant: 'funabashi', username: 'root', passwordHash, passwordChangedAt: now(), roles: ['admin'], recoveryCodes }));
      const login = async () => {
        const result = await kanmon.login({ tenant: 'funabashi', username: 'root', password: GOOD_PASSWORD, ...internal });
        if (result.status !== 'mfa_required') throw new Error(JSON.stringify(result));
        return result.challenge;
      };
      expect((await kanmon.verifyMfa({ challenge: await login(), code: '012345678901' })).status).toBe('authenticated');
      expect((await kanmon.verifyMfa({ challenge: await login(), code: fullWidth('9876 5432 1098') })).status).toBe('authenticated');
    });
  });
}

onEveryStore(suite);
