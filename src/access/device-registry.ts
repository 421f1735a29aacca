/** How a registered device identifies itself. */
export type DeviceKind = 'token' | 'certificate';

/** One registered device (SEC-6.3). Holds no secret: the token's MAC key lives in the key ring. */
export interface RegisteredDevice {
  readonly tenantId: string;
  /** `dev_…` for token devices; `x509:<sha-256 hex>` for certificate devices. */
  readonly deviceId: string;
  /** The one account it may be used for; `null` = any account of the tenant (a shared terminal). */
  readonly accountId: string | null;
  readonly kind: DeviceKind;
  /** `AB:CD:…` for certificate devices, else `null`. */
  readonly fingerprintSha256: string | null;
  /** A name for administrators (`総務課 端末 3`). */
  readonly label: string | null;
  /** Epoch ms. */
  readonly registeredAt: number;
  /** Epoch ms, or `null` while the device is usable. */
  readonly revokedAt: number | null;
}

/**
 * Where registered devices are kept: the app's database, or
 * {@link createMemoryDeviceRegistry} for one process and tests.
 *
 * Two primitives, keyed by `(tenantId, deviceId)`; records of one tenant are
 * never visible through another tenant's id.
 */
export interface DeviceRegistry {
  /** The record for `(tenantId, deviceId)`, revoked or not; `null` when never registered. */
  get(tenantId: string, deviceId: string): Promise<RegisteredDevice | null> | RegisteredDevice | null;
  /** Insert the record, or replace the one with the same `(tenantId, deviceId)`. */
  put(device: RegisteredDevice): Promise<void> | void;
}

/** The embedded registry: a map in this process. */
export interface MemoryDeviceRegistry extends DeviceRegistry {
  /** Every record of a tenant (optionally of one account), revoked ones included, oldest first. */
  list(tenantId: string, accountId?: string | null): RegisteredDevice[];
}

/**
 * An in-memory {@link DeviceRegistry} (one process; tests and demos).
 *
 * @example
 * ```ts
 * import { createMemoryDeviceRegistry } from 'kanmon';
 * const registry = createMemoryDeviceRegistry();
 * ```
 */
export function createMemoryDeviceRegistry(): MemoryDeviceRegistry {
  const records = new Map<string, RegisteredDevice>();
  const key = (tenantId: string, deviceId: string) => `${tenantId.length}:${tenantId}\u0000${deviceId}`;
  return {
    get(tenantId, deviceId) {
      return records.get(key(tenantId, deviceId)) ?? null;
    },
    put(device) {
      records.set(key(device.tenantId, device.deviceId), Object.freeze({ ...device }));
    },
    list(tenantId, accountId) {
      return [...records.values()]
        .filter((d) => d.tenantId === tenantId && (accountId === undefined || d.accountId === accountId))
        .sort((a, b) => a.registeredAt - b.registeredAt);
    },
  };
}
