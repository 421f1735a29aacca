import { KanmonError } from '../errors.js';
import type { Policy } from '../policy/define-policy.js';
import { type BusinessHours, type BusinessHoursCheck, createBusinessHours } from './business-hours.js';
import { type ClientCertPolicy, type ClientCertReason, type ClientCertResult, type PeerCertificateSocket, createClientCertPolicy } from './client-cert.js';
import type { ClientIpResult, IncomingHeaders } from './client-ip.js';
import type { DeviceCheckResult, DeviceReason, Devices } from './device.js';
import { type IpAllowList, createIpAllowList } from './ip-allow-list.js';
import { type RequestPlace, createRequestPlaceResolver } from './request-place.js';

/** FNB-2.1: who may reach a route or service. */
export type AccessRuleName = 'internal_only' | 'allow_listed_terminals' | 'any';

/** The policy sections the access decision reads (a {@link Policy} from `definePolicy` has them). */
export type AccessPolicy = Pick<Policy, 'access' | 'mfa'>;

/** Everything the decision needs about one request. */
export interface AccessContext {
  /** The route or service name, a key of `policy.access.routes`; absent or unknown → `defaultRule`. */
  readonly route?: string | null;
  /** The client address from {@link resolveClientIp}; `null` = unknown, which no list contains. */
  readonly clientIp: string | null;
  /** TLS to this process, or `https` reported by a trusted proxy. */
  readonly tls: boolean;
  /** The client certificate check's result, if one was made. */
  readonly certificate?: ClientCertResult | null;
  /** The registered-device check's result (SEC-6.3), if one was made. */
  readonly device?: DeviceCheckResult | null;
  /** The instant of the request, epoch ms (business hours). */
  readonly instant: number;
}

/** Something the caller must act on when access is allowed. */
export type AccessFlag =
  /** SEC-27: use outside business hours: write an audit event and alert (`flag`), or ask for MFA (`require_mfa`). */
  | 'out_of_hours'
  /** SEC-16: the client is not on an internal network. */
  | 'outside_internal_network'
  /** SEC-16 / SEC-27: a second factor is required for this request. */
  | 'mfa_required';

/** Why access was refused. */
export type AccessDenyReason =
  | 'tls_required'
  | 'not_internal'
  | 'ip_not_allowed'
  | 'client_cert_required'
  | 'device_not_registered'
  | 'out_of_hours';

/** Whether a request may go on, under which rule, with its flags (e.g. MFA required) or the reason it is refused. */
export type AccessDecision =
  | {
      readonly ok: true;
      readonly flags: readonly AccessFlag[];
      readonly rule: AccessRuleName;
      readonly route: string | null;
      /** The business-hours reading, when the policy has hours. */
      readonly hours: BusinessHoursCheck | null;
    }
  | {
      readonly ok: false;
      readonly reason: AccessDenyReason;
      /** For `client_cert_required` and `device_not_registered`: the underlying check's reason. */
      readonly detail: ClientCertReason | DeviceReason | null;
      readonly rule: AccessRuleName;
      readonly route: string | null;
      readonly hours: BusinessHoursCheck | null;
    };

/** A request as the adapters see it (Node `IncomingMessage` fits). */
export interface AccessRequest {
  readonly route?: string | null;
  readonly socket?: (PeerCertificateSocket & { readonly encrypted?: boolean; readonly remoteAddress?: string | undefined }) | null;
  /** Defaults to `socket.remoteAddress`. */
  readonly remoteAddress?: string | null;
  readonly headers: IncomingHeaders;
  /** The tenant, for registered devices. */
  readonly tenantId?: string;
  /** The account the login names, when known (device binding). */
  readonly accountId?: string | null;
  /** The device token the client presented. */
  readonly deviceToken?: string | null;
  /** Where the request comes from, when the adapter already resolved it for this request (else resolved here). */
  readonly place?: RequestPlace | null;
}

