import { X509Certificate } from 'node:crypto';

/**
 * The makers' root certificates an attestation must lead to (`policy.webauthn.attestationRoots`), read once per list.
 * `@simplewebauthn/server` checks the statement, its signature and the batch certificate's AAGUID, but chains `packed`
 * and `tpm` certificates to nothing unless roots are set in its process-wide settings, and checks revocation by
 * fetching CRLs from the internet. kanmon keeps the roots per policy and fetches nothing (a closed network): a root
 * or a model is withdrawn by taking it out of the policy.
 */
const parsed = new WeakMap<readonly string[], readonly X509Certificate[]>();

/** A PEM string that is a CA certificate (what `attestationRoots` accepts). */
export function isCaCertificate(pem: string): boolean {
  try {
    return new X509Certificate(pem).ca;
  } catch {
    return false;
  }
}

/** A root certificate by its subject, one line (`C=JP, O=…, CN=…`), as the compliance report shows it. */
export const rootSubject = (pem: string): string => new X509Certificate(pem).subject.split('\n').join(', ');

const validAt = (cert: X509Certificate, now: number): boolean => Date.parse(cert.validFrom) <= now && now <= Date.parse(cert.validTo);

/**
 * Whether `x5c` (DER, batch certificate first) leads to one of `roots`: each certificate issued and signed by the next
 * (every issuer a CA), the last one a root or issued and signed by one, every certificate on the way valid at `now`.
 */
export function anchoredChain(x5c: readonly Uint8Array[], roots: readonly string[], now: number): boolean {
  let anchors = parsed.get(roots);
  if (anchors === undefined) {
    anchors = roots.map((pem) => new X509Certificate(pem));
    parsed.set(roots, anchors);
  }
  let chain: X509Certificate[];
  try {
    chain = x5c.map((der) => new X509Certificate(der));
  } catch {
    return false;
  }
  if (chain.length === 0 || !chain.every((cert) => validAt(cert, now))) return false;
  for (let i = 0; i + 1 < chain.length; i++) {
    const [cert, issuer] = [chain[i] as X509Certificate, chain[i + 1] as X509Certificate];
    if (!issuer.ca || !cert.checkIssued(issuer) || !cert.verify(issuer.publicKey)) return false;
  }
  const last = chain[chain.length - 1] as X509Certificate;
  return anchors.some((root) => validAt(root, now) && (root.fingerprint256 === last.fingerprint256 || (last.checkIssued(root) && last.verify(root.publicKey))));
}
