import type { RegisteredDevice } from '../../access/device-registry.js';
import { assertTenant } from '../../store/key.js';
import type { FlowContext } from '../flow-context.js';
import type { RegisterDeviceAdminInput, RevokeDeviceAdminInput } from './types.js';

/** Register a terminal (SEC-6.3); a token device's token is returned once. */
export async function registerDevice(ctx: FlowContext, input: RegisterDeviceAdminInput): Promise<{ readonly device: RegisteredDevice; readonly token: string | null }> {
  assertTenant(input?.tenant);
  return ctx.devices.register({
    tenantId: input.tenant,
    accountId: input.accountId ?? null,
    label: input.label ?? null,
    ...(input.certificate !== undefined ? { certificate: input.certificate } : {}),
    ...(input.fingerprintSha256 !== undefined ? { fingerprintSha256: input.fingerprintSha256 } : {}),
    actor: input.actor,
  });
}

/** Revoke a terminal; `true` when it was usable until now. */
export async function revokeDevice(ctx: FlowContext, input: RevokeDeviceAdminInput): Promise<boolean> {
  assertTenant(input?.tenant);
  return ctx.devices.revoke({ tenantId: input.tenant, deviceId: input.deviceId, actor: input.actor, reason: input.reason ?? null });
}
