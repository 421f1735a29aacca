/**
 * The breached-password filter where it meets the login flows (FNB/SEC leaked-password measures, EXT
 * "漏えいパスワード対策"): a policy with `breached.offline` on and an on-disk filter, and that filter failing
 * (its file truncated or closed after it was opened). A failing filter is an outage: a coded answer, never a
 * throw to the app, and never a password accepted unchecked.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildBreachedPasswordFile,
  checkPassword,
  createAuditLog,
  createKanmon,
  createKeyRing,
  createPasswordHasher,
  memoryAccounts,
  memoryAuditSink,
  memoryStore,
  newAccount,
  openBreachedPasswordFilter,
  type OpenedBreachedPasswordFilter,
} from '../../src/index.js';
import { adminActor } from '../support/admin.js';
import { BUSINESS_DAY_10_JST, GOOD_PASSWORD, INTERNAL_IP, testPolicy } from './support.js';

const BREACHED = 'Summer#2024abc';
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kanmon-breached-seam-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function filterFile(name: string): Promise<{ path: string; filter: OpenedBreachedPasswordFilter }> {
  const path = join(dir, name);
  const corpus = () => Readable.from([`${BREACHED}\n`, ...Array.from({ length: 2000 }, (_, i) => `leaked-${i}\n`)]) as AsyncIterable<string>;
  await buildBreachedPasswordFile(corpus, path, { fpr: 1e-4, format: 'plain' });
  return { path, filter: await openBreachedPasswordFilter(path) };
}

async function world(filter: OpenedBreachedPasswordFilter) {
  let t = BUSINESS_DAY_10_JST;
  const now = () => t;
  const policy = testPolicy({ password: { breached: { offline: true } } });
  const keyRing = createKeyRing({ keys: [{ id: 'k1', secret: randomBytes(32) }], current: 'k1' });
  const sink = memoryAuditSink();
  const audit = createAuditLog({ sink, keyRing, stream: 'auth', now });
  const accounts = memoryAccounts();
  const hasher = createPasswordHasher({ policy, keyRing });
  const kanmon = createKanmon({ policy, store: memoryStore({ now }), accounts, hasher, keyRing, audit, now, breachedFilter: filter });
  const tenant = `city-${randomBytes(4).toString('hex')}`;
  await accounts.create(newAccount({ id: 'u-1', tenant, username: 'taro', passwordHash: await hasher.hash(GOOD_PASSWORD), passwordChangedAt: t - 30 * 86_400_000 }));
  const session = async () => {
    const login = await kanmon.login({ tenant, username: 'taro', password: GOOD_PASSWORD, clientIp: INTERNAL_IP, tls: true });
    if (login.status !== 'authenticated') throw new Error(`login: ${JSON.stringify(login)}`);
    return login.session;
  };
  return { kanmon, tenant, session, advance: (ms: number) => (t += ms), lines: () => sink.streams.get('auth')?.lines ?? [] };
}

describe('leaked-password measures: an on-disk breached filter in the login flows', () => {
  it('createAccount with breached.offline on issues a temporary password (checked against the filter too)', async () => {
    const { filter } = await filterFile('create.bin');
    const w = await world(filter);
    const created = await w.kanmon.createAccount({ tenant: w.tenant, ...(await adminActor(w.kanmon, w.tenant, 'admin-1')), username: 'hanako' });
    expect(created.ok).toBe(true);
    await filter.close();
  });

  it('changePassword to a breached password is denied with the `breached` issue', async () => {
    const { filter } = await filterFile('change.bin');
    const w = await world(filter);
    const session = await w.session();
    w.advance(2 * 86_400_000);
    const answer = await w.kanmon.changePassword({ session, currentPassword: GOOD_PASSWORD, newPassword: BREACHED, clientIp: INTERNAL_IP, tls: true });
    expect(answer).toMatchObject({ status: 'denied', reason: 'policy' });
    expect(answer.status === 'denied' && 'issues' in answer ? answer.issues?.map((i) => i.code) : []).toContain('breached');
    await filter.close();
  });

  it('a filter file truncated after opening: checkPassword answers `breached_unavailable` (the password is not accepted), never throws', async () => {
    const { path, filter } = await filterFile('truncated-check.bin');
    await truncate(path, 100);
    const policy = testPolicy({ password: { breached: { offline: true } } });
    const result = checkPassword('Kq7#vRt2!mZp-other', policy, { breachedFilter: filter });
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.issues.map((i) => i.code)).toEqual(['breached_unavailable']);
    await filter.close();
  });

  it('a filter file truncated after opening: changePassword answers `unavailable` with retryAfterMs and audits no change', async () => {
    const { path, filter } = await filterFile('truncated-change.bin');
    const w = await world(filter);
    const session = await w.session();
    w.advance(2 * 86_400_000);
    await truncate(path, 100);
    const answer = await w.kanmon.changePassword({ session, currentPassword: GOOD_PASSWORD, newPassword: 'Wd4$hNx9@bLe', clientIp: INTERNAL_IP, tls: true });
    expect(answer).toMatchObject({ status: 'denied', reason: 'unavailable' });
    expect(JSON.stringify(answer)).not.toMatch(/stack|Error|truncated/);
    expect(w.lines().some((line) => line.includes('"password.changed"'))).toBe(false);
    await filter.close();
  });

  it('a closed filter: createAccount and adminResetPassword answer `unavailable` instead of throwing', async () => {
    const { filter } = await filterFile('closed.bin');
    const w = await world(filter);
    const actor = await adminActor(w.kanmon, w.tenant, 'admin-1');
    await filter.close();
    const created = await w.kanmon.createAccount({ tenant: w.tenant, ...actor, username: 'jiro' });
    expect(created).toMatchObject({ ok: false, reason: 'unavailable' });
    const reset = await w.kanmon.adminResetPassword({ tenant: w.tenant, ...actor, accountId: 'u-1' });
    expect(reset).toMatchObject({ ok: false, reason: 'unavailable' });
  });
});
