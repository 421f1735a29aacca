import {
  type AuthenticationResponseJSON,
  type AuthenticatorTransportFuture,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { decodeAttestationObject } from '@simplewebauthn/server/helpers';
import type { Policy } from '../policy/define-policy.js';
import { anchoredChain } from './attestation-roots.js';
import type { PasskeyCredential } from './credential.js';

/**
 * Why `@simplewebauthn/server` (or a policy check after it) refused a response. The library does every check
 * (CBOR, COSE, attestation, rpId hash, origin, flags, counter, signature); kanmon only maps its refusal to a code.
 */
export type CeremonyRefusal =
  /** Not a WebAuthn response (missing fields, bad encoding, wrong type). */
  | 'invalid_response'
  /** `clientDataJSON.origin` is not one of `policy.webauthn.origins` (exactly). */
  | 'wrong_origin'
  /** The authenticator data's rpId hash is not SHA-256 of `policy.webauthn.rpId`. */
  | 'wrong_rp_id'
  /** User verification (PIN, biometric) was required and the authenticator did not do it. */
  | 'user_verification_required'
  /** The sign counter did not move past the stored one: a cloned authenticator, or a replayed assertion. */
  | 'counter_regression'
  /** The signature does not verify under the stored public key. */
  | 'invalid_signature'
  /** The authenticator model is not in `policy.webauthn.allowedAaguids`. */
  | 'aaguid_not_allowed'
  /** `policy.webauthn.attestation` is `direct` and the authenticator attested nothing (or only itself). */
  | 'attestation_required'
  /** The attestation's certificate chain does not lead to one of `policy.webauthn.attestationRoots`. */
  | 'attestation_untrusted'
  /** A synced (backed-up) passkey while `policy.webauthn.allowBackedUp` is off. */
  | 'backup_not_allowed';

/** The library's error, as a code. Its messages are stable within the pinned 13.x line; a new one reads as `invalid_response`. */
function classify(err: unknown): CeremonyRefusal {
  const message = err instanceof Error ? err.message : '';
  if (err instanceof Error && err.name === 'UnexpectedRPIDHash') return 'wrong_rp_id';
  if (/response origin/.test(message)) return 'wrong_origin';
  if (/RP ID hash/i.test(message)) return 'wrong_rp_id';
  if (/User verification/i.test(message)) return 'user_verification_required';
  if (/counter value/i.test(message)) return 'counter_regression';
  return 'invalid_response';
}

/** A challenge check the library calls with `clientDataJSON.challenge`; `false` makes it refuse (the caller knows why). */
export type ChallengeCheck = (challenge: string) => boolean;

const CHALLENGE_REFUSED = /Custom challenge verifier returned false/;

/** What the library's error says: the challenge check refused (the caller knows why), or a coded refusal. */
const refusalOf = (err: unknown): CeremonyRefusal | 'challenge' => (err instanceof Error && CHALLENGE_REFUSED.test(err.message) ? 'challenge' : classify(err));

/** Signature algorithms offered: EdDSA, ES256, RS256; under `cryptoProfile: 'cryptrec'` only the CRYPTREC-listed ECDSA and RSA. */
export const algorithmsFor = (policy: Policy): number[] => (policy.cryptoProfile === 'cryptrec' ? [-7, -257] : [-8, -7, -257]);

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A refusal of the challenge check, or of the response itself. */
export type Checked<T> = ({ readonly ok: true } & T) | { readonly ok: false; readonly reason: CeremonyRefusal | 'challenge' };

/**
 * Under `attestation: 'direct'`, why the attestation does not prove the model, or `null`. `attestation_required`: a
 * `none` statement, or a `packed` self attestation (WebAuthn §8.2: signed by the new credential's own key, no
 * certificate, so the AAGUID in it is the authenticator's word); every other format the library accepts carries a
 * certificate (`x5c`, or SafetyNet's signed response). `attestation_untrusted`: with `attestationRoots`, a chain
 * (`x5c`) that leads to none of them (a format without one, e.g. SafetyNet's, does not).
 */
function attestationRefusal(
  settings: Policy['webauthn'],
  fmt: string,
  attestationObject: Uint8Array<ArrayBuffer>,
  now: number,
): 'attestation_required' | 'attestation_untrusted' | null {
  if (fmt === 'none') return 'attestation_required';
  const x5c = decodeAttestationObject(attestationObject).get('attStmt').get('x5c');
  const chain = Array.isArray(x5c) && x5c.length > 0 ? x5c : null;
  if (fmt === 'packed' && chain === null) return 'attestation_required';
  if (settings.attestationRoots.length > 0 && (chain === null || !anchoredChain(chain, settings.attestationRoots, now))) return 'attestation_untrusted';
  return null;
}

/** Verify a registration response (attestation) and the policy's model, attestation and backup rules. */
export async function verifyRegistration(
  policy: Policy,
  response: unknown,
  checkChallenge: ChallengeCheck,
  requireUserVerification: boolean,
  now: number,
): Promise<Checked<{ readonly credential: Omit<PasskeyCredential, 'label' | 'createdAt' | 'lastUsedAt'> }>> {
  const settings = policy.webauthn;
  if (!isObject(response) || !isObject(response.response)) return { ok: false, reason: 'invalid_response' };
  let info;
  try {
    const verified = await verifyRegistrationResponse({
      response: response as unknown as RegistrationResponseJSON,
      expectedChallenge: checkChallenge,
      expectedOrigin: [...settings.origins],
      expectedRPID: settings.rpId ?? '',
      requireUserVerification,
      supportedAlgorithmIDs: algorithmsFor(policy),
    });
    if (!verified.verified) return { ok: false, reason: 'invalid_signature' };
    info = verified.registrationInfo;
  } catch (err) {
    return { ok: false, reason: refusalOf(err) };
  }
  const unproven = settings.attestation === 'direct' ? attestationRefusal(settings, info.fmt, info.attestationObject, now) : null;
  if (unproven !== null) return { ok: false, reason: unproven };
  if (settings.allowedAaguids.length > 0 && !settings.allowedAaguids.includes(info.aaguid.toLowerCase())) return { ok: false, reason: 'aaguid_not_allowed' };
  if (!settings.allowBackedUp && info.credentialBackedUp) return { ok: false, reason: 'backup_not_allowed' };
  return {
    ok: true,
    credential: {
      id: info.credential.id,
      publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
      counter: info.credential.counter,
      transports: (info.credential.transports ?? []).filter((t) => typeof t === 'string').slice(0, 8),
      aaguid: info.aaguid.toLowerCase(),
      backedUp: info.credentialBackedUp,
    },
  };
}

/** Verify an assertion by `credential` (signature, counter, flags) and the policy's backup rule. */
export async function verifyAssertion(
  policy: Policy,
  response: AuthenticationResponseJSON,
  credential: PasskeyCredential,
  checkChallenge: ChallengeCheck,
  requireUserVerification: boolean,
): Promise<Checked<{ readonly newCounter: number; readonly backedUp: boolean; readonly userVerified: boolean }>> {
  const settings = policy.webauthn;
  const publicKey = new Uint8Array(Buffer.from(credential.publicKey, 'base64url'));
  const verify = (counter: number) =>
    verifyAuthenticationResponse({
      response,
      expectedChallenge: checkChallenge,
      expectedOrigin: [...settings.origins],
      expectedRPID: settings.rpId ?? '',
      credential: { id: credential.id, publicKey, counter, transports: credential.transports as AuthenticatorTransportFuture[] },
      requireUserVerification,
    });
  try {
    const verified = await verify(credential.counter);
    if (!verified.verified) return { ok: false, reason: 'invalid_signature' };
    const { newCounter, credentialBackedUp, userVerified } = verified.authenticationInfo;
    if (!settings.allowBackedUp && credentialBackedUp) return { ok: false, reason: 'backup_not_allowed' };
    return { ok: true, newCounter, backedUp: credentialBackedUp, userVerified };
  } catch (err) {
    const reason = refusalOf(err);
    return reason === 'counter_regression' ? signedRegression(verify) : { ok: false, reason };
  }
}

/**
 * A lowered counter, as the library reports it: it compares the counter before it checks the signature. The
 * counter is a clone's mark only on an assertion the credential's key signed; anyone who knows a credential id
 * can send one with a low counter and no valid signature. So the same checks again without the counter
 * (a stored counter of 0 is never compared): the signature decides between `counter_regression` and what is
 * wrong with the assertion.
 */
async function signedRegression(verify: (counter: number) => ReturnType<typeof verifyAuthenticationResponse>): Promise<{ readonly ok: false; readonly reason: CeremonyRefusal | 'challenge' }> {
  try {
    return { ok: false, reason: (await verify(0)).verified ? 'counter_regression' : 'invalid_signature' };
  } catch (err) {
    return { ok: false, reason: refusalOf(err) };
  }
}

/** The credential id a response names (`id`), when it is one (base64url, at most 1023 bytes as WebAuthn allows). */
export function responseCredentialId(response: unknown): string | null {
  if (!isObject(response) || !isObject(response.response)) return null;
  const { id } = response;
  return typeof id === 'string' && id.length > 0 && id.length <= 1366 && /^[A-Za-z0-9_-]+$/.test(id) ? id : null;
}

/** The user handle of an assertion (base64url → the account id it was registered with), or `null`. */
export function responseUserHandle(response: unknown): string | null {
  if (!isObject(response) || !isObject(response.response)) return null;
  const handle = response.response.userHandle;
  if (typeof handle !== 'string' || handle.length === 0 || handle.length > 88 || !/^[A-Za-z0-9_-]+$/.test(handle)) return null;
  return Buffer.from(handle, 'base64url').toString('utf8');
}
