import { X509Certificate, randomBytes } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type AccessContext,
  type AccessRequestDecision,
  type ClientCertResult,
  type PolicyOverrides,
  createAccessEvaluator,
  createDevices,
  createMemoryDeviceRegistry,
  definePolicy,
  evaluateAccess,
} from '../../src/index.js';
import { type TestCertificates, generateCertificates } from './support/certificates.js';

const jst = (y: number, m: number, d: number, hh: number, mm: number) => Date.UTC(y, m - 1, d, hh - 9, mm);
const tuesdayMorning = jst(2026, 11, 24, 10, 0);
const tuesdayEvening = jst(2026, 11, 24, 19, 0);

const base = (overrides: PolicyOverrides = {}) =>
  definePolicy(
    definePolicy('funabashi', {
      mfa: { internalNetworks: ['10.0.0.0/8', 'fd00::/8'], requireOutsideInternalNetwork: false },
      access: {
        ipAllowList: ['192.0.2.0/24'],
        routes: {
          madoguchi: { allow: 'any' },
          kikan: { allow: 'allow_listed_terminals' },
          admin: { allow: 'internal_only' },
        },
      },
    }),
    overrides,
  );

const ctx = (c: Partial<AccessContext>): AccessContext => ({ clientIp: '203.0.113.5', tls: true, instant: tuesdayMorning, ...c });
const acceptedCert: ClientCertResult = {
  ok: true,
  certificate: { fingerprintSha256: 'AA', subject: 'CN=t', issuer: 'CN=ca', serialNumber: '01', validFrom: 0, validTo: 1, source: 'socket' },
};

describe('FNB-2.1: connection control per business (route)', () => {
  const policy = base();

  it('any: open to every place; internal_only: internal networks only', () => {
    expect(evaluateAccess(ctx({ route: 'madoguchi' }), policy)).toMatchObject({ ok: true, rule: 'any', route: 'madoguchi' });
    expect(evaluateAccess(ctx({ route: 'admin', clientIp: '10.1.2.3' }), policy)).toMatchObject({ ok: true, rule: 'internal_only' });
    expect(evaluateAccess(ctx({ route: 'admin', clientIp: 'fd12::1' }), policy).ok).toBe(true);
    expect(evaluateAccess(ctx({ route: 'admin' }), policy)).toMatchObject({ ok: false, reason: 'not_internal' });
    expect(evaluateAccess(ctx({ route: 'admin', clientIp: null }), policy)).toMatchObject({ ok: false, reason: 'not_internal' });
  });

  it('allow_listed_terminals (EXT-4, IPC-2, RM-21): only allow-listed addresses, mapped spellings included', () => {
    expect(evaluateAccess(ctx({ route: 'kikan', clientIp: '192.0.2.44' }), policy)).toMatchObject({ ok: true, rule: 'allow_listed_terminals' });
    expect(evaluateAccess(ctx({ route: 'kikan', clientIp: '::ffff:c000:22c' }), policy).ok).toBe(true);
    expect(evaluateAccess(ctx({ route: 'kikan', clientIp: '198.51.100.1' }), policy)).toMatchObject({ ok: false, reason: 'ip_not_allowed' });
    expect(evaluateAccess(ctx({ route: 'kikan', clientIp: null }), policy)).toMatchObject({ ok: false, reason: 'ip_not_allowed' });
  });

  it('a route without its own rule gets the default rule (no hard-coded list to forget)', () => {
    const strict = base({ access: { defaultRule: { allow: 'allow_listed_terminals' } } });
    expect(evaluateAccess(ctx({ route: 'new-route-nobody-listed' }), strict)).toMatchObject({ ok: false, reason: 'ip_not_allowed', route: 'new-route-nobody-listed' });
    expect(evaluateAccess(ctx({}), strict)).toMatchObject({ ok: false, reason: 'ip_not_allowed', route: null });
  });

  it('per-rule terminals: own address list, client certificate, registered device', () => {
    const policy2 = base({
      access: {
        routes: {
          kikan: { allow: 'allow_listed_terminals', ipAllowList: ['198.51.100.0/24'], requireClientCert: true },
          device: { allow: 'allow_listed_terminals', ipAllowList: [], requireRegisteredDevice: true },
        },
      },
    });
    const at = (c: Partial<AccessContext>) => evaluateAccess(ctx({ route: 'kikan', clientIp: '198.51.100.7', ...c }), policy2);
    expect(at({ clientIp: '192.0.2.44' })).toMatchObject({ ok: false, reason: 'ip_not_allowed' });
    expect(at({})).toMatchObject({ ok: false, reason: 'client_cert_required', detail: 'no_certificate' });
    expect(at({ certificate: { ok: false, reason: 'expired', source: 'socket' } })).toMatchObject({ ok: false, reason: 'client_cert_required', detail: 'expired' });
    expect(at({ certificate: acceptedCert }).ok).toBe(true);
    const dev = (c: Partial<AccessContext>) => evaluateAccess(ctx({ route: 'device', ...c }), policy2);
    expect(dev({})).toMatchObject({ ok: false, reason: 'device_not_registered', detail: 'no_device' });
    expect(dev({ device: { ok: false, reason: 'revoked' } })).toMatchObject({ ok: false, reason: 'device_not_registered', detail: 'revoked' });
    expect(
      dev({
        device: {
          ok: true,
          device: { tenantId: 't', deviceId: 'dev_x', accountId: null, kind: 'token', fingerprintSha256: null, label: null, registeredAt: 0, revokedAt: null },
        },
      }).ok,
    ).toBe(true);
  });

  it('TLS is required unless the policy says otherwise', () => {
    expect(evaluateAccess(ctx({ route: 'madoguchi', tls: false }), policy)).toMatchObject({ ok: false, reason: 'tls_required' });
    expect(evaluateAccess(ctx({ route: 'madoguchi', tls: false }), base({ access: { requireTls: false } })).ok).toBe(true);
  });
});