/** The decision plus what it was made from, for the audit event. */
export type AccessRequestDecision = AccessDecision & {
  readonly client: ClientIpResult;
  readonly certificate: ClientCertResult;
  readonly device: DeviceCheckResult | null;
};

/** Options of {@link createAccessEvaluator}. */
export interface AccessEvaluatorOptions {
  /** Registered devices, needed when a rule requires them and `evaluateRequest` is used. */
  readonly devices?: Devices;
  /** Clock for `evaluateRequest` (business hours, certificate validity). */
  readonly now?: () => number;
}

/** Place, device and time rules compiled from a policy (from {@link createAccessEvaluator}). */
export interface AccessEvaluator {
  /** Decide from a prepared context (pure, synchronous). */
  evaluate(context: AccessContext): AccessDecision;
  /**
   * Decide from a request: resolves the client address (trusted proxies), checks the
   * client certificate and the registered device, then {@link AccessEvaluator.evaluate}.
   * What adapters call.
   */
  evaluateRequest(request: AccessRequest): Promise<AccessRequestDecision>;
  /**
   * The client address of a request through `access.trustedProxies` (what
   * `evaluateRequest` reads): `ip` for decisions, `throttleIp` for counting attempts.
   */
  resolveClient(request: AccessRequest): ClientIpResult;
}

interface CompiledRule {
  readonly allow: AccessRuleName;
  readonly terminals: IpAllowList | null;
  readonly requireClientCert: boolean;
  readonly requireRegisteredDevice: boolean;
}

function policyError(path: string, message: string): KanmonError {
  return new KanmonError('ERR_INVALID_POLICY', `Invalid policy: ${path}: ${message}`, { details: { issues: [{ path, message }] } });
}

/**
 * Compile the access policy once (FNB-2.1, EXT-4, IPC-2, RM-21, SEC-16, SEC-27)
 * and return the decision functions.
 *
 * - `any`: any place. `internal_only`: the client address is in `mfa.internalNetworks`.
 *   `allow_listed_terminals`: the client is an allow-listed terminal: its address in
 *   the rule's (or `access`'s) `ipAllowList` when one is set, an accepted client
 *   certificate when `requireClientCert`, a registered device when `requireRegisteredDevice`.
 * - TLS is required when `access.requireTls`.
 * - Outside business hours the `outOfHours` action applies: `allow`, `flag`
 *   (flag `out_of_hours`), `require_mfa` (also `mfa_required`), `deny`.
 * - Outside the internal networks with `mfa.requireOutsideInternalNetwork`, the flags
 *   carry `outside_internal_network` and `mfa_required`, unless an accepted client
 *   certificate counts as device authentication (`mfa.clientCertSatisfiesOutside`).
 *
 * Terminal settings that no rule uses are a configuration hazard (they would
 * restrict nothing): a `KanmonWarning` `ERR_CONFIG_HAZARD` is emitted once.
 *
 * @example
 * ```ts
 * import { createAccessEvaluator } from 'kanmon';
 * const access = createAccessEvaluator(policy, { devices, now: () => Date.now() });
 * const decision = await access.evaluateRequest({ route: '/admin', socket: req.socket, headers: req.headers, tenantId, deviceToken });
 * if (!decision.ok) res.status(403).json({ reason: decision.reason });
 * else if (decision.flags.includes('mfa_required')) res.redirect('/mfa');
 * ```
 */
