import { X509Certificate } from 'node:crypto';
import * as crypto from 'node:crypto';
import type * as Crypto from 'node:crypto';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { certificateFingerprintSha256, createClientCertPolicy } from '../../src/index.js';
import { generateCertificates } from './support/certificates.js';

// Count the constant-time comparisons the check makes, around the real implementation.
vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof Crypto>();
  return { ...real, timingSafeEqual: vi.fn(real.timingSafeEqual) };
});

let pem: { client: string; other: string; rogue: string };
beforeAll(() => {
  const certs = generateCertificates();
  pem = { client: certs.clientCert, other: certs.otherCert, rogue: certs.rogueCert };
});

describe('EXT-4: fingerprints are compared in constant time, against every pin', () => {
  it('uses timingSafeEqual for every pinned fingerprint, whether the first, the last or none matches', () => {
    const spy = vi.mocked(crypto.timingSafeEqual);
    const pins = [pem.client, pem.other, pem.rogue].map((p) => certificateFingerprintSha256(p));
    const cert = new X509Certificate(pem.client);
    const now = () => Date.parse(cert.validFrom) + 1000;
    const socket = (p: string) => ({ authorized: true, getPeerCertificate: () => ({ raw: new X509Certificate(p).raw }) });

    for (const [list, presented, ok] of [
      [pins, pem.client, true],
      [[...pins].reverse(), pem.client, true],
      [pins.slice(1), pem.client, false],
    ] as const) {
      spy.mockClear();
      const result = createClientCertPolicy({ fingerprintsSha256: list, now }).check({ socket: socket(presented) });
      expect(result.ok).toBe(ok);
      expect(spy).toHaveBeenCalledTimes(list.length);
    }
  });
});
