import { generateRegistrationOptions } from '@simplewebauthn/server';
import { KanmonError } from '../../errors.js';
import { signCeremonyChallenge } from '../../webauthn/challenge.js';
import { algorithmsFor, verifyRegistration } from '../../webauthn/ceremony.js';
import type { PasskeyCredential } from '../../webauthn/credential.js';
import type { AuditBase, FlowContext } from '../flow-context.js';
import { inputObject } from '../internal/input.js';
import { challengeCheck, labelOf, passkeysOf, sessionAccount, spendCeremony, summaryOf } from '../internal/passkey-common.js';
import type {
  FinishPasskeyRegistrationInput,
  FinishPasskeyRegistrationResult,
  PasskeyChallengeRefusal,
  PasskeySessionInput,
  StartPasskeyRegistrationResult,
} from '../passkey-types.js';

const MAX_USER_HANDLE = 64;

/**
 * Begin registering a passkey (issue 18): the session must still stand and be recent (step-up, SEC-13, ASVS 5.0
 * V7.5.1: a new factor only just after an authentication), and the account below `policy.webauthn.maxPerAccount`.
 * The challenge is bound to the tenant, the account and the session, expires after
 * `policy.webauthn.challengeTtlSeconds`, and is spent once. The user handle is the account id (at most 64 bytes).
 */
export async function startPasskeyRegistration(ctx: FlowContext, input: PasskeySessionInput): Promise<StartPasskeyRegistrationResult> {
  inputObject('startPasskeyRegistration', input, '{ session, …facts }');
  const opened = await sessionAccount(ctx, input, true);
  if (!opened.ok) return refuse(ctx, opened.base, 'start', opened.reason);
  const { account, base, session } = opened;
  const settings = ctx.policy.webauthn;
  const existing = passkeysOf(account);
  if (existing.length >= settings.maxPerAccount) return refuse(ctx, base, 'start', 'too_many');
  const userID = new TextEncoder().encode(account.id);
  if (userID.length > MAX_USER_HANDLE) throw new KanmonError('ERR_INVALID_ARGUMENT', 'startPasskeyRegistration: account ids longer than 64 bytes cannot be WebAuthn user handles');
  const expiresAt = ctx.now() + settings.challengeTtlSeconds * 1000;
  const { token } = signCeremonyChallenge(ctx.keyRing, { kind: 'register', tenant: account.tenant, accountId: account.id, binding: `session:${session.sessionId}`, expiresAt });
  const uv = settings.passwordless || settings.userVerification === 'required' ? 'required' : 'preferred';
  const options = await generateRegistrationOptions({
    rpName: settings.rpName,
    rpID: settings.rpId ?? '',
    userName: account.username,
    userID,
    userDisplayName: account.displayName ?? account.username,
    challenge: token,
    timeout: settings.challengeTtlSeconds * 1000,
    attestationType: settings.attestation,
    excludeCredentials: existing.map((c) => ({ id: c.id })),
    authenticatorSelection: { residentKey: settings.passwordless ? 'required' : 'preferred', userVerification: uv },
    supportedAlgorithmIDs: algorithmsFor(ctx.policy),
  });
  return { ok: true, options, expiresAt };
}

/**
 * Finish a registration: `@simplewebauthn/server` verifies the attestation (origin and rpId exactly as the policy
 * says, user verification when required), then the policy's AAGUID allow-list, attestation and backup rules; the
 * challenge is spent once, and the passkey is stored on the account (public key, counter, transports, AAGUID,
 * backed-up flag, label). Every outcome is audited with the credential id.
 */
export async function finishPasskeyRegistration(ctx: FlowContext, input: FinishPasskeyRegistrationInput): Promise<FinishPasskeyRegistrationResult> {
  inputObject('finishPasskeyRegistration', input, '{ session, response, label?, …facts }');
  const opened = await sessionAccount(ctx, input, true);
  if (!opened.ok) return refuse(ctx, opened.base, 'register', opened.reason);
  const { account, base, session } = opened;
  const settings = ctx.policy.webauthn;
  const label = labelOf(input.label, 'Passkey');
  if (label === null) return refuse(ctx, base, 'register', 'invalid_label');
  const existing = passkeysOf(account);
  if (existing.length >= settings.maxPerAccount) return refuse(ctx, base, 'register', 'too_many');

  const state: { refusal: PasskeyChallengeRefusal | null; claims: null | Parameters<typeof spendCeremony>[1] } = { refusal: null, claims: null };
  const check = challengeCheck(ctx, 'register', { tenant: account.tenant, accountId: account.id, binding: `session:${session.sessionId}` }, state);
  const requireUv = settings.passwordless || settings.userVerification === 'required';
  const verified = await verifyRegistration(ctx.policy, input.response, check, requireUv, ctx.now());
  if (!verified.ok) return refuse(ctx, base, 'register', verified.reason === 'challenge' ? (state.refusal ?? 'invalid_challenge') : verified.reason);
  const { credential } = verified;
  if (existing.some((c) => c.id === credential.id)) return refuse(ctx, base, 'register', 'already_registered', credential.id);
  if (state.claims === null || !(await spendCeremony(ctx, state.claims))) return refuse(ctx, base, 'register', 'challenge_reused', credential.id);

  const passkey: PasskeyCredential = { ...credential, label, createdAt: ctx.now(), lastUsedAt: null };
  await ctx.accounts.update(account.tenant, account.id, { passkeys: [...existing, passkey] });
  await ctx.record({ ...base, type: 'auth.passkey.registered', after: { webauthnId: passkey.id, aaguid: passkey.aaguid, backedUp: passkey.backedUp, label } });
  return { ok: true, passkey: summaryOf(passkey) };
}

async function refuse<R extends string>(ctx: FlowContext, base: AuditBase | null, step: 'start' | 'register', reason: R, credentialId?: string) {
  if (base !== null && reason !== 'unavailable') {
    await ctx.record({ ...base, type: 'auth.passkey.failure', outcome: 'denied', reason: `${step}_${reason}`, ...(credentialId ? { after: { webauthnId: credentialId } } : {}) });
  }
  return { ok: false as const, reason };
}
