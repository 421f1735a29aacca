import { describe, expect, it } from 'vitest';
import { canChangePassword, checkPasswordAge, definePolicy } from '../../src/index.js';

// remote-maintenance: maxAgeDays 90, expiryWarningDays 14, minAgeDays 1, timeZone Asia/Tokyo (RM-22, RM-36).
const policy = definePolicy('remote-maintenance');
const jst = (iso: string) => Date.parse(`${iso}+09:00`);

describe('RM-22, RM-36: password age at exact day edges in Asia/Tokyo', () => {
  // Set at 2026-04-01 09:30 JST: day 0 is 1 April; it expires at 00:00 JST on 30 June (1 April + 90 days).
  const state = { changedAt: jst('2026-04-01T09:30:00.000') };

  it('ok until the warning period starts at 00:00 JST 14 days before expiry', () => {
    expect(checkPasswordAge(state, policy, jst('2026-06-15T23:59:59.999'))).toEqual({ ok: true, warning: null });
    expect(checkPasswordAge(state, policy, jst('2026-06-16T00:00:00.000'))).toEqual({ ok: true, warning: { code: 'password_expires_soon', daysLeft: 14, expiresAt: jst('2026-06-30T00:00:00.000') } });
  });

  it('warn with 1 day left through 23:59:59.999 JST, expired at 00:00 JST', () => {
    expect(checkPasswordAge(state, policy, jst('2026-06-29T23:59:59.999'))).toEqual({ ok: true, warning: { code: 'password_expires_soon', daysLeft: 1, expiresAt: jst('2026-06-30T00:00:00.000') } });
    expect(checkPasswordAge(state, policy, jst('2026-06-30T00:00:00.000'))).toEqual({ ok: false, reason: 'expired', expiresAt: jst('2026-06-30T00:00:00.000') });
  });

  it('days are Tokyo days, not UTC days: 23:59 JST and 00:00 JST on either side of 15:00 UTC', () => {
    // 2026-03-31T14:59:59.999Z is 23:59:59.999 JST on 31 March; one ms later it is 1 April in Tokyo.
    const lateMarch = { changedAt: Date.parse('2026-03-31T14:59:59.999Z') };
    const earlyApril = { changedAt: Date.parse('2026-03-31T15:00:00.000Z') };
    const at = jst('2026-06-29T12:00:00.000');
    expect(checkPasswordAge(lateMarch, policy, at)).toMatchObject({ ok: false, reason: 'expired', expiresAt: jst('2026-06-29T00:00:00.000') });
    expect(checkPasswordAge(earlyApril, policy, at)).toMatchObject({ ok: true, warning: { daysLeft: 1 } });
  });

  it('never expires when maxAgeDays is null (funabashi: FNB/SEC demand no periodic change)', () => {
    expect(checkPasswordAge(state, definePolicy('funabashi'), jst('2036-01-01T00:00:00.000'))).toEqual({ ok: true, warning: null });
  });

  it('accepts a Date for changedAt', () => {
    expect(checkPasswordAge({ changedAt: new Date(state.changedAt) }, policy, jst('2026-06-30T00:00:00.000'))).toMatchObject({ ok: false, reason: 'expired' });
  });
});

describe('must_change: compromised, initial, admin_reset, policy_changed (IPC-4, FNB-3.1.4)', () => {
  const now = jst('2026-04-02T10:00:00.000');
  const fresh = { changedAt: jst('2026-04-01T09:30:00.000') };

  it.each(['initial', 'admin_reset', 'policy_changed'] as const)('%s', (reason) => {
    expect(checkPasswordAge({ ...fresh, mustChange: reason }, policy, now)).toEqual({ ok: false, reason });
  });

  it('compromised wins over everything else, even over expiry', () => {
    expect(checkPasswordAge({ ...fresh, mustChange: 'initial', compromised: true }, policy, jst('2027-01-01T00:00:00.000'))).toEqual({
      ok: false,
      reason: 'compromised',
    });
  });

  it('mustChangeInitial: false lets issued passwords stand, but not a policy change', () => {
    const lax = definePolicy(policy, { password: { mustChangeInitial: false } });
    expect(checkPasswordAge({ ...fresh, mustChange: 'initial' }, lax, now)).toEqual({ ok: true, warning: null });
    expect(checkPasswordAge({ ...fresh, mustChange: 'admin_reset' }, lax, now)).toEqual({ ok: true, warning: null });
    expect(checkPasswordAge({ ...fresh, mustChange: 'policy_changed' }, lax, now)).toEqual({ ok: false, reason: 'policy_changed' });
  });

  it('bad input is a coded error', () => {
    expect(() => checkPasswordAge({ changedAt: Number.NaN }, policy, now)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    expect(() => checkPasswordAge({ ...fresh, mustChange: 'whenever' as never }, policy, now)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });
});

describe('RM-36: minimum age, so the history cannot be cycled through in one day', () => {
  const state = { changedAt: jst('2026-04-01T23:59:00.000') };

  it('refused until 00:00 JST the next day (minAgeDays 1), with when to retry', () => {
    const at = jst('2026-04-01T23:59:59.999');
    expect(canChangePassword(state, policy, at)).toEqual({ ok: false, reason: 'too_soon', allowedAt: jst('2026-04-02T00:00:00.000'), retryAfterMs: 1 });
    expect(canChangePassword(state, policy, jst('2026-04-02T00:00:00.000'))).toEqual({ ok: true });
  });

  it('a password that must change may always change', () => {
    const at = jst('2026-04-01T23:59:30.000');
    expect(canChangePassword({ ...state, mustChange: 'initial' }, policy, at)).toEqual({ ok: true });
    expect(canChangePassword({ ...state, compromised: true }, policy, at)).toEqual({ ok: true });
  });

  it('minAgeDays 0 never refuses', () => {
    expect(canChangePassword(state, definePolicy('funabashi'), jst('2026-04-01T23:59:30.000'))).toEqual({ ok: true });
  });
});
