import { generateAuthenticationOptions, type AuthenticationResponseJSON } from '@simplewebauthn/server';
import { KanmonError } from '../../errors.js';
import type { AuthMethod } from '../../session/types.js';
import { isTenantId } from '../../store/key.js';
import type { CeremonyClaims } from '../../webauthn/challenge.js';
import { signCeremonyChallenge } from '../../webauthn/challenge.js';
import { responseCredentialId, responseUserHandle, verifyAssertion } from '../../webauthn/ceremony.js';
import type { PasskeyCredential, PasskeyUse } from '../../webauthn/credential.js';
import type { AccountRecord } from '../account.js';
import type { FinishPasskeyAuthenticationResult } from '../types.js';
import { type AuditBase, type FlowContext, type StepContext, sourceOf } from '../flow-context.js';
import { inputObject } from '../internal/input.js';
import { ceremonyMark, challengeCheck, passkeysOf, sessionAccount, spendCeremony } from '../internal/passkey-common.js';
import { placeRefusal, resolvePlace } from '../internal/place.js';
import { updateAccount } from '../internal/record-login.js';
import type {
  FinishPasskeyAuthenticationInput,
  PasskeyChallengeRefusal,
  PasskeyDenied,
  PasskeyDenyReason,
  StartPasskeyAuthenticationInput,
  StartPasskeyAuthenticationResult,
} from '../passkey-types.js';

/**
 * Begin a passkey sign-in (issue 18). With a login's `mfa_required` challenge: the passkey as second factor, bound
 * to that login (the account's passkeys allowed). With a session: step-up, bound to the session. With a tenant
 * alone: passwordless (`policy.webauthn.passwordless`), discoverable credentials, user verification required.
 */
export async function startPasskeyAuthentication(ctx: FlowContext, input: StartPasskeyAuthenticationInput): Promise<StartPasskeyAuthenticationResult> {
  inputObject('startPasskeyAuthentication', input, '{ tenant, challenge? } or { session }');
  const settings = ctx.policy.webauthn;
  if (!settings.enabled) return { ok: false, reason: 'passkeys_off' };
  let target: { tenant: string; accountId: string | null; binding: string | null; allow: readonly PasskeyCredential[]; uv: 'required' | 'preferred' };
  if (input.session !== undefined) {
    const opened = await sessionAccount(ctx, { session: input.session }, false);
    if (!opened.ok) return { ok: false, reason: opened.reason === 'reauth_required' ? 'invalid_session' : opened.reason };
    const allow = passkeysOf(opened.account);
    if (allow.length === 0) return { ok: false, reason: 'not_enrolled' };
    target = { tenant: opened.account.tenant, accountId: opened.account.id, binding: `session:${opened.session.sessionId}`, allow, uv: settings.userVerification };
  } else if (input.challenge !== undefined) {
    const opened = await ctx.openChallenge(input.challenge, 'mfa');
    if (opened === null || opened.claims.tenant !== input.tenant) return { ok: false, reason: 'invalid_challenge' };
    const allow = passkeysOf(opened.account);
    if (allow.length === 0) return { ok: false, reason: 'not_enrolled' };
    target = { tenant: opened.account.tenant, accountId: opened.account.id, binding: `mfa:${opened.claims.id}`, allow, uv: settings.userVerification };
  } else {
    if (!isTenantId(input.tenant)) throw new KanmonError('ERR_INVALID_ARGUMENT', 'startPasskeyAuthentication: pass { tenant } (a tenant id), { tenant, challenge } or { session }');
    if (!settings.passwordless) return { ok: false, reason: 'passkeys_off' };
    target = { tenant: input.tenant, accountId: null, binding: null, allow: [], uv: 'required' };
  }
  const expiresAt = ctx.now() + settings.challengeTtlSeconds * 1000;
  const { token } = signCeremonyChallenge(ctx.keyRing, { kind: 'authenticate', tenant: target.tenant, accountId: target.accountId, binding: target.binding, expiresAt });
  const options = await generateAuthenticationOptions({
    rpID: settings.rpId ?? '',
    challenge: token,
    timeout: settings.challengeTtlSeconds * 1000,
    userVerification: target.uv,
    allowCredentials: target.allow.map((c) => ({ id: c.id, transports: c.transports as NonNullable<Parameters<typeof generateAuthenticationOptions>[0]['allowCredentials']>[number]['transports'] })),
  });
  return { ok: true, options, expiresAt };
}

