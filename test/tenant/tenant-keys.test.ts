/**
 * Issue 19 point 5 acceptance (RM-18, SEC-34, FNB-4.3 crypto-shredding): two tenants on one key ring, each
 * with a key of its own. Destroying tenant A's key (here by purgeTenant, which now destroys the tenant's keys
 * itself) leaves tenant B's sealed TOTP secrets, recovery codes and audit MACs readable; tenant A's are
 * refused with ERR_KEY_DESTROYED. On memory, Redis and PostgreSQL (the stores that hold TOTP replay and
 * recovery-code consumption, and what purgeTenant empties).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  type KanmonStore,
  type KeyRing,
  consumeRecoveryCode,
  createAuditLog,
  createKeyRing,
  createLockout,
  generateRecoveryCodes,
  hashRecoveryCodes,
  memoryAuditSink,
  sealSecret,
  verifyAuditLog,
  verifyTotp,
} from '../../src/index.js';
import { purgeTenant } from '../../src/tenant/purge-tenant.js';
import { policyWith, totpAt } from '../mfa/support.js';
import { rejectionCode } from '../support/errors.js';
import { type MakeStore, onEveryStore } from '../support/stores.js';

const operator = generateKeyPairSync('ed25519');
const signingKey = { kid: 'operator-2026', privateKey: operator.privateKey };
const policy = policyWith('funabashi');
const now = () => Date.now(); // Redis and PostgreSQL keep real time: so does every part of this world

const ring = (): KeyRing =>
  createKeyRing({
    keys: [
      { id: 'shared-1', secret: randomBytes(32) },
      { id: 'city-a-1', secret: randomBytes(32), tenant: 'city-a' },
      { id: 'city-b-1', secret: randomBytes(32), tenant: 'city-b' },
    ],
    current: 'shared-1',
  });

interface Enrolled {
  tenant: string;
  account: string;
  seed: Buffer;
  sealed: string;
  codes: string[];
  set: ReturnType<typeof hashRecoveryCodes>;
}

function enrol(keyRing: KeyRing, tenant: string): Enrolled {
  const account = `${tenant}-u1`;
  const seed = randomBytes(20);
  const sealed = sealSecret(keyRing, seed, { tenant, account, purpose: 'totp' });
  const codes = generateRecoveryCodes(4);
  return { tenant, account, seed, sealed, codes, set: hashRecoveryCodes(codes, { keyRing, tenant, account }) };
}

function suite(name: string, makeStore: MakeStore) {
  describe(`RM-18 / SEC-34 / FNB-4.3 crypto-shredding on ${name}: two tenants on one ring`, () => {
    it("destroying tenant A's key leaves tenant B's sealed TOTP secrets, recovery codes and audit MACs readable; tenant A's are refused with ERR_KEY_DESTROYED", async () => {
      const store: KanmonStore = makeStore(now);
      const keyRing = ring();
      const mfa = { policy, keyRing, store, lockout: createLockout({ policy, store, now }), now };
      const a = enrol(keyRing, 'city-a');
      const b = enrol(keyRing, 'city-b');
      // each tenant's values are under its own key
      expect(a.sealed.split('.')[1]).toBe('city-a-1');
      expect(b.sealed.split('.')[1]).toBe('city-b-1');
      expect(a.set.hashes.every((h) => h.includes('.city-a-1.'))).toBe(true);
      expect(b.set.hashes.every((h) => h.includes('.city-b-1.'))).toBe(true);

      // one audit chain holding both tenants' records
      const sink = memoryAuditSink();
      const log = createAuditLog({ sink, keyRing, stream: 'auth', now });
      for (const t of ['city-a', 'city-b', 'city-a', 'city-b']) await log.append({ type: 'auth.login.failure', tenant: t, actor: `${t}-u1`, reason: 'invalid_password' });
      // A works before the end of its contract
      await expect(verifyTotp({ tenant: 'city-a', account: a.account, sealedSecret: a.sealed, code: totpAt(a.seed, now()) }, mfa)).resolves.toMatchObject({ ok: true });
      await expect(consumeRecoveryCode({ tenant: 'city-a', account: a.account, set: a.set, code: a.codes[0] }, mfa)).resolves.toMatchObject({ ok: true });
      await expect(verifyAuditLog(sink, keyRing)).resolves.toMatchObject({ ok: true, count: 4, shredded: [] });

      // the end of tenant A: purgeTenant destroys A's key without being told its id
      const result = await purgeTenant({ tenant: 'city-a', actor: 'ops-suzuki', store, keyRing, auditLog: log, signingKey, now });
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      expect(result.certificate.keysDestroyed).toEqual(['city-a-1']);
      expect(result.certificate.counts.keysDestroyed).toBe(1);
      expect(keyRing.isDestroyed('city-a-1')).toBe(true);
      expect(keyRing.isDestroyed('city-b-1')).toBe(false);

      // tenant B: readable
      await expect(verifyTotp({ tenant: 'city-b', account: b.account, sealedSecret: b.sealed, code: totpAt(b.seed, now()) }, mfa)).resolves.toEqual({ ok: true });
      await expect(consumeRecoveryCode({ tenant: 'city-b', account: b.account, set: b.set, code: b.codes[1] }, mfa)).resolves.toMatchObject({ ok: true });
      // tenant A: refused with ERR_KEY_DESTROYED (its backups cannot be opened any more)
      expect(await rejectionCode(verifyTotp({ tenant: 'city-a', account: a.account, sealedSecret: a.sealed, code: totpAt(a.seed, now()) }, mfa))).toBe('ERR_KEY_DESTROYED');
      expect(await rejectionCode(consumeRecoveryCode({ tenant: 'city-a', account: a.account, set: a.set, code: a.codes[1] }, mfa))).toBe('ERR_KEY_DESTROYED');
      // and nothing new can be sealed for A: the tenant stays shredded, it does not fall back to the shared key
      expect(() => sealSecret(keyRing, 'x', { tenant: 'city-a', account: a.account, purpose: 'totp' })).toThrow(expect.objectContaining({ code: 'ERR_KEY_DESTROYED' }));

      // audit: B's records and the purge record verify; A's are reported as shredded with the code, not as tampering
      const verified = await verifyAuditLog(sink, keyRing);
      expect(verified).toMatchObject({ ok: true, firstBad: null });
      expect(verified.shredded).toEqual([{ code: 'ERR_KEY_DESTROYED', stream: 'auth', tenant: 'city-a', kid: 'city-a-1', count: 2, firstSeq: 1, lastSeq: 3 }]);
      const lines = sink.streams.get('auth')!.lines;
      expect(lines.map((l) => (JSON.parse(l) as { kid: string }).kid)).toEqual(['city-a-1', 'city-b-1', 'city-a-1', 'city-b-1', 'shared-1']);
      // a changed record of B is still detected; so is a deleted record of A (its place in the chain holds)
      const editedB = lines.map((l, i) => (i === 1 ? l.replace('"city-b-u1"', '"city-b-u2"') : l));
      await expect(verifyAuditLog(editedB, keyRing)).resolves.toMatchObject({ ok: false, firstBad: { seq: 2, reason: 'bad_mac' } });
      await expect(verifyAuditLog(lines.filter((_, i) => i !== 2), keyRing)).resolves.toMatchObject({ ok: false, firstBad: { reason: 'seq_gap' } });
      // a B record relabelled as A's (to pass as shredded) is not taken as shredded: its tenant field disagrees with the key
      const relabelled = lines.map((l, i) => (i === 1 ? l.replace('"kid":"city-b-1"', '"kid":"city-a-1"') : l));
      await expect(verifyAuditLog(relabelled, keyRing)).resolves.toMatchObject({ ok: false, firstBad: { seq: 2, reason: 'key_destroyed' } });
    });
  });
}

onEveryStore(suite);
