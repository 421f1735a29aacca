/**
 * The two audit hooks `createKanmon` wires into controls that also stand alone (the lockout and the device
 * registry): each turns the control's own event into the audit record of the one path every decision takes.
 */
import { type DeviceRegistry, type RegisteredDevice, createMemoryDeviceRegistry } from '../../access/device-registry.js';
import { type DeviceEvent, type DeviceTokenKey, type Devices, createDevices } from '../../access/device.js';
import type { AuditReceipt } from '../../audit/create-audit-log.js';
import type { AuditEventInput } from '../../audit/event.js';
import type { KeyRing } from '../../keys/key-ring.js';
import type { LockoutEvent } from '../../lockout/types.js';
import type { DependencyGuard } from '../../store/guard.js';
import type { KanmonDeviceOptions } from '../options.js';

type Record = (event: AuditEventInput) => Promise<AuditReceipt>;

const lockoutAuditType = {
  password: { 'lockout.locked': 'auth.lockout.locked', 'lockout.unlocked': 'auth.lockout.unlocked', 'lockout.throttled': 'auth.lockout.throttled' },
  mfa: { 'lockout.locked': 'auth.mfa.locked', 'lockout.unlocked': 'auth.lockout.unlocked', 'lockout.throttled': 'auth.lockout.throttled' },
} as const;

/** The lockout's events as audit records (`auth.lockout.*`, `auth.mfa.locked`); store errors are the guard's to report. */
export function lockoutAuditHook(record: Record): (event: LockoutEvent) => Promise<void> {
  return async (event) => {
    if (event.type === 'lockout.store_error') return;
    await record({
      type: lockoutAuditType[event.factor][event.type],
      tenant: event.tenant,
      actor: event.type === 'lockout.unlocked' ? event.actor : event.account,
      target: event.accountId ?? event.account,
      outcome: event.type === 'lockout.unlocked' ? 'info' : 'denied',
      reason: event.type === 'lockout.throttled' ? `throttled_${event.scope}` : event.type === 'lockout.unlocked' ? `by_${event.by}` : null,
      after:
        event.type === 'lockout.locked'
          ? { failures: event.failures, lockCount: event.lockCount, lockedUntil: event.lockedUntil, factor: event.factor }
          : { factor: event.factor },
    });
  };
}

/**
 * The registered devices (SEC-6.3): the app's registry (a table of its database, so under the same guard as its
 * accounts) or an in-memory one; token MAC keys derived from the ring unless given; every change audited.
 */
export function wireDevices(deps: { keyRing: KeyRing; now: () => number; record: Record; guard: DependencyGuard; options?: KanmonDeviceOptions }): Devices {
  const { keyRing, now, record, guard, options } = deps;
  const deviceKeys = (): readonly DeviceTokenKey[] => {
    const ids = [keyRing.currentId, ...keyRing.ids().filter((id) => id !== keyRing.currentId && !keyRing.isDestroyed(id))];
    return ids.map((id) => ({ id, secret: keyRing.derive(id, 'device-token') }));
  };
  const appRegistry: DeviceRegistry | undefined = options?.registry;
  return createDevices({
    registry: appRegistry
      ? { get: guard.wrap('devices.get', async (t: string, id: string) => appRegistry.get(t, id)), put: guard.wrap('devices.put', async (d: RegisteredDevice) => appRegistry.put(d)) }
      : createMemoryDeviceRegistry(),
    keys: options?.keys ?? deviceKeys,
    now,
    onEvent: async (event: DeviceEvent) => {
      await record({
        type: event.type === 'device.registered' ? 'admin.device.register' : 'admin.device.revoke',
        tenant: event.tenantId,
        actor: event.actor,
        target: event.deviceId,
        reason: null,
        after: { deviceId: event.deviceId, account: event.accountId, kind: event.kind, label: event.label, fingerprintSha256: event.fingerprintSha256 },
      });
    },
  });
}
