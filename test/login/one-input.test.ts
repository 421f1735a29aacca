/**
 * Issue 15 point 5: every `Kanmon` method takes one input object, the request's facts spread in as for
 * `login`. The facts of that object are what the audit records (where the request came from), and the
 * positional arguments of 0.1 are a coded programmer error, never read as a wrong challenge or code (which
 * would count against the user's second-factor lockout).
 */
import { describe, expect, it } from 'vitest';
import { memoryStore } from '../../src/index.js';
import { totpAt } from '../mfa/support.js';
import { GOOD_PASSWORD, OUTSIDE_IP, base32Decode, makeWorld } from './support.js';

const world = () => makeWorld((now) => memoryStore({ now }));
const from = { clientIp: OUTSIDE_IP, tls: true, userAgent: 'one-input/1.0' } as const;

describe('issue 15 point 5: one input object per Kanmon method', () => {
  it('enrollTotp, confirmTotp, verifyMfa and logout read the request facts from their one object (audited source)', async () => {
    const w = world();
    await w.addUser('sato', GOOD_PASSWORD, { roles: ['admin'] });
    const first = await w.kanmon.login({ tenant: w.tenant, username: 'sato', password: GOOD_PASSWORD, ...from });
    if (first.status !== 'mfa_required') throw new Error(JSON.stringify(first));
    const started = await w.kanmon.enrollTotp({ challenge: first.challenge, ...from });
    if (started.status !== 'pending') throw new Error(JSON.stringify(started));
    const secret = base32Decode(started.secret);
    const confirmed = await w.kanmon.confirmTotp({ challenge: first.challenge, code: totpAt(secret, w.clock.now()), ...from, userAgent: 'confirm/1.0' });
    expect(confirmed.status).toBe('authenticated');

    w.clock.advance(30_000);
    const second = await w.kanmon.login({ tenant: w.tenant, username: 'sato', password: GOOD_PASSWORD, ...from });
    if (second.status !== 'mfa_required') throw new Error(JSON.stringify(second));
    const verified = await w.kanmon.verifyMfa({ challenge: second.challenge, code: totpAt(secret, w.clock.now()), ...from, userAgent: 'verify/1.0' });
    if (verified.status !== 'authenticated') throw new Error(JSON.stringify(verified));
    await expect(w.kanmon.logout({ session: verified.session, ...from, userAgent: 'logout/1.0' })).resolves.toEqual({ ok: true });

    const agentOf = (type: string) => w.events().filter((e) => e.type === type).map((e) => e.source.userAgent);
    expect(agentOf('auth.mfa.enrolled')).toEqual(['confirm/1.0']);
    expect(agentOf('auth.mfa.success')).toEqual(['verify/1.0']);
    expect(agentOf('auth.logout')).toEqual(['logout/1.0']);
    expect(w.events().filter((e) => e.type === 'auth.logout').map((e) => e.source.ip)).toEqual([OUTSIDE_IP]);
  });

  it('the positional arguments of 0.1 are ERR_INVALID_ARGUMENT naming the object expected, and count nothing', async () => {
    const w = world();
    await w.addUser('sato', GOOD_PASSWORD, { roles: ['admin'] });
    const login = await w.kanmon.login({ tenant: w.tenant, username: 'sato', password: GOOD_PASSWORD, ...from });
    if (login.status !== 'mfa_required') throw new Error(JSON.stringify(login));
    const untyped = w.kanmon as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;

    const refusal = (call: Promise<unknown>) => call.then(() => null, (err: unknown) => err as { code?: string; message?: string });
    const session = { tenant: w.tenant, subject: 'u-1', sessionId: 's-1' };
    const refusals = [
      [await refusal(untyped.verifyMfa!(login.challenge, '123456', from)), 'verifyMfa takes one object { challenge, code, …facts }'],
      [await refusal(untyped.enrollTotp!(null, from)), 'enrollTotp takes one object { challenge | session, currentCode?, …facts }'],
      [await refusal(untyped.confirmTotp!('x', '123456')), 'confirmTotp takes one object { challenge | session, code, …facts }'],
      [await refusal(untyped.logout!(session, from)), 'logout: pass { session, …facts }'],
    ] as const;
    for (const [err, says] of refusals) {
      expect(err?.code).toBe('ERR_INVALID_ARGUMENT');
      expect(err?.message).toContain(says);
    }
    // Nothing was counted against the second factor.
    expect((await w.kanmon.lockout.status({ account: 'sato', tenant: w.tenant })).mfa.failures).toBe(0);
  });
});
