/**
 * RM-18, SEC-31, SEC-34, FNB-4.1, FNB-4.3: the end of a tenant. purgeTenant on
 * memory, Redis and PostgreSQL leaves zero keys of the tenant (read with SCAN /
 * SELECT on the servers themselves) and the other tenant untouched; the
 * deletion certificate verifies with the operator's public key and fails to
 * verify after any edit.
 */
import { generateKeyPairSync } from 'node:crypto';
import pg from 'pg';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditLog } from '../../src/audit/create-audit-log.js';
import { memoryAuditSink } from '../../src/audit/sinks/memory.js';
import { verifyAuditLog } from '../../src/audit/verify/verify-audit-log.js';
import { createKeyRing } from '../../src/keys/key-ring.js';
import type { AccountRecord, AccountRepository } from '../../src/login/account.js';
import { memoryAccounts } from '../../src/login/memory-accounts.js';
import { postgresAccounts } from '../../src/postgres/accounts.js';
import { postgresStore } from '../../src/postgres/store.js';
import { redisStore } from '../../src/redis/store.js';
import { memoryStore } from '../../src/store/memory.js';
import { storeKey } from '../../src/store/key.js';
import type { KanmonStore } from '../../src/store/store.js';
import { verifyDeletionCertificate } from '../../src/tenant/certificate.js';
import { purgeTenant } from '../../src/tenant/purge-tenant.js';
import { useRedisServer } from '../support/redis.js';
import { type PostgresServer, requireService, startPostgres } from '../support/services.js';

const operator = generateKeyPairSync('ed25519');
const signingKey = { kid: 'operator-2026', privateKey: operator.privateKey };
const now = () => Date.UTC(2026, 2, 31, 6, 30); // 15:30 JST

const account = (tenant: string, id: string): AccountRecord => ({
  id,
  tenant,
  username: `user-${id}`,
  passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA',
  passwordChangedAt: 0,
  passwordHistory: [],
  mustChangePassword: null,
  compromised: false,
  disabled: false,
  roles: [],
  totpSecret: null,
  totpPendingSecret: null,
  recoveryCodes: null,
});

/** State of every kind the flows keep: a lockout record, a counter, a replay guard, a consumed code, an entry list. */
async function fill(store: KanmonStore, tenant: string): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await store.increment(storeKey(tenant, 'lockout-ip', `10.0.0.${i}`));
    await store.advanceIfGreater(storeKey(tenant, 'totp', `acct-${i}`), 1000 + i, null);
    await store.consumeOnce(storeKey(tenant, 'recovery', `acct-${i}`, 'code'), null);
  }
  if (store.addEntry) {
    const t = now();
    await store.addEntry(storeKey(tenant, 'sessions', 'acct-0'), { id: 's1', createdAt: t, lastSeenAt: t, expiresAt: t + 10 * 365 * 86_400_000, data: 'device' }, { now: t, limit: 5, whenFull: 'refuse' });
  }
}

interface World {
  store: KanmonStore;
  accounts: AccountRepository;
  /** Keys / rows of the tenant, read on the server itself. */
  keysOf(tenant: string): Promise<number>;
}

