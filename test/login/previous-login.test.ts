/**
 * Issue 17 point 5, the previous-logon notice (「前回のログイン」): an authenticated login carries the login
 * before it and the failures since, after the password or after `verifyMfa`; a login from a client /24 (IPv4),
 * /64 (IPv6) or browser not seen within `policy.accounts.knownSourceDays` is audited `auth.login.new_source`
 * and given to `onNewSource`, once (also under concurrent logins), and never for a known source.
 * On memory, Redis and PostgreSQL stores.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  type AccountPatch,
  type AuditRecord,
  type KanmonStore,
  type NewSourceNotice,
  type PolicyOverrides,
  createAuditLog,
  createKanmon,
  createKeyRing,
  createPasswordHasher,
  memoryAccounts,
  memoryAuditSink,
  newAccount,
} from '../../src/index.js';
import { totpAt } from '../mfa/support.js';
import { onEveryStore } from '../support/stores.js';
import { BUSINESS_DAY_10_JST, GOOD_PASSWORD, base32Decode, testPolicy } from './support.js';

const DAY = 86_400_000;
const CHROME_130 = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36';
const CHROME_131 = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.86 Safari/537.36';
const FIREFOX = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0';

async function world(makeStore: (now: () => number) => KanmonStore, overrides: PolicyOverrides = {}) {
  let t = BUSINESS_DAY_10_JST;
  const clock = { now: () => t, advance: (ms: number) => (t += ms) };
  const store = makeStore(clock.now);
  // No MFA from outside the (absent) internal networks: these logins end at the password unless a test asks.
  const policy = testPolicy({ mfa: { requireOutsideInternalNetwork: false }, accounts: { knownSourceDays: 30 }, ...overrides });
  const keyRing = createKeyRing({ keys: [{ id: 'k1', secret: randomBytes(32) }], current: 'k1' });
  const sink = memoryAuditSink();
  const inner = memoryAccounts();
  /** Every account update, in order (a spy over the real repository). */
  const updates: AccountPatch[] = [];
  const accounts = { ...inner, update: (tenant: string, id: string, patch: AccountPatch) => (updates.push(patch), inner.update(tenant, id, patch)) };
  const notices: NewSourceNotice[] = [];
  const tenant = `city-${randomBytes(5).toString('hex')}`;
  const kanmon = createKanmon({
    policy,
    store,
    accounts,
    keyRing,
    audit: createAuditLog({ sink, keyRing, stream: 'auth', now: clock.now }),
    now: clock.now,
    onNewSource: (notice) => void notices.push(notice),
  });
  const hash = await createPasswordHasher({ policy, keyRing }).hash(GOOD_PASSWORD);
  await inner.create(newAccount({ id: 'u-1', tenant, username: 'sato', passwordHash: hash, passwordChangedAt: clock.now(), roles: ['staff'] }));
  const events = () => (sink.streams.get('auth')?.lines ?? []).map((line) => JSON.parse(line) as AuditRecord);
  const newSources = () => events().filter((e) => e.type === 'auth.login.new_source');
  const login = (clientIp: string, userAgent = CHROME_130, password = GOOD_PASSWORD) => kanmon.login({ tenant, username: 'sato', password, clientIp, tls: true, userAgent });
  /** The hook runs after the login answered: let it. */
  const settled = () => new Promise((resolve) => setImmediate(resolve));
  return { kanmon, inner, updates, notices, tenant, clock, events, newSources, login, settled, policy, keyRing };
}

