/**
 * SEC-12, IPC-3: an account is dormant at exactly `policy.accounts.dormantDays` calendar days in
 * `policy.timeZone` (Asia/Tokyo in every Japanese preset) since its last login, or since its creation when
 * never used; one day less is not. Counted by Tokyo date, not by elapsed hours, nor by the server's own zone:
 * `npm run test:tz` runs this file under TZ=UTC, Asia/Tokyo and America/Los_Angeles (the span crosses the
 * US daylight-saving change of 2026-03-08).
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createAuditLog, createKanmon, createKeyRing, idleDays, isDormant, memoryAccounts, memoryAuditSink, memoryStore, newAccount } from '../../src/index.js';
import { testPolicy } from './support.js';

/** An instant given as a Tokyo wall-clock time (JST is UTC+9 all year). */
const jst = (y: number, mo: number, d: number, h: number, mi: number, s = 0, ms = 0) => Date.UTC(y, mo - 1, d, h - 9, mi, s, ms);
const policy = testPolicy({ accounts: { dormantDays: 90 } });
const base = { passwordHash: '$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA', passwordChangedAt: jst(2025, 1, 1, 9, 0) };

describe(`SEC-12, IPC-3: dormancy by Tokyo calendar date (process TZ=${process.env.TZ ?? 'unset'})`, () => {
  it('90 Tokyo dates after a login at 23:50 is dormant at 00:10, though 89 days and 20 minutes have passed', () => {
    const account = { ...base, lastLoginAt: jst(2026, 1, 10, 23, 50), createdAt: jst(2025, 1, 1, 9, 0) };
    expect(idleDays(account, 'Asia/Tokyo', jst(2026, 4, 10, 0, 10))).toBe(90);
    expect(isDormant(account, policy, jst(2026, 4, 10, 0, 10))).toBe(true);
    // the day before, at its last minute: 89
    expect(idleDays(account, 'Asia/Tokyo', jst(2026, 4, 9, 23, 59, 59, 999))).toBe(89);
    expect(isDormant(account, policy, jst(2026, 4, 9, 23, 59, 59, 999))).toBe(false);
  });

  it('a login at 00:10 is not dormant at 23:50 of the 89th date, though almost 90 × 24 hours have passed', () => {
    const account = { ...base, lastLoginAt: jst(2026, 1, 10, 0, 10), createdAt: null };
    expect(isDormant(account, policy, jst(2026, 4, 9, 23, 50))).toBe(false);
    expect(isDormant(account, policy, jst(2026, 4, 10, 0, 0))).toBe(true);
  });

  it('never logged in: counted from createdAt (else from passwordChangedAt)', () => {
    const created = { ...base, lastLoginAt: null, createdAt: jst(2026, 1, 10, 12, 0) };
    expect(isDormant(created, policy, jst(2026, 4, 9, 23, 59, 59, 999))).toBe(false);
    expect(isDormant(created, policy, jst(2026, 4, 10, 0, 0))).toBe(true);
    const imported = { ...base, passwordChangedAt: jst(2026, 1, 10, 12, 0) };
    expect(isDormant(imported, policy, jst(2026, 4, 9, 23, 0))).toBe(false);
    expect(isDormant(imported, policy, jst(2026, 4, 10, 1, 0))).toBe(true);
  });

  it('inventory() reports the same boundary', async () => {
    let t = jst(2026, 4, 9, 23, 59, 59, 999);
    const now = () => t;
    const keyRing = createKeyRing({ keys: [{ id: 'k1', secret: randomBytes(32) }], current: 'k1' });
    const accounts = memoryAccounts([newAccount({ id: 'u-1', tenant: 'city', username: 'sato', ...base, lastLoginAt: jst(2026, 1, 10, 23, 50) })]);
    const kanmon = createKanmon({ policy, store: memoryStore({ now }), accounts, keyRing, audit: createAuditLog({ sink: memoryAuditSink(), keyRing, stream: 'a', now }), now });
    const before = await kanmon.inventory({ tenant: 'city' });
    expect(before.ok && before.accounts[0]).toMatchObject({ idleDays: 89, dormant: false });
    t = jst(2026, 4, 10, 0, 0);
    const at = await kanmon.inventory({ tenant: 'city' });
    expect(at.ok && at.accounts[0]).toMatchObject({ idleDays: 90, dormant: true });
  });
});
