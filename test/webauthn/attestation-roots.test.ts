/**
 * SEC-6.3, RM-21 (only permitted devices): `policy.webauthn.attestationRoots`, the makers' root certificates an
 * attestation's chain must lead to. Checked with node:crypto, nothing fetched (a closed network, LGWAN).
 */
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { KanmonError} from '../../src/index.js';
import { definePolicy } from '../../src/index.js';
import { anchoredChain, rootSubject } from '../../src/webauthn/attestation-roots.js';
import { issued, rogue } from './support/attestation-fixtures.js';

const der = (pem: string) => new Uint8Array(new X509Certificate(pem).raw);
const at = Date.UTC(2026, 3, 7, 1, 0, 0);

describe('anchoredChain: the attestation chain leads to a listed root', () => {
  it('a batch certificate signed by a listed root leads to it, alone or with the root itself in the chain', () => {
    expect(anchoredChain([der(issued.leaf)], [issued.root], at)).toBe(true);
    expect(anchoredChain([der(issued.leaf), der(issued.root)], [issued.root], at)).toBe(true);
  });
  it('a chain under a root that is not listed (a maker that made its own) does not, even beside a listed one', () => {
    expect(anchoredChain([der(rogue.leaf)], [issued.root], at)).toBe(false);
    expect(anchoredChain([der(rogue.leaf), der(rogue.root)], [issued.root], at)).toBe(false);
    expect(anchoredChain([der(rogue.leaf)], [rogue.root, issued.root], at)).toBe(true);
  });
  it('a batch certificate is not an issuer (CA false): a chain that passes through one is refused', () => {
    expect(anchoredChain([der(rogue.leaf), der(issued.leaf)], [issued.root], at)).toBe(false);
  });
  it('outside the certificates’ validity (before 2025, after 2099) nothing leads anywhere', () => {
    expect(anchoredChain([der(issued.leaf)], [issued.root], Date.UTC(2024, 11, 31))).toBe(false);
    expect(anchoredChain([der(issued.leaf)], [issued.root], Date.UTC(2100, 0, 2))).toBe(false);
  });
  it('malformed input is a refusal, never a throw: no certificates, bytes that are not one', () => {
    expect(anchoredChain([], [issued.root], at)).toBe(false);
    expect(anchoredChain([new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01])], [issued.root], at)).toBe(false);
  });
});

describe('policy.webauthn.attestationRoots', () => {
  const policy = (attestationRoots: string[]) => definePolicy('funabashi', { webauthn: { enabled: true, rpId: 'kanmon.example', origins: ['https://kanmon.example'], attestation: 'direct', attestationRoots } });
  it('takes CA certificates in PEM; a batch certificate (not a CA) or text that is no certificate is ERR_INVALID_POLICY', () => {
    expect(policy([issued.root]).webauthn.attestationRoots).toEqual([issued.root]);
    for (const bad of [issued.leaf, 'not a certificate', '']) {
      expect(() => policy([bad])).toThrow(expect.objectContaining({ code: 'ERR_INVALID_POLICY' }) as KanmonError);
    }
  });
  it('a root is shown by its subject (what the compliance report prints)', () => {
    expect(rootSubject(issued.root)).toBe('C=JP, O=Kanmon Test Maker, CN=Kanmon Test Maker Attestation Root');
  });
});
