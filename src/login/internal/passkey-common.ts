import type { Session } from '../../session/types.js';
import { isTenantId, trustedKey } from '../../store/key.js';
import type { PasskeyCredential } from '../../webauthn/credential.js';
import { type CeremonyClaims, readCeremonyChallenge } from '../../webauthn/challenge.js';
import type { ChallengeCheck } from '../../webauthn/ceremony.js';
import { type AuditBase, type FlowContext, sourceOf } from '../flow-context.js';
import type { AccountRecord } from '../account.js';
import type { PasskeyChallengeRefusal, PasskeySessionInput, PasskeySessionRefusal, PasskeySummary } from '../passkey-types.js';
import { reauthDeadline } from './step-up.js';

/** The passkeys of an account (none when the repository keeps none). */
export const passkeysOf = (account: AccountRecord): readonly PasskeyCredential[] => account.passkeys ?? [];

/** A passkey as the user sees it. */
export const summaryOf = ({ id, label, aaguid, backedUp, transports, createdAt, lastUsedAt }: PasskeyCredential): PasskeySummary => ({
  id,
  label,
  aaguid,
  backedUp,
  transports: [...transports],
  createdAt,
  lastUsedAt,
});

/** A label typed by the user: trimmed, 1–64 characters, no control characters; `null` when it is none. */
export function labelOf(value: unknown, fallback: string | null): string | null {
  if (value === undefined) return fallback;
  if (typeof value !== 'string') return null;
  const label = value.normalize('NFC').trim();
  // eslint-disable-next-line no-control-regex
  return label.length >= 1 && [...label].length <= 64 && !/[\u0000-\u001f\u007f\u2028\u2029]/.test(label) ? label : null;
}

/** The store key of a ceremony challenge's single-use mark. */
export const ceremonyMark = (claims: CeremonyClaims): string => trustedKey(claims.tenant, 'webauthn-challenge', claims.nonce);

/** Spend a ceremony challenge once: `false` when another call spent it first. */
export const spendCeremony = (ctx: FlowContext, claims: CeremonyClaims): Promise<boolean> =>
  ctx.store.consumeOnce(ceremonyMark(claims), Math.max(1000, claims.expiresAt - ctx.now() + 1000));

/**
 * The challenge check handed to the library: the challenge is kanmon's, of this kind, not expired, and bound to
 * `expected` (tenant, account or none, binding). The refusal's code is kept in `state` for the caller.
 */
export function challengeCheck(
  ctx: FlowContext,
  kind: CeremonyClaims['kind'],
  expected: Pick<CeremonyClaims, 'tenant' | 'accountId' | 'binding'>,
  state: { refusal: PasskeyChallengeRefusal | null; claims: CeremonyClaims | null },
): ChallengeCheck {
  return (challenge) => {
    const read = readCeremonyChallenge(ctx.keyRing, challenge, kind, ctx.now());
    if (!read.ok) {
      state.refusal = read.reason;
      return false;
    }
    const { claims } = read;
    if (claims.tenant !== expected.tenant || claims.accountId !== expected.accountId || claims.binding !== expected.binding) {
      state.refusal = 'challenge_mismatch';
      return false;
    }
    state.claims = claims;
    return true;
  };
}

/** A session's account, if the session still stands; the refusal otherwise (audited by the caller). */
export async function sessionAccount(
  ctx: FlowContext,
  input: PasskeySessionInput,
  fresh: boolean,
): Promise<{ ok: true; account: AccountRecord; base: AuditBase; session: Session } | { ok: false; reason: PasskeySessionRefusal; base: AuditBase | null }> {
  const { session } = input;
  if (!ctx.policy.webauthn.enabled) return { ok: false, reason: 'passkeys_off', base: null };
  if (typeof session !== 'object' || session === null || !isTenantId(session.tenant) || typeof session.subject !== 'string' || typeof session.sessionId !== 'string') {
    return { ok: false, reason: 'invalid_session', base: null };
  }
  const [account, epoch] = await Promise.all([ctx.accounts.findById(session.tenant, session.subject), ctx.sessions.epoch(session.tenant, session.subject)]);
  const base: AuditBase = { tenant: session.tenant, actor: account?.username ?? session.subject, target: session.subject, source: sourceOf(input.clientIp, input.userAgent) };
  if (account === null || account.disabled || session.epoch !== epoch) return { ok: false, reason: 'invalid_session', base };
  if (fresh && ctx.now() > reauthDeadline(ctx, session)) return { ok: false, reason: 'reauth_required', base };
  return { ok: true, account, base, session };
}
