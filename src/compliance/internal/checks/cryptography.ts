import { cryptrecSessionAlgorithms } from '../../../session/algorithms.js';
import { tls } from './access.js';
import { type Check, item, unset, weak } from './evidence.js';

/** SEC-17, FNB-2.4: CRYPTREC-listed algorithms at rest and in transit. */
export const cryptrec: Check = (s) => {
  const strict = s.cryptoProfile === 'cryptrec';
  const totpAlgorithm = s.mfa.totp.algorithm;
  return [
    item('cryptoProfile', s.cryptoProfile, 'cryptrec', strict ? undefined : unset('crypto_profile_standard', {})),
    item('hashing.algorithm', s.hashing.algorithm),
    item(
      'session.algorithm',
      s.session.algorithm,
      cryptrecSessionAlgorithms.join(' | '),
      cryptrecSessionAlgorithms.includes(s.session.algorithm) ? undefined : weak('algorithm_not_listed', { path: 'session.algorithm', value: s.session.algorithm }),
    ),
    // HMAC-SHA-1: SHA-1 is on CRYPTREC's monitored list (運用監視暗号リスト, kept for compatibility), not the recommended one.
    item('mfa.totp.algorithm', totpAlgorithm, strict ? 'SHA256 | SHA512' : undefined, strict && totpAlgorithm === 'SHA1' ? weak('hash_not_recommended', { path: 'mfa.totp.algorithm', value: totpAlgorithm }) : undefined),
    ...tls(s),
  ];
};
