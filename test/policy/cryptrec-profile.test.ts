/**
 * SEC-17, FNB-2.4: `cryptoProfile: 'cryptrec'` refuses, at definePolicy, every
 * algorithm choice outside the CRYPTREC e-Government Recommended Ciphers List
 * that kanmon would otherwise use: Argon2id password hashes and EdDSA session
 * signatures. (docs/cryptrec.md)
 */
import { describe, expect, it } from 'vitest';
import { createKeyRing, createSessionManager, cryptrecSessionAlgorithms, definePolicy, memoryStore } from '../../src/index.js';
import { errorCode, kanmonError } from '../support/errors.js';

function issuesOf(fn: () => unknown): { path: string; message: string }[] {
  const err = kanmonError(fn);
  expect(err.code).toBe('ERR_INVALID_POLICY');
  return (err.details as { issues: { path: string; message: string }[] }).issues;
}

const pbkdf2 = { algorithm: 'pbkdf2-sha256' } as const;

describe("SEC-17 / FNB-2.4: cryptoProfile 'cryptrec'", () => {
  it('refuses an EdDSA session signature at definePolicy, naming session.algorithm; both bad choices are reported at once', () => {
    const issues = issuesOf(() => definePolicy('funabashi', { cryptoProfile: 'cryptrec', session: { algorithm: 'EdDSA' } }));
    expect(issues.map((i) => i.path).sort()).toEqual(['hashing.algorithm', 'session.algorithm']);
    expect(issues.find((i) => i.path === 'session.algorithm')?.message).toContain('ES256, PS256 or HS256');
  });

  it.each(cryptrecSessionAlgorithms)('accepts %s, the algorithms createSessionManager accepts under the profile', (algorithm) => {
    const policy = definePolicy('funabashi', { cryptoProfile: 'cryptrec', hashing: pbkdf2, session: { algorithm } });
    expect(policy.session.algorithm).toBe(algorithm);
  });

  it('the policy check and the session manager agree: EdDSA is refused by both under the profile, allowed by both outside it', () => {
    const keyRing = createKeyRing({ keys: [{ id: 'k1', secret: new Uint8Array(32).fill(3) }], current: 'k1' });
    const common = { keyRing, store: memoryStore(), idleTimeoutMs: 60_000, absoluteTimeoutMs: 120_000, now: () => 0, algorithm: 'EdDSA' } as const;
    expect(errorCode(() => createSessionManager({ ...common, cryptoProfile: 'cryptrec' }))).toBe('ERR_INVALID_POLICY');
    expect(() => createSessionManager({ ...common, cryptoProfile: 'standard' })).not.toThrow();
    expect(definePolicy('funabashi', { session: { algorithm: 'EdDSA' } }).session.algorithm).toBe('EdDSA');
  });
});
