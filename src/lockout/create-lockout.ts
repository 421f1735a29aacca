import { KanmonError } from '../errors.js';
import { systemClock } from '../internal/clock.js';
import { assertTenant } from '../store/key.js';
import { createLockoutContext } from './internal/context.js';
import { createReserve } from './reserve.js';
import { createSettle } from './settle.js';
import { createStatus } from './status.js';
import type { CreateLockoutOptions, Lockout } from './types.js';

/**
 * Account lockout that holds under concurrency (SEC-24; against Keycloak's
 * CVE-2024-4629 race): `reserve` counts every attempt atomically in the store
 * *before* the secret is verified, and `succeed` resets. A failed verification
 * needs no call: the reservation stays counted, so a crash, a timeout or a
 * forgotten call can never un-count a guess.
 *
 * Unknown usernames are counted exactly like real ones (lock behaviour tells
 * nothing about which accounts exist). Store failures fail closed by default
 * (`reason: 'unavailable'`); no method rejects because of the store.
 *
 * @example
 * ```ts
 * import { createLockout, definePolicy, memoryStore } from 'kanmon';
 * const lockout = createLockout({ policy: definePolicy('funabashi'), store: memoryStore() });
 *
 * declare function verifyPassword(username: string, password: string): Promise<boolean>;
 *
 * const key = { account: 'Alice', ip: '203.0.113.7' };
 * const reservation = await lockout.reserve(key);
 * if (!reservation.ok) {
 *   // 'locked' | 'throttled' | 'unavailable': answer now, without computing a hash
 * } else if (await verifyPassword('Alice', 'correct horse')) {
 *   await lockout.succeed(key);
 * } // a wrong password needs no call: the reservation stays counted
 * ```
 */
export function createLockout(options: CreateLockoutOptions): Lockout {
  const { policy, store, now = systemClock, tenant = 'default', onEvent, storeTimeoutMs = 2000 } = options;
  const cfg = policy?.lockout;
  if (!cfg) throw new KanmonError('ERR_INVALID_ARGUMENT', 'createLockout: policy must be a policy from definePolicy');
  if (!store || typeof store.update !== 'function') throw new KanmonError('ERR_INVALID_ARGUMENT', 'createLockout: store must be a KanmonStore');
  if (typeof now !== 'function') throw new KanmonError('ERR_INVALID_ARGUMENT', 'createLockout: now must be a function');
  if (!Number.isSafeInteger(storeTimeoutMs) || storeTimeoutMs < 1) throw new KanmonError('ERR_INVALID_ARGUMENT', 'createLockout: storeTimeoutMs must be a positive integer');
  assertTenant(tenant);

  const ctx = createLockoutContext({ lockout: cfg, store, now, tenant, onEvent, storeTimeoutMs });
  const { reserve, reserveAccount, reserveMfa } = createReserve(ctx);
  const settle = createSettle(ctx);
  return {
    reserve,
    reserveAccount,
    reserveMfa,
    succeed: (key, ...reservations) => settle.succeed(key, reservations),
    fail: (key, ...reservations) => settle.fail(key, reservations),
    failMfa: (key, reservation) => settle.failMfa(key, reservation),
    succeedMfa: (key, reservation) => settle.succeedMfa(key, reservation),
    adminUnlock: (key, unlockOptions = {}) => settle.unlock(key, unlockOptions.actor ?? null),
    status: createStatus(ctx),
  };
}
