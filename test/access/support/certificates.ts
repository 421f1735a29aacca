/**
 * Test certificates, generated at test time with the openssl CLI in a temp
 * directory that is removed afterwards. Nothing with a private key is committed.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificates {
  caCert: string;
  serverKey: string;
  serverCert: string;
  /** Signed by the CA: CN=terminal-01, O=Funabashi City, C=JP. */
  clientKey: string;
  clientCert: string;
  /** Self-signed, same subject as the client: what an attacker can make. */
  rogueKey: string;
  rogueCert: string;
  /** Signed by the CA: CN=terminal-02. */
  otherCert: string;
}

export function generateCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'kanmon-certs-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  const read = (name: string) => readFileSync(join(dir, name), 'utf8');
  try {
    openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/C=JP/O=Kanmon Test CA/CN=Kanmon Test CA', '-days', '30');
    openssl('req', '-x509', ...ec, '-keyout', 'server.key', '-out', 'server.crt', '-subj', '/CN=localhost', '-days', '30', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1');
    for (const [name, cn] of [
      ['client', 'terminal-01'],
      ['other', 'terminal-02'],
    ] as const) {
      openssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/C=JP/O=Funabashi City/CN=${cn}`);
      openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '30');
    }
    openssl('req', '-x509', ...ec, '-keyout', 'rogue.key', '-out', 'rogue.crt', '-subj', '/C=JP/O=Funabashi City/CN=terminal-01', '-days', '30');
    return {
      caCert: read('ca.crt'),
      serverKey: read('server.key'),
      serverCert: read('server.crt'),
      clientKey: read('client.key'),
      clientCert: read('client.crt'),
      rogueKey: read('rogue.key'),
      rogueCert: read('rogue.crt'),
      otherCert: read('other.crt'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
