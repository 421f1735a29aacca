/**
 * IPC-4 (初期設定のまま使用せず), ASVS 5.0 V6.4: an issued password (createAccount's first password, an
 * administrator's reset) stops working `policy.password.issuedValidityHours` after it was issued, unless the
 * user changed it first. The rule reads only the account record, so it holds across restarts.
 */
import { describe, expect, it } from 'vitest';
import { definePolicy } from '../../src/index.js';
import { isIssuedPasswordExpired, issuedPasswordExpiresAt } from '../../src/recovery/issued-password.js';

const T0 = 1_900_000_000_000;
const HOUR = 3_600_000;

describe('IPC-4: issued passwords expire', () => {
  const policy = definePolicy('funabashi', { password: { issuedValidityHours: 72 } });

  it.each(['initial', 'admin_reset'] as const)('%s: usable until 1 ms before passwordChangedAt + issuedValidityHours, refused from it on', (mustChangePassword) => {
    const account = { mustChangePassword, passwordChangedAt: T0 };
    expect(issuedPasswordExpiresAt(account, policy)).toBe(T0 + 72 * HOUR);
    expect(isIssuedPasswordExpired(account, policy, T0 + 72 * HOUR - 1000)).toBe(false);
    expect(isIssuedPasswordExpired(account, policy, T0 + 72 * HOUR - 1)).toBe(false);
    expect(isIssuedPasswordExpired(account, policy, T0 + 72 * HOUR)).toBe(true);
  });

  it('a password its user chose (the change consumed the issued one) or one that must change for another reason never expires by this rule', () => {
    for (const mustChangePassword of [null, 'policy_changed']) {
      expect(issuedPasswordExpiresAt({ mustChangePassword, passwordChangedAt: T0 }, policy)).toBeNull();
      expect(isIssuedPasswordExpired({ mustChangePassword, passwordChangedAt: T0 }, policy, T0 + 400 * 24 * HOUR)).toBe(false);
    }
  });

  it('issuedValidityHours null: an issued password never expires (the compliance report says IPC-4 is weakened)', () => {
    const never = definePolicy('funabashi', { password: { issuedValidityHours: null } });
    expect(isIssuedPasswordExpired({ mustChangePassword: 'initial', passwordChangedAt: T0 }, never, T0 + 400 * 24 * HOUR)).toBe(false);
  });

  it('every preset sets a value of a week or less', () => {
    for (const preset of ['funabashi', 'external-service-common', 'remote-maintenance', 'nist-800-63b'] as const) {
      const hours = definePolicy(preset).password.issuedValidityHours;
      expect(hours, preset).not.toBeNull();
      expect(hours, preset).toBeLessThanOrEqual(7 * 24);
    }
  });
});
