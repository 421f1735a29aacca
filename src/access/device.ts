import { createHmac, randomBytes as nodeRandomBytes, timingSafeEqual } from 'node:crypto';
import { KanmonError } from '../errors.js';
import type { ClientCertResult } from './client-cert.js';
import type { DeviceKind, DeviceRegistry, RegisteredDevice } from './device-registry.js';
import { fingerprintBytes, formatFingerprint, parseCertificate, parseFingerprint } from './internal/certificate.js';

/**
 * One HMAC-SHA-256 key for device tokens. The tiny interface a key ring
 * satisfies: an id written into each token, and at least 32 secret bytes.
 */
export interface DeviceTokenKey {
  /** `[A-Za-z0-9_-]{1,64}`, written into the token so rotation can find the key. */
  readonly id: string;
  readonly secret: Uint8Array;
}

/**
 * The keys: the first signs new tokens, all verify (keep old keys while their
 * tokens are in use). A function is called on every use, so a key ring can rotate.
 */
export type DeviceTokenKeys = readonly DeviceTokenKey[] | (() => readonly DeviceTokenKey[]);

/** An audit-ready record of a registration or revocation. Never holds a token or a key. */
export interface DeviceEvent {
  readonly type: 'device.registered' | 'device.revoked';
  /** Epoch ms. */
  readonly at: number;
  readonly tenantId: string;
  readonly deviceId: string;
  readonly accountId: string | null;
  readonly kind: DeviceKind;
  readonly fingerprintSha256: string | null;
  readonly label: string | null;
  /** Who did it (an administrator's id), when given. */
  readonly actor: string | null;
  /** Why (revocations), when given. */
  readonly reason: string | null;
  /** Clauses this event is evidence for. */
  readonly clauses: readonly string[];
}

/** Options of {@link createDevices}: where devices are kept, the token keys, the clock and the audit hook. */
export interface DevicesOptions {
  readonly registry: DeviceRegistry;
  readonly keys: DeviceTokenKeys;
  /** Clock (epoch ms) for registration and revocation times. */
  readonly now: () => number;
  /**
   * Receives every registration and revocation; awaited. If it fails, a
   * registration is undone (the device is stored revoked) and the call throws
   * `ERR_AUDIT_WRITE`; a revocation stays revoked and the call throws too.
   */
  readonly onEvent: (event: DeviceEvent) => void | Promise<void>;
  /** Randomness for device ids. @default node:crypto randomBytes */
  readonly randomBytes?: (size: number) => Uint8Array;
}

/** Input of {@link Devices.register}: a token device, or a certificate device by certificate or fingerprint. */
export interface RegisterDeviceInput {
  readonly tenantId: string;
  /** Bind the device to one account; omit or `null` for a terminal shared by the tenant. */
  readonly accountId?: string | null;
  readonly label?: string | null;
  /** Register a certificate device: the certificate (PEM, DER) … */
  readonly certificate?: string | Uint8Array;
  /** … or its SHA-256 fingerprint. Neither: a token device. */
  readonly fingerprintSha256?: string;
  readonly actor?: string | null;
}

/** Answer of {@link Devices.register}: the stored device and, for a token device, its token. */
export interface RegisterDeviceResult {
  readonly device: RegisteredDevice;
  /** The device token to hand to the device once (token devices), or `null`. Store it only on the device. */
  readonly token: string | null;
}

/** Input of {@link Devices.revoke}. */
export interface RevokeDeviceInput {
  readonly tenantId: string;
  readonly deviceId: string;
  readonly actor?: string | null;
  readonly reason?: string | null;
}

/** Input of {@link Devices.check}: what the client presented, and the account it names. */
export interface CheckDeviceInput {
  readonly tenantId: string;
  /** The account the login names, when known: a device bound to another account is refused. */
  readonly accountId?: string | null;
  /** The device token the client presented (header or cookie). */
  readonly token?: string | null;
  /** The client certificate check's result; only an accepted certificate identifies a device. */
  readonly certificate?: ClientCertResult | null;
}

/** Why a device was not accepted. */
export type DeviceReason = 'no_device' | 'invalid_token' | 'wrong_tenant' | 'not_registered' | 'revoked' | 'wrong_account';

/** Answer of {@link Devices.check}: the registered device, or why it was refused. */
export type DeviceCheckResult = { readonly ok: true; readonly device: RegisteredDevice } | { readonly ok: false; readonly reason: DeviceReason };

/** Registered devices (from {@link createDevices}): register, revoke, and check what a client presents (SEC-6.3). */
export interface Devices {
  /** Register a device and audit it. */
  register(input: RegisterDeviceInput): Promise<RegisterDeviceResult>;
  /** Revoke a device and audit it. `true` when it was usable until now. */
  revoke(input: RevokeDeviceInput): Promise<boolean>;
  /** Is the presented device registered, usable, and allowed for this account? Call it before looking at credentials (SEC-6.3). */
  check(input: CheckDeviceInput): Promise<DeviceCheckResult>;
}

