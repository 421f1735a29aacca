/**
 * SEC-24 (account lock after N consecutive failures), EXT-4 / RM-19 / RM-26
 * (measures against spoofing and unauthorised access): lockout behaviour at
 * every boundary, with an injected clock, run on every store (the Redis store
 * runs the Lua twin of each transition, so each case also proves the twins agree).
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type KanmonStore, type LockoutEvent, type PolicyInput, createLockout, definePolicy } from '../../src/index.js';

const T0 = 1_800_000_000_000;

export function setup(getStore: () => KanmonStore, lockout: NonNullable<PolicyInput['lockout']> = {}) {
  let t = T0;
  const events: LockoutEvent[] = [];
  const tenant = `t-${randomUUID().slice(0, 12)}`;
  const l = createLockout({
    policy: definePolicy({ lockout }),
    store: getStore(),
    now: () => t,
    tenant,
    onEvent: (e) => {
      events.push(e);
    },
  });
  return {
    lockout: l,
    events,
    tenant,
    at: (ms: number) => {
      t = T0 + ms;
    },
    /** `n` reservations one after another; their answers. */
    fail: async (key: Parameters<typeof l.reserve>[0], n: number) => {
      const out = [];
      for (let i = 0; i < n; i++) out.push(await l.reserve(key));
      return out;
    },
  };
}

const base = { maxFailures: 3, failureWindowMs: 10_000, lockDurationMs: 60_000 } as const;