/** The passkey proven (and its use, when the caller writes it back), or why not (audited). */
type Proof = { ok: true; userVerified: boolean; use: PasskeyUse } | { ok: false; reason: PasskeyDenyReason; retryAfterMs?: number | null };

/**
 * Verify one assertion by one of `account`'s passkeys: the MFA lockout first (a locked factor is not checked), then
 * `@simplewebauthn/server` (origin, rpId hash, flags, counter, signature) with kanmon's challenge check, then the
 * challenge is spent once (of concurrent calls with one assertion exactly one gets past here), then the counter and
 * last use are written back: here, or with `deferUse` by the caller (a sign-in: with the login's one account update,
 * `StepContext.passkeyUse`). A failure counts toward the second-factor lock and is audited with the credential id;
 * a lowered counter is audited as a clone warning as well.
 */
export async function provePasskey(
  ctx: FlowContext,
  account: AccountRecord,
  response: unknown,
  expected: Pick<CeremonyClaims, 'accountId' | 'binding'>,
  requireUv: boolean,
  base: AuditBase,
  prefix: '' | 'reauth_',
  deferUse = false,
): Promise<Proof> {
  const credentialId = responseCredentialId(response);
  const credential = credentialId === null ? undefined : passkeysOf(account).find((c) => c.id === credentialId);
  const who = { account: account.id, tenant: account.tenant };
  const reservation = await ctx.lockout.reserveMfa(who);
  if (!reservation.ok) {
    await ctx.record({ ...base, type: 'auth.passkey.failure', outcome: 'denied', reason: `${prefix}${reservation.reason}` });
    return reservation.reason === 'unavailable' ? { ok: false, reason: 'unavailable' } : { ok: false, reason: 'locked', retryAfterMs: reservation.retryAfterMs };
  }
  const fail = async (reason: PasskeyDenyReason): Promise<Proof> => {
    await ctx.lockout.failMfa?.(who, reservation);
    const after = credentialId === null ? {} : { after: { webauthnId: credentialId } };
    await ctx.record({ ...base, type: 'auth.passkey.failure', reason: `${prefix}${reason}`, ...after });
    if (reason === 'counter_regression') await ctx.record({ ...base, type: 'auth.passkey.clone_warning', outcome: 'denied', reason: 'counter_regression', ...after });
    return { ok: false, reason };
  };
  if (credential === undefined) return fail(credentialId === null ? 'invalid_response' : 'unknown_credential');

  const state: { refusal: PasskeyChallengeRefusal | null; claims: CeremonyClaims | null } = { refusal: null, claims: null };
  const check = challengeCheck(ctx, 'authenticate', { tenant: account.tenant, accountId: expected.accountId, binding: expected.binding }, state);
  const verified = await verifyAssertion(ctx.policy, response as AuthenticationResponseJSON, credential, check, requireUv);
  if (!verified.ok) {
    // The library checks the counter before kanmon spends the challenge: a replay of an assertion that was
    // accepted (its counter is stored) reads as a lowered counter. A spent challenge tells the replay from a clone.
    const replayed = verified.reason === 'counter_regression' && state.claims !== null && (await ctx.store.readCounter(ceremonyMark(state.claims))) !== 0;
    return fail(replayed ? 'challenge_reused' : verified.reason === 'challenge' ? (state.refusal ?? 'invalid_challenge') : verified.reason);
  }
  if (state.claims === null || !(await spendCeremony(ctx, state.claims))) return fail('challenge_reused');
  // The counter only ever moves up, and the challenge above is what refuses a replay. Written here, the lockout's
  // success and the write (a fresh read of the list, then the update) are independent: one wait for both.
  const use: PasskeyUse = { id: credential.id, counter: verified.newCounter, backedUp: verified.backedUp, at: ctx.now() };
  if (deferUse) await ctx.lockout.succeedMfa(who, reservation);
  else await Promise.all([ctx.lockout.succeedMfa(who, reservation), updateAccount(ctx.accounts, account, {}, use)]);
  // Spelled out (here and below, on the success path): an object spread followed by more fields is V8's slow path.
  await ctx.record({
    tenant: base.tenant,
    actor: base.actor,
    target: base.target,
    source: base.source,
    type: 'auth.passkey.success',
    reason: prefix === '' ? null : 'reauth',
    after: { webauthnId: credential.id, counter: verified.newCounter, userVerified: verified.userVerified },
  });
  return { ok: true, userVerified: verified.userVerified, use };
}

