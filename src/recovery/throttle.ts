/**
 * The throttles of self-service reset, in the state store so every instance counts together (memory, Redis,
 * PostgreSQL). No second rate limiter: they run the lockout's own reservation (`reserveTransition`, atomic on
 * every store, a Lua script on Redis) on keys of their own. The account's record counts requests like login
 * attempts (`maxRequestsPerAccount` of them, then a wait of `windowMs`); the client IP is a per-source window
 * (`maxRequestsPerIp` per `windowMs`, IPv6 per /64), exactly like the lockout's per-IP throttle.
 */
import { ipBucket } from '../internal/ip-bucket.js';
import { normalizeAccountKey } from '../lockout/normalize-account.js';
import { type ReserveArgs, reserveTransition } from '../lockout/transitions.js';
import type { Policy } from '../policy/define-policy.js';
import type { KanmonStore } from '../store/store.js';
import { resetKeys } from './internal/keys.js';

/** Who asks for a reset. */
export interface ResetRequestKey {
  /** Validated by the caller. */
  readonly tenant: string;
  /** The account the name led to; `null` (unknown or unusable) counts on the name typed, normalised, instead. */
  readonly accountId: string | null;
  readonly name: string;
  /** The client address (trusted proxies resolved); `null` counts on one shared bucket, never on none. */
  readonly ip: string | null;
}

/** The answer of {@link reserveResetRequest}. */
export type ResetThrottleResult =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly reason: 'throttled';
      /** Which limit refused: the account's (or name's) or the client IP's. */
      readonly scope: 'account' | 'ip';
      /** ms until a request may go through (`Retry-After`). */
      readonly retryAfterMs: number;
    };

/** Count one reset request, or refuse it: the limit + 1-th request per account or per IP within the window answers `throttled`. */
export async function reserveResetRequest(store: Pick<KanmonStore, 'update'>, policy: Policy, key: ResetRequestKey, now: number): Promise<ResetThrottleResult> {
  const { maxRequestsPerAccount, maxRequestsPerIp, windowMs } = policy.recovery.throttle;
  const { tenant } = key;
  const who = key.accountId !== null ? resetKeys.requestsOfAccount(tenant, key.accountId) : resetKeys.requestsOfName(tenant, normalizeAccountKey(key.name));
  const from = resetKeys.requestsOfIp(tenant, key.ip === null ? 'unknown' : ipBucket(key.ip));
  const args: ReserveArgs = {
    now,
    maxFailures: maxRequestsPerAccount,
    failureWindowMs: windowMs,
    lockDurationMs: windowMs,
    multiplier: 1,
    maxLockDurationMs: windowMs,
    permanent: false,
    sources: [{ limit: maxRequestsPerIp, windowMs }],
  };
  const result = await store.update(reserveTransition, [who, from], args);
  if (result.ok) return { ok: true };
  return { ok: false, reason: 'throttled', scope: result.reason === 'locked' ? 'account' : 'ip', retryAfterMs: Math.max(1, result.retryAfterMs ?? windowMs) };
}

/** Completion attempts one token allows (a wrong code, a refused or reused password): then the token is dead. */
export const MAX_ATTEMPTS_PER_TOKEN = 5;

/**
 * Count one completion attempt with the token whose keyed hash is `ref`: `false` once
 * {@link MAX_ATTEMPTS_PER_TOKEN} were made, so a token cannot probe the password history or the second factor
 * without end. The record lasts as long as the token.
 */
export async function reserveTokenAttempt(store: Pick<KanmonStore, 'update'>, policy: Policy, tenant: string, ref: string, now: number): Promise<boolean> {
  const ttlMs = policy.recovery.tokenTtlMinutes * 60_000;
  const args: ReserveArgs = {
    now,
    maxFailures: MAX_ATTEMPTS_PER_TOKEN,
    failureWindowMs: ttlMs,
    lockDurationMs: ttlMs,
    multiplier: 1,
    maxLockDurationMs: ttlMs,
    permanent: false,
    sources: [],
  };
  return (await store.update(reserveTransition, [resetKeys.tries(tenant, ref)], args)).ok;
}
