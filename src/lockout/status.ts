/**
 * `status`: an account's lockout state now, for an administrator's screen (its
 * password counters, its login name's and its second factor's), read from the
 * store with every lapse applied.
 */
import { effectiveAccount } from './account-state.js';
import type { LockoutContext } from './internal/context.js';
import { accountKey, unknownKey } from './internal/who.js';
import { untilUnlocked } from './records.js';
import type { LockoutFactor, LockoutFactorStatus, LockoutKey, LockoutStatus } from './types.js';

export function createStatus(ctx: LockoutContext): (key: LockoutKey) => Promise<LockoutStatus> {
  const { now, store, guarded, asStoreError } = ctx;
  const { resolve, accountSide, mfaWho } = ctx.who;

  async function recordStatus(factor: LockoutFactor, recordKey: string, at: number): Promise<LockoutFactorStatus> {
    const base = ctx.settings(factor);
    let record;
    try {
      record = await guarded(() => store.read(recordKey));
    } catch (err) {
      throw asStoreError(err);
    }
    const s = effectiveAccount(record, { now: at, failureWindowMs: base.failureWindowMs, multiplier: base.multiplier, maxLockDurationMs: base.maxLockDurationMs });
    const permanent = s.lockedUntil === untilUnlocked;
    const locked = permanent || s.lockedUntil > at;
    return {
      failures: s.failures,
      remaining: locked ? 0 : Math.max(0, base.maxFailures - s.failures),
      locked,
      permanent,
      lockedUntil: locked && !permanent ? s.lockedUntil : null,
      lockCount: s.lockCount,
    };
  }

  return async (key) => {
    const who = resolve(key, 'pw');
    const { accountId } = accountSide(key);
    const second = mfaWho(key);
    const at = now();
    // accountId null (no account found): the name's stand-in, so the work is the same as for an account.
    const ownKey = accountId === undefined ? null : accountId === null ? unknownKey(who.tenant, who.account) : accountKey(who.tenant, accountId);
    const [name, own, mfaStatus] = await Promise.all([
      recordStatus('password', who.key, at),
      ownKey === null ? null : recordStatus('password', ownKey, at),
      recordStatus('mfa', second.key, at),
    ]);
    const pw = own ?? name;
    return {
      tenant: who.tenant,
      account: who.account,
      accountId: accountId ?? null,
      locked: pw.locked || name.locked || mfaStatus.locked,
      password: pw,
      name: own ? name : null,
      mfa: mfaStatus,
    };
  };
}
