import { X509Certificate, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type DeviceEvent,
  type DeviceRegistry,
  type DevicesOptions,
  createClientCertPolicy,
  createDevices,
  createMemoryDeviceRegistry,
} from '../../src/index.js';
import { type TestCertificates, generateCertificates } from './support/certificates.js';

const key1 = { id: 'dev-2025', secret: randomBytes(32) };
const key2 = { id: 'dev-2026', secret: randomBytes(32) };

function setup(overrides: Partial<DevicesOptions> = {}) {
  const events: DeviceEvent[] = [];
  let clock = Date.UTC(2026, 10, 23, 1, 0);
  const registry = createMemoryDeviceRegistry();
  const devices = createDevices({
    registry,
    keys: [key1],
    now: () => clock,
    onEvent: (e) => {
      events.push(e);
    },
    ...overrides,
  });
  return { devices, registry, events, tick: (ms: number) => (clock += ms) };
}

let certs: TestCertificates;
beforeAll(() => {
  certs = generateCertificates();
});

describe('SEC-6.3: a registered device is identified before credentials', () => {
  it('a token issued at registration identifies the device; nothing but the token is needed', async () => {
    const { devices, events } = setup();
    const { device, token } = await devices.register({ tenantId: 'funabashi', label: '総務課 端末 3', actor: 'admin-1' });
    expect(device).toMatchObject({ tenantId: 'funabashi', kind: 'token', accountId: null, revokedAt: null, label: '総務課 端末 3' });
    expect(device.deviceId).toMatch(/^dev_[A-Za-z0-9_-]{22}$/);
    expect(token).toMatch(/^kdt1\.dev-2025\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    await expect(devices.check({ tenantId: 'funabashi', token })).resolves.toEqual({ ok: true, device });
    expect(events).toEqual([
      expect.objectContaining({ type: 'device.registered', deviceId: device.deviceId, tenantId: 'funabashi', actor: 'admin-1', kind: 'token', clauses: ['SEC-6.3', 'IPC-2', 'RM-21'] }),
    ]);
  });

  it('no device presented, an unknown device, a device of another tenant: refused with codes', async () => {
    const { devices } = setup();
    const { token } = await devices.register({ tenantId: 'funabashi' });
    await expect(devices.check({ tenantId: 'funabashi' })).resolves.toEqual({ ok: false, reason: 'no_device' });
    await expect(devices.check({ tenantId: 'ichikawa', token })).resolves.toEqual({ ok: false, reason: 'wrong_tenant' });
    const other = setup(); // same key, a different registry: signed, but not registered there
    await expect(other.devices.check({ tenantId: 'funabashi', token })).resolves.toEqual({ ok: false, reason: 'not_registered' });
  });

  it('a device bound to an account is refused for another account', async () => {
    const { devices } = setup();
    const { token } = await devices.register({ tenantId: 'funabashi', accountId: 'u-100' });
    await expect(devices.check({ tenantId: 'funabashi', accountId: 'u-100', token })).resolves.toMatchObject({ ok: true });
    await expect(devices.check({ tenantId: 'funabashi', accountId: 'u-200', token })).resolves.toEqual({ ok: false, reason: 'wrong_account' });
  });
});

describe('SEC-6.3: forged, altered and malformed tokens', () => {
  it('any change to the payload, the MAC or the key id is refused', async () => {
    const { devices } = setup();
    const { token } = await devices.register({ tenantId: 'funabashi' });
    const [prefix, keyId, payload, tag] = (token as string).split('.') as [string, string, string, string];
    const forgedPayload = Buffer.from(JSON.stringify({ t: 'funabashi', d: 'dev_someone_else', iat: 0 })).toString('base64url');
    const flip = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
    for (const bad of [
      `${prefix}.${keyId}.${forgedPayload}.${tag}`,
      `${prefix}.${keyId}.${payload}.${flip(tag)}`,
      `${prefix}.${keyId}.${payload}.${tag.slice(0, -2)}`,
      `${prefix}.dev-2026.${payload}.${tag}`,
      `kdt2.${keyId}.${payload}.${tag}`,
      `${prefix}.${keyId}.${payload}`,
      '',
    ]) {
      await expect(devices.check({ tenantId: 'funabashi', token: bad }), bad).resolves.toEqual({ ok: false, reason: 'invalid_token' });
    }
  });

  it('a token signed with a key the server does not hold is refused', async () => {
    const attacker = setup({ keys: [{ id: 'dev-2025', secret: randomBytes(32) }] });
    const { token } = await attacker.devices.register({ tenantId: 'funabashi' });
    const { devices } = setup();
    await expect(devices.check({ tenantId: 'funabashi', token })).resolves.toEqual({ ok: false, reason: 'invalid_token' });
  });

  it('property: arbitrary strings are refused, never a throw', async () => {
    const { devices } = setup();
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.string({ unit: fc.constantFrom(...'kdt1.dev-2025_ABCabc0123456789') })), async (token) => {
        const result = await devices.check({ tenantId: 'funabashi', token });
        expect(result.ok).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('SEC-6.3, RM-38: revocation is immediate and audited; key rotation keeps old tokens working', () => {
  it('revoked devices are refused; the revocation event names actor and reason and no secret', async () => {
    const { devices, events, tick } = setup();
    const { device, token } = await devices.register({ tenantId: 'funabashi', accountId: 'u-1', label: 'laptop' });
    tick(60_000);
    await expect(devices.revoke({ tenantId: 'funabashi', deviceId: device.deviceId, actor: 'admin-1', reason: 'lost' })).resolves.toBe(true);
    await expect(devices.revoke({ tenantId: 'funabashi', deviceId: device.deviceId })).resolves.toBe(false);
    await expect(devices.check({ tenantId: 'funabashi', token })).resolves.toEqual({ ok: false, reason: 'revoked' });
    expect(events.map((e) => e.type)).toEqual(['device.registered', 'device.revoked']);
    expect(events[1]).toMatchObject({ deviceId: device.deviceId, accountId: 'u-1', actor: 'admin-1', reason: 'lost', at: device.registeredAt + 60_000 });
    const serialized = JSON.stringify(events);
    expect(serialized).not.toContain((token as string).split('.')[3]);
    expect(serialized).not.toContain(key1.secret.toString('base64'));
    expect(serialized).not.toContain(key1.secret.toString('hex'));
  });

  it('concurrent checks during a revocation: every check after it resolves is refused', async () => {
    const { devices } = setup();
    const { device, token } = await devices.register({ tenantId: 'funabashi' });
    const before = await Promise.all(Array.from({ length: 50 }, () => devices.check({ tenantId: 'funabashi', token })));
    expect(before.every((r) => r.ok)).toBe(true);
    const racing = Array.from({ length: 50 }, () => devices.check({ tenantId: 'funabashi', token }));
    await devices.revoke({ tenantId: 'funabashi', deviceId: device.deviceId });
    await Promise.all(racing);
    const after = await Promise.all(Array.from({ length: 50 }, () => devices.check({ tenantId: 'funabashi', token })));
    expect(after.every((r) => !r.ok && r.reason === 'revoked')).toBe(true);
  });

  it('concurrent registrations get distinct device ids', async () => {
    const { devices, registry } = setup();
    const results = await Promise.all(Array.from({ length: 100 }, () => devices.register({ tenantId: 'funabashi' })));
    expect(new Set(results.map((r) => r.device.deviceId)).size).toBe(100);
    expect(registry.list('funabashi')).toHaveLength(100);
  });

  it('rotation: new tokens are signed with the first key, tokens of the older key still verify', async () => {
    const registry = createMemoryDeviceRegistry();
    const base = { registry, now: () => 1, onEvent: () => undefined };
    const old = await createDevices({ ...base, keys: [key1] }).register({ tenantId: 't' });
    let ring = [key2, key1];
    const rotated = createDevices({ ...base, keys: () => ring });
    const fresh = await rotated.register({ tenantId: 't' });
    expect(fresh.token?.split('.')[1]).toBe('dev-2026');
    await expect(rotated.check({ tenantId: 't', token: old.token })).resolves.toMatchObject({ ok: true });
    ring = [key2]; // the old key is retired: its tokens stop working
    await expect(rotated.check({ tenantId: 't', token: old.token })).resolves.toEqual({ ok: false, reason: 'invalid_token' });
    await expect(rotated.check({ tenantId: 't', token: fresh.token })).resolves.toMatchObject({ ok: true });
  });
});

describe('SEC-6.3, IPC-2: certificate devices', () => {
  it('registered by certificate, identified by an accepted client certificate only', async () => {
    const { devices, events } = setup();
    const x509 = new X509Certificate(certs.clientCert);
    const { device, token } = await devices.register({ tenantId: 'funabashi', certificate: certs.clientCert, label: 'terminal-01' });
    expect(token).toBeNull();
    expect(device).toMatchObject({ kind: 'certificate', fingerprintSha256: x509.fingerprint256, deviceId: `x509:${x509.fingerprint256.replace(/:/g, '').toLowerCase()}` });
    expect(events[0]).toMatchObject({ kind: 'certificate', fingerprintSha256: x509.fingerprint256 });

    const now = () => Date.parse(x509.validFrom) + 1000;
    const certPolicy = createClientCertPolicy({ now });
    const socket = (pem: string, authorized: boolean) => ({ authorized, getPeerCertificate: () => ({ raw: new X509Certificate(pem).raw }) });
    const accepted = certPolicy.check({ socket: socket(certs.clientCert, true) });
    await expect(devices.check({ tenantId: 'funabashi', certificate: accepted })).resolves.toMatchObject({ ok: true, device: { deviceId: device.deviceId } });
    // the same certificate, refused by the certificate check (unverified chain), identifies nothing
    const refused = certPolicy.check({ socket: socket(certs.clientCert, false) });
    await expect(devices.check({ tenantId: 'funabashi', certificate: refused })).resolves.toEqual({ ok: false, reason: 'no_device' });
    const other = certPolicy.check({ socket: socket(certs.otherCert, true) });
    await expect(devices.check({ tenantId: 'funabashi', certificate: other })).resolves.toEqual({ ok: false, reason: 'not_registered' });
  });

  it('registered by fingerprint', async () => {
    const { devices } = setup();
    const fp = new X509Certificate(certs.otherCert).fingerprint256;
    const { device } = await devices.register({ tenantId: 'funabashi', fingerprintSha256: fp.replace(/:/g, '').toLowerCase() });
    expect(device.fingerprintSha256).toBe(fp);
  });
});

describe('failures are coded, and fail closed', () => {
  it('an audit sink that fails leaves the new device revoked and throws ERR_AUDIT_WRITE', async () => {
    const registry = createMemoryDeviceRegistry();
    const devices = createDevices({
      registry,
      keys: [key1],
      now: () => 5,
      onEvent: () => Promise.reject(new Error('disk full')),
    });
    await expect(devices.register({ tenantId: 't' })).rejects.toMatchObject({ code: 'ERR_AUDIT_WRITE' });
    const [stored] = registry.list('t');
    expect(stored?.revokedAt).toBe(5);
  });

  it('a registry that fails is ERR_STORE_UNAVAILABLE, not a pass', async () => {
    const broken: DeviceRegistry = {
      get: () => Promise.reject(new Error('connection reset')),
      put: () => undefined,
    };
    const devices = createDevices({ registry: broken, keys: [key1], now: () => 1, onEvent: () => undefined });
    const { token } = await devices.register({ tenantId: 't' });
    await expect(devices.check({ tenantId: 't', token })).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
  });

  it('weak or malformed keys and bad input are programmer errors', async () => {
    const base = { registry: createMemoryDeviceRegistry(), now: () => 1, onEvent: () => undefined };
    expect(() => createDevices({ ...base, keys: [{ id: 'k', secret: new Uint8Array(16) }] })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    expect(() => createDevices({ ...base, keys: [{ id: 'k.1', secret: randomBytes(32) }] })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    expect(() => createDevices({ ...base, keys: [] })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    const devices = createDevices({ ...base, keys: [key1] });
    await expect(devices.register({ tenantId: '' })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(devices.register({ tenantId: 't', certificate: 'junk' })).rejects.toMatchObject({ code: 'ERR_INVALID_CERTIFICATE' });
  });
});
