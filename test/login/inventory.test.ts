/**
 * Issue 17 point 4: the account inventory (RM-27 権限の割当一覧), the dormant-account sweep (SEC-12, IPC-3)
 * and deleteAccount (SEC-12 アカウントの削除, SEC-26 audited as admin.account.delete), through createKanmon
 * over a real memory store; a repository without `list` / `delete` is a coded configuration error.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  type AccountListQuery,
  type AccountRecord,
  type AccountRepository,
  type AuditRecord,
  type KanmonStore,
  type PolicyOverrides,
  KanmonError,
  createAuditLog,
  createKanmon,
  createKeyRing,
  createPasswordHasher,
  memoryAccounts,
  memoryAuditSink,
  memoryStore,
  newAccount,
} from '../../src/index.js';
import { totpAt } from '../mfa/support.js';
import { adminActor } from '../support/admin.js';
import { GOOD_PASSWORD, base32Decode, testPolicy } from './support.js';

const DAY = 86_400_000;
/** 2026-06-01 10:00 in Tokyo (a Monday). */
const NOW = Date.UTC(2026, 5, 1, 1, 0);

/** A memory store that remembers every key anything wrote (to see what a purge leaves behind). */
function recordingStore(now: () => number) {
  const inner = memoryStore({ now });
  const written = new Set<string>();
  const store: KanmonStore = {
    name: inner.name,
    update: (transition, keys, args) => (keys.forEach((k) => written.add(k)), inner.update(transition, keys, args)),
    read: (key) => inner.read(key),
    advanceIfGreater: (key, value, ttl) => (written.add(key), inner.advanceIfGreater(key, value, ttl)),
    consumeOnce: (key, ttl) => (written.add(key), inner.consumeOnce(key, ttl)),
    increment: (key) => (written.add(key), inner.increment(key)),
    readCounter: (key) => inner.readCounter(key),
    delete: (key) => inner.delete(key),
    purgeTenant: (tenant) => inner.purgeTenant(tenant),
    close: () => inner.close(),
  };
  /** Keys written that still hold something. */
  const live = async () => {
    const out: string[] = [];
    for (const key of written) if ((await inner.read(key)) !== null || (await inner.readCounter(key)) !== 0) out.push(key);
    return out.sort();
  };
  return { store, live };
}

/** The repository with only the required methods. */
const withoutOptional = (inner: ReturnType<typeof memoryAccounts>): AccountRepository => ({
  find: (tenant, username) => inner.find(tenant, username),
  findById: (tenant, id) => inner.findById(tenant, id),
  update: (tenant, id, patch) => inner.update(tenant, id, patch),
});

async function world(overrides: PolicyOverrides = {}, repository?: (inner: ReturnType<typeof memoryAccounts>) => AccountRepository) {
  let t = NOW;
  const clock = { now: () => t, set: (ms: number) => (t = ms), advance: (ms: number) => (t += ms) };
  const policy = testPolicy({ mfa: { requireOutsideInternalNetwork: false }, accounts: { dormantDays: 90, knownSourceDays: null }, ...overrides });
  const keyRing = createKeyRing({ keys: [{ id: 'k1', secret: randomBytes(32) }], current: 'k1' });
  const sink = memoryAuditSink();
  const inner = memoryAccounts();
  const { store, live } = recordingStore(clock.now);
  const tenant = `city-${randomBytes(4).toString('hex')}`;
  const kanmon = createKanmon({ policy, store, accounts: repository ? repository(inner) : inner, keyRing, audit: createAuditLog({ sink, keyRing, stream: 'a', now: clock.now }), now: clock.now });
  const hash = await createPasswordHasher({ policy, keyRing }).hash(GOOD_PASSWORD);
  const add = (id: string, username: string, extra: Partial<AccountRecord> = {}) =>
    inner.create(newAccount({ id, tenant, username, passwordHash: hash, passwordChangedAt: clock.now(), createdAt: clock.now(), roles: ['staff'], ...extra }));
  const login = (username: string, password = GOOD_PASSWORD) => kanmon.login({ tenant, username, password, clientIp: '192.0.2.10', tls: true });
  const events = () => (sink.streams.get('a')?.lines ?? []).map((line) => JSON.parse(line) as AuditRecord);
  /** The administrator's recent session (SEC-13: every administrative operation needs one). */
  const admin = () => adminActor(kanmon, tenant, 'u-admin');
  return { kanmon, inner, tenant, clock, add, login, events, live, policy, admin };
}

