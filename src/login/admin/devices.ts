import type { RegisteredDevice } from '../../access/device-registry.js';
import { assertTenant } from '../../store/key.js';
import type { FlowContext } from '../flow-context.js';
import type { AdminResult, RegisterDeviceAdminInput, RevokeDeviceAdminInput } from './types.js';

/** Register a terminal (SEC-6.3); a token device's token is returned once. */
export async function registerDevice(
  ctx: FlowContext,
  input: RegisterDeviceAdminInput,
): Promise<AdminResult<{ readonly device: RegisteredDevice; readonly token: string | null }>> {
  assertTenant(input?.tenant);
  const { device, token } = await ctx.devices.register({
    tenantId: input.tenant,
    accountId: input.accountId ?? null,
    label: input.label ?? null,
    ...(input.certificate !== undefined ? { certificate: input.certificate } : {}),
    ...(input.fingerprintSha256 !== undefined ? { fingerprintSha256: input.fingerprintSha256 } : {}),
    actor: input.actor,
  });
  return { ok: true, device, token };
}

/** Revoke a terminal; `wasActive` when it was usable until now (an unknown or revoked device: `false`). */
export async function revokeDevice(ctx: FlowContext, input: RevokeDeviceAdminInput): Promise<AdminResult<{ readonly wasActive: boolean }>> {
  assertTenant(input?.tenant);
  const wasActive = await ctx.devices.revoke({ tenantId: input.tenant, deviceId: input.deviceId, actor: input.actor, reason: input.reason ?? null });
  return { ok: true, wasActive };
}
