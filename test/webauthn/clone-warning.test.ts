/**
 * Issue 18, the sign counter (W3C WebAuthn Level 3 §7.2 step 22: a counter not above the stored one "is a signal that
 * the authenticator may be cloned"): the signal is only worth its alarm when the assertion is the credential's own.
 * `@simplewebauthn/server` compares the counter before it checks the signature, so an assertion made without the key
 * (anyone who knows a credential id can send one) read as a clone: a clone warning an attacker could raise at will,
 * pointing an administrator at a good key. Here a lowered counter is a clone warning only with a valid signature.
 */
import { describe, expect, it } from 'vitest';
import { memoryStore } from '../../src/index.js';
import type { MakeStore } from '../support/stores.js';
import { okOf } from '../support/results.js';
import { authenticator, inside, passkeyWorld, register, signedIn } from './support/world.js';

const mem: MakeStore = (now) => memoryStore({ now });

async function signedInOnce() {
  const w = passkeyWorld(mem, {});
  const { session } = await signedIn(w);
  const auth = authenticator({ counterStart: 10 });
  await register(w, session, auth);
  const first = okOf(await w.kanmon.startPasskeyAuthentication({ tenant: w.tenant }));
  expect((await w.kanmon.finishPasskeyAuthentication({ tenant: w.tenant, response: auth.get(first.options), ...inside })).status).toBe('authenticated');
  return { w, auth };
}

describe('issue 18: a lowered sign counter is a clone warning only when the signature is the credential’s', () => {
  it('a lowered counter signed with another key: invalid_signature, counted, and no clone warning', async () => {
    const { w, auth } = await signedInOnce();
    const next = okOf(await w.kanmon.startPasskeyAuthentication({ tenant: w.tenant }));
    const forged = auth.get(next.options, { counter: 5, wrongKey: true });
    expect(await w.kanmon.finishPasskeyAuthentication({ tenant: w.tenant, response: forged, ...inside })).toEqual({ status: 'denied', reason: 'invalid_signature' });
    expect(w.events().filter((e) => e.type === 'auth.passkey.clone_warning')).toEqual([]);
    expect(w.events().filter((e) => e.type === 'auth.passkey.failure').map((e) => e.reason)).toEqual(['invalid_signature']);
  });

  it('a lowered counter signed with the credential’s key: counter_regression with its clone warning', async () => {
    const { w, auth } = await signedInOnce();
    const next = okOf(await w.kanmon.startPasskeyAuthentication({ tenant: w.tenant }));
    expect(await w.kanmon.finishPasskeyAuthentication({ tenant: w.tenant, response: auth.get(next.options, { counter: 5 }), ...inside })).toEqual({ status: 'denied', reason: 'counter_regression' });
    expect(w.events().filter((e) => e.type === 'auth.passkey.clone_warning')).toEqual([expect.objectContaining({ reason: 'counter_regression', after: { webauthnId: auth.id } })]);
  });

  it('a lowered counter with a bad origin or a stale challenge is refused for that, not as a clone', async () => {
    const { w, auth } = await signedInOnce();
    const next = okOf(await w.kanmon.startPasskeyAuthentication({ tenant: w.tenant }));
    expect(await w.kanmon.finishPasskeyAuthentication({ tenant: w.tenant, response: auth.get(next.options, { counter: 5, origin: 'https://evil.test' }), ...inside })).toEqual({ status: 'denied', reason: 'wrong_origin' });
    expect(w.events().filter((e) => e.type === 'auth.passkey.clone_warning')).toEqual([]);
  });
});