const TOKEN_PREFIX = 'kdt1';
const MAX_TOKEN_LENGTH = 2048;
const KEY_ID = /^[A-Za-z0-9_-]{1,64}$/;
const B64URL = /^[A-Za-z0-9_-]+$/;

function invalidArgument(message: string): KanmonError {
  return new KanmonError('ERR_INVALID_ARGUMENT', message);
}

function requireId(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 256) {
    throw invalidArgument(`${name} must be a non-empty string of at most 256 characters`);
  }
  return value;
}

function loadKeys(keys: DeviceTokenKeys): readonly DeviceTokenKey[] {
  const list: unknown = typeof keys === 'function' ? keys() : keys;
  if (!Array.isArray(list) || list.length === 0) throw invalidArgument('device token keys: at least one key is needed');
  const checked = list as readonly DeviceTokenKey[];
  for (const key of checked) {
    if (!key || typeof key.id !== 'string' || !KEY_ID.test(key.id)) throw invalidArgument('device token key id must match [A-Za-z0-9_-]{1,64}');
    if (!(key.secret instanceof Uint8Array) || key.secret.length < 32) throw invalidArgument(`device token key ${key.id}: secret must be at least 32 bytes`);
  }
  return checked;
}

function mac(key: DeviceTokenKey, signed: string): Buffer {
  return createHmac('sha256', key.secret).update(signed).digest();
}

function certificateDeviceId(fingerprint: Uint8Array): string {
  return `x509:${Buffer.from(fingerprint).toString('hex')}`;
}

/**
 * Registered devices (SEC-6.3, IPC-2, RM-21, RM-38): a device identifies
 * itself with a signed device token issued at registration, or with its
 * client certificate, and is checked against the tenant's registry before the
 * user's credentials are looked at. Tokens are `kdt1.<keyId>.<payload>.<mac>`
 * with HMAC-SHA-256 under the injected keys, compared in constant time; the
 * registry lookup makes revocation immediate. Registration and revocation are
 * handed to `onEvent` as audit-ready {@link DeviceEvent}s.
 *
 * @example
 * ```ts
 * import { createDevices, createMemoryDeviceRegistry } from 'kanmon';
 * import { randomBytes } from 'node:crypto';
 * const devices = createDevices({
 *   registry: createMemoryDeviceRegistry(),
 *   keys: [{ id: 'dev-2026', secret: randomBytes(32) }],
 *   now: () => Date.now(),
 *   onEvent: (event) => console.log(event.type, event.deviceId),
 * });
 * const { token } = await devices.register({ tenantId: 'funabashi', label: '総務課 端末 3' });
 * const result = await devices.check({ tenantId: 'funabashi', token });
 * result.ok; // true
 * ```
 */