onEveryStore((name, makeStore) => {
  describe(`previous-logon notice (${name})`, () => {
    it('previousLogin is null at the first login, then the login before; failuresSinceLastLogin counts the failures between, then 0', async () => {
      const w = await world(makeStore);
      const first = await w.login('192.0.2.10');
      expect(first).toMatchObject({ status: 'authenticated', previousLogin: null, failuresSinceLastLogin: 0 });
      const firstAt = w.clock.now();

      w.clock.advance(3 * DAY);
      expect((await w.login('192.0.2.11', CHROME_130, 'wrong-Password-1')).status).toBe('denied');
      expect((await w.login('192.0.2.11', CHROME_130, 'wrong-Password-2')).status).toBe('denied');
      w.clock.advance(60_000);
      const second = await w.login('192.0.2.12');
      expect(second).toMatchObject({ status: 'authenticated', previousLogin: { at: firstAt, ip: '192.0.2.10' }, failuresSinceLastLogin: 2 });
      const secondAt = w.clock.now();

      w.clock.advance(DAY);
      const third = await w.login('203.0.113.5');
      expect(third).toMatchObject({ status: 'authenticated', previousLogin: { at: secondAt, ip: '192.0.2.12' }, failuresSinceLastLogin: 0 });
      expect(await w.inner.findById(w.tenant, 'u-1')).toMatchObject({ lastLoginAt: w.clock.now(), lastLoginIp: '203.0.113.5' });
    });

    it('one account update per login: a rehashed password is written with lastLoginAt in the same patch', async () => {
      const w = await world(makeStore);
      // A hash made with other Argon2id parameters: the login verifies it and rehashes.
      const old = await createPasswordHasher({ policy: testPolicy({ hashing: { argon2: { memoryKiB: 2048, iterations: 1, parallelism: 1 } } }), keyRing: w.keyRing }).hash(GOOD_PASSWORD);
      await w.inner.update(w.tenant, 'u-1', { passwordHash: old });
      w.updates.length = 0;
      expect((await w.login('192.0.2.10')).status).toBe('authenticated');
      expect(w.updates).toHaveLength(1);
      expect(w.updates[0]).toMatchObject({ lastLoginAt: w.clock.now(), lastLoginIp: '192.0.2.10', passwordHash: expect.stringMatching(/^\$argon2id\$.*m=1024/) as string });
      expect((await w.inner.findById(w.tenant, 'u-1'))!.passwordHash).not.toBe(old);
      w.updates.length = 0;
      expect((await w.login('192.0.2.10')).status).toBe('authenticated');
      expect(w.updates).toEqual([{ lastLoginAt: w.clock.now(), lastLoginIp: '192.0.2.10' }]);
    });

    it('after verifyMfa too: previousLogin is the login before, and a wrong code counts as a failure', async () => {
      const w = await world(makeStore, { mfa: { requireForAll: true } });
      const start = await w.login('192.0.2.10');
      if (start.status !== 'mfa_required') throw new Error(start.status);
      const enrollment = await w.kanmon.enrollTotp({ challenge: start.challenge });
      if (enrollment.status !== 'pending') throw new Error(enrollment.status);
      const secret = base32Decode(enrollment.secret);
      const enrolled = await w.kanmon.confirmTotp({ challenge: start.challenge, code: totpAt(secret, w.clock.now()) });
      expect(enrolled).toMatchObject({ status: 'authenticated', previousLogin: null });
      const enrolledAt = w.clock.now();

      w.clock.advance(DAY);
      const next = await w.login('192.0.2.20');
      if (next.status !== 'mfa_required') throw new Error(next.status);
      expect((await w.kanmon.verifyMfa({ challenge: next.challenge, code: '000000' === totpAt(secret, w.clock.now()) ? '111111' : '000000' })).status).toBe('denied');
      const done = await w.kanmon.verifyMfa({ challenge: next.challenge, code: totpAt(secret, w.clock.now()) });
      expect(done).toMatchObject({ status: 'authenticated', previousLogin: { at: enrolledAt, ip: '192.0.2.10' }, failuresSinceLastLogin: 1 });
    });

    describe('login.new_source (audited auth.login.new_source, onNewSource)', () => {
      it('IPv4: emitted once for a new /24, not for another address of a known /24', async () => {
        const w = await world(makeStore);
        await w.login('192.0.2.10'); // the first login: remembered, nothing to compare with
        await w.login('192.0.2.77'); // same /24
        await w.login('192.0.2.10');
        await w.settled();
        expect(w.newSources()).toEqual([]);
        expect(w.notices).toEqual([]);

        w.clock.advance(60_000);
        const fromNew = await w.login('198.51.100.20');
        expect(fromNew.status).toBe('authenticated');
        await w.login('198.51.100.200'); // that /24 is known now
        await w.login('192.0.2.10'); // and the first is still known
        await w.settled();
        expect(w.newSources()).toHaveLength(1);
        expect(w.newSources()[0]).toMatchObject({ actor: 'sato', target: 'u-1', outcome: 'info', after: { prefix: '198.51.100.0/24', newPrefix: true, newDevice: false } });
        expect(w.notices).toEqual([
          expect.objectContaining({ tenant: w.tenant, accountId: 'u-1', ip: '198.51.100.20', prefix: '198.51.100.0/24', newPrefix: true, newDevice: false, at: w.clock.now() }),
        ]);
      });

      it('IPv6: emitted once for a new /64, not for another address of a known /64 (nor its IPv4-mapped twin)', async () => {
        const w = await world(makeStore);
        await w.login('2001:db8:1:2::10');
        await w.login('2001:db8:1:2:ffff:ffff:ffff:1'); // same /64
        await w.login('2001:DB8:1:2::abcd');
        await w.login('2001:db8:1:3::10'); // a new /64
        await w.login('2001:db8:1:3:1::10');
        await w.login('192.0.2.1'); // a new /24 ...
        await w.login('::ffff:192.0.2.99'); // ... the same, IPv4-mapped
        await w.settled();
        expect(w.newSources().map((e) => (e.after as { prefix: string }).prefix)).toEqual(['2001:db8:1:3::/64', '192.0.2.0/24']);
        expect(w.notices.map((n) => n.prefix)).toEqual(['2001:db8:1:3::/64', '192.0.2.0/24']);
      });

      it('20 concurrent logins from one new /24: exactly one event', async () => {
        // (the lockout counts attempts in flight: room for 20 at once)
        const w = await world(makeStore, { lockout: { maxFailures: 50 } });
        await w.login('192.0.2.10');
        const all = await Promise.all(Array.from({ length: 20 }, (_, i) => w.login(`203.0.113.${i + 1}`)));
        expect(all.map((r) => r.status)).toEqual(Array.from({ length: 20 }, () => 'authenticated'));
        await w.settled();
        expect(w.newSources()).toHaveLength(1);
        expect(w.notices).toHaveLength(1);
      });

      it('a browser update is not a new device; another browser is', async () => {
        const w = await world(makeStore);
        await w.login('192.0.2.10', CHROME_130);
        await w.login('192.0.2.10', CHROME_131);
        await w.settled();
        expect(w.newSources()).toEqual([]);
        await w.login('192.0.2.10', FIREFOX);
        await w.settled();
        expect(w.newSources()).toHaveLength(1);
        expect(w.newSources()[0]?.after).toMatchObject({ prefix: '192.0.2.0/24', newPrefix: false, newDevice: true });
      });

      it('known for knownSourceDays (across a window boundary); new again after twice that without a login from it', async () => {
        const w = await world(makeStore);
        await w.login('192.0.2.10');
        await w.login('198.51.100.1');
        const before = w.newSources().length;
        // 29 days later (whatever window boundary lies between): known
        w.clock.advance(29 * DAY);
        await w.login('198.51.100.1');
        w.clock.advance(29 * DAY);
        await w.login('198.51.100.1');
        expect(w.newSources()).toHaveLength(before);
        // unseen for 61 days (more than two 30-day windows): new again
        w.clock.advance(61 * DAY);
        await w.login('198.51.100.1');
        expect(w.newSources()).toHaveLength(before + 1);
      });

      it('bounded per account: 64 sources kept per window; past that a source is reported each time, the first stay known', async () => {
        const w = await world(makeStore);
        await w.login('10.0.0.1'); // first login: its network and browser are the first two sources kept
        for (let k = 1; k <= 70; k++) await w.login(`10.0.${k}.1`);
        expect(w.newSources()).toHaveLength(70);
        await w.login('10.0.1.9'); // kept (the 3rd source)
        await w.login('10.0.62.9'); // kept (the 64th)
        expect(w.newSources()).toHaveLength(70);
        await w.login('10.0.63.9'); // the 65th: reported, never kept
        await w.login('10.0.63.9');
        expect(w.newSources()).toHaveLength(72);
      });

      it('knownSourceDays null: nothing is tracked or emitted', async () => {
        const w = await world(makeStore, { accounts: { knownSourceDays: null } });
        await w.login('192.0.2.10');
        await w.login('198.51.100.1', FIREFOX);
        await w.settled();
        expect(w.newSources()).toEqual([]);
        expect(w.notices).toEqual([]);
      });
    });
  });
});
