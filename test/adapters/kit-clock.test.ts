/**
 * Issue 14 (the suite failed on the date it ran): the adapter kit's clock must
 * meet the certificates openssl makes at the real time. A fixed start date
 * (2026-11-24 10:00 JST) made every certificate "not yet valid" at the test's
 * time once the real date passed it, and SEC-6.3 answered 403.
 */
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createClientCertPolicy } from '../../src/index.js';
import { generateCertificates } from '../access/support/certificates.js';
import { funabashiHours } from '../support/clock.js';
import { BUSINESS_DAY_10_JST, BUSINESS_DAY_17_JST, SUNDAY_10_JST, manualClock } from './kit.js';

describe('issue 14: the adapter kit clock meets certificates made at the real time', () => {
  const certs = generateCertificates();
  const clock = manualClock();

  it('the kit clock starts inside the validity window of every certificate the suite makes', () => {
    for (const pem of [certs.caCert, certs.serverCert, certs.clientCert, certs.otherCert, certs.rogueCert]) {
      const cert = new X509Certificate(pem);
      const from = Date.parse(cert.validFrom);
      const to = Date.parse(cert.validTo);
      expect(clock.now(), `${cert.subject} valid ${cert.validFrom} … ${cert.validTo}`).toBeGreaterThanOrEqual(from);
      expect(clock.now(), `${cert.subject} valid ${cert.validFrom} … ${cert.validTo}`).toBeLessThanOrEqual(to);
    }
  });

  it('SEC-6.3: the client-certificate check at the kit clock accepts the CA-signed client certificate', () => {
    const socket = { authorized: true, getPeerCertificate: () => ({ raw: new X509Certificate(certs.clientCert).raw }) };
    const result = createClientCertPolicy({ now: clock.now }).check({ socket });
    expect(result).toMatchObject({ ok: true, certificate: { subject: expect.stringContaining('CN=terminal-01') as unknown } });
  });

  it('SEC-27: the kit instants are a business-day morning, the same day 17:00, and a Sunday, after the real now', () => {
    expect(BUSINESS_DAY_10_JST).toBeGreaterThan(Date.now());
    expect(funabashiHours.check(BUSINESS_DAY_10_JST)).toMatchObject({ ok: true, local: { time: '10:00' } });
    expect(funabashiHours.check(BUSINESS_DAY_17_JST)).toMatchObject({ ok: true, local: { time: '17:00', date: funabashiHours.check(BUSINESS_DAY_10_JST).local.date } });
    expect(funabashiHours.check(SUNDAY_10_JST)).toMatchObject({ ok: false, local: { weekday: 0, time: '10:00' } });
    expect(SUNDAY_10_JST).toBeGreaterThan(BUSINESS_DAY_10_JST);
    expect(SUNDAY_10_JST - BUSINESS_DAY_10_JST).toBeLessThanOrEqual(7 * 86_400_000);
  });
});
