/**
 * OWASP ASVS 5.0 V6.3 (no account enumeration), SEC-24: an account without a
 * usable password (stored hash `!`, `""`, `*`, `!!`, `null`, or anything that is
 * no hash kanmon reads: SSO-only, not yet set, imported) is refused exactly as
 * an unknown account is: `invalid_credentials`, after one verification of the
 * same cost, audited with its real reason (`unusable_hash`), and counted by the
 * lockout. Before, `login` threw ERR_UNSUPPORTED_HASH / ERR_INVALID_HASH (an
 * HTTP 500 and an oracle: "this name exists").
 */
import { describe, expect, it } from 'vitest';
import { type MakeStore, type StoreName, onEveryStore } from '../support/stores.js';
import { GOOD_PASSWORD, INTERNAL_IP, OTHER_GOOD_PASSWORD, type World, makeWorld } from './support.js';
import { UNUSABLE_HASHES } from '../support/unusable-hashes.js';

const internal = { clientIp: INTERNAL_IP, tls: true } as const;


async function addUnusable(w: World, username: string, stored: unknown) {
  return w.addUser(username, GOOD_PASSWORD, { passwordHash: stored as string });
}

function suite(storeName: StoreName, makeStore: MakeStore) {
  describe(`ASVS 5.0 V6.3: an account without a usable password, on the ${storeName} store`, () => {
    it.each(UNUSABLE_HASHES)('stored %s: login answers invalid_credentials like an unknown user, one hash, audited unusable_hash', async (_name, stored) => {
      const w = makeWorld(makeStore);
      const sso = await addUnusable(w, 'sso-user', stored);

      w.hasher.reset();
      const answer = await w.kanmon.login({ tenant: w.tenant, username: 'sso-user', password: GOOD_PASSWORD, ...internal });
      expect(answer).toEqual({ status: 'denied', reason: 'invalid_credentials' });
      const unusableCalls = { ...w.hasher.calls };

      w.hasher.reset();
      const unknown = await w.kanmon.login({ tenant: w.tenant, username: 'nobody', password: GOOD_PASSWORD, ...internal });
      expect(unknown).toEqual(answer);
      // One hasher call each, and the hasher runs one policy-cost KDF on either (test/password/hash/unusable-hash.test.ts).
      expect(unusableCalls.verify + unusableCalls.dummyVerify).toBe(1);
      expect(w.hasher.calls.verify + w.hasher.calls.dummyVerify).toBe(1);
      expect(unusableCalls.hash + w.hasher.calls.hash).toBe(0);

      const failures = w.events().filter((e) => e.type === 'auth.login.failure');
      expect(failures.map((e) => [e.target, e.reason])).toEqual([
        [sso.id, 'unusable_hash'],
        [null, 'unknown_user'],
      ]);
      expect(w.auditText()).not.toContain(GOOD_PASSWORD);
    });

    it('SEC-24: guesses against it are counted by the lockout like wrong passwords, and the lock hides it like any account', async () => {
      const w = makeWorld(makeStore);
      await addUnusable(w, 'sso-user', '!');
      const max = w.policy.lockout.maxFailures;
      const answers = [];
      for (let i = 0; i < max + 1; i++) answers.push(await w.kanmon.login({ tenant: w.tenant, username: 'sso-user', password: `${GOOD_PASSWORD}${i}`, ...internal }));
      expect(answers.slice(0, max - 1).every((a) => a.status === 'denied' && a.reason === 'invalid_credentials')).toBe(true);
      expect(answers[max - 1]).toMatchObject({ status: 'denied', reason: 'locked' });
      expect(answers[max]).toMatchObject({ status: 'denied', reason: 'locked' });
      expect(w.events().map((e) => e.type)).toContain('auth.lockout.locked');
    });

    it('many concurrent attempts: every one is refused with the same answer, none throws', async () => {
      const w = makeWorld(makeStore, { lockout: { maxFailures: 1000 } });
      await addUnusable(w, 'sso-user', '');
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) => w.kanmon.login({ tenant: w.tenant, username: 'sso-user', password: `Guess-${i}-x`, ...internal })),
      );
      expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
      expect(new Set(results.map((r) => JSON.stringify((r as PromiseFulfilledResult<unknown>).value)))).toEqual(new Set([JSON.stringify({ status: 'denied', reason: 'invalid_credentials' })]));
    });

    it('changePassword with a session (an SSO user signed in elsewhere): the current password never matches; invalid_credentials, audited, counted', async () => {
      const w = makeWorld(makeStore);
      const user = await w.addUser('hybrid');
      const login = await w.kanmon.login({ tenant: w.tenant, username: 'hybrid', password: GOOD_PASSWORD, ...internal });
      if (login.status !== 'authenticated') throw new Error(`expected a session, got ${JSON.stringify(login)}`);
      const { session } = login;
      // The account becomes SSO-only (the app cleared its password) while the session lives.
      await w.accounts.update(w.tenant, user.id, { passwordHash: '!' });
      w.hasher.reset();
      const answer = await w.kanmon.changePassword({ session, currentPassword: GOOD_PASSWORD, newPassword: OTHER_GOOD_PASSWORD, clientIp: INTERNAL_IP });
      expect(answer).toEqual({ status: 'denied', reason: 'invalid_credentials' });
      expect(w.hasher.calls.verify + w.hasher.calls.dummyVerify).toBe(1);
      expect(w.events().filter((e) => e.type === 'password.rejected').map((e) => e.reason)).toEqual(['unusable_hash']);
      expect((await w.accounts.findById(w.tenant, user.id))?.passwordHash).toBe('!');
      const status = await w.kanmon.lockout.status({ account: 'hybrid', tenant: w.tenant });
      expect(status.password.failures).toBe(1);
    });
  });
}

onEveryStore(suite);