describe('RM-27: inventory() lists every account with its rights and state', () => {
  it('roles and privilege, MFA (none / totp with recovery codes left), last login, password age, lock, disabled, dormant', async () => {
    const w = await world({ mfa: { requireForAll: false, requireOutsideInternalNetwork: false } });
    await w.add('u-admin', 'kanri', { roles: ['admin', 'staff'], displayName: '管理 太郎' });
    await w.add('u-sato', 'sato', { passwordChangedAt: NOW - 40 * DAY });
    await w.add('u-off', 'suzuki', { disabled: true, createdAt: NOW - 200 * DAY, passwordChangedAt: NOW - 200 * DAY });
    await w.add('u-locked', 'tanaka');

    // kanri logs in with MFA (a privileged role), enrols, then uses one recovery code at a second login
    const first = await w.login('kanri');
    if (first.status !== 'mfa_required') throw new Error(first.status);
    const pending = await w.kanmon.enrollTotp({ challenge: first.challenge });
    if (pending.status !== 'pending') throw new Error(pending.status);
    const confirmed = await w.kanmon.confirmTotp({ challenge: first.challenge, code: totpAt(base32Decode(pending.secret), w.clock.now()) });
    if (confirmed.status !== 'authenticated') throw new Error(confirmed.status);
    const second = await w.login('kanri');
    if (second.status !== 'mfa_required') throw new Error(second.status);
    expect((await w.kanmon.verifyMfa({ challenge: second.challenge, code: confirmed.recoveryCodes[0]! })).status).toBe('authenticated');
    // sato logs in; a day later tanaka is locked out
    expect((await w.login('sato')).status).toBe('authenticated');
    w.clock.advance(DAY);
    for (let i = 0; i < 5; i++) await w.login('tanaka', `Wrong-pass-${i}x`);
    const result = await w.kanmon.inventory({ tenant: w.tenant });
    if (!result.ok) throw new Error(result.reason);
    expect(result).toMatchObject({ tenant: w.tenant, generatedAt: w.clock.now(), dormantDays: 90, timeZone: 'Asia/Tokyo' });
    const byId = Object.fromEntries(result.accounts.map((a) => [a.accountId, a]));
    expect(result.accounts.map((a) => a.accountId)).toEqual(['u-admin', 'u-locked', 'u-off', 'u-sato']);
    expect(byId['u-admin']).toMatchObject({
      username: 'kanri',
      displayName: '管理 太郎',
      roles: ['admin', 'staff'],
      privileged: true,
      mfa: { status: 'totp', recoveryCodesLeft: 9 },
      lastLoginAt: NOW,
      lastLoginIp: '192.0.2.10',
      locked: false,
      disabled: false,
      idleDays: 1,
      dormant: false,
    });
    expect(byId['u-sato']).toMatchObject({ privileged: false, mfa: { status: 'none', recoveryCodesLeft: null }, passwordAgeDays: 41, lastLoginAt: NOW, locked: false });
    expect(byId['u-locked']).toMatchObject({ locked: true, lastLoginAt: null, idleDays: 1, dormant: false });
    expect(byId['u-off']).toMatchObject({ disabled: true, lastLoginAt: null, idleDays: 201, dormant: true, passwordAgeDays: 201 });
  });

  it('an AccountRepository without list: ERR_CAPABILITY_MISSING naming list (inventory and disableDormantAccounts)', async () => {
    const w = await world({}, (inner) => withoutOptional(inner));
    for (const call of [() => w.kanmon.inventory({ tenant: w.tenant }), async () => w.kanmon.disableDormantAccounts({ tenant: w.tenant, ...(await adminActor(w.kanmon, w.tenant, 'job')) })]) {
      const err = await call().then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(KanmonError);
      expect(err).toMatchObject({ code: 'ERR_CAPABILITY_MISSING', details: { capability: 'list', owner: 'AccountRepository' } });
      expect((err as Error).message).toContain('list()');
    }
  });

  it('a store outage answers unavailable, never throws', async () => {
    const w = await world({}, (inner) => ({ ...inner, list: () => Promise.reject(new Error('connection refused')) }));
    expect(await w.kanmon.inventory({ tenant: w.tenant })).toMatchObject({ ok: false, reason: 'unavailable', retryAfterMs: 1000 });
  });
});

describe('SEC-12, IPC-3: disableDormantAccounts', () => {
  it('disables only the enabled dormant accounts, audits each with its idle days, revokes their sessions; a rerun disables none', async () => {
    const w = await world();
    await w.add('u-old', 'old', { createdAt: NOW - 400 * DAY });
    await w.add('u-new', 'new');
    await w.add('u-off', 'off', { createdAt: NOW - 400 * DAY, disabled: true });
    const session = await w.login('old');
    if (session.status !== 'authenticated') throw new Error(session.status);
    expect((await w.kanmon.sessions.verify(session.token, { tenant: w.tenant })).ok).toBe(true);

    w.clock.advance(89 * DAY);
    expect((await w.login('new')).status).toBe('authenticated');
    w.clock.advance(DAY);
    expect(await w.kanmon.disableDormantAccounts({ tenant: w.tenant, ...(await w.admin()) })).toEqual({ ok: true, disabled: ['u-old'] });
    expect((await w.inner.findById(w.tenant, 'u-old'))?.disabled).toBe(true);
    expect((await w.inner.findById(w.tenant, 'u-new'))?.disabled).toBe(false);
    expect((await w.kanmon.sessions.verify(session.token, { tenant: w.tenant })).ok).toBe(false);
    const audited = w.events().filter((e) => e.type === 'admin.account.disable');
    expect(audited).toHaveLength(1);
    expect(audited[0]).toMatchObject({ actor: 'u-admin', target: 'u-old', reason: 'dormant', before: { disabled: false, lastLoginAt: NOW }, after: { disabled: true, idleDays: 90, dormantDays: 90 } });
    expect(await w.kanmon.disableDormantAccounts({ tenant: w.tenant, ...(await w.admin()) })).toEqual({ ok: true, disabled: [] });
    // a disabled account cannot log in
    expect(await w.login('old')).toMatchObject({ status: 'denied', reason: 'invalid_credentials' });
  });

  it('dormantDays null: dormancy_off, nothing disabled', async () => {
    const w = await world({ accounts: { dormantDays: null } });
    await w.add('u-old', 'old', { createdAt: NOW - 4000 * DAY });
    expect(await w.kanmon.disableDormantAccounts({ tenant: w.tenant, ...(await w.admin()) })).toEqual({ ok: false, reason: 'dormancy_off' });
    expect((await w.inner.findById(w.tenant, 'u-old'))?.disabled).toBe(false);
    const inv = await w.kanmon.inventory({ tenant: w.tenant });
    expect(inv.ok && inv.accounts[0]?.dormant).toBe(false);
  });
});

