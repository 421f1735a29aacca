/**
 * SEC-13 / EXT-4: recovery codes, the fallback second factor. ≥ 50 bits each
 * from the CSPRNG, grouped for reading aloud, stored only as keyed hashes bound
 * to the account, each usable once even under concurrency, guesses counted by
 * the second-factor lockout; crypto-shredding the key voids the hashes (FNB-4.1).
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  RECOVERY_CODE_BITS,
  consumeRecoveryCode,
  createKeyRing,
  generateRecoveryCodes,
  hashRecoveryCodes,
  recoveryCodesRemaining,
} from '../../src/index.js';
import { memoryState, manualClock, policyWith, testKeyRing } from './support.js';

const format = /^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/;

function setup(policy = policyWith('funabashi')) {
  const keyRing = testKeyRing();
  const clock = manualClock();
  const state = memoryState(policy, clock.now);
  const codes = generateRecoveryCodes();
  const set = hashRecoveryCodes(codes, { keyRing, account: 'u-1', tenant: 'city-a' });
  const options = { keyRing, ...state };
  const use = (code: unknown, account = 'u-1') => consumeRecoveryCode({ account, tenant: 'city-a', set, code }, options);
  return { keyRing, clock, state, codes, set, options, use };
}

describe('generateRecoveryCodes', () => {
  it('makes 10 distinct codes by default, 12 Crockford characters in groups of four (60 bits)', () => {
    const codes = generateRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(format);
    expect(RECOVERY_CODE_BITS).toBeGreaterThanOrEqual(50);
    expect(generateRecoveryCodes(3)).toHaveLength(3);
  });

  it('uses the whole alphabet evenly (no bias from the bit slicing)', () => {
    const counts = new Map<string, number>();
    const codes = generateRecoveryCodes(100).concat(...Array.from({ length: 49 }, () => generateRecoveryCodes(100)));
    for (const code of codes) for (const ch of code.replaceAll('-', '')) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    expect(counts.size).toBe(32);
    const total = codes.length * 12; // 60,000 characters, 1,875 expected per symbol
    for (const n of counts.values()) expect(Math.abs(n - total / 32)).toBeLessThan(250); // > 5 standard deviations
  });

  it('refuses a count that is not 1–100 with a coded error', () => {
    for (const n of [0, -1, 1.5, 101, Number.NaN]) expect(() => generateRecoveryCodes(n)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });
});

describe('hashRecoveryCodes', () => {
  it('stores only keyed hashes: no code, no part of one, appears in what is stored', () => {
    const { codes, set } = setup();
    const stored = JSON.stringify(set);
    for (const code of codes) {
      for (const group of code.split('-')) expect(stored).not.toContain(group);
    }
    expect(set.hashes).toHaveLength(10);
    for (const h of set.hashes) expect(h).toMatch(/^kmr1\.k1\.[A-Za-z0-9_-]{43}$/);
  });

  it('binds each hash to the account: the same codes hash differently for another account or tenant', () => {
    const keyRing = testKeyRing();
    const codes = generateRecoveryCodes(2);
    const a = hashRecoveryCodes(codes, { keyRing, account: 'a', tenant: 't' });
    const b = hashRecoveryCodes(codes, { keyRing, account: 'b', tenant: 't' });
    const c = hashRecoveryCodes(codes, { keyRing, account: 'a', tenant: 'u' });
    expect(new Set([...a.hashes, ...b.hashes, ...c.hashes]).size).toBe(6);
  });
});

describe('consumeRecoveryCode', () => {
  it('accepts each code once and counts down what remains', async () => {
    const { codes, set, state, use } = setup();
    await expect(use(codes[3])).resolves.toEqual({ ok: true, remaining: 9 });
    await expect(use(codes[3])).resolves.toEqual({ ok: false, reason: 'already_used' });
    await expect(use(codes[0])).resolves.toEqual({ ok: true, remaining: 8 });
    await expect(recoveryCodesRemaining(set, { store: state.store, account: 'u-1', tenant: 'city-a' })).resolves.toBe(8);
  });

  it('forgives how a code is typed: case, spaces, missing or Unicode hyphens, full width, O/0 and I/L/1', async () => {
    const { use } = setup();
    const keyRing = testKeyRing();
    const state = memoryState(policyWith('funabashi'), manualClock().now);
    const code = '0O1I-L1AB-CDEF'; // canonical 0011-11AB-CDEF
    const set = hashRecoveryCodes(['0011-11AB-CDEF'], { keyRing, account: 'u' });
    await expect(consumeRecoveryCode({ account: 'u', set, code: ' ｏo1i　l1ab ー cdef ' }, { keyRing, ...state })).resolves.toEqual({ ok: true, remaining: 0 });
    await expect(consumeRecoveryCode({ account: 'u', set, code }, { keyRing, ...state })).resolves.toEqual({ ok: false, reason: 'already_used' });
    await expect(use('not a code')).resolves.toEqual({ ok: false, reason: 'invalid_code' });
  });

  it('another account’s code is invalid_code; no set is not_enrolled; malformed input never throws', async () => {
    const { codes, options } = setup();
    const other = hashRecoveryCodes(generateRecoveryCodes(), { keyRing: options.keyRing, account: 'u-2', tenant: 'city-a' });
    await expect(consumeRecoveryCode({ account: 'u-2', tenant: 'city-a', set: other, code: codes[0] }, options)).resolves.toEqual({ ok: false, reason: 'invalid_code' });
    await expect(consumeRecoveryCode({ account: 'u-2', tenant: 'city-a', set: null, code: codes[0] }, options)).resolves.toEqual({ ok: false, reason: 'not_enrolled' });
    for (const junk of [null, 42, {}, '', 'x'.repeat(10_000), '1234-5678-90AB-CDEF']) {
      await expect(consumeRecoveryCode({ account: 'u-2', tenant: 'city-b', set: other, code: junk }, { ...options, lockout: memoryState(policyWith('nist-800-63b'), Date.now).lockout })).resolves.toEqual({
        ok: false,
        reason: 'invalid_code',
      });
    }
  });

  it('fifty concurrent uses of one code: exactly one ok', async () => {
    const { codes, use } = setup(policyWith('funabashi', { lockout: { mfa: { maxFailures: 100 } } }));
    const results = await Promise.all(Array.from({ length: 50 }, () => use(codes[5])));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok && r.reason === 'already_used')).toHaveLength(49);
  });

  it('wrong codes count against the second-factor lockout; a right code is then refused as locked', async () => {
    const { codes, use } = setup(); // funabashi: 5 failures
    for (let i = 0; i < 5; i++) await expect(use('AAAA-AAAA-AAAA')).resolves.toEqual({ ok: false, reason: 'invalid_code' });
    await expect(use(codes[1])).resolves.toMatchObject({ ok: false, reason: 'locked' });
  });

  it('FNB-4.1: after rotation old hashes still verify; after the old key is destroyed they fail with ERR_KEY_DESTROYED', async () => {
    const keyRing = createKeyRing({ keys: [{ id: 'old', secret: randomBytes(32) }], current: 'old' });
    const state = memoryState(policyWith('funabashi'), manualClock().now);
    const codes = generateRecoveryCodes(2);
    const set = hashRecoveryCodes(codes, { keyRing, account: 'u' });
    keyRing.add({ id: 'new', secret: randomBytes(32) });
    keyRing.setCurrent('new');
    await expect(consumeRecoveryCode({ account: 'u', set, code: codes[0] }, { keyRing, ...state })).resolves.toEqual({ ok: true, remaining: 1 });
    keyRing.destroy('old');
    await expect(consumeRecoveryCode({ account: 'u', set, code: codes[1] }, { keyRing, ...state })).rejects.toMatchObject({ code: 'ERR_KEY_DESTROYED' });
  });
});