export function lockoutBehaviour(name: string, getStore: () => KanmonStore): void {
  describe(`lockout on ${name}`, () => {
    describe('SEC-24: lock after maxFailures consecutive failures', () => {
      it('counts up front, locks at the maxFailures-th reservation, refuses the next with retryAfterMs', async () => {
        const { lockout, events, fail, at, tenant } = setup(getStore, base);
        const answers = await fail('alice', 3);
        expect(answers).toEqual([
          { ok: true, failures: 1, remaining: 2, lockedNow: false, degraded: false },
          { ok: true, failures: 2, remaining: 1, lockedNow: false, degraded: false },
          { ok: true, failures: 3, remaining: 0, lockedNow: true, degraded: false },
        ]);
        expect(events).toEqual([
          { type: 'lockout.locked', at: T0, tenant, account: 'alice', factor: 'password', failures: 3, lockCount: 1, lockedUntil: T0 + 60_000, durationMs: 60_000 },
        ]);
        at(1);
        await expect(lockout.reserve('alice')).resolves.toEqual({ ok: false, reason: 'locked', retryAfterMs: 59_999 });
      });

      it('lock boundary: locked at lockedUntil − 1 ms, open at lockedUntil with a fresh count', async () => {
        const { lockout, fail, at } = setup(getStore, base);
        await fail('alice', 3);
        at(59_999);
        await expect(lockout.reserve('alice')).resolves.toEqual({ ok: false, reason: 'locked', retryAfterMs: 1 });
        at(60_000);
        await expect(lockout.reserve('alice')).resolves.toMatchObject({ ok: true, failures: 1, remaining: 2 });
      });

      it('succeed resets the count; a success by the locking attempt itself lifts the lock (event by: success)', async () => {
        const { lockout, events, fail } = setup(getStore, base);
        await fail('alice', 2);
        await expect(lockout.succeed('alice')).resolves.toEqual({ ok: true, wasLocked: false });
        await expect(lockout.reserve('alice')).resolves.toMatchObject({ failures: 1 });
        await fail('alice', 2); // the 3rd reservation locks…
        await expect(lockout.succeed('alice')).resolves.toEqual({ ok: true, wasLocked: true }); // …but it was right
        expect(events.map((e) => e.type)).toEqual(['lockout.locked', 'lockout.unlocked']);
        expect(events[1]).toMatchObject({ by: 'success', actor: null });
        await expect(lockout.reserve('alice')).resolves.toMatchObject({ ok: true, failures: 1 });
      });
    });

    describe('failure window', () => {
      it('the count survives a gap of failureWindowMs − 1 and resets after exactly failureWindowMs of quiet', async () => {
        const { lockout, fail, at } = setup(getStore, base);
        await fail('alice', 2);
        at(9_999);
        await expect(lockout.reserve('alice')).resolves.toMatchObject({ failures: 3, lockedNow: true });
        const second = setup(getStore, base);
        await second.fail('bob', 2);
        second.at(10_000);
        await expect(second.lockout.reserve('bob')).resolves.toMatchObject({ failures: 1, lockedNow: false });
      });

      it('failureWindowMs 0: failures never lapse on their own', async () => {
        const { lockout, fail, at } = setup(getStore, { ...base, failureWindowMs: 0 });
        await fail('alice', 2);
        at(365 * 86_400_000);
        await expect(lockout.reserve('alice')).resolves.toMatchObject({ failures: 3, lockedNow: true });
      });
    });

    describe('progressive locking', () => {
      const progressive = { ...base, lockDurationMs: 1000, progressive: { multiplier: 2, maxLockDurationMs: 5000 } };

      it('each further lock doubles (1 s, 2 s, 4 s) and is capped (5 s, 5 s)', async () => {
        const { lockout, events, fail, at } = setup(getStore, progressive);
        let now = 0;
        const durations: number[] = [];
        for (let lock = 1; lock <= 5; lock++) {
          at(now);
          await fail('alice', 3);
          const last = events.at(-1);
          if (last?.type !== 'lockout.locked') throw new Error('expected a lock event');
          durations.push(last.durationMs ?? -1);
          expect(last.lockCount).toBe(lock);
          at(now + (last.durationMs ?? 0) - 1);
          await expect(lockout.reserve('alice')).resolves.toEqual({ ok: false, reason: 'locked', retryAfterMs: 1 });
          now += last.durationMs ?? 0;
        }
        expect(durations).toEqual([1000, 2000, 4000, 5000, 5000]);
      });

      it('the escalation is forgotten after max(failureWindowMs, maxLockDurationMs) of quiet, and by a success', async () => {
        const { lockout, events, fail, at } = setup(getStore, progressive);
        await fail('alice', 3); // lock 1 (1 s) ends at 1000
        at(1000 + 9_999);
        await fail('alice', 3); // lock 2: within the keep time
        expect(events.at(-1)).toMatchObject({ lockCount: 2, durationMs: 2000 });
        // lock 2 ends at 12_999; quiet for 10 s (max(10 s window, 5 s cap)) from then
        at(12_999 + 10_000);
        await fail('alice', 3);
        expect(events.at(-1)).toMatchObject({ lockCount: 1, durationMs: 1000 });
        at(30_000);
        await fail('alice', 3);
        expect(events.at(-1)).toMatchObject({ lockCount: 2 });
        await lockout.succeed('alice');
        at(40_000);
        await fail('alice', 3);
        expect(events.at(-1)).toMatchObject({ lockCount: 1 });
      });
    });

    describe('permanent mode and admin unlock', () => {
      it('a permanent lock never lapses (retryAfterMs null) until an administrator unlocks it', async () => {
        const { lockout, events, fail, at, tenant } = setup(getStore, { ...base, permanent: true });
        await fail('alice', 3);
        expect(events.at(-1)).toMatchObject({ type: 'lockout.locked', lockedUntil: null, durationMs: null });
        at(10 * 365 * 86_400_000);
        await expect(lockout.reserve('alice')).resolves.toEqual({ ok: false, reason: 'locked', retryAfterMs: null });
        await expect(lockout.status('alice')).resolves.toMatchObject({ locked: true, password: { permanent: true, lockedUntil: null, remaining: 0 } });
        await expect(lockout.adminUnlock('ALICE', { actor: 'admin-1' })).resolves.toEqual({ ok: true, wasLocked: true });
        expect(events.at(-1)).toEqual({
          type: 'lockout.unlocked',
          at: T0 + 10 * 365 * 86_400_000,
          tenant,
          account: 'alice',
          factor: 'password',
          by: 'admin',
          actor: 'admin-1',
        });
        await expect(lockout.reserve('alice')).resolves.toMatchObject({ ok: true, failures: 1 });
      });

      it('admin unlock of a timed lock: open at once; unlocking an unlocked account reports wasLocked false and emits nothing', async () => {
        const { lockout, events, fail, at } = setup(getStore, base);
        await fail('alice', 3);
        at(1);
        await expect(lockout.adminUnlock('alice')).resolves.toEqual({ ok: true, wasLocked: true });
        await expect(lockout.reserve('alice')).resolves.toMatchObject({ ok: true, failures: 1 });
        const before = events.length;
        await expect(lockout.adminUnlock('bob')).resolves.toEqual({ ok: true, wasLocked: false });
        expect(events).toHaveLength(before);
      });
    });

    describe('per-source throttles (password spraying; CVE-2024-1722 victim lockout)', () => {
      it('(account, IP): the limit+1-th attempt from one address is throttled; another address still gets through; window boundary', async () => {
        const { lockout, events, fail, at } = setup(getStore, {
          ...base,
          maxFailures: 10,
          perSource: { maxFailuresPerAccountAndIp: 2, windowMs: 5000 },
        });
        const from = { account: 'alice', ip: '203.0.113.5' };
        await fail(from, 2);
        at(4_999);
        await expect(lockout.reserve(from)).resolves.toEqual({ ok: false, reason: 'throttled', retryAfterMs: 1, scope: 'account_ip' });
        expect(events.at(-1)).toMatchObject({ type: 'lockout.throttled', scope: 'account_ip', source: '203.0.113.5', retryAfterMs: 1 });
        await expect(lockout.reserve({ account: 'alice', ip: '198.51.100.5' })).resolves.toMatchObject({ ok: true, failures: 3 });
        at(5_000);
        await expect(lockout.reserve(from)).resolves.toMatchObject({ ok: true, failures: 4 });
      });

      it('throttled attempts are not counted against the account: one source cannot lock its victim out', async () => {
        const { lockout, fail } = setup(getStore, { ...base, maxFailures: 5, perSource: { maxFailuresPerAccountAndIp: 3, windowMs: 60_000 } });
        const attacker = { account: 'mayor', ip: '192.0.2.66' };
        const answers = await fail(attacker, 50);
        expect(answers.filter((a) => a.ok)).toHaveLength(3);
        await expect(lockout.reserve({ account: 'mayor', ip: '10.1.2.3' })).resolves.toMatchObject({ ok: true, failures: 4 });
      });

      it('IP alone: the limit counts across accounts; an IPv6 /64 is one source', async () => {
        const { lockout } = setup(getStore, { ...base, perSource: { maxFailuresPerIp: 3, windowMs: 60_000 } });
        for (const [i, ip] of ['2001:db8:1:2::1', '2001:db8:1:2:ffff::9', '2001:0db8:0001:0002:0:0:0:abc'].entries()) {
          await expect(lockout.reserve({ account: `user${i}`, ip })).resolves.toMatchObject({ ok: true });
        }
        await expect(lockout.reserve({ account: 'user9', ip: '2001:db8:1:2::77' })).resolves.toMatchObject({ ok: false, reason: 'throttled', scope: 'ip' });
        await expect(lockout.reserve({ account: 'user9', ip: '2001:db8:1:3::77' })).resolves.toMatchObject({ ok: true });
        await expect(lockout.reserve({ account: 'user9', ip: '::ffff:192.0.2.1' })).resolves.toMatchObject({ ok: true });
      });

      it('a NAT office: a success handed its reservation gives back its per-IP count; failures still count', async () => {
        const { lockout, fail } = setup(getStore, { ...base, maxFailures: 100, perSource: { maxFailuresPerIp: 3, windowMs: 60_000 } });
        for (let i = 0; i < 50; i++) {
          const key = { account: `staff${i}`, ip: '203.0.113.80' };
          const reservation = await lockout.reserve(key);
          expect(reservation).toMatchObject({ ok: true });
          await expect(lockout.succeed(key, reservation)).resolves.toEqual({ ok: true, wasLocked: false });
        }
        const answers = await fail({ account: 'staff0', ip: '203.0.113.80' }, 4);
        expect(answers.map((a) => a.ok || a.reason)).toEqual([true, true, true, 'throttled']);
      });

      it('a success clears the (account, IP) throttle, not the IP-wide one', async () => {
        const { lockout, fail } = setup(getStore, { ...base, maxFailures: 100, perSource: { maxFailuresPerAccountAndIp: 2, maxFailuresPerIp: 3, windowMs: 60_000 } });
        const from = { account: 'alice', ip: '203.0.113.5' };
        await fail(from, 2);
        await lockout.succeed(from);
        await expect(lockout.reserve(from)).resolves.toMatchObject({ ok: true });
        await expect(lockout.reserve(from)).resolves.toMatchObject({ ok: false, reason: 'throttled', scope: 'ip' });
      });
    });

    describe('keys: normalisation, enumeration, tenants', () => {
      it('NFKC + case folding: Alice, ALICE, ａｌｉｃｅ and Ａｌｉｃｅ are one account', async () => {
        const { lockout, events } = setup(getStore, base);
        await lockout.reserve('Alice');
        await lockout.reserve('ａｌｉｃｅ');
        await expect(lockout.reserve('Ａｌｉｃｅ')).resolves.toMatchObject({ lockedNow: true });
        await expect(lockout.reserve('ALICE')).resolves.toMatchObject({ ok: false, reason: 'locked' });
        expect(events[0]).toMatchObject({ account: 'alice' });
        await expect(lockout.status('straße')).resolves.toMatchObject({ account: 'strasse' });
      });

      it('unknown usernames are tracked exactly like real ones (no enumeration by lock behaviour)', async () => {
        const { lockout, fail } = setup(getStore, base);
        // kanmon has no notion of which accounts exist: the answers depend on nothing but the attempts
        const real = await fail('alice', 5);
        const ghost = await fail('no-such-user-7f3a', 5);
        expect(ghost).toEqual(real);
        await expect(lockout.status('no-such-user-7f3a')).resolves.toMatchObject({ locked: true });
      });

      it('keys that try to break out of their part (":", "{", "*", very long, lone surrogates) stay their own accounts', async () => {
        const { lockout } = setup(getStore, { ...base, maxFailures: 1 });
        const names = ['a:pw:b', 'a}:pw:{b', '*', 'x'.repeat(5000), '\ud800', 'a%3Apw%3Ab'];
        for (const n of names) await expect(lockout.reserve(n)).resolves.toMatchObject({ ok: true, lockedNow: true });
        await expect(lockout.reserve('a')).resolves.toMatchObject({ ok: true });
        await expect(lockout.reserve('x'.repeat(5000))).resolves.toMatchObject({ ok: false, reason: 'locked' });
      });

      it('SEC-29: two tenants with the same username never see each other’s counters', async () => {
        const a = setup(getStore, base);
        await a.fail('alice', 3);
        await expect(a.lockout.reserve('alice')).resolves.toMatchObject({ ok: false, reason: 'locked' });
        const b = setup(getStore, base);
        await expect(b.lockout.reserve('alice')).resolves.toMatchObject({ ok: true, failures: 1 });
        // the same lockout instance, the tenant per key
        await expect(a.lockout.reserve({ account: 'alice', tenant: b.tenant })).resolves.toMatchObject({ ok: true, failures: 2 });
        await expect(a.lockout.status({ account: 'alice', tenant: b.tenant })).resolves.toMatchObject({ locked: false, password: { failures: 2 } });
      });
    });

    describe('second factor (MFA guesses)', () => {
      it('a separate counter and lock from policy.lockout.mfa; succeedMfa resets it', async () => {
        const { lockout, events } = setup(getStore, { ...base, mfa: { maxFailures: 2, lockDurationMs: 7000 } });
        await lockout.reserveMfa('alice');
        await expect(lockout.reserveMfa('alice')).resolves.toMatchObject({ ok: true, lockedNow: true });
        expect(events.at(-1)).toMatchObject({ type: 'lockout.locked', factor: 'mfa', durationMs: 7000 });
        await expect(lockout.reserveMfa('alice')).resolves.toEqual({ ok: false, reason: 'locked', retryAfterMs: 7000 });
        await expect(lockout.reserve('alice')).resolves.toMatchObject({ ok: true, failures: 1 });
        await expect(lockout.status('alice')).resolves.toMatchObject({ locked: true, password: { locked: false }, mfa: { locked: true, lockedUntil: T0 + 7000 } });
        await expect(lockout.adminUnlock('alice')).resolves.toEqual({ ok: true, wasLocked: true });
        await lockout.reserveMfa('alice');
        await expect(lockout.succeedMfa('alice')).resolves.toEqual({ ok: true, wasLocked: false });
        await expect(lockout.reserveMfa('alice')).resolves.toMatchObject({ failures: 1 });
      });
    });
  });
}