describe('SEC-27: outside business hours the policy decides', () => {
  it.each([
    ['allow', { ok: true, flags: [] }],
    ['flag', { ok: true, flags: ['out_of_hours'] }],
    ['require_mfa', { ok: true, flags: ['out_of_hours', 'mfa_required'] }],
    ['deny', { ok: false, reason: 'out_of_hours' }],
  ] as const)('outOfHours %s', (outOfHours, expected) => {
    const policy = base({ access: { businessHours: { outOfHours } } });
    expect(evaluateAccess(ctx({ route: 'madoguchi', instant: tuesdayEvening }), policy)).toMatchObject(expected);
    expect(evaluateAccess(ctx({ route: 'madoguchi', instant: tuesdayMorning }), policy)).toMatchObject({ ok: true, flags: [] });
  });

  it('holidays and 年末年始 are out of hours; the reading is returned for the audit event', () => {
    const policy = base();
    expect(evaluateAccess(ctx({ instant: jst(2026, 11, 23, 10, 0) }), policy)).toMatchObject({
      ok: true,
      flags: ['out_of_hours'],
      hours: { ok: false, reason: 'holiday', holidayName: '勤労感謝の日' },
    });
    expect(evaluateAccess(ctx({ instant: jst(2026, 12, 30, 10, 0) }), policy)).toMatchObject({ hours: { ok: false, reason: 'closed_day' } });
    expect(evaluateAccess(ctx({ instant: tuesdayEvening }), base({ access: { businessHours: null } }))).toMatchObject({ ok: true, flags: [], hours: null });
  });
});

describe('SEC-16: outside the internal networks, MFA or device authentication', () => {
  const policy = base({ mfa: { requireOutsideInternalNetwork: true, clientCertSatisfiesOutside: true } });

  it('an outside client is flagged and must use MFA; an inside client is not', () => {
    expect(evaluateAccess(ctx({ route: 'madoguchi' }), policy)).toMatchObject({ ok: true, flags: ['outside_internal_network', 'mfa_required'] });
    expect(evaluateAccess(ctx({ route: 'madoguchi', clientIp: '10.9.9.9' }), policy)).toMatchObject({ ok: true, flags: [] });
    expect(evaluateAccess(ctx({ route: 'madoguchi', clientIp: null }), policy)).toMatchObject({ flags: ['outside_internal_network', 'mfa_required'] });
  });

  it('an accepted client certificate counts as device authentication when the policy says so', () => {
    expect(evaluateAccess(ctx({ route: 'madoguchi', certificate: acceptedCert }), policy)).toMatchObject({ ok: true, flags: ['outside_internal_network'] });
    const strict = base({ mfa: { requireOutsideInternalNetwork: true, clientCertSatisfiesOutside: false } });
    expect(evaluateAccess(ctx({ route: 'madoguchi', certificate: acceptedCert }), strict)).toMatchObject({ flags: ['outside_internal_network', 'mfa_required'] });
  });
});

