/**
 * Issue 16 point 4, step-up before sensitive changes (ASVS 5.0 V7.5.1: re-authenticate before changing an
 * authentication factor): TOTP re-enrolment and recovery-code regeneration need an authentication younger
 * than `policy.session.reauthMaxAgeSeconds` — allowed at the limit, `reauth_required` one millisecond after —
 * through one rule (login/internal/step-up.ts). And `regenerateRecoveryCodes` (point 3): new codes shown
 * once, the old ones dead, a password-only session proves the factor first. On memory, Redis and PostgreSQL.
 */
import { describe, expect, it } from 'vitest';
import { type KanmonStore, memoryStore } from '../../src/index.js';
import { totpAt } from '../mfa/support.js';
import { type MakeStore, type StoreName, onEveryStore } from '../support/stores.js';
import { GOOD_PASSWORD, INTERNAL_IP, OUTSIDE_IP, type World, base32Decode, makeWorld } from './support.js';
import { adminActor } from '../support/admin.js';

const outside = { clientIp: OUTSIDE_IP, tls: true } as const;
const inside = { clientIp: INTERNAL_IP, tls: true } as const;
const STEP = 30_000;

function stepUpSuite(name: StoreName, makeStore: MakeStore) {
  /** sato enrolled through a login from outside; the session of that login passed the second factor (amr has `mfa`). */
  async function enrolled() {
    const w = makeWorld(makeStore);
    const account = await w.addUser('sato');
    const login = await w.kanmon.login({ tenant: w.tenant, username: 'sato', password: GOOD_PASSWORD, ...outside });
    if (login.status !== 'mfa_required') throw new Error(login.status);
    const enrollment = await w.kanmon.enrollTotp({ challenge: login.challenge });
    if (enrollment.status !== 'pending') throw new Error(JSON.stringify(enrollment));
    const secret = base32Decode(enrollment.secret);
    const confirmed = await w.kanmon.confirmTotp({ challenge: login.challenge, code: totpAt(secret, w.clock.now()) });
    if (confirmed.status !== 'authenticated') throw new Error(JSON.stringify(confirmed));
    expect(confirmed.session.amr).toContain('mfa');
    return { w, account, secret, session: confirmed.session, recoveryCodes: [...confirmed.recoveryCodes] };
  }
  const maxAgeMs = (w: World) => w.policy.session.reauthMaxAgeSeconds * 1000;
  const stored = async (w: World, id: string) => (await w.accounts.findById(w.tenant, id))!;

  /** A login from outside completed with `code`. */
  async function mfaLogin(w: World, code: string) {
    const login = await w.kanmon.login({ tenant: w.tenant, username: 'sato', password: GOOD_PASSWORD, ...outside });
    if (login.status !== 'mfa_required') throw new Error(login.status);
    return w.kanmon.verifyMfa({ challenge: login.challenge, code });
  }

  describe(`issue 16 point 4, ASVS 5.0 V7.5.1: step-up before a factor change (${name})`, () => {
    it('re-enrolment without a recent authentication: reauth_required; with one (at the limit): allowed', async () => {
      const stale = await enrolled();
      stale.w.clock.advance(maxAgeMs(stale.w) + 1);
      expect(await stale.w.kanmon.enrollTotp({ session: stale.session, currentCode: totpAt(stale.secret, stale.w.clock.now()) })).toEqual({
        status: 'denied',
        reason: 'reauth_required',
      });
      expect((await stored(stale.w, stale.account.id)).totpPendingSecret).toBeNull();

      const fresh = await enrolled();
      fresh.w.clock.advance(maxAgeMs(fresh.w));
      const started = await fresh.w.kanmon.enrollTotp({ session: fresh.session, currentCode: totpAt(fresh.secret, fresh.w.clock.now()) });
      if (started.status !== 'pending') throw new Error(JSON.stringify(started));
      const confirmed = await fresh.w.kanmon.confirmTotp({ session: fresh.session, code: totpAt(base32Decode(started.secret), fresh.w.clock.now()) });
      expect(confirmed.status).toBe('enrolled');
    });

    it('recovery-code regeneration without a recent authentication: reauth_required (audited), the codes unchanged; at the limit: allowed', async () => {
      const { w, account, session } = await enrolled();
      const before = (await stored(w, account.id)).recoveryCodes;
      w.clock.advance(maxAgeMs(w));
      const allowed = await w.kanmon.regenerateRecoveryCodes({ session });
      expect(allowed).toMatchObject({ ok: true });
      const afterAllowed = (await stored(w, account.id)).recoveryCodes;
      expect(afterAllowed).not.toEqual(before);
      w.clock.advance(1);
      expect(await w.kanmon.regenerateRecoveryCodes({ session })).toEqual({ ok: false, reason: 'reauth_required' });
      expect((await stored(w, account.id)).recoveryCodes).toEqual(afterAllowed);
      expect(w.events().filter((e) => e.reason === 'regenerate_reauth_required')).toHaveLength(1);
    });
  });

  describe(`issue 16 point 3: regenerateRecoveryCodes (${name})`, () => {
    it('new codes, shown once and never audited; every old code is dead, a new one completes a login', async () => {
      const { w, session, recoveryCodes } = await enrolled();
      w.clock.advance(STEP);
      const result = await w.kanmon.regenerateRecoveryCodes({ session, ...outside });
      if (!result.ok) throw new Error(JSON.stringify(result));
      expect(result.recoveryCodes).toHaveLength(w.policy.mfa.recoveryCodes.count);
      expect(new Set([...result.recoveryCodes, ...recoveryCodes]).size).toBe(result.recoveryCodes.length + recoveryCodes.length);
      expect(w.events().filter((e) => e.type === 'auth.recovery_code.generated').at(-1)).toMatchObject({ reason: 'regenerated', after: { count: result.recoveryCodes.length } });
      for (const code of [...result.recoveryCodes, ...recoveryCodes]) expect(w.auditText()).not.toContain(code);

      expect(await mfaLogin(w, recoveryCodes[0]!)).toMatchObject({ status: 'denied' });
      expect((await mfaLogin(w, result.recoveryCodes[0]!)).status).toBe('authenticated');
    });

    it('a password-only session proves the second factor first: factor_required, invalid_code, then a right TOTP code; the code is spent (replay refused)', async () => {
      const { w, account, secret } = await enrolled();
      w.clock.advance(STEP);
      const login = await w.kanmon.login({ tenant: w.tenant, username: 'sato', password: GOOD_PASSWORD, ...inside });
      if (login.status !== 'authenticated') throw new Error(login.status);
      expect(login.session.amr).not.toContain('mfa');
      const before = (await stored(w, account.id)).recoveryCodes;
      const right = totpAt(secret, w.clock.now());
      expect(await w.kanmon.regenerateRecoveryCodes({ session: login.session })).toEqual({ ok: false, reason: 'factor_required' });
      expect(await w.kanmon.regenerateRecoveryCodes({ session: login.session, currentCode: right === '123456' ? '654321' : '123456' })).toEqual({
        ok: false,
        reason: 'invalid_code',
      });
      expect((await stored(w, account.id)).recoveryCodes).toEqual(before);
      expect(await w.kanmon.regenerateRecoveryCodes({ session: login.session, currentCode: right })).toMatchObject({ ok: true });
      expect(await w.kanmon.regenerateRecoveryCodes({ session: login.session, currentCode: right })).toEqual({ ok: false, reason: 'replayed' });
    });

    it('an account without a second factor: not_enrolled; a disabled account: invalid_session; no session object: a programmer error', async () => {
      const w = makeWorld(makeStore);
      const account = await w.addUser('tanaka');
      const login = await w.kanmon.login({ tenant: w.tenant, username: 'tanaka', password: GOOD_PASSWORD, ...inside });
      if (login.status !== 'authenticated') throw new Error(login.status);
      expect(await w.kanmon.regenerateRecoveryCodes({ session: login.session })).toEqual({ ok: false, reason: 'not_enrolled' });
      await w.accounts.update(w.tenant, account.id, { disabled: true });
      expect(await w.kanmon.regenerateRecoveryCodes({ session: login.session })).toEqual({ ok: false, reason: 'invalid_session' });
      await expect(w.kanmon.regenerateRecoveryCodes(null as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
      await expect(w.kanmon.regenerateRecoveryCodes({} as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    });
  });
}

onEveryStore(stepUpSuite);

describe('issue 16 points 3–4 under an outage (ASVS 5.0 V16.5.2: fail closed): a store that stops answering', () => {
  /** A memory store whose every call rejects, like a driver whose server is gone, once `down` is set. */
  function breakableStore(now: () => number) {
    const state = { down: false };
    const inner = memoryStore({ now });
    const store = new Proxy(inner, {
      get(target, prop, receiver) {
        if (prop === 'updateNow' || prop === 'inProcess') return undefined;
        const value: unknown = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function') return value;
        const fn = value as (...a: unknown[]) => Promise<unknown>;
        return (...args: unknown[]) =>
          state.down ? Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' })) : fn.apply(target, args);
      },
    }) as KanmonStore;
    return { store, state };
  }

  it('regenerateRecoveryCodes proving the factor and adminResetMfa answer unavailable (no throw); the reset leaves the factor and codes in place', async () => {
    let broken: ReturnType<typeof breakableStore> | undefined;
    const w = makeWorld((now) => (broken = breakableStore(now)).store);
    const account = await w.addUser('sato');
    const login = await w.kanmon.login({ tenant: w.tenant, username: 'sato', password: GOOD_PASSWORD, ...outside });
    if (login.status !== 'mfa_required') throw new Error(login.status);
    const enrollment = await w.kanmon.enrollTotp({ challenge: login.challenge });
    if (enrollment.status !== 'pending') throw new Error(JSON.stringify(enrollment));
    const secret = base32Decode(enrollment.secret);
    expect((await w.kanmon.confirmTotp({ challenge: login.challenge, code: totpAt(secret, w.clock.now()) })).status).toBe('authenticated');
    w.clock.advance(STEP);
    const pwdOnly = await w.kanmon.login({ tenant: w.tenant, username: 'sato', password: GOOD_PASSWORD, ...inside });
    if (pwdOnly.status !== 'authenticated') throw new Error(pwdOnly.status);
    const before = await w.accounts.findById(w.tenant, account.id);

    const admin = await adminActor(w.kanmon, w.tenant, 'u-admin');
    broken!.state.down = true;
    const regenerated = await w.kanmon.regenerateRecoveryCodes({ session: pwdOnly.session, currentCode: totpAt(secret, w.clock.now()) });
    expect(regenerated).toMatchObject({ ok: false, reason: 'unavailable' });
    expect((regenerated as { retryAfterMs?: number }).retryAfterMs).toBeGreaterThan(0);
    const reset = await w.kanmon.adminResetMfa({ tenant: w.tenant, ...admin, accountId: account.id, reason: 'lost_device' });
    expect(reset).toMatchObject({ ok: false, reason: 'unavailable' });
    expect(JSON.stringify([regenerated, reset])).not.toContain('ECONNREFUSED');
    const after = await w.accounts.findById(w.tenant, account.id);
    expect([after?.totpSecret, after?.recoveryCodes]).toEqual([before?.totpSecret, before?.recoveryCodes]);
  });
});