describe('SEC-12, SEC-26: deleteAccount', () => {
  it('removes the account, refuses its session, purges every key naming it (the revocation epochs stay), audited admin.account.delete', async () => {
    const w = await world({ mfa: { requireForAll: true }, accounts: { dormantDays: 90, knownSourceDays: 30 } });
    await w.add('u-1', 'sato', { roles: ['staff'] });
    await w.add('u-2', 'other');
    // state of every kind: a TOTP with recovery codes (one used), failures, a session
    const first = await w.login('sato');
    if (first.status !== 'mfa_required') throw new Error(first.status);
    const pending = await w.kanmon.enrollTotp({ challenge: first.challenge });
    if (pending.status !== 'pending') throw new Error(pending.status);
    const secret = base32Decode(pending.secret);
    const enrolled = await w.kanmon.confirmTotp({ challenge: first.challenge, code: totpAt(secret, w.clock.now()) });
    if (enrolled.status !== 'authenticated') throw new Error(enrolled.status);
    w.clock.advance(60_000);
    const again = await w.login('sato');
    if (again.status !== 'mfa_required') throw new Error(again.status);
    const session = await w.kanmon.verifyMfa({ challenge: again.challenge, code: enrolled.recoveryCodes[0]! });
    if (session.status !== 'authenticated') throw new Error(session.status);
    await w.login('sato', 'Wrong-pass-1x');
    await w.login('SATO', 'Wrong-pass-2x');
    const otherSession = await w.login('other');
    if (otherSession.status !== 'mfa_required') throw new Error(otherSession.status);

    expect(await w.kanmon.deleteAccount({ tenant: w.tenant, ...(await w.admin()), accountId: 'u-1' })).toEqual({ ok: true });
    expect(await w.inner.findById(w.tenant, 'u-1')).toBeNull();
    expect((await w.kanmon.sessions.verify(session.token, { tenant: w.tenant })).ok).toBe(false);
    const left = (await w.live()).filter((key) => key.includes('u-1') || key.includes('sato'));
    // what stays: the session and reset-token epochs (deleting them would revive older tokens), and the known-source
    // marks (one per source and window, keyed by an HMAC: not enumerable; they expire with their TTL)
    expect(left.filter((key) => !/:known-source:u-1:(net|ua)\.\d+:/.test(key))).toEqual([`{${w.tenant}}:pwreset:gen:u-1`, `{${w.tenant}}:session-epoch:u-1`]);
    expect(left.some((key) => key.includes(':known-source-count:'))).toBe(false);
    expect(left.some((key) => key.includes(':known-source:'))).toBe(true);
    const deleted = w.events().filter((e) => e.type === 'admin.account.delete');
    expect(deleted).toHaveLength(1);
    expect(deleted[0]).toMatchObject({ actor: 'u-admin', target: 'u-1', before: { username: 'sato', roles: ['staff'] }, after: { deleted: true } });
    expect(await w.kanmon.deleteAccount({ tenant: w.tenant, ...(await w.admin()), accountId: 'u-1' })).toEqual({ ok: false, reason: 'not_found' });
    // the other account is untouched
    expect(await w.inner.findById(w.tenant, 'u-2')).not.toBeNull();
  });

  it('an AccountRepository without delete: ERR_CAPABILITY_MISSING naming delete; nothing is changed', async () => {
    const w = await world({}, (inner) => ({ ...withoutOptional(inner), list: (q: AccountListQuery) => inner.list(q) }));
    await w.add('u-1', 'sato');
    await expect(w.kanmon.deleteAccount({ tenant: w.tenant, ...(await w.admin()), accountId: 'u-1' })).rejects.toMatchObject({ code: 'ERR_CAPABILITY_MISSING', details: { capability: 'delete' } });
    expect(await w.inner.findById(w.tenant, 'u-1')).not.toBeNull();
    expect(w.events().filter((e) => e.type === 'admin.account.delete')).toEqual([]);
  });
});
