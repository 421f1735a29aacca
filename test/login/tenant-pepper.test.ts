/**
 * Issue 19 point 5 (RM-18, SEC-34, FNB-4.3): the password pepper of one city is bound to that city's key.
 * With `hashing.pepper` on and a key of the tenant in the ring, a login re-hashes a password peppered with the
 * shared key under the tenant's key (read-compatible migration, re-hashed on use), new hashes name it, and
 * another tenant keeps the shared pepper.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createAuditLog, createKanmon, createKeyRing, createPasswordHasher, memoryAccounts, memoryAuditSink, memoryStore, newAccount } from '../../src/index.js';
import { GOOD_PASSWORD, INTERNAL_IP, BUSINESS_DAY_10_JST, testPolicy } from './support.js';

/** The pepper key id a PHC string names (`keyid=` is base64, PHC §). */
const pepperKey = (phc: string) => Buffer.from(/keyid=([A-Za-z0-9+/]+)/.exec(phc)![1]!, 'base64').toString('utf8');

describe('issue 19 point 5: per-tenant pepper through createKanmon', () => {
  it("a login re-hashes a shared-pepper hash under the tenant's key; the other tenant stays on the shared pepper", async () => {
    const now = () => BUSINESS_DAY_10_JST;
    const policy = testPolicy({ hashing: { pepper: true } });
    const keyRing = createKeyRing({ keys: [{ id: 'shared-1', secret: randomBytes(32) }], current: 'shared-1' });
    const accounts = memoryAccounts();
    const hasher = createPasswordHasher({ policy, keyRing });
    for (const tenant of ['funabashi', 'chiba']) {
      await accounts.create(newAccount({ id: `${tenant}-u`, tenant, username: 'sato', passwordHash: await hasher.hash(GOOD_PASSWORD), passwordChangedAt: now() }));
    }
    const before = (tenant: string) => accounts.findById(tenant, `${tenant}-u`);
    expect(pepperKey((await before('funabashi'))!.passwordHash)).toBe('shared-1');
    keyRing.add({ id: 'funabashi-1', secret: randomBytes(32), tenant: 'funabashi' });
    expect(hasher.needsRehash((await before('funabashi'))!.passwordHash, { tenant: 'funabashi' })).toBe(true);
    expect(hasher.needsRehash((await before('chiba'))!.passwordHash, { tenant: 'chiba' })).toBe(false);

    const kanmon = createKanmon({ policy, store: memoryStore({ now }), accounts, keyRing, hasher, audit: createAuditLog({ sink: memoryAuditSink(), keyRing, stream: 'auth', now }), now });
    for (const tenant of ['funabashi', 'chiba']) {
      const login = await kanmon.login({ tenant, username: 'sato', password: GOOD_PASSWORD, clientIp: INTERNAL_IP, tls: true });
      expect(login.status).toBe('authenticated');
    }
    const rehashed = (await before('funabashi'))!.passwordHash;
    expect(pepperKey(rehashed)).toBe('funabashi-1');
    expect(pepperKey((await before('chiba'))!.passwordHash)).toBe('shared-1');
    await expect(hasher.verify(rehashed, GOOD_PASSWORD, { tenant: 'funabashi' })).resolves.toEqual({ valid: true, needsRehash: false });
    expect(pepperKey(await hasher.hash(GOOD_PASSWORD, { tenant: 'funabashi' }))).toBe('funabashi-1');

    // the city's key destroyed: its peppered hashes can no longer be checked (ERR_KEY_DESTROYED); Chiba logs in
    keyRing.destroy('funabashi-1');
    await expect(hasher.verify(rehashed, GOOD_PASSWORD, { tenant: 'funabashi' })).rejects.toMatchObject({ code: 'ERR_KEY_DESTROYED' });
    const chiba = await kanmon.login({ tenant: 'chiba', username: 'sato', password: GOOD_PASSWORD, clientIp: INTERNAL_IP, tls: true });
    expect(chiba.status).toBe('authenticated');
  });
});
