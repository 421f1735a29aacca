/**
 * NIST SP 800-63B-4 §3.1.1.2 (normalise before hashing), SEC-4 (upgrade on
 * login), through the login flow: a deployer switches `password.normalization`
 * from NFKC to NFC (or back). A user who set a full-width password before the
 * switch still signs in with it; the hash is upgraded at that login to the new
 * form (needsRehash), and the next login verifies the new hash.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type Policy, createAuditLog, createKanmon, createKeyRing, memoryAccounts, memoryAuditSink, memoryStore, newAccount } from '../../src/index.js';
import { INTERNAL_IP, BUSINESS_DAY_10_JST, testPolicy } from './support.js';

const internal = { clientIp: INTERNAL_IP, tls: true } as const;
/** Typed with the IME in full-width mode. */
const FULL_WIDTH = 'Ｋｑ７＃ｖＲｔ２！ｍＺｐ';

function deployment() {
  const now = () => BUSINESS_DAY_10_JST;
  const keyRing = createKeyRing({ keys: [{ id: 'k1', secret: randomBytes(32) }], current: 'k1' });
  const accounts = memoryAccounts();
  const store = memoryStore({ now });
  const audit = createAuditLog({ sink: memoryAuditSink(), keyRing, stream: 'auth', now });
  const kanmonWith = (policy: Policy) => createKanmon({ policy, store, accounts, keyRing, audit, now });
  return { accounts, kanmonWith, now };
}

describe.each([
  ['NFKC', 'NFC'],
  ['NFC', 'NFKC'],
] as const)('NIST SP 800-63B-4 §3.1.1.2, SEC-4: password.normalization switched from %s to %s', (from, to) => {
  it('the full-width password set before the switch still signs in, and that login rehashes it in the new form', async () => {
    const { accounts, kanmonWith, now } = deployment();
    const before = kanmonWith(testPolicy({ password: { normalization: from } }));
    await accounts.create(
      newAccount({ id: 'u-1', tenant: 'funabashi', username: 'sato', passwordHash: await before.hasher.hash(FULL_WIDTH), passwordChangedAt: now(), roles: ['staff'] }),
    );
    const oldHash = (await accounts.findById('funabashi', 'u-1'))!.passwordHash;

    const after = kanmonWith(testPolicy({ password: { normalization: to } }));
    expect(after.hasher.needsRehash(oldHash)).toBe(true);
    const first = await after.login({ tenant: 'funabashi', username: 'sato', password: FULL_WIDTH, ...internal });
    expect(first.status, JSON.stringify(first)).toBe('authenticated');

    const newHash = (await accounts.findById('funabashi', 'u-1'))!.passwordHash;
    expect(newHash).not.toBe(oldHash);
    expect(after.hasher.needsRehash(newHash)).toBe(false);
    expect(newHash.includes(',norm=nfc$')).toBe(to === 'NFC');

    const second = await after.login({ tenant: 'funabashi', username: 'sato', password: FULL_WIDTH, ...internal });
    expect(second.status).toBe('authenticated');
    expect((await accounts.findById('funabashi', 'u-1'))!.passwordHash).toBe(newHash);
  });
});
