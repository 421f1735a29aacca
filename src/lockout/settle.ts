/**
 * After the verification: a success forgives the attempt and the failures
 * over before it (`succeed`, `succeedMfa`, and an administrator's unlock), a
 * failure is marked as over (`fail`, `failMfa`). Neither rejects because of
 * the store: a lost report only keeps a failure counted.
 */
import { normalizeAccountKey } from './normalize-account.js';
import { trustedKey } from '../store/key.js';
import type { LockoutContext } from './internal/context.js';
import { Granted } from './internal/granted.js';
import type { SuccessPlan } from './internal/throttles.js';
import { type Resolved, type ResolvedKey, accountKey, unknownKey } from './internal/who.js';
import { type FailArgs, type SucceedArgs, failTransition, succeedTransition } from './settle-transitions.js';
import type { LockoutFactor, LockoutKey, LockoutResetResult } from './types.js';

export interface Settle {
  readonly succeed: (key: LockoutKey, reservations: readonly unknown[]) => Promise<LockoutResetResult>;
  readonly succeedMfa: (key: LockoutKey, reservation: unknown) => Promise<LockoutResetResult>;
  readonly fail: (key: LockoutKey, reservations: readonly unknown[]) => Promise<void>;
  readonly failMfa: (key: LockoutKey, reservation: unknown) => Promise<void>;
  /** An administrator lifts every lock of the key, password and second factor. */
  readonly unlock: (key: LockoutKey, actor: string | null) => Promise<LockoutResetResult>;
}

const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

