import { describe, expect, it } from 'vitest';
import { checkPasswordAge, definePolicy, markCompromised } from '../../src/index.js';

describe('RM-23, FNB-3.1.4: markCompromised forces a change and asks for session revocation', () => {
  const policy = definePolicy('funabashi');
  const at = Date.parse('2026-05-01T01:00:00Z');

  it('returns the account patch and the audit event; the patched account must change its password', () => {
    const account = { id: 'u-1', changedAt: Date.parse('2026-04-01T00:00:00Z'), compromised: false };
    const { patch, event } = markCompromised({ accountId: account.id, compromised: account.compromised, source: 'admin', at });
    expect(patch).toEqual({ compromised: true, compromisedAt: at });
    expect(event).toEqual({
      type: 'password.compromised',
      at,
      accountId: 'u-1',
      source: 'admin',
      alreadyCompromised: false,
      actions: ['force_change', 'revoke_sessions'],
    });
    expect(checkPasswordAge(account, policy, at)).toEqual({ ok: true, warning: null });
    expect(checkPasswordAge({ ...account, ...patch }, policy, at)).toEqual({ ok: false, reason: 'compromised' });
  });

  it('is pure: the input is not modified, and marking twice says so', () => {
    const input = Object.freeze({ accountId: 'u-2', compromised: true, source: 'breach_check' as const, at });
    const result = markCompromised(input);
    expect(result.event.alreadyCompromised).toBe(true);
    expect(input).toEqual({ accountId: 'u-2', compromised: true, source: 'breach_check', at });
  });

  it('bad input is a coded error', () => {
    expect(() => markCompromised({ accountId: '', source: 'admin', at })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    expect(() => markCompromised({ accountId: 'u', source: 'rumour' as never, at })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    expect(() => markCompromised({ accountId: 'u', source: 'admin', at: Number.NaN })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });
});