export function createDevices(options: DevicesOptions): Devices {
  const { registry, keys, now, onEvent, randomBytes = nodeRandomBytes } = options ?? ({} as DevicesOptions);
  if (!registry || typeof registry.get !== 'function' || typeof registry.put !== 'function') throw invalidArgument('createDevices: registry must have get() and put()');
  if (typeof now !== 'function') throw invalidArgument('createDevices: now must be a clock function');
  if (typeof onEvent !== 'function') throw invalidArgument('createDevices: onEvent must be a function (registration and revocation are audited)');
  if (typeof randomBytes !== 'function') throw invalidArgument('createDevices: randomBytes must be a function');
  loadKeys(keys);

  async function lookup(tenantId: string, deviceId: string): Promise<RegisteredDevice | null> {
    try {
      return await registry.get(tenantId, deviceId);
    } catch (cause) {
      throw new KanmonError('ERR_STORE_UNAVAILABLE', 'device registry: get failed', { cause });
    }
  }

  async function store(device: RegisteredDevice): Promise<void> {
    try {
      await registry.put(device);
    } catch (cause) {
      throw new KanmonError('ERR_STORE_UNAVAILABLE', 'device registry: put failed', { cause });
    }
  }

  function event(type: DeviceEvent['type'], device: RegisteredDevice, at: number, actor: string | null, reason: string | null): DeviceEvent {
    return Object.freeze({
      type,
      at,
      tenantId: device.tenantId,
      deviceId: device.deviceId,
      accountId: device.accountId,
      kind: device.kind,
      fingerprintSha256: device.fingerprintSha256,
      label: device.label,
      actor,
      reason,
      clauses: Object.freeze(['SEC-6.3', 'IPC-2', 'RM-21']),
    });
  }

  function issueToken(device: RegisteredDevice): string {
    const key = loadKeys(keys)[0] as DeviceTokenKey;
    const payload = Buffer.from(JSON.stringify({ t: device.tenantId, d: device.deviceId, iat: device.registeredAt })).toString('base64url');
    const signed = `${TOKEN_PREFIX}.${key.id}.${payload}`;
    return `${signed}.${mac(key, signed).toString('base64url')}`;
  }

  /** The token's tenant and device id if its MAC verifies, else `null`. Never throws on input. */
  function readToken(token: unknown): { tenantId: string; deviceId: string } | null {
    if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return null;
    const parts = token.split('.');
    if (parts.length !== 4 || parts[0] !== TOKEN_PREFIX) return null;
    const [, keyId, payload, tag] = parts as [string, string, string, string];
    if (!KEY_ID.test(keyId) || !B64URL.test(payload) || !B64URL.test(tag)) return null;
    const key = loadKeys(keys).find((k) => k.id === keyId);
    if (!key) return null;
    const expected = mac(key, `${TOKEN_PREFIX}.${keyId}.${payload}`);
    const given = Buffer.from(tag, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    try {
      const data = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { t?: unknown; d?: unknown };
      if (typeof data.t !== 'string' || typeof data.d !== 'string') return null;
      return { tenantId: data.t, deviceId: data.d };
    } catch {
      return null;
    }
  }

  async function register(input: RegisterDeviceInput): Promise<RegisterDeviceResult> {
    const tenantId = requireId(input?.tenantId, 'tenantId');
    const accountId = input.accountId == null ? null : requireId(input.accountId, 'accountId');
    const label = input.label == null ? null : String(input.label).slice(0, 256);
    const actor = input.actor == null ? null : String(input.actor).slice(0, 256);
    let kind: DeviceKind = 'token';
    let deviceId: string;
    let fingerprintSha256: string | null = null;
    if (input.certificate !== undefined || input.fingerprintSha256 !== undefined) {
      let bytes: Uint8Array | null;
      if (input.certificate !== undefined) {
        const cert = parseCertificate(input.certificate);
        if (cert === null) throw new KanmonError('ERR_INVALID_CERTIFICATE', 'register: the certificate does not parse (PEM, URL-encoded PEM, base64 DER or DER)');
        bytes = fingerprintBytes(cert);
      } else {
        bytes = parseFingerprint(input.fingerprintSha256 as string);
        if (bytes === null) throw invalidArgument('register: fingerprintSha256 must be 32 bytes of hex (AB:CD:… or 64 digits)');
      }
      kind = 'certificate';
      deviceId = certificateDeviceId(bytes);
      fingerprintSha256 = formatFingerprint(bytes);
    } else {
      deviceId = `dev_${Buffer.from(randomBytes(16)).toString('base64url')}`;
    }
    const device: RegisteredDevice = Object.freeze({
      tenantId,
      deviceId,
      accountId,
      kind,
      fingerprintSha256,
      label,
      registeredAt: now(),
      revokedAt: null,
    });
    await store(device);
    try {
      await onEvent(event('device.registered', device, device.registeredAt, actor, null));
    } catch (cause) {
      await store({ ...device, revokedAt: device.registeredAt });
      throw new KanmonError('ERR_AUDIT_WRITE', 'device registration could not be audited; the device was left revoked', { cause });
    }
    return { device, token: kind === 'token' ? issueToken(device) : null };
  }

  async function revoke(input: RevokeDeviceInput): Promise<boolean> {
    const tenantId = requireId(input?.tenantId, 'tenantId');
    const deviceId = requireId(input.deviceId, 'deviceId');
    const current = await lookup(tenantId, deviceId);
    if (current === null || current.revokedAt !== null) return false;
    const at = now();
    const revoked: RegisteredDevice = Object.freeze({ ...current, revokedAt: at });
    await store(revoked);
    try {
      await onEvent(event('device.revoked', revoked, at, input.actor == null ? null : String(input.actor).slice(0, 256), input.reason == null ? null : String(input.reason).slice(0, 1024)));
    } catch (cause) {
      throw new KanmonError('ERR_AUDIT_WRITE', 'device revocation could not be audited (the device stays revoked)', { cause });
    }
    return true;
  }

  async function check(input: CheckDeviceInput): Promise<DeviceCheckResult> {
    const tenantId = requireId(input?.tenantId, 'tenantId');
    let deviceId: string;
    if (input.token !== undefined && input.token !== null) {
      const read = readToken(input.token);
      if (read === null) return { ok: false, reason: 'invalid_token' };
      if (read.tenantId !== tenantId) return { ok: false, reason: 'wrong_tenant' };
      deviceId = read.deviceId;
    } else if (input.certificate?.ok === true) {
      const bytes = parseFingerprint(input.certificate.certificate.fingerprintSha256);
      if (bytes === null) return { ok: false, reason: 'no_device' };
      deviceId = certificateDeviceId(bytes);
    } else {
      return { ok: false, reason: 'no_device' };
    }
    const device = await lookup(tenantId, deviceId);
    if (device === null || device.tenantId !== tenantId) return { ok: false, reason: 'not_registered' };
    if (device.revokedAt !== null) return { ok: false, reason: 'revoked' };
    const accountId = input.accountId ?? null;
    if (device.accountId !== null && accountId !== null && device.accountId !== accountId) return { ok: false, reason: 'wrong_account' };
    return { ok: true, device };
  }

  return Object.freeze({ register, revoke, check });
}
