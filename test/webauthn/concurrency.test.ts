/**
 * Issue 18 acceptance, replay under a race (W3C WebAuthn L3 §13.4.3 "Cryptographic Challenges": a challenge is
 * used once): 20 concurrent `finishPasskeyAuthentication` with one assertion and one challenge give exactly one
 * session, on the memory store, Redis and PostgreSQL (real servers). The single use is the store's atomic
 * `consumeOnce`, so the servers decide, not one process's memory.
 */
import { describe, expect, it } from 'vitest';
import { type MakeStore, type StoreName, onEveryStore } from '../support/stores.js';
import { okOf } from '../support/results.js';
import { atSecondFactor, authenticator, inside, passkeyWorld, register, signedIn } from './support/world.js';

const N = 20;

function raceSuite(name: StoreName, makeStore: MakeStore) {
  describe(`WebAuthn L3 §13.4.3: one assertion, ${N} concurrent finishes (${name})`, () => {
    it('passwordless: exactly one session; every other answer is a refusal (challenge_reused, or locked once the refusals lock the factor)', async () => {
      const w = passkeyWorld(makeStore);
      const { session } = await signedIn(w);
      const auth = authenticator({ counterStep: 0 }); // a synced passkey keeps no counter: only the challenge stops a replay
      await register(w, session, auth);
      const start = okOf(await w.kanmon.startPasskeyAuthentication({ tenant: w.tenant }));
      const assertion = auth.get(start.options);
      const results = await Promise.all(Array.from({ length: N }, () => w.kanmon.finishPasskeyAuthentication({ tenant: w.tenant, response: assertion, ...inside })));
      expect(results.filter((r) => r.status === 'authenticated')).toHaveLength(1);
      const refusals = results.filter((r) => r.status === 'denied').map((r) => (r.status === 'denied' ? r.reason : ''));
      expect(refusals).toHaveLength(N - 1);
      expect(refusals.every((reason) => reason === 'challenge_reused' || reason === 'locked')).toBe(true);
      expect(refusals).toContain('challenge_reused');
      expect(w.events().filter((e) => e.type === 'auth.passkey.success')).toHaveLength(1);
    });

    it('second factor: exactly one session for one login challenge and one assertion', async () => {
      const w = passkeyWorld(makeStore, { passwordless: false });
      const { auth, login } = await atSecondFactor(w, authenticator({ counterStep: 0 }));
      const start = okOf(await w.kanmon.startPasskeyAuthentication({ tenant: w.tenant, challenge: login.challenge }));
      const assertion = auth.get(start.options);
      const results = await Promise.all(
        Array.from({ length: N }, () => w.kanmon.finishPasskeyAuthentication({ tenant: w.tenant, challenge: login.challenge, response: assertion, ...inside })),
      );
      expect(results.filter((r) => r.status === 'authenticated')).toHaveLength(1);
      expect(results.filter((r) => r.status === 'denied')).toHaveLength(N - 1);
    });
  });
}

onEveryStore(raceSuite);