export function createSettle(ctx: LockoutContext): Settle {
  const { now, store, guarded, asStoreError, emit, throttles } = ctx;
  const { resolve, accountSide, mfaWho } = ctx.who;

  /** The password records a success or an unlock acts on, with their ops and whom each one is (for events). */
  function passwordPlan(key: LockoutKey, reservations: readonly unknown[], by: 'admin' | 'success', at: number): SuccessPlan & { readonly who: ResolvedKey } {
    const who = resolve(key, 'pw');
    const { accountId, canonicalName } = accountSide(key);
    const plan: SuccessPlan = { keys: [], ops: [], owners: [] };
    const forgive = (recordKey: string, owner: { readonly account: string; readonly accountId?: string }, withTicket: boolean) => {
      let ticket: { settled: number; at: number } | null = null;
      if (withTicket) for (const r of reservations) ticket ??= Granted.forKey(r, recordKey);
      plan.keys.push(recordKey);
      plan.ops.push({ kind: 'account', settled: ticket?.settled ?? null, at: ticket?.at ?? at });
      plan.owners.push(owner);
    };
    forgive(who.key, { account: who.account }, by === 'success');
    if (canonicalName !== undefined) {
      const canonical = normalizeAccountKey(canonicalName);
      const canonicalKey = trustedKey(who.tenant, 'lockout', 'pw', canonical);
      if (canonicalKey !== who.key) forgive(canonicalKey, { account: canonical }, false);
    }
    if (typeof accountId === 'string') forgive(accountKey(who.tenant, accountId), { account: who.account, accountId }, by === 'success');
    if (by === 'success') throttles.onSuccess(who, accountId, reservations, plan);
    return { ...plan, who };
  }

  /** Apply a success (or an admin unlock) to the plan's keys; events for every lock lifted. */
  async function applySuccess(factor: LockoutFactor, who: Resolved, plan: SuccessPlan, by: 'admin' | 'success', actor: string | null, at: number): Promise<LockoutResetResult> {
    const base = ctx.settings(factor);
    const { keys, ops, owners } = plan;
    const args: SucceedArgs = { now: at, maxFailures: base.maxFailures, failureWindowMs: base.failureWindowMs, multiplier: base.multiplier, maxLockDurationMs: base.maxLockDurationMs, ops };
    try {
      const result = await guarded(() => store.update(succeedTransition, keys, args));
      let wasLocked = false;
      result.lifted.forEach((lifted, i) => {
        const owner = owners[i];
        if (!lifted || !owner) return;
        wasLocked = true;
        emit({ type: 'lockout.unlocked', at, tenant: who.tenant, ...owner, factor, by, actor });
      });
      return { ok: true, wasLocked };
    } catch (err) {
      const error = asStoreError(err);
      const operation = by === 'admin' ? 'unlock' : 'succeed';
      emit({ type: 'lockout.store_error', at, tenant: who.tenant, account: who.account, factor, operation, failOpen: false, error });
      return { ok: false, reason: 'unavailable', code: 'ERR_STORE_UNAVAILABLE' };
    }
  }

  function succeedSecond(key: LockoutKey, reservation: unknown, by: 'admin' | 'success', actor: string | null): Promise<LockoutResetResult> {
    const at = now();
    let who: ResolvedKey;
    try {
      who = mfaWho(key);
    } catch (err) {
      return Promise.reject(asError(err));
    }
    const ticket = by === 'success' ? Granted.forKey(reservation, who.key) : null;
    const plan: SuccessPlan = { keys: [who.key], ops: [{ kind: 'account', settled: ticket?.settled ?? null, at: ticket?.at ?? at }], owners: [{ account: who.account }] };
    return applySuccess('mfa', who, plan, by, actor, at);
  }

  /** Mark the attempts of `reservations` on `candidates` as over (failed). Never rejects because of the store. */
  async function failOn(factor: LockoutFactor, who: Resolved, candidates: readonly string[], reservations: readonly unknown[]): Promise<void> {
    const keys: string[] = [];
    const ats: number[] = [];
    for (const key of candidates) {
      let ticket: { at: number } | null = null;
      for (const r of reservations) ticket ??= Granted.forKey(r, key);
      if (ticket === null) continue;
      keys.push(key);
      ats.push(ticket.at);
    }
    if (keys.length === 0) return;
    const base = ctx.settings(factor);
    const at = now();
    const args: FailArgs = { now: at, maxFailures: base.maxFailures, failureWindowMs: base.failureWindowMs, multiplier: base.multiplier, maxLockDurationMs: base.maxLockDurationMs, at: ats };
    try {
      await guarded(() => store.update(failTransition, keys, args));
    } catch (err) {
      emit({ type: 'lockout.store_error', at, tenant: who.tenant, account: who.account, factor, operation: 'fail', failOpen: false, error: asStoreError(err) });
    }
  }

  return {
    succeed(key, reservations) {
      const at = now();
      let plan;
      try {
        plan = passwordPlan(key, reservations, 'success', at);
      } catch (err) {
        return Promise.reject(asError(err));
      }
      return applySuccess('password', plan.who, plan, 'success', null, at);
    },

    succeedMfa: (key, reservation) => succeedSecond(key, reservation, 'success', null),

    fail(key, reservations) {
      let who: ResolvedKey;
      const candidates: string[] = [];
      try {
        who = resolve(key, 'pw');
        candidates.push(who.key);
        const { accountId } = accountSide(key);
        if (typeof accountId === 'string') candidates.push(accountKey(who.tenant, accountId));
        else if (accountId === null) candidates.push(unknownKey(who.tenant, who.account));
      } catch (err) {
        return Promise.reject(asError(err));
      }
      return failOn('password', who, candidates, reservations);
    },

    failMfa(key, reservation) {
      let who: ResolvedKey;
      try {
        who = mfaWho(key);
      } catch (err) {
        return Promise.reject(asError(err));
      }
      return failOn('mfa', who, [who.key], [reservation]);
    },

    async unlock(key, actor) {
      const at = now();
      const plan = passwordPlan(key, [], 'admin', at);
      const pw = await applySuccess('password', plan.who, plan, 'admin', actor, at);
      const second = await succeedSecond(key, null, 'admin', actor);
      if (!pw.ok) return pw;
      if (!second.ok) return second;
      return { ok: true, wasLocked: pw.wasLocked || second.wasLocked };
    },
  };
}
