import { isIP } from 'node:net';
import type { ClientCertResult } from '../../access/client-cert.js';
import type { DeviceCheckResult } from '../../access/device.js';
import type { AccessDecision, AccessDenyReason } from '../../access/evaluate-access.js';
import type { AuditEventInput, AuditEventType } from '../../audit/event.js';
import type { AuditSource, FlowContext } from '../flow-context.js';
import type { RequestFacts } from '../types.js';

/** Where a request comes from, once resolved: what every flow that runs before a login (login, password reset) checks first. */
export interface Place {
  readonly decision: AccessDecision;
  readonly clientIp: string | null;
  /** What per-IP throttles count: `clientIp`, else the last trusted hop read (never "no IP, no throttle"). */
  readonly throttleIp: string | null;
  readonly certificate: ClientCertResult | null;
  readonly device: DeviceCheckResult | null;
}

/** Client IP (trusted proxies), place and device, business hours: resolved once, before anything is counted or hashed. */
export async function resolvePlace({ access, devices, now }: FlowContext, tenant: string, facts: RequestFacts): Promise<Place> {
  const route = facts.route ?? facts.request?.route ?? null;
  if (facts.request) {
    // The request as the adapter passed it (its place already resolved), for this tenant; no account is bound yet.
    const r = facts.request;
    const decision = await access.evaluateRequest({ ...r, route, tenantId: tenant, accountId: null, deviceToken: facts.deviceId ?? r.deviceToken ?? null });
    return { decision, clientIp: decision.client.ip, throttleIp: decision.client.throttleIp, certificate: decision.certificate, device: decision.device };
  }
  // Only an address counts: anything else is unknown, which no list contains.
  const clientIp = typeof facts.clientIp === 'string' && isIP(facts.clientIp) !== 0 ? facts.clientIp : null;
  const certificate = facts.clientCert ?? null;
  const token = typeof facts.deviceId === 'string' ? facts.deviceId : null;
  const device = token !== null || certificate?.ok === true ? await devices.check({ tenantId: tenant, accountId: null, token, certificate }) : null;
  const decision = access.evaluate({ route, clientIp, tls: facts.tls === true, certificate, device, instant: now() });
  return { decision, clientIp, throttleIp: clientIp, certificate, device };
}

const accessAuditType: Record<AccessDenyReason, AuditEventType> = {
  tls_required: 'access.denied.ip',
  not_internal: 'access.denied.ip',
  ip_not_allowed: 'access.denied.ip',
  client_cert_required: 'access.denied.cert',
  device_not_registered: 'access.denied.device',
  out_of_hours: 'access.denied.hours',
};

/** The audit event of a place that refused the request (`decision.ok` false). */
export function placeRefusal(decision: Extract<AccessDecision, { ok: false }>, tenant: string, actor: string | null, source: AuditSource): AuditEventInput {
  const { reason } = decision;
  return {
    type: accessAuditType[reason],
    tenant,
    actor,
    source,
    reason: decision.detail === null ? reason : `${reason}.${decision.detail}`,
    outOfHours: decision.hours !== null && !decision.hours.ok,
  };
}