describe('configuration mistakes are refused or warned about', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('internal_only without internal networks, terminals without any terminal check, terminal settings on an any rule', () => {
    expect(() => createAccessEvaluator(base({ mfa: { internalNetworks: [] } }))).toThrow(expect.objectContaining({ code: 'ERR_INVALID_POLICY' }));
    expect(() => createAccessEvaluator(base({ access: { ipAllowList: [] } }))).toThrow(expect.objectContaining({ code: 'ERR_INVALID_POLICY', message: expect.stringContaining('access.routes.kikan') as string }));
    expect(() => createAccessEvaluator(base({ access: { routes: { x: { allow: 'any', requireClientCert: true } } } }))).toThrow(expect.objectContaining({ code: 'ERR_INVALID_POLICY' }));
    expect(() => createAccessEvaluator(base({ access: { ipAllowList: ['10.1'] } }))).toThrow(expect.objectContaining({ code: 'ERR_INVALID_CIDR' }));
  });

  it('RM-21, IPC-2: the remote-maintenance and external-service-common presets need the terminals listed before use', () => {
    for (const preset of ['remote-maintenance', 'external-service-common'] as const) {
      expect(() => createAccessEvaluator(definePolicy(preset))).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_POLICY', message: expect.stringContaining('access.defaultRule') as string }),
      );
      const listed = definePolicy(preset, { access: { ipAllowList: ['192.0.2.0/28'] } });
      const evaluator = createAccessEvaluator(listed);
      expect(evaluator.evaluate(ctx({ clientIp: '192.0.2.15', instant: tuesdayMorning })).ok).toBe(true);
      expect(evaluator.evaluate(ctx({ clientIp: '192.0.2.16', instant: tuesdayMorning }))).toMatchObject({ ok: false, reason: 'ip_not_allowed' });
    }
  });

  it('terminal settings no rule uses: ERR_CONFIG_HAZARD warning', () => {
    const spy = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    createAccessEvaluator(definePolicy('funabashi', { access: { ipAllowList: ['192.0.2.0/24'] } }));
    expect(spy).toHaveBeenCalledTimes(1);
    expect(spy.mock.calls[0]?.[1]).toMatchObject({ code: 'ERR_CONFIG_HAZARD' });
  });

  it('trusting every proxy for both the address and the certificate header warns once per evaluator', () => {
    const spy = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    createAccessEvaluator(base({ access: { trustedProxies: ['0.0.0.0/0'], clientCert: { header: 'x-ssl-client-cert' } } }));
    expect(spy).toHaveBeenCalledTimes(1);
    expect(spy.mock.calls[0]?.[1]).toMatchObject({ code: 'ERR_CONFIG_HAZARD', type: 'KanmonWarning' });
  });

  it('evaluateAccess compiles once per policy object', () => {
    const spy = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const policy = definePolicy('funabashi', { access: { ipAllowList: ['192.0.2.0/24'] } });
    for (let i = 0; i < 10; i++) evaluateAccess(ctx({}), policy);
    expect(spy).toHaveBeenCalledTimes(1);
  });
});

