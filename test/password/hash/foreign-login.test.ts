/**
 * SEC-4, SEC-23, SEC-17 (issue 20): a user whose hash came from another system logs in through
 * createKanmon with the password they always used, and leaves with kanmon's hash: Argon2id, or
 * PBKDF2 under cryptoProfile 'cryptrec'. Fixtures: test/vectors/foreign-hashes/ (sources in foreign.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { createPasswordHasher, memoryStore, readImportHash } from '../../../src/index.js';
import { INTERNAL_IP, makeWorld } from '../../login/support.js';
import { ALL_FOREIGN, FULL_WIDTH, HALF_WIDTH } from './foreign-fixtures.js';

const internal = { clientIp: INTERNAL_IP, tls: true } as const;
const verifiable = ALL_FOREIGN.filter((f) => f.format !== 'spring-sha256');

async function importedWorld(fixture: (typeof ALL_FOREIGN)[number], overrides = {}) {
  const w = makeWorld((now) => memoryStore({ now }), overrides);
  const read = readImportHash(fixture.stored);
  if (!read.ok) throw new Error(read.reason);
  const passwordHash = read.wrap ? await createPasswordHasher({ policy: w.policy }).hashLayered(read.wrap, fixture.stored) : read.stored!;
  const user = await w.addUser('imported', 'unused', { passwordHash });
  return { w, user };
}

describe('SEC-4: after a login through createKanmon, an imported hash is replaced by kanmon\'s Argon2id', () => {
  it.each(verifiable.map((f) => [f.format, f.software ?? f.source, f] as const))('%s (%s)', async (_f, _s, fixture) => {
    const { w, user } = await importedWorld(fixture);
    const wrong = await w.kanmon.login({ tenant: w.tenant, username: 'imported', password: '!' + fixture.password, ...internal });
    expect(wrong).toEqual({ status: 'denied', reason: 'invalid_credentials' });
    const answer = await w.kanmon.login({ tenant: w.tenant, username: 'imported', password: fixture.password, ...internal });
    expect(answer.status).toBe('authenticated');
    const after = (await w.accounts.findById(w.tenant, user.id))!.passwordHash;
    expect(after).toMatch(/^\$argon2id\$v=19\$m=1024,t=1,p=1\$/);
    expect(w.hasher.needsRehash(after)).toBe(false);
    expect(await w.hasher.verify(after, fixture.password)).toEqual({ valid: true, needsRehash: false });
  });

  it('a full-width password imported from argon2-cffi: after the login, half-width typing works too', async () => {
    const fixture = ALL_FOREIGN.find((f) => f.software?.startsWith('argon2-cffi') && f.password === FULL_WIDTH)!;
    const { w } = await importedWorld(fixture);
    expect((await w.kanmon.login({ tenant: w.tenant, username: 'imported', password: HALF_WIDTH, ...internal })).status).toBe('denied');
    expect((await w.kanmon.login({ tenant: w.tenant, username: 'imported', password: FULL_WIDTH, ...internal })).status).toBe('authenticated');
    expect((await w.kanmon.login({ tenant: w.tenant, username: 'imported', password: HALF_WIDTH, ...internal })).status).toBe('authenticated');
  });
});

describe("SEC-17: under cryptoProfile 'cryptrec' the rehash is PBKDF2-HMAC-SHA-256", () => {
  const cryptrec = { cryptoProfile: 'cryptrec', hashing: { algorithm: 'pbkdf2-sha256' }, session: { algorithm: 'ES256' } };
  const some = ['django-argon2', 'passlib-pbkdf2-sha512', 'aspnet-v3', 'keycloak-argon2', 'spring-scrypt', 'md5'].map((f) => verifiable.find((x) => x.format === f)!);
  it.each(some.map((f) => [f.format, f] as const))('%s', async (_f, fixture) => {
    const { w, user } = await importedWorld(fixture, cryptrec);
    expect((await w.kanmon.login({ tenant: w.tenant, username: 'imported', password: fixture.password, ...internal })).status).toBe('authenticated');
    expect((await w.accounts.findById(w.tenant, user.id))!.passwordHash).toMatch(/^\$pbkdf2-sha256\$i=600000\$/);
  });
});
