/**
 * Issue 18, a passkey sign-in's account writes: the passkey's counter and last use go into the login's one account
 * update (with its time and address), read fresh right before that write, and are written even when no session is
 * issued (the counter only ever moves up: a clone is told by it).
 */
import { describe, expect, it } from 'vitest';
import { authenticator, inside } from './support/world.js';
import { instrumented } from './support/instrumented.js';

describe('passwordless sign-in: one account update', () => {
  it('the counter and last use of the passkey are written with the login’s time and address, in one update', async () => {
    const w = await instrumented({}, authenticator({ counterStart: 3 }));
    const result = await w.finish(await w.assertion());
    expect(result.status).toBe('authenticated');
    expect(w.updates).toHaveLength(1);
    const [patch] = w.updates;
    expect(typeof patch?.lastLoginAt).toBe('number');
    expect(patch?.lastLoginIp).toBe(inside.clientIp);
    expect(patch?.passkeys?.map((c) => c.counter)).toEqual([4]);
    const stored = await w.accounts.findById(w.tenant, w.accountId);
    expect(stored?.passkeys?.[0]).toMatchObject({ counter: 4, lastUsedAt: patch?.lastLoginAt });
    expect(stored?.lastLoginAt).toBe(patch?.lastLoginAt);
  });

  it('a rename racing the sign-in is kept: the passkey list is read again right before the write', async () => {
    const w = await instrumented({}, authenticator({ counterStart: 3 }));
    const response = await w.assertion();
    // the sign-in's first read (the account the user handle names) answers; the user renames the key meanwhile
    w.afterNextRead = async (account) => {
      const [key] = account.passkeys ?? [];
      if (key) await w.accounts.update(w.tenant, w.accountId, { passkeys: [{ ...key, label: 'Renamed meanwhile' }] });
    };
    expect((await w.finish(response)).status).toBe('authenticated');
    expect(w.afterNextRead).toBeNull();
    const stored = await w.accounts.findById(w.tenant, w.accountId);
    expect(stored?.passkeys?.[0]).toMatchObject({ label: 'Renamed meanwhile', counter: 4 });
  });

  it('refused at the session limit (refuse_new): no session, no login recorded, the counter written all the same', async () => {
    const w = await instrumented({ session: { maxConcurrent: { limit: 1, mode: 'refuse_new' } } }, authenticator({ counterStart: 3 }));
    expect((await w.finish(await w.assertion())).status).toBe('authenticated');
    const before = await w.accounts.findById(w.tenant, w.accountId);
    expect(await w.finish(await w.assertion())).toMatchObject({ status: 'denied', reason: 'session_limit' });
    const after = await w.accounts.findById(w.tenant, w.accountId);
    expect(after?.passkeys?.[0]?.counter).toBe(5);
    expect(after?.lastLoginAt).toBe(before?.lastLoginAt);
    expect(await w.liveSessions()).toBe(1);
    // the refused assertion cannot be replayed as a clone would: its counter is stored
    expect(await w.finish(await w.assertion({ counter: 5 }))).toMatchObject({ status: 'denied', reason: 'counter_regression' });
  });
});