function suite(name: string, make: () => Promise<World>) {
  describe(`RM-18, SEC-34, FNB-4.3: purgeTenant on ${name}`, () => {
    it('leaves zero keys and accounts of the tenant, the other tenant untouched; the certificate verifies and fails after any edit', async () => {
      const world = await make();
      const { store, accounts } = world;
      const keysOf = (tenant: string) => world.keysOf(tenant);
      for (const tenant of ['city-a', 'city-b']) {
        await fill(store, tenant);
        for (let i = 0; i < 3; i++) await accounts.create!(account(tenant, `${tenant}-u${i}`));
      }
      const before = { a: await keysOf('city-a'), b: await keysOf('city-b') };
      expect(before.a).toBeGreaterThanOrEqual(6);
      expect(before.b).toBe(before.a);
      const keyRing = createKeyRing({
        keys: [
          { id: 'shared', secret: Buffer.alloc(32, 1) },
          { id: 'city-a-1', secret: Buffer.alloc(32, 2) },
          { id: 'city-b-1', secret: Buffer.alloc(32, 3) },
        ],
        current: 'shared',
      });
      const sink = memoryAuditSink();
      const auditLog = createAuditLog({ sink, keyRing, stream: 'ops', now });

      const result = await purgeTenant({ tenant: 'city-a', actor: 'ops-suzuki', store, accounts, keyRing, keyIds: ['city-a-1'], auditLog, signingKey, now });
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      expect(await keysOf('city-a')).toBe(0);
      expect(await keysOf('city-b')).toBe(before.b);
      expect((await accounts.list!({ tenant: 'city-a' })).accounts).toHaveLength(0);
      expect((await accounts.list!({ tenant: 'city-b' })).accounts).toHaveLength(3);
      expect(keyRing.isDestroyed('city-a-1')).toBe(true);
      expect(keyRing.isDestroyed('city-b-1')).toBe(false);

      const c = result.certificate;
      expect(c).toMatchObject({
        tenant: 'city-a',
        actor: 'ops-suzuki',
        purgedAt: '2026-03-31T15:30:00.000+09:00',
        counts: { accounts: 3, keysDestroyed: 1 },
        keysDestroyed: ['city-a-1'],
        auditHead: { stream: 'ops', seq: 1, mac: auditLog.head()!.mac },
        notes: [],
        signer: { kid: 'operator-2026', alg: 'EdDSA' },
      });
      expect(c.counts.storeKeys).toBeGreaterThan(0);
      // the purge is in the chain, and the chain verifies against the certificate's head
      const [record] = await sink.find!({ type: 'admin.tenant.purge' });
      expect(record).toMatchObject({ actor: 'ops-suzuki', tenant: 'city-a', after: { storeEntries: c.counts.storeKeys, accounts: 3, shredded: ['city-a-1'] } });
      expect(await verifyAuditLog(sink, keyRing, { anchors: [c.auditHead!] })).toMatchObject({ ok: true });

      expect(verifyDeletionCertificate(c, { publicKey: operator.publicKey })).toEqual({ ok: true, certificate: c });
      expect(verifyDeletionCertificate(JSON.stringify(c), { publicKey: operator.publicKey }).ok).toBe(true);
      // any edit breaks it
      const edits: unknown[] = [
        { ...c, tenant: 'city-b' },
        { ...c, actor: 'someone' },
        { ...c, purgedAt: '2026-04-01T15:30:00.000+09:00' },
        { ...c, counts: { ...c.counts, accounts: 4 } },
        { ...c, keysDestroyed: [] },
        { ...c, auditHead: { ...c.auditHead!, seq: 2 } },
        { ...c, notes: ['x'] },
        { ...c, extra: true },
        { ...c, signer: { ...c.signer, kid: 'other' } },
      ];
      for (const edited of edits) expect(verifyDeletionCertificate(edited, { publicKey: operator.publicKey })).toEqual({ ok: false, reason: 'bad_signature' });
      expect(verifyDeletionCertificate({ ...c, signature: undefined }, { publicKey: operator.publicKey })).toEqual({ ok: false, reason: 'malformed' });
      expect(verifyDeletionCertificate('{not json', { publicKey: operator.publicKey })).toEqual({ ok: false, reason: 'malformed' });
      // another operator's key, or a key of the wrong type
      expect(verifyDeletionCertificate(c, { publicKey: generateKeyPairSync('ed25519').publicKey })).toEqual({ ok: false, reason: 'bad_signature' });
      expect(verifyDeletionCertificate(c, { publicKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey })).toEqual({ ok: false, reason: 'wrong_key' });

      // idempotent: a second run deletes nothing more and still certifies
      const again = await purgeTenant({ tenant: 'city-a', actor: 'ops-suzuki', store, accounts, keyRing, keyIds: ['city-a-1'], auditLog, signingKey, now });
      expect(again).toMatchObject({ ok: true, certificate: { counts: { storeKeys: 0, accounts: 0, keysDestroyed: 1 } } });
      expect(await keysOf('city-b')).toBe(before.b);
      // by behaviour too: city-a's replay guards and consumed recovery codes are gone, city-b's hold
      expect(await store.advanceIfGreater(storeKey('city-a', 'totp', 'acct-0'), 1000, null)).toBe(true);
      expect(await store.advanceIfGreater(storeKey('city-b', 'totp', 'acct-0'), 1000, null)).toBe(false);
      expect(await store.consumeOnce(storeKey('city-a', 'recovery', 'acct-1', 'code'), null)).toBe(true);
      expect(await store.consumeOnce(storeKey('city-b', 'recovery', 'acct-1', 'code'), null)).toBe(false);
    });
  });
}

suite('memory', () => {
  const store = memoryStore({ now });
  // the memory store's map is private: count through its non-mutating reads (counters, entry lists);
  // the replay guards and consumed codes are checked by behaviour at the end of the suite
  return Promise.resolve({
    store,
    accounts: memoryAccounts(),
    keysOf: async (tenant: string) => {
      let n = 0;
      for (let i = 0; i < 5; i++) if ((await store.readCounter(storeKey(tenant, 'lockout-ip', `10.0.0.${i}`))) > 0) n++;
      n += (await store.listEntries(storeKey(tenant, 'sessions', 'acct-0'), now())).length;
      return n;
    },
  });
});

describe.skipIf(!requireService('redis'))('Redis', () => {
  const redis = useRedisServer();
  let client: Redis | undefined;
  suite('Redis (SCAN)', () => {
    client ??= redis.client();
    const c = client;
    return Promise.resolve({
      store: redisStore({ client: c }),
      accounts: memoryAccounts(),
      keysOf: async (tenant: string) => {
        let cursor = '0';
        let n = 0;
        do {
          const [next, keys] = await c.scan(cursor, 'MATCH', `*{${tenant}}*`, 'COUNT', 1000);
          cursor = next;
          n += keys.length;
        } while (cursor !== '0');
        return n;
      },
    });
  });
});

describe.skipIf(!requireService('postgres'))('PostgreSQL', () => {
  let server: PostgresServer | undefined;
  let pool: pg.Pool | undefined;
  beforeAll(async () => {
    server = await startPostgres();
    pool = new pg.Pool({ connectionString: server.connectionString, max: 4 });
    pool.on('error', () => undefined);
    await postgresStore({ pool }).migrate();
    await postgresAccounts({ pool }).migrate();
  });
  afterAll(async () => {
    await pool?.end();
    await server?.stop();
  });
  suite('PostgreSQL (SELECT)', () => {
    const p = pool!;
    return Promise.resolve({
      store: postgresStore({ pool: p }),
      accounts: postgresAccounts({ pool: p }),
      keysOf: async (tenant: string) => {
        const { rows } = await p.query<{ n: string }>(
          `SELECT (SELECT count(*) FROM kanmon_state WHERE tenant = $1) + (SELECT count(*) FROM kanmon_state_entries WHERE tenant = $1) + (SELECT count(*) FROM kanmon_accounts WHERE tenant = $1) AS n`,
          [tenant],
        );
        return Number(rows[0]!.n);
      },
    });
  });
});
