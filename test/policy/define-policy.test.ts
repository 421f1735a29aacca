import { describe, expect, it } from 'vitest';
import { definePolicy, presetIds } from '../../src/index.js';
import { kanmonError } from '../support/errors.js';

describe('definePolicy', () => {
  it('funabashi: 10+ characters and all four classes (SEC-23, FNB-3.1.3)', () => {
    const policy = definePolicy('funabashi');
    expect(policy.password.minLength).toBe(10);
    expect([...policy.password.requiredClasses].sort()).toEqual(['digit', 'lower', 'symbol', 'upper']);
    expect(policy.preset?.id).toBe('funabashi');
  });

  it('remote-maintenance: 8+ characters, all four classes, periodic change (RM-19, RM-22, RM-36)', () => {
    const policy = definePolicy('remote-maintenance');
    expect(policy.password.minLength).toBe(8);
    expect([...policy.password.requiredClasses].sort()).toEqual(['digit', 'lower', 'symbol', 'upper']);
    expect(policy.password.maxAgeDays).toBe(90);
  });

  it('external-service-common keeps logs a year (EXT-6); nist-800-63b has no composition or expiry', () => {
    expect(definePolicy('external-service-common').audit.retentionDays).toBe(365);
    const nist = definePolicy('nist-800-63b');
    expect(nist.password.requiredClasses).toEqual([]);
    expect(nist.password.minClasses).toBe(0);
    expect(nist.password.maxAgeDays).toBeNull();
  });

  it('every preset validates and covers every section', () => {
    for (const id of presetIds) {
      const policy = definePolicy(id);
      for (const section of ['password', 'hashing', 'lockout', 'mfa', 'access', 'session', 'audit', 'cryptoProfile', 'timeZone']) {
        expect(policy, `${id}.${section}`).toHaveProperty(section);
      }
    }
  });

  it('one ERR_INVALID_POLICY names every bad field with its path', () => {
    const err = kanmonError(() =>
      definePolicy('funabashi', { password: { minLength: -1 }, lockout: { maxFailures: 'x' as unknown as number } }),
    );
    expect(err.code).toBe('ERR_INVALID_POLICY');
    expect(err.name).toBe('KanmonError');
    const paths = (err.details?.issues as { path: string }[]).map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['password.minLength', 'lockout.maxFailures']));
    expect(err.message).toContain('password.minLength');
    expect(err.message).toContain('lockout.maxFailures');
    expect(err.cause).toBeDefined();
  });

  it('refuses unknown keys (a typo is a configuration mistake, SEC-6)', () => {
    const err = kanmonError(() => definePolicy('funabashi', { password: { minLenght: 12 } as never }));
    expect(err.code).toBe('ERR_INVALID_POLICY');
    expect(err.message).toContain('minLenght');
  });

  it('refuses an unknown preset and non-object input with the same code', () => {
    expect(kanmonError(() => definePolicy('berlin' as never)).code).toBe('ERR_INVALID_POLICY');
    expect(kanmonError(() => definePolicy(42 as never)).code).toBe('ERR_INVALID_POLICY');
    expect(kanmonError(() => definePolicy('funabashi', [] as never)).code).toBe('ERR_INVALID_POLICY');
  });

  it('checks fields against each other', () => {
    const err = kanmonError(() => definePolicy('funabashi', { password: { minLength: 200, maxLength: 128 } }));
    expect((err.details?.issues as { path: string }[])[0]?.path).toBe('password.minLength');
    expect(kanmonError(() => definePolicy('funabashi', { cryptoProfile: 'cryptrec' })).message).toContain('hashing.algorithm');
    expect(definePolicy('funabashi', { cryptoProfile: 'cryptrec', hashing: { algorithm: 'pbkdf2-sha256' } }).cryptoProfile).toBe(
      'cryptrec',
    );
    expect(kanmonError(() => definePolicy({ timeZone: 'Mars/Olympus' })).message).toContain('timeZone');
  });

  it('is deeply frozen', () => {
    const policy = definePolicy('funabashi');
    expect(Object.isFrozen(policy)).toBe(true);
    expect(Object.isFrozen(policy.password)).toBe(true);
    expect(Object.isFrozen(policy.password.requiredClasses)).toBe(true);
    expect(Object.isFrozen(policy.preset?.settings.password)).toBe(true);
    expect(() => {
      (policy.password as { minLength: number }).minLength = 1;
    }).toThrow(TypeError);
  });

  it('keeps the preset values reachable when an override weakens them', () => {
    const weakened = definePolicy('funabashi', { password: { minLength: 8 } });
    expect(weakened.password.minLength).toBe(8);
    expect(weakened.preset?.settings.password.minLength).toBe(10);
    const again = definePolicy(weakened, { lockout: { maxFailures: 3 } });
    expect(again.password.minLength).toBe(8);
    expect(again.lockout.maxFailures).toBe(3);
    expect(again.preset?.id).toBe('funabashi');
  });

  it('overrides merge deeply, replace arrays, and never mutate the caller', () => {
    const overrides = { mfa: { internalNetworks: ['10.0.0.0/8'] }, access: { businessHours: null } };
    const snapshot = structuredClone(overrides);
    const policy = definePolicy('funabashi', overrides);
    expect(policy.mfa.internalNetworks).toEqual(['10.0.0.0/8']);
    expect(policy.mfa.privilegedRoles).toEqual(['admin']);
    expect(policy.access.businessHours).toBeNull();
    expect(overrides).toEqual(snapshot);
  });

  it('a partial object takes the documented defaults and has no preset', () => {
    const policy = definePolicy({ password: { minLength: 12 } });
    expect(policy.password.minLength).toBe(12);
    expect(policy.hashing.argon2).toEqual({ memoryKiB: 19456, iterations: 2, parallelism: 1 });
    expect(policy.timeZone).toBe('Asia/Tokyo');
    expect(policy.preset).toBeNull();
  });
});
