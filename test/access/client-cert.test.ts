import { X509Certificate } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ClientCertResult, type ClientCertPolicyOptions, certificateFingerprintSha256, createClientCertPolicy } from '../../src/index.js';
import { type TestCertificates, generateCertificates } from './support/certificates.js';

let certs: TestCertificates;
let client: X509Certificate;
let inValidity: () => number;

beforeAll(() => {
  certs = generateCertificates();
  client = new X509Certificate(certs.clientCert);
  const middle = (Date.parse(client.validFrom) + Date.parse(client.validTo)) / 2;
  inValidity = () => middle;
});

/** Check the certificate a real TLS client presents to a real TLS server. */
async function overTls(options: Omit<ClientCertPolicyOptions, 'now'>, key?: string, cert?: string): Promise<ClientCertResult> {
  const policy = createClientCertPolicy({ ...options, now: inValidity });
  const server = tls.createServer({ key: certs.serverKey, cert: certs.serverCert, ca: certs.caCert, requestCert: true, rejectUnauthorized: false });
  const result = new Promise<ClientCertResult>((resolve) => {
    server.on('secureConnection', (socket) => {
      resolve(policy.check({ socket }));
      socket.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const conn = tls.connect({ port, host: '127.0.0.1', ca: certs.serverCert, servername: 'localhost', ...(key && cert ? { key, cert } : {}) });
  conn.on('error', () => undefined);
  try {
    return await result;
  } finally {
    conn.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
}

describe('EXT-4, IPC-2, RM-21: client certificate from the TLS socket', () => {
  it('a CA-signed terminal certificate with the allowed subject is accepted, fingerprint of the DER', async () => {
    const result = await overTls({ subjects: ['CN=terminal-01, O=Funabashi City'], issuers: ['CN=Kanmon Test CA'] }, certs.clientKey, certs.clientCert);
    expect(result).toMatchObject({
      ok: true,
      certificate: { source: 'socket', fingerprintSha256: client.fingerprint256, subject: client.subject, serialNumber: client.serialNumber },
    });
    expect(certificateFingerprintSha256(certs.clientCert)).toBe(client.fingerprint256);
  });

  it('a self-signed certificate with the same subject is refused: the chain was not verified', async () => {
    const result = await overTls({ subjects: ['CN=terminal-01, O=Funabashi City'] }, certs.rogueKey, certs.rogueCert);
    expect(result).toEqual({ ok: false, reason: 'not_authorized', source: 'socket' });
  });

  it('a self-signed certificate is accepted when its fingerprint is pinned', async () => {
    const pin = certificateFingerprintSha256(certs.rogueCert);
    const result = await overTls({ fingerprintsSha256: [pin.replace(/:/g, '').toLowerCase()] }, certs.rogueKey, certs.rogueCert);
    expect(result).toMatchObject({ ok: true, certificate: { fingerprintSha256: pin } });
  });

  it('a pinned list refuses a CA-signed certificate that is not pinned', async () => {
    const result = await overTls({ fingerprintsSha256: [certificateFingerprintSha256(certs.otherCert)] }, certs.clientKey, certs.clientCert);
    expect(result).toEqual({ ok: false, reason: 'fingerprint_not_allowed', source: 'socket' });
  });

  it('no certificate presented: no_certificate', async () => {
    expect(await overTls({})).toEqual({ ok: false, reason: 'no_certificate', source: null });
  });
});

describe('EXT-4: validity window against the injected clock', () => {
  const socketWith = (pem: string, authorized = true) => ({
    authorized,
    remoteAddress: '198.51.100.1',
    getPeerCertificate: () => ({ raw: new X509Certificate(pem).raw }),
  });

  it('an expired certificate is refused, one not yet valid too', () => {
    const validTo = Date.parse(client.validTo);
    const validFrom = Date.parse(client.validFrom);
    const at = (t: number) => createClientCertPolicy({ now: () => t }).check({ socket: socketWith(certs.clientCert) });
    expect(at(validTo + 1000)).toEqual({ ok: false, reason: 'expired', source: 'socket' });
    expect(at(validFrom - 1000)).toEqual({ ok: false, reason: 'not_yet_valid', source: 'socket' });
    expect(at(validTo).ok).toBe(true);
    expect(at(validFrom).ok).toBe(true);
    const lax = createClientCertPolicy({ now: () => validTo + 1000, requireValidity: false });
    expect(lax.check({ socket: socketWith(certs.clientCert) }).ok).toBe(true);
  });

  it('subject and issuer patterns are matched attribute by attribute', () => {
    const check = (o: Omit<ClientCertPolicyOptions, 'now'>, pem: string) => createClientCertPolicy({ ...o, now: inValidity }).check({ socket: socketWith(pem) });
    expect(check({ subjects: ['CN=terminal-01'] }, certs.otherCert)).toMatchObject({ ok: false, reason: 'subject_not_allowed' });
    expect(check({ subjects: ['CN=terminal-01', 'CN=terminal-02'] }, certs.otherCert).ok).toBe(true);
    expect(check({ subjects: ['cn=terminal-02\nO=Funabashi City'] }, certs.otherCert).ok).toBe(true);
    expect(check({ subjects: ['CN=terminal-0'] }, certs.clientCert)).toMatchObject({ ok: false, reason: 'subject_not_allowed' });
    expect(check({ issuers: ['O=Another CA'] }, certs.clientCert)).toMatchObject({ ok: false, reason: 'issuer_not_allowed' });
  });
});

describe('IPC-2: a certificate header is believed only from a trusted proxy', () => {
  const options = { header: 'X-SSL-Client-Cert', trustedProxies: ['10.0.0.0/29'], subjects: ['CN=terminal-01'] };
  const oneLine = () => certs.clientCert.trim().replace(/\n/g, ' ');

  it('URL-encoded PEM (nginx $ssl_client_escaped_cert) from the proxy is accepted', () => {
    const policy = createClientCertPolicy({ ...options, now: inValidity });
    const result = policy.check({ remoteAddress: '10.0.0.2', headers: { 'x-ssl-client-cert': encodeURIComponent(certs.clientCert) } });
    expect(result).toMatchObject({ ok: true, certificate: { source: 'header', fingerprintSha256: client.fingerprint256 } });
  });

  it('PEM with newlines folded to spaces, and bare base64 DER, are accepted', () => {
    const policy = createClientCertPolicy({ ...options, now: inValidity });
    expect(policy.check({ remoteAddress: '10.0.0.2', headers: { 'x-ssl-client-cert': oneLine() } }).ok).toBe(true);
    expect(policy.check({ remoteAddress: '10.0.0.2', headers: { 'x-ssl-client-cert': client.raw.toString('base64') } }).ok).toBe(true);
  });

  it('the same header from an untrusted peer is ignored', () => {
    const policy = createClientCertPolicy({ ...options, now: inValidity });
    const spoofed = policy.check({ remoteAddress: '203.0.113.66', headers: { 'x-ssl-client-cert': encodeURIComponent(certs.clientCert) } });
    expect(spoofed).toEqual({ ok: false, reason: 'no_certificate', source: null });
    const viaSocketPeer = policy.check({
      socket: { remoteAddress: '203.0.113.66', getPeerCertificate: () => ({}) },
      headers: { 'x-ssl-client-cert': encodeURIComponent(certs.clientCert) },
    });
    expect(viaSocketPeer).toEqual({ ok: false, reason: 'no_certificate', source: null });
  });

  it('without a configured header, no header is read even from a trusted proxy', () => {
    const policy = createClientCertPolicy({ trustedProxies: ['10.0.0.0/29'], now: inValidity });
    expect(policy.check({ remoteAddress: '10.0.0.2', headers: { 'x-ssl-client-cert': encodeURIComponent(certs.clientCert) } }).ok).toBe(false);
  });

  it('a socket certificate wins over a header', () => {
    const policy = createClientCertPolicy({ ...options, subjects: [], now: inValidity });
    const result = policy.check({
      socket: { authorized: true, remoteAddress: '10.0.0.2', getPeerCertificate: () => ({ raw: new X509Certificate(certs.otherCert).raw }) },
      headers: { 'x-ssl-client-cert': encodeURIComponent(certs.clientCert) },
    });
    expect(result).toMatchObject({ ok: true, certificate: { source: 'socket', subject: new X509Certificate(certs.otherCert).subject } });
  });

  it('malformed header values from the proxy: reason malformed, never a throw', () => {
    const policy = createClientCertPolicy({ ...options, now: inValidity });
    for (const value of ['', 'garbage', '%E0%A4%A', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----', 'x'.repeat(20_000), oneLine().slice(0, 200)]) {
      const result = policy.check({ remoteAddress: '10.0.0.2', headers: { 'x-ssl-client-cert': value } });
      expect(result, value.slice(0, 40)).toMatchObject({ ok: false, reason: 'malformed', source: 'header' });
    }
    fc.assert(
      fc.property(fc.string(), (value) => {
        const r = policy.check({ remoteAddress: '10.0.0.2', headers: { 'x-ssl-client-cert': value } });
        expect(r.ok).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('configuration mistakes are coded errors', () => {
  it('bad fingerprints, header without proxies, missing clock, unparsable certificate', () => {
    expect(() => createClientCertPolicy({ fingerprintsSha256: ['AB:CD'], now: inValidity })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    expect(() => createClientCertPolicy({ header: 'x-cert', now: inValidity })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    expect(() => createClientCertPolicy({ subjects: ['terminal-01'], now: inValidity })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    expect(() => createClientCertPolicy({} as ClientCertPolicyOptions)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    expect(() => certificateFingerprintSha256('not a certificate')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_CERTIFICATE' }));
  });
});