export function createAccessEvaluator(policy: AccessPolicy, options: AccessEvaluatorOptions = {}): AccessEvaluator {
  const access = policy?.access;
  const mfa = policy?.mfa;
  if (!access || !mfa) throw new KanmonError('ERR_INVALID_ARGUMENT', 'createAccessEvaluator: pass a policy from definePolicy()');

  const internal = createIpAllowList(mfa.internalNetworks);
  const globalTerminals = createIpAllowList(access.ipAllowList);
  const compileRule = (path: string, rule: Policy['access']['defaultRule']): CompiledRule => {
    if (rule.allow !== 'allow_listed_terminals') {
      if (rule.ipAllowList !== undefined || rule.requireClientCert !== undefined || rule.requireRegisteredDevice !== undefined) {
        throw policyError(path, `terminal settings only apply to allow: 'allow_listed_terminals', not '${rule.allow}'`);
      }
      if (rule.allow === 'internal_only' && internal.empty) {
        throw policyError(path, "allow: 'internal_only' needs mfa.internalNetworks");
      }
      return { allow: rule.allow, terminals: null, requireClientCert: false, requireRegisteredDevice: false };
    }
    const terminals = rule.ipAllowList !== undefined ? createIpAllowList(rule.ipAllowList) : globalTerminals;
    const requireClientCert = rule.requireClientCert ?? access.requireClientCert;
    const requireRegisteredDevice = rule.requireRegisteredDevice ?? access.requireRegisteredDevice;
    if (terminals.empty && !requireClientCert && !requireRegisteredDevice) {
      throw policyError(path, "allow: 'allow_listed_terminals' needs an ipAllowList, requireClientCert or requireRegisteredDevice");
    }
    return { allow: rule.allow, terminals: terminals.empty ? null : terminals, requireClientCert, requireRegisteredDevice };
  };
  const defaultRule = compileRule('access.defaultRule', access.defaultRule);
  const routes = new Map<string, CompiledRule>();
  for (const [name, rule] of Object.entries(access.routes)) routes.set(name, compileRule(`access.routes.${name}`, rule));
  const allRules = [defaultRule, ...routes.values()];
  const terminalsConfigured = !globalTerminals.empty || access.requireClientCert || access.requireRegisteredDevice;
  if (terminalsConfigured && !allRules.some((r) => r.allow === 'allow_listed_terminals')) {
    process.emitWarning(
      "kanmon: access.ipAllowList / requireClientCert / requireRegisteredDevice are set, but no rule is 'allow_listed_terminals', so they restrict nothing.",
      { type: 'KanmonWarning', code: 'ERR_CONFIG_HAZARD', detail: 'Set access.defaultRule or a route to { allow: "allow_listed_terminals" }. See docs/access.md.' },
    );
  }
  const hours: BusinessHours | null = access.businessHours ? createBusinessHours(access.businessHours) : null;

  function evaluate(context: AccessContext): AccessDecision {
    const route = typeof context?.route === 'string' ? context.route : null;
    const rule = (route !== null ? routes.get(route) : undefined) ?? defaultRule;
    const clientIp = typeof context?.clientIp === 'string' ? context.clientIp : null;
    const reading = hours ? hours.check(context.instant) : null;
    const deny = (reason: AccessDenyReason, detail: ClientCertReason | DeviceReason | null = null): AccessDecision => ({
      ok: false,
      reason,
      detail,
      rule: rule.allow,
      route,
      hours: reading,
    });

    if (access.requireTls && context.tls !== true) return deny('tls_required');
    const isInternal = clientIp !== null && internal.has(clientIp);
    if (rule.allow === 'internal_only' && !isInternal) return deny('not_internal');
    if (rule.allow === 'allow_listed_terminals') {
      if (rule.terminals !== null && (clientIp === null || !rule.terminals.has(clientIp))) return deny('ip_not_allowed');
      if (rule.requireClientCert && context.certificate?.ok !== true) {
        return deny('client_cert_required', context.certificate?.ok === false ? context.certificate.reason : 'no_certificate');
      }
      if (rule.requireRegisteredDevice && context.device?.ok !== true) {
        return deny('device_not_registered', context.device?.ok === false ? context.device.reason : 'no_device');
      }
    }

    const flags = new Set<AccessFlag>();
    if (reading !== null && !reading.ok && hours !== null) {
      switch (hours.outOfHours) {
        case 'deny':
          return deny('out_of_hours');
        case 'require_mfa':
          flags.add('out_of_hours').add('mfa_required');
          break;
        case 'flag':
          flags.add('out_of_hours');
          break;
        case 'allow':
          break;
      }
    }
    if (mfa.requireOutsideInternalNetwork && !isInternal) {
      flags.add('outside_internal_network');
      const deviceAuthenticated = mfa.clientCertSatisfiesOutside && context.certificate?.ok === true;
      if (!deviceAuthenticated) flags.add('mfa_required');
    }
    return { ok: true, flags: [...flags], rule: rule.allow, route, hours: reading };
  }

  // One compiled trusted-proxy list for the address and the certificate header: one hazard warning at most.
  const trustedProxies = createIpAllowList(access.trustedProxies);
  const places = createRequestPlaceResolver({ trustedProxies, header: access.forwardedHeader });
  const certificates: ClientCertPolicy = createClientCertPolicy({
    fingerprintsSha256: access.clientCert.fingerprintsSha256,
    subjects: access.clientCert.subjects,
    issuers: access.clientCert.issuers,
    requireValidity: access.clientCert.requireValidity,
    header: access.clientCert.header,
    trustedProxies,
    now: options.now ?? (() => Number.NaN),
  });
  const needsDevices = allRules.some((r) => r.requireRegisteredDevice);

  const placeOf = (request: AccessRequest): RequestPlace => request?.place ?? places.resolve(request);
  const resolveClient = (request: AccessRequest): ClientIpResult => placeOf(request).client;

  async function evaluateRequest(request: AccessRequest): Promise<AccessRequestDecision> {
    if (typeof options.now !== 'function') {
      throw new KanmonError('ERR_INVALID_ARGUMENT', 'evaluateRequest needs a clock: createAccessEvaluator(policy, { now })');
    }
    const socket = request?.socket ?? null;
    const remoteAddress = request.remoteAddress ?? socket?.remoteAddress ?? null;
    const { client, tls } = placeOf(request);
    const certificate = certificates.check({ socket, headers: request.headers, remoteAddress });
    let device: DeviceCheckResult | null = null;
    const presented = (request.deviceToken !== undefined && request.deviceToken !== null) || certificate.ok;
    if (options.devices && typeof request.tenantId === 'string' && (needsDevices || presented)) {
      device = await options.devices.check({ tenantId: request.tenantId, accountId: request.accountId ?? null, token: request.deviceToken ?? null, certificate });
    } else if (needsDevices && !options.devices) {
      throw new KanmonError('ERR_INVALID_ARGUMENT', 'the policy requires registered devices: pass { devices } to createAccessEvaluator');
    } else if (needsDevices) {
      throw new KanmonError('ERR_INVALID_ARGUMENT', 'the policy requires registered devices: evaluateRequest needs request.tenantId');
    }
    const decision = evaluate({ route: request.route ?? null, clientIp: client.ip, tls: tls !== 'none', certificate, device, instant: options.now() });
    return { ...decision, client, certificate, device };
  }

  return Object.freeze({ evaluate, evaluateRequest, resolveClient });
}

const evaluators = new WeakMap<object, AccessEvaluator>();

/**
 * The access decision for one request (FNB-2.1): `{ ok: true, flags }` or
 * `{ ok: false, reason }`. The policy is compiled on first use and cached per
 * policy object; call {@link createAccessEvaluator} yourself to pass devices and a clock.
 *
 * @example
 * ```ts
 * import { definePolicy, evaluateAccess } from 'kanmon';
 * const policy = definePolicy('funabashi', {
 *   mfa: { internalNetworks: ['10.0.0.0/8'] },
 *   access: { routes: { admin: { allow: 'internal_only' } } },
 * });
 * const decision = evaluateAccess({ route: 'admin', clientIp: '203.0.113.5', tls: true, instant: Date.now() }, policy);
 * decision.ok; // false: decision.reason === 'not_internal'
 * ```
 */
export function evaluateAccess(context: AccessContext, policy: AccessPolicy): AccessDecision {
  let evaluator = evaluators.get(policy);
  if (!evaluator) {
    evaluator = createAccessEvaluator(policy);
    evaluators.set(policy, evaluator);
  }
  return evaluator.evaluate(context);
}
