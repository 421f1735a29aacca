/**
 * The per-source throttles of password attempts (against password spraying):
 * per (account, client IP), and per client IP across all accounts. Which of
 * their records a reservation counts, and what a success clears or gives back.
 */
import type { Policy } from '../../policy/define-policy.js';
import { trustedKey } from '../../store/key.js';
import type { SucceedOp } from '../settle-transitions.js';
import type { SourceLimit } from '../reserve-transition.js';
import type { ThrottleScope } from '../types.js';
import { Granted } from './granted.js';
import type { Resolved } from './who.js';

/** The throttles a reservation counts: their limits, in the order of their keys after the counter's, and the per-IP record's key. */
export interface Counted {
  readonly sources: readonly SourceLimit[];
  readonly scopes: readonly ThrottleScope[];
  /** The per-IP record counted (a success gives its count back), or `null`. */
  readonly ipKey: string | null;
}

/** What a success does, key by key: the ops, and per key the event identity when a lock lifted there is worth an event. */
export interface SuccessPlan {
  readonly keys: string[];
  readonly ops: SucceedOp[];
  readonly owners: ({ readonly account: string; readonly accountId?: string } | null)[];
}

export interface Throttles {
  /** No throttle (a second-factor attempt). */
  readonly none: Counted;
  /** A password attempt by login name (`reserve`): the throttle records' keys go after the counter's in `keys`. */
  forName(who: Resolved, keys: string[]): Counted;
  /** A password attempt without a client IP: no throttle (the configuration hazard is reported once). */
  noIp(): Counted;
  /** An attempt on an account's own counter (`reserveAccount`): the per-(account, IP) throttle only; the per-IP count was taken by `reserve`. */
  forAccount(who: Resolved, accountId: string | null, keys: string[]): Counted;
  /** A success: clear its (account, IP) records, give back the per-IP count of its reservation. */
  onSuccess(who: Resolved, accountId: string | null | undefined, reservations: readonly unknown[], plan: SuccessPlan): void;
}

const noSources: readonly SourceLimit[] = [];
const noScopes: readonly ThrottleScope[] = [];
const none: Counted = Object.freeze({ sources: noSources, scopes: noScopes, ipKey: null });

export function createThrottles(perSource: Policy['lockout']['perSource']): Throttles {
  const perAccountIp: SourceLimit | null =
    perSource.maxFailuresPerAccountAndIp === null ? null : { limit: perSource.maxFailuresPerAccountAndIp, windowMs: perSource.windowMs };
  const perIp: SourceLimit | null = perSource.maxFailuresPerIp === null ? null : { limit: perSource.maxFailuresPerIp, windowMs: perSource.windowMs };
  // The throttles of a password attempt that carries a client IP, in the order of their keys (built once).
  const ipSources: SourceLimit[] = [];
  const ipScopes: ThrottleScope[] = [];
  if (perAccountIp) {
    ipSources.push(perAccountIp);
    ipScopes.push('account_ip');
  }
  if (perIp) {
    ipSources.push(perIp);
    ipScopes.push('ip');
  }
  const accountIpScopes: readonly ThrottleScope[] = perAccountIp ? ['account_ip'] : noScopes;
  const accountNone: Counted = Object.freeze({ sources: noSources, scopes: accountIpScopes, ipKey: null });
  const accountIp: Counted = Object.freeze({ sources: perAccountIp ? [perAccountIp] : noSources, scopes: accountIpScopes, ipKey: null });

  let warnedNoIp = false;
  const warnNoIp = (): void => {
    if (warnedNoIp) return;
    warnedNoIp = true;
    process.emitWarning('kanmon lockout: per-source throttles are configured but reserve() got no ip; they apply only to calls that pass one', {
      code: 'ERR_CONFIG_HAZARD',
    });
  };

  const noIp = (): Counted => {
    if (ipSources.length !== 0) warnNoIp();
    return none;
  };

  return {
    none,
    noIp,
    forName(who, keys) {
      if (ipSources.length === 0 || who.ip === null) return noIp();
      if (perAccountIp) keys.push(trustedKey(who.tenant, 'lockout', 'pw-ip', who.account, who.ip));
      let ipKey: string | null = null;
      if (perIp) {
        ipKey = trustedKey(who.tenant, 'lockout', 'ip', who.ip);
        keys.push(ipKey);
      }
      return { sources: ipSources, scopes: ipScopes, ipKey };
    },

    forAccount(who, accountId, keys) {
      if (!perAccountIp || who.ip === null) return accountNone;
      const known = accountId !== null;
      keys.push(trustedKey(who.tenant, 'lockout', known ? 'pw-id-ip' : 'pw-unknown-ip', known ? accountId : who.account, who.ip));
      return accountIp;
    },

    onSuccess(who, accountId, reservations, plan) {
      if (who.ip === null) return;
      if (perAccountIp) {
        plan.keys.push(trustedKey(who.tenant, 'lockout', 'pw-ip', who.account, who.ip));
        plan.ops.push({ kind: 'clear' });
        plan.owners.push(null);
        if (typeof accountId === 'string') {
          plan.keys.push(trustedKey(who.tenant, 'lockout', 'pw-id-ip', accountId, who.ip));
          plan.ops.push({ kind: 'clear' });
          plan.owners.push(null);
        }
      }
      if (perIp) {
        const ipKey = trustedKey(who.tenant, 'lockout', 'ip', who.ip);
        let counted: number | null = null;
        for (const r of reservations) counted ??= Granted.countedOn(r, ipKey);
        if (counted !== null) {
          plan.keys.push(ipKey);
          plan.ops.push({ kind: 'refund', at: counted, windowMs: perIp.windowMs });
          plan.owners.push(null);
        }
      }
    },
  };
}