/**
 * Finish a passkey sign-in. With `challenge` (the login's `mfa_required` one): the passkey completes that login
 * as its second factor, the login challenge is spent once, and the session carries `hwk` and `mfa` (and `user`
 * after user verification). Without: passwordless, after the place checks of a login (IP, device, hours); the
 * passkey names the account (user handle), user verification is required, and the session carries `hwk`, `user`
 * and `mfa` (the passkey alone is two factors).
 */
export async function finishPasskeyAuthentication(ctx: FlowContext, input: FinishPasskeyAuthenticationInput): Promise<FinishPasskeyAuthenticationResult> {
  const { tenant, response, challenge } = inputObject('finishPasskeyAuthentication', input, '{ tenant, response, challenge?, …facts }');
  if (!isTenantId(tenant)) throw new KanmonError('ERR_INVALID_ARGUMENT', 'finishPasskeyAuthentication: pass { tenant } (a tenant id)');
  const settings = ctx.policy.webauthn;
  if (!settings.enabled || (challenge === undefined && !settings.passwordless)) return denied('passkeys_off');

  if (challenge !== undefined) {
    const opened = await ctx.openChallenge(challenge, 'mfa');
    if (opened === null || opened.claims.tenant !== tenant) return denied('invalid_challenge');
    const { claims, account } = opened;
    const step = ctx.stepOf(claims, input);
    const base: AuditBase = { tenant, actor: account.username, target: account.id, source: step.source };
    const proof = await provePasskey(ctx, account, response, { accountId: account.id, binding: `mfa:${claims.id}` }, settings.userVerification === 'required', base, '', true);
    if (!proof.ok) return denied(proof.reason, proof.retryAfterMs);
    if (!(await ctx.spendChallenge(claims))) {
      await updateAccount(ctx.accounts, account, {}, proof.use);
      return denied('invalid_challenge');
    }
    await ctx.record({ tenant, actor: account.username, target: account.id, source: step.source, type: 'auth.mfa.success', reason: 'passkey' });
    const amr = new Set<AuthMethod>([...claims.amr, 'hwk', ...(proof.userVerified ? (['user'] as const) : []), 'mfa']);
    const { clientIp, deviceVerified, hoursOpen, authTime, outOfHours, source } = step;
    return ctx.issueSession(account, { clientIp, deviceVerified, hoursOpen, amr: [...amr], authTime, outOfHours, source, passkeyUse: proof.use });
  }

  // Passwordless: the place first, as at login (nothing is looked up for a refused place).
  const place = await resolvePlace(ctx, tenant, input);
  const source = sourceOf(place.clientIp, input.userAgent);
  if (!place.decision.ok) {
    await ctx.record(placeRefusal(place.decision, tenant, null, source));
    return denied(place.decision.reason);
  }
  const outOfHours = place.decision.flags.includes('out_of_hours');
  if (outOfHours) await ctx.record({ type: 'access.out_of_hours', tenant, actor: null, source, outOfHours: true });
  const accountId = responseUserHandle(response);
  const account = accountId === null ? null : await ctx.accounts.findById(tenant, accountId);
  if (account === null || account.disabled) {
    await ctx.record({ type: 'auth.passkey.failure', tenant, actor: null, target: accountId, source, reason: account === null ? 'unknown_credential' : 'disabled', outOfHours });
    return denied(accountId === null ? 'invalid_response' : 'unknown_credential');
  }
  const base: AuditBase = { tenant, actor: account.username, target: account.id, source };
  if (place.device?.ok === true && place.device.device.accountId !== null && place.device.device.accountId !== account.id) {
    await ctx.record({ ...base, type: 'auth.passkey.failure', reason: 'device_wrong_account', outOfHours });
    return denied('device_not_registered');
  }
  const proof = await provePasskey(ctx, account, response, { accountId: null, binding: null }, true, base, '', true);
  if (!proof.ok) return denied(proof.reason, proof.retryAfterMs);
  const step: StepContext = {
    clientIp: place.clientIp,
    deviceVerified: place.certificate?.ok === true || place.device?.ok === true,
    hoursOpen: place.decision.hours === null ? null : place.decision.hours.ok,
    amr: ['hwk', 'user', 'mfa'],
    authTime: ctx.now(),
    outOfHours,
    source,
    passkeyUse: proof.use,
  };
  await ctx.record({ tenant, actor: account.username, target: account.id, source, type: 'auth.login.success', reason: 'passkey', outOfHours });
  return ctx.issueSession(account, step);
}

const denied = (reason: PasskeyDenyReason, retryAfterMs?: number | null): PasskeyDenied =>
  retryAfterMs === undefined ? { status: 'denied', reason } : { status: 'denied', reason, retryAfterMs };
