import { KanmonError } from '../../errors.js';
import type { MessageLang } from '../../messages/catalog.js';
import { issueResetToken, rehearseResetToken } from '../../recovery/reset-token.js';
import { reserveResetRequest } from '../../recovery/throttle.js';
import { assertTenant } from '../../store/key.js';
import { type FlowContext, MAX_USERNAME, sourceOf } from '../flow-context.js';
import { placeRefusal, resolvePlace } from '../internal/place.js';
import type { PasswordResetDelivery, RequestPasswordResetInput, RequestPasswordResetResult } from '../reset-types.js';

/** The one answer for an account that exists, one that does not, a disabled one and a locked one. */
const REQUESTED: RequestPasswordResetResult = Object.freeze({ ok: true as const });

/**
 * Ask for a password reset (ASVS 5.0 V6.4): place and device as for a login → the account looked up → the
 * request throttles (per account, unknown names alike, and per client IP) → a token for an account that may
 * reset (disabled: no), handed to the application's `deliver`; for any other name the same store calls and
 * the same one keyed hash over a token nobody gets. The caller sees `{ ok: true }` in every case, in the same
 * time whatever `deliver` does (it is not awaited); the audit log keeps the real reason.
 */
export async function requestPasswordReset(ctx: FlowContext, input: RequestPasswordResetInput): Promise<RequestPasswordResetResult> {
  if (typeof input !== 'object' || input === null) throw new KanmonError('ERR_INVALID_ARGUMENT', 'requestPasswordReset takes one object { tenant, username, lang?, …facts }');
  const { tenant, username } = input;
  assertTenant(tenant);
  const { policy, accounts, record, now } = ctx;
  if (!policy.recovery.selfService) return { ok: false, reason: 'self_service_off' };
  const lang: MessageLang = input.lang === 'en' ? 'en' : 'ja';

  const place = await resolvePlace(ctx, tenant, input);
  const source = sourceOf(place.clientIp, input.userAgent);
  const actor = typeof username === 'string' ? username.slice(0, MAX_USERNAME) : null;
  if (!place.decision.ok) {
    await record(placeRefusal(place.decision, tenant, actor, source));
    return { ok: false, reason: place.decision.reason };
  }
  const outOfHours = place.decision.flags.includes('out_of_hours');
  if (typeof username !== 'string' || username.length === 0 || username.length > MAX_USERNAME) {
    await record({ type: 'password.reset.requested', tenant, actor, source, outcome: 'denied', reason: 'malformed_input', outOfHours });
    return { ok: false, reason: 'invalid_request' };
  }

  const account = await accounts.find(tenant, username);
  const throttle = await reserveResetRequest(ctx.store, policy, { tenant, accountId: account?.id ?? null, name: username, ip: place.throttleIp }, now());
  if (!throttle.ok) {
    await record({ type: 'password.reset.requested', tenant, actor, target: account?.id ?? null, source, outcome: 'denied', reason: `throttled_${throttle.scope}`, outOfHours });
    return { ok: false, reason: 'throttled', retryAfterMs: throttle.retryAfterMs };
  }

  const tokens = { store: ctx.store, keyRing: ctx.keyRing, policy, now };
  if (account !== null && !account.disabled) {
    const issued = await issueResetToken(tokens, tenant, account.id);
    // Audited before it leaves: nothing is handed out that the log does not hold.
    await record({ type: 'password.reset.requested', tenant, actor, target: account.id, source, outcome: 'info', outOfHours });
    deliver(ctx, { tenant, accountId: account.id, token: issued.token, expiresAt: issued.expiresAt, lang });
  } else {
    await rehearseResetToken(tokens, tenant);
    // The same record as above but for its reason: the same work, and the log keeps why nothing was sent.
    await record({ type: 'password.reset.requested', tenant, actor, target: account?.id ?? null, source, outcome: 'info', reason: account === null ? 'unknown_user' : 'disabled', outOfHours });
  }
  return REQUESTED;
}

/** Hand the token to the application, without waiting: a failure is reported, never the token. */
function deliver(ctx: FlowContext, delivery: PasswordResetDelivery): void {
  const report = (err: unknown) =>
    process.emitWarning(`kanmon: the password-reset deliver callback failed (${err instanceof Error ? err.name : typeof err}) for an account of tenant ${delivery.tenant}`, {
      code: 'KANMON_RESET_DELIVERY',
    });
  try {
    const sent = ctx.recovery?.deliver(delivery);
    if (sent && typeof sent.then === 'function') sent.then(undefined, report);
  } catch (err) {
    report(err);
  }
}
