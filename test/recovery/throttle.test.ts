/**
 * ASVS 5.0 V6.4, SEC-24 in spirit (no unlimited attempts): the self-service reset throttles on every store
 * (memory, real Redis, real PostgreSQL): the limit + 1-th request per account and per client IP is refused
 * with a Retry-After; unknown names are counted like accounts; the window opens again on the injected clock.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { definePolicy } from '../../src/index.js';
import { MAX_ATTEMPTS_PER_TOKEN, reserveResetRequest, reserveTokenAttempt } from '../../src/recovery/throttle.js';
import { type MakeStore, type StoreName, onEveryStore } from '../support/stores.js';

const T0 = 1_900_000_000_000;
const WINDOW = 60 * 60_000;
const policy = definePolicy('external-service-common', { recovery: { throttle: { maxRequestsPerAccount: 3, maxRequestsPerIp: 5, windowMs: WINDOW } } });

function suite(name: StoreName, makeStore: MakeStore) {
  describe(`ASVS 5.0 V6.4: reset-request throttles on ${name}`, () => {
    const world = () => {
      let t = T0;
      const store = makeStore(() => t);
      const tenant = `t-${randomBytes(4).toString('hex')}`;
      return { store, tenant, advance: (ms: number) => void (t += ms), now: () => t };
    };

    it('per account: 3 requests go through, the 4th (from another IP too) is throttled with Retry-After until the window ends', async () => {
      const { store, tenant, advance, now } = world();
      for (let i = 0; i < 3; i++) {
        await expect(reserveResetRequest(store, policy, { tenant, accountId: 'u-1', name: 'yamada', ip: `203.0.113.${i + 1}` }, now())).resolves.toEqual({ ok: true });
        advance(1000);
      }
      const refused = await reserveResetRequest(store, policy, { tenant, accountId: 'u-1', name: 'Yamada', ip: '198.51.100.9' }, now());
      // The 3rd request (at T0 + 2 s) reached the limit: the account waits a window from it.
      expect(refused).toEqual({ ok: false, reason: 'throttled', scope: 'account', retryAfterMs: WINDOW - 1000 });
      // Another account from the same address is not affected; this one opens again when the window ends.
      await expect(reserveResetRequest(store, policy, { tenant, accountId: 'u-2', name: 'sato', ip: '198.51.100.9' }, now())).resolves.toEqual({ ok: true });
      advance(WINDOW - 1001);
      await expect(reserveResetRequest(store, policy, { tenant, accountId: 'u-1', name: 'yamada', ip: '198.51.100.10' }, now())).resolves.toMatchObject({ ok: false, retryAfterMs: 1 });
      advance(1);
      await expect(reserveResetRequest(store, policy, { tenant, accountId: 'u-1', name: 'yamada', ip: '198.51.100.10' }, now())).resolves.toEqual({ ok: true });
    });

    it('per IP: 5 requests for 5 accounts go through, the 6th is throttled with Retry-After; IPv6 counts per /64', async () => {
      const { store, tenant, now, advance } = world();
      for (let i = 0; i < 5; i++) await expect(reserveResetRequest(store, policy, { tenant, accountId: `u-${i}`, name: `n${i}`, ip: `2001:db8:1:2::${i + 1}` }, now())).resolves.toEqual({ ok: true });
      advance(60_000);
      const refused = await reserveResetRequest(store, policy, { tenant, accountId: 'u-9', name: 'n9', ip: '2001:db8:1:2:ffff::1' }, now());
      expect(refused).toEqual({ ok: false, reason: 'throttled', scope: 'ip', retryAfterMs: WINDOW - 60_000 });
      await expect(reserveResetRequest(store, policy, { tenant, accountId: 'u-9', name: 'n9', ip: '2001:db8:1:3::1' }, now())).resolves.toEqual({ ok: true });
    });

    it('unknown names are counted on the name typed (normalised) exactly like an account: the 4th request is throttled too', async () => {
      const { store, tenant, now } = world();
      for (const spelling of ['ghost', 'GHOST', 'ｇｈｏｓｔ']) await expect(reserveResetRequest(store, policy, { tenant, accountId: null, name: spelling, ip: '192.0.2.1' }, now())).resolves.toEqual({ ok: true });
      await expect(reserveResetRequest(store, policy, { tenant, accountId: null, name: 'Ghost', ip: '192.0.2.2' }, now())).resolves.toMatchObject({ ok: false, reason: 'throttled', scope: 'account' });
    });

    it('no client IP is one shared bucket, never no throttle', async () => {
      const { store, tenant, now } = world();
      for (let i = 0; i < 5; i++) await expect(reserveResetRequest(store, policy, { tenant, accountId: `u-${i}`, name: `n${i}`, ip: null }, now())).resolves.toEqual({ ok: true });
      await expect(reserveResetRequest(store, policy, { tenant, accountId: 'u-9', name: 'n9', ip: null }, now())).resolves.toMatchObject({ ok: false, scope: 'ip' });
    });

    it(`one token allows ${MAX_ATTEMPTS_PER_TOKEN} completion attempts, concurrent ones included`, async () => {
      const { store, tenant, now } = world();
      const results = await Promise.all(Array.from({ length: 12 }, () => reserveTokenAttempt(store, policy, tenant, 'ref-1', now())));
      expect(results.filter(Boolean)).toHaveLength(MAX_ATTEMPTS_PER_TOKEN);
      await expect(reserveTokenAttempt(store, policy, tenant, 'ref-2', now())).resolves.toBe(true);
    });
  });
}

onEveryStore(suite);
