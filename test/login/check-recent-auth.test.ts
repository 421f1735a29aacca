/**
 * Issue 17 point 1 (SEC-13): `checkRecentAuth`, the one freshness rule behind `requireRecentAuth` in both adapters
 * and the administrative operations: allowed at exactly `authTime + maxAgeSeconds`, refused one second (and one
 * millisecond) later, on kanmon's injected clock; a bad max age is a programmer error when the guard is made.
 */
import { describe, expect, it } from 'vitest';
import { memoryStore } from '../../src/index.js';
import { createHttpCore } from '../../src/http/create-http-core.js';
import { GOOD_PASSWORD, INTERNAL_IP, makeWorld } from './support.js';

async function world() {
  const w = makeWorld((now) => memoryStore({ now }));
  await w.addUser('sato');
  const login = await w.kanmon.login({ tenant: w.tenant, username: 'sato', password: GOOD_PASSWORD, clientIp: INTERNAL_IP, tls: true });
  if (login.status !== 'authenticated') throw new Error(login.status);
  return { w, session: login.session };
}

describe('SEC-13: checkRecentAuth', () => {
  it('the policy default: allowed at exactly reauthMaxAgeSeconds, reauth_required 1 ms and 1 s later', async () => {
    const { w, session } = await world();
    const deadline = session.authTime + w.policy.session.reauthMaxAgeSeconds * 1000;
    w.clock.set(deadline);
    expect(w.kanmon.checkRecentAuth({ session })).toEqual({ ok: true, deadline });
    w.clock.set(deadline + 1);
    expect(w.kanmon.checkRecentAuth({ session })).toEqual({ ok: false, reason: 'reauth_required', deadline });
    w.clock.set(deadline + 1000);
    expect(w.kanmon.checkRecentAuth({ session })).toEqual({ ok: false, reason: 'reauth_required', deadline });
  });

  it('an explicit max age overrides the policy; a session without a numeric authTime is never recent', async () => {
    const { w, session } = await world();
    w.clock.set(session.authTime + 60_000);
    expect(w.kanmon.checkRecentAuth({ session, maxAgeSeconds: 60 }).ok).toBe(true);
    expect(w.kanmon.checkRecentAuth({ session, maxAgeSeconds: 59 }).ok).toBe(false);
    expect(w.kanmon.checkRecentAuth({ session: { ...session, authTime: Number.NaN }, maxAgeSeconds: 86_400 }).ok).toBe(false);
  });

  it('a max age that is not a whole number of seconds from 1 to 86400 is ERR_INVALID_ARGUMENT, in checkRecentAuth and when requireRecentAuth is made', async () => {
    const { w, session } = await world();
    const core = createHttpCore(w.kanmon, { tenant: w.tenant });
    expect(core.recentAuthAge(undefined)).toBeNull();
    expect(core.recentAuthAge(300)).toBe(300);
    for (const bad of [0, -1, 1.5, 86_401, Number.NaN, '300', null]) {
      expect(() => core.recentAuthAge(bad)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
      expect(() => w.kanmon.checkRecentAuth({ session, maxAgeSeconds: bad as number })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    }
    expect(() => w.kanmon.checkRecentAuth({} as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });
});