describe('EXT-9, SEC-6.3: evaluateRequest, the one call adapters make', () => {
  let certs: TestCertificates;
  beforeAll(() => {
    certs = generateCertificates();
  });

  const proxied = base({ access: { trustedProxies: ['10.255.0.0/30'] } });

  it('a spoofed X-Forwarded-For from an untrusted peer does not reach an internal-only route', async () => {
    const evaluator = createAccessEvaluator(proxied, { now: () => tuesdayMorning });
    const spoofed = await evaluator.evaluateRequest({
      route: 'admin',
      remoteAddress: '203.0.113.5',
      headers: { 'x-forwarded-for': '10.0.0.1', 'x-forwarded-proto': 'https' },
    });
    expect(spoofed).toMatchObject({ ok: false, reason: 'tls_required', client: { ip: '203.0.113.5', peerTrusted: false } });
    const viaProxy = await evaluator.evaluateRequest({
      route: 'admin',
      remoteAddress: '10.255.0.1',
      headers: { 'x-forwarded-for': '10.0.0.1', 'x-forwarded-proto': 'https' },
    });
    expect(viaProxy).toMatchObject({ ok: true, client: { ip: '10.0.0.1', peerTrusted: true } });
  });

  it('registered device token checked before credentials (SEC-6.3)', async () => {
    const devices = createDevices({ registry: createMemoryDeviceRegistry(), keys: [{ id: 'k1', secret: randomBytes(32) }], now: () => 1, onEvent: () => undefined });
    const { token } = await devices.register({ tenantId: 'funabashi' });
    const policy = base({ access: { trustedProxies: ['10.255.0.0/30'], routes: { kikan: { allow: 'allow_listed_terminals', ipAllowList: [], requireRegisteredDevice: true } } } });
    const evaluator = createAccessEvaluator(policy, { now: () => tuesdayMorning, devices });
    const request = { route: 'kikan', remoteAddress: '10.255.0.1', headers: { 'x-forwarded-for': '198.51.100.1', 'x-forwarded-proto': 'https' }, tenantId: 'funabashi' };
    await expect(evaluator.evaluateRequest({ ...request, deviceToken: token })).resolves.toMatchObject({ ok: true, device: { ok: true } });
    await expect(evaluator.evaluateRequest({ ...request, deviceToken: `${token}x` })).resolves.toMatchObject({ ok: false, reason: 'device_not_registered', detail: 'invalid_token' });
    await expect(evaluator.evaluateRequest(request)).resolves.toMatchObject({ ok: false, reason: 'device_not_registered', detail: 'no_device' });
    await expect(createAccessEvaluator(policy, { now: () => 1 }).evaluateRequest(request)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
  });

  it('over a real HTTPS server with client certificates (IPC-2)', async () => {
    const client = new X509Certificate(certs.clientCert);
    const policy = base({
      access: {
        routes: { kikan: { allow: 'allow_listed_terminals', ipAllowList: [], requireClientCert: true } },
        clientCert: { subjects: ['CN=terminal-01'] },
      },
    });
    const evaluator = createAccessEvaluator(policy, { now: () => Date.parse(client.validFrom) + 60_000 });
    const server = https.createServer({ key: certs.serverKey, cert: certs.serverCert, ca: certs.caCert, requestCert: true, rejectUnauthorized: false }, (req, res) => {
      evaluator
        .evaluateRequest({ route: 'kikan', socket: req.socket, headers: req.headers })
        .then((decision) => res.end(JSON.stringify(decision)))
        .catch((err: unknown) => res.end(JSON.stringify({ error: String(err) })));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const get = (key?: string, cert?: string) =>
      new Promise<AccessRequestDecision>((resolve, reject) => {
        const req = https.get({ host: '127.0.0.1', port, path: '/', ca: certs.serverCert, servername: 'localhost', agent: false, ...(key && cert ? { key, cert } : {}) }, (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve(JSON.parse(body) as AccessRequestDecision));
        });
        req.on('error', reject);
      });
    try {
      await expect(get(certs.clientKey, certs.clientCert)).resolves.toMatchObject({ ok: true, certificate: { ok: true, certificate: { fingerprintSha256: client.fingerprint256 } } });
      await expect(get(certs.rogueKey, certs.rogueCert)).resolves.toMatchObject({ ok: false, reason: 'client_cert_required', detail: 'not_authorized' });
      await expect(get()).resolves.toMatchObject({ ok: false, reason: 'client_cert_required', detail: 'no_certificate' });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
