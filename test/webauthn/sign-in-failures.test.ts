/**
 * Issue 18, a passkey sign-in at its seams: a locked factor wins whatever the assertion was (SEC-13, NIST SP
 * 800-63B-4 §3.2.2: a locked factor is not an oracle), and a dependency failing halfway (architecture principle 5:
 * nothing is granted that cannot be audited) answers `unavailable`, never a throw, with no session left valid (a
 * refused `auth.session.created` or `auth.session.revoked` record left the session open before).
 */
import { describe, expect, it } from 'vitest';
import { authenticator } from './support/world.js';
import { instrumented } from './support/instrumented.js';

const unavailable = { status: 'denied', reason: 'unavailable', retryAfterMs: 1000 };

describe('SEC-13: a locked passkey factor wins over the assertion checked beside it', () => {
  it('locked by failures: a good assertion answers locked (not authenticated), is not audited as a success and leaves its challenge unspent', async () => {
    const w = await instrumented({ lockout: { mfa: { maxFailures: 3 } } });
    for (let i = 0; i < 3; i++) expect(await w.finish(await w.assertion({ wrongKey: true }))).toMatchObject({ status: 'denied', reason: 'invalid_signature' });
    const good = await w.assertion();
    expect(await w.finish(good)).toMatchObject({ status: 'denied', reason: 'locked' });
    // a bad one gets the same answer: nothing about the assertion reaches a locked factor's caller
    expect(await w.finish(await w.assertion({ wrongKey: true }))).toMatchObject({ status: 'denied', reason: 'locked' });
    expect(w.events().filter((e) => e.type === 'auth.passkey.success')).toEqual([]);
    expect(w.events().filter((e) => e.type === 'auth.passkey.failure').map((e) => e.reason)).toEqual(['invalid_signature', 'invalid_signature', 'invalid_signature', 'locked', 'locked']);
    expect(w.updates).toEqual([]);
    expect(await w.liveSessions()).toBe(0);
    // the refused attempt spent nothing: once unlocked, the same assertion signs in
    await w.kanmon.lockout.adminUnlock({ account: w.accountId, tenant: w.tenant });
    expect((await w.finish(good)).status).toBe('authenticated');
  });
});

describe('principle 5: a dependency failing during a passkey sign-in answers unavailable, no session left valid', () => {
  for (const type of ['auth.passkey.success', 'auth.login.success', 'auth.session.created']) {
    it(`the audit sink refuses ${type}: unavailable, the session opened meanwhile logged out`, async () => {
      const w = await instrumented();
      w.faults.auditType = type;
      await expect(w.finish(await w.assertion())).resolves.toEqual(unavailable);
      expect(await w.liveSessions()).toBe(0);
    });
  }

  it('the session index at its bound evicts the oldest, and the audit sink refuses that record: unavailable, the new session logged out', async () => {
    const w = await instrumented({ session: { maxConcurrent: { limit: 1, mode: 'evict_oldest' } } });
    expect((await w.finish(await w.assertion())).status).toBe('authenticated');
    w.faults.auditType = 'auth.session.revoked';
    await expect(w.finish(await w.assertion())).resolves.toEqual(unavailable);
    expect(await w.liveSessions()).toBe(0);
  });

  it('the account repository fails its update: unavailable, the session logged out, and the challenge stays spent', async () => {
    const w = await instrumented();
    const response = await w.assertion();
    w.faults.update = true;
    await expect(w.finish(response)).resolves.toEqual(unavailable);
    expect(await w.liveSessions()).toBe(0);
    w.faults.update = false;
    expect(await w.finish(response)).toMatchObject({ status: 'denied', reason: 'challenge_reused' });
  });

  it('the account repository fails the read before the one write: unavailable, the session logged out (the counter may be left unwritten)', async () => {
    const w = await instrumented({}, authenticator({ counterStart: 3 }));
    w.faults.findByIdLeft = 1; // the sign-in's first read answers; the one before the write fails
    await expect(w.finish(await w.assertion())).resolves.toEqual(unavailable);
    expect(await w.liveSessions()).toBe(0);
    w.faults.findByIdLeft = null;
    expect(w.updates).toEqual([]);
    // the next sign-in moves the counter past both assertions
    expect((await w.finish(await w.assertion())).status).toBe('authenticated');
    expect((await w.accounts.findById(w.tenant, w.accountId))?.passkeys?.[0]?.counter).toBe(5);
  });
});
