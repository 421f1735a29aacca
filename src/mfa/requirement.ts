import { type IpAllowList, createIpAllowList } from '../access/ip-allow-list.js';
import { KanmonError } from '../errors.js';
import type { Policy } from '../policy/define-policy.js';

/** Why the second factor is required. */
export type MfaReason =
  /** `mfa.requireForAll` (EXT-4 recommends MFA outright). */
  | 'all_accounts'
  /** The account holds a role in `mfa.privilegedRoles` (SEC-13). */
  | 'privileged_role'
  /** The request did not come through the internal networks (SEC-16). */
  | 'outside_internal_network'
  /** Outside business hours, and `access.businessHours.outOfHours` is `require_mfa` (SEC-27). */
  | 'outside_business_hours';

/** What is known about the request and the account. */
export interface MfaContext {
  /** The account's roles. @default [] */
  readonly roles?: readonly string[];
  /** The client address, as resolved through trusted proxies (`resolveClientIp`). */
  readonly clientIp?: string | null;
  /**
   * The caller's own knowledge that the request came through the internal
   * network (e.g. a dedicated LGWAN listener). When given it decides;
   * otherwise `clientIp` is matched against `mfa.internalNetworks`.
   */
  readonly viaInternalNetwork?: boolean;
  /** A client certificate or registered device was verified for this request. @default false */
  readonly deviceVerified?: boolean;
  /** Whether now is within business hours (`createBusinessHours(...).isOpen(now)`). */
  readonly businessHours?: boolean;
}

/** The answer of {@link mfaRequirement}. */
export interface MfaRequirement {
  /** `true`: ask for the second factor before a session is issued. */
  readonly required: boolean;
  /** Every reason that applies, in a fixed order; empty when MFA is optional. */
  readonly reasons: readonly MfaReason[];
  /**
   * Reasons set aside because a verified device counts as the second factor
   * (`mfa.clientCertSatisfiesOutside`, SEC-16's "device authentication"): record them in the audit log.
   */
  readonly waived: readonly MfaReason[];
}

const internalNetworks = new WeakMap<Policy, IpAllowList>();

function internalList(policy: Policy): IpAllowList {
  let list = internalNetworks.get(policy);
  if (!list) {
    list = createIpAllowList(policy.mfa.internalNetworks);
    internalNetworks.set(policy, list);
  }
  return list;
}

/**
 * Who must use MFA for this request, and why, from the policy's `mfa` section:
 * privileged roles (SEC-13), use not through the internal networks (SEC-16,
 * where a verified client certificate or device may stand in when
 * `clientCertSatisfiesOutside`), out-of-hours use when the policy says
 * `require_mfa` (SEC-27), or every account (`requireForAll`).
 *
 * Missing facts count against the request: no `clientIp` and no
 * `viaInternalNetwork` is "outside"; no `businessHours` under `require_mfa`
 * is "out of hours". A pure function; the internal-network list is compiled
 * once per policy.
 *
 * @example
 * ```ts
 * import { definePolicy, mfaRequirement } from 'kanmon';
 * const policy = definePolicy('funabashi', { mfa: { internalNetworks: ['10.0.0.0/8'] } });
 * mfaRequirement(policy, { roles: ['clerk'], clientIp: '10.1.2.3' });
 * // { required: false, reasons: [], waived: [] }
 * mfaRequirement(policy, { roles: ['admin'], clientIp: '203.0.113.9' });
 * // { required: true, reasons: ['privileged_role', 'outside_internal_network'], waived: [] }
 * ```
 */
export function mfaRequirement(policy: Policy, context: MfaContext = {}): MfaRequirement {
  const mfa = policy?.mfa;
  if (!mfa) throw new KanmonError('ERR_INVALID_ARGUMENT', 'mfaRequirement: policy must come from definePolicy');
  const { roles = [], clientIp = null, viaInternalNetwork, deviceVerified = false, businessHours } = context;
  if (!Array.isArray(roles)) throw new KanmonError('ERR_INVALID_ARGUMENT', 'mfaRequirement: roles must be an array of strings');
  const networks = internalList(policy); // compiled (and checked) once per policy
  const reasons: MfaReason[] = [];
  const waived: MfaReason[] = [];

  if (mfa.requireForAll) reasons.push('all_accounts');
  if (mfa.requireForPrivileged && (roles as readonly unknown[]).some((role) => typeof role === 'string' && mfa.privilegedRoles.includes(role))) {
    reasons.push('privileged_role');
  }
  if (mfa.requireOutsideInternalNetwork) {
    const internal = viaInternalNetwork ?? (typeof clientIp === 'string' && networks.has(clientIp));
    if (!internal) (mfa.clientCertSatisfiesOutside && deviceVerified === true ? waived : reasons).push('outside_internal_network');
  }
  if (policy.access.businessHours?.outOfHours === 'require_mfa' && businessHours !== true) reasons.push('outside_business_hours');

  return { required: reasons.length > 0, reasons, waived };
}
