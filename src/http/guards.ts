import type { AccessRequestDecision } from '../access/evaluate-access.js';
import { KanmonError } from '../errors.js';
import { assertMaxAge } from '../login/internal/step-up.js';
import type { EnrollTarget } from '../login/types.js';
import type { Policy } from '../policy/define-policy.js';
import type { Session, VerifySessionResult } from '../session/types.js';
import type { HttpContext } from './context.js';
import { type HttpErrorCode, type HttpReply, errorReply } from './error-body.js';
import { withCookies } from './replies.js';
import type { GuardOutcome, GuardRequirement, HttpRequest, KanmonRequestState } from './types.js';

const MFA_METHODS = new Set(['otp', 'hwk', 'mfa']);

/**
 * Whether a session authenticated with a second factor.
 *
 * @example
 * ```ts
 * import { hasSecondFactor } from 'kanmon/express';
 * const session = req.kanmon?.session;
 * if (session && !hasSecondFactor(session)) res.redirect('/mfa');
 * ```
 */
export function hasSecondFactor(session: Session): boolean {
  return session.amr.some((m) => MFA_METHODS.has(m));
}

/** The role names of `requireRole`: one name or a non-empty list of non-empty names (else `ERR_INVALID_ARGUMENT`). */
export function roleList(roles: unknown): readonly string[] {
  const items: unknown[] = typeof roles === 'string' ? [roles] : Array.isArray(roles) ? (roles as unknown[]) : [];
  const names = items.filter((r): r is string => typeof r === 'string' && r.length > 0);
  if (names.length === 0 || names.length !== items.length) throw new KanmonError('ERR_INVALID_ARGUMENT', 'requireRole needs one or more role names');
  return names;
}

/** `requireAccess(name)`: the name must be a rule of `policy.access.routes`, checked when the guard is made. */
export function accessRule(policy: Policy, policyName: unknown): string {
  if (typeof policyName !== 'string' || !Object.hasOwn(policy.access.routes, policyName)) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', `requireAccess('${String(policyName)}'): no such rule in policy.access.routes`);
  }
  return policyName;
}

/**
 * Run one guard. Every guard first checks the transport (IPC-16) and, but for
 * `access`, the session; so `requireRole('admin')` alone is as safe as
 * `requireSession()` followed by it.
 */
export async function guard(ctx: HttpContext, request: HttpRequest, current: KanmonRequestState, requirement: GuardRequirement): Promise<GuardOutcome> {
  const refused = ctx.transport(request, current);
  if (refused) return { ok: false, reply: refused };
  if (requirement.kind === 'access') return access(ctx, request, current, requirement.policyName);
  const outcome = await authenticate(ctx, request, current);
  return outcome.ok ? demand(ctx, current, requirement, outcome) : outcome;
}

const NO_COOKIES: readonly string[] = Object.freeze([]);

/**
 * {@link guard} without waiting, where it can answer so: the transport accepted and the session granted
 * synchronously (`HttpContext.verifyNow`: an in-process store, the token's signature already checked), then the same
 * requirement checks. `null` means "call {@link guard}", which then decides everything itself (every refusal of the
 * transport or the session, a token to check, a refresh, a store over the network, an access rule). Never throws.
 */
export function guardNow(ctx: HttpContext, request: HttpRequest, current: KanmonRequestState, requirement: GuardRequirement): GuardOutcome | null {
  if (requirement.kind === 'access') return null;
  try {
    if (ctx.transport(request, current) !== null) return null;
    if (current.session === null) {
      const found = ctx.verifyNow === null ? null : ctx.tokenOf(request);
      const session = found === null ? null : (ctx.verifyNow as NonNullable<HttpContext['verifyNow']>)(found.token, current.tenant);
      if (session === null) return null;
      current.session = session;
    }
    return demand(ctx, current, requirement, { ok: true, state: current, setCookie: NO_COOKIES });
  } catch {
    return null; // guard() meets the same failure and answers it on the one error path
  }
}

/** What a session-based requirement asks of an authenticated request (`session` needs nothing more). */
function demand(ctx: HttpContext, current: KanmonRequestState, requirement: Exclude<GuardRequirement, { kind: 'access' }>, outcome: Extract<GuardOutcome, { ok: true }>): GuardOutcome {
  const session = outcome.state.session as Session;
  if (requirement.kind === 'mfa' && !hasSecondFactor(session)) return refuse('mfa_required', current, outcome.setCookie);
  if (requirement.kind === 'role' && !requirement.roles.some((role) => session.roles.includes(role))) return refuse('forbidden', current, outcome.setCookie);
  if (requirement.kind === 'recent' && !ctx.kanmon.checkRecentAuth({ session, ...(requirement.maxAgeSeconds === null ? {} : { maxAgeSeconds: requirement.maxAgeSeconds }) }).ok) {
    return refuse('reauth_required', current, outcome.setCookie);
  }
  return outcome;
}

/**
 * `requireRecentAuth(maxAgeSeconds?)`: whole seconds from 1 to 86400, checked when the guard is made
 * (else `ERR_INVALID_ARGUMENT`); absent = `policy.session.reauthMaxAgeSeconds`, read per request.
 */
export function recentAuthAge(maxAgeSeconds: unknown): number | null {
  if (maxAgeSeconds === undefined) return null;
  assertMaxAge(maxAgeSeconds);
  return maxAgeSeconds;
}

const sessionFailure: Record<Exclude<VerifySessionResult, { ok: true }>['reason'], HttpErrorCode> = {
  malformed: 'session_invalid',
  invalid_signature: 'session_invalid',
  algorithm_not_allowed: 'session_invalid',
  revoked: 'session_invalid',
  wrong_tenant: 'session_invalid',
  expired_idle: 'session_expired',
  expired_absolute: 'session_expired',
  unavailable: 'service_unavailable',
};

/** The request's session (cookie, else `Bearer`), verified once per request; a refused cookie is cleared. */
export async function authenticate(ctx: HttpContext, request: HttpRequest, current: KanmonRequestState): Promise<GuardOutcome> {
  if (current.session !== null) return { ok: true, state: current, setCookie: [] };
  const found = ctx.tokenOf(request);
  if (found === null) return { ok: false, reply: errorReply('session_required', current.lang) };
  const result = await ctx.kanmon.sessions.verify(found.token, { tenant: current.tenant });
  if (!result.ok) {
    const code = sessionFailure[result.reason];
    const headers: Record<string, string> = found.from === 'cookie' && code !== 'service_unavailable' ? { 'set-cookie': ctx.clearCookie() } : {};
    return { ok: false, reply: errorReply(code, current.lang, {}, headers) };
  }
  current.session = result.session;
  // Rolling session: the re-issued token replaces the cookie (or rides in a header for Bearer clients).
  const setCookie = result.refreshed && found.from === 'cookie' ? [ctx.sessionCookie(result.refreshed.token)] : [];
  return { ok: true, state: current, setCookie };
}

/**
 * Who a challenge-or-session step is for: the `challenge` read from the body when there is one, else the
 * verified session (with any rolled cookie to send).
 */
export async function stepTarget(
  ctx: HttpContext,
  request: HttpRequest,
  current: KanmonRequestState,
  challenge: string | null,
): Promise<{ readonly ok: true; readonly target: EnrollTarget; readonly setCookie: readonly string[] } | { readonly ok: false; readonly reply: HttpReply }> {
  if (challenge !== null) return { ok: true, target: { challenge }, setCookie: [] };
  const outcome = await authenticate(ctx, request, current);
  if (!outcome.ok) return outcome;
  return { ok: true, target: { session: outcome.state.session as Session }, setCookie: outcome.setCookie };
}

/** FNB-2.1 for one named rule of `policy.access.routes`, plus its MFA flag (SEC-16, SEC-27). */
async function access(ctx: HttpContext, request: HttpRequest, current: KanmonRequestState, policyName: string): Promise<GuardOutcome> {
  // The session is optional here; when present it binds the device to the account and satisfies an MFA flag.
  let setCookie: readonly string[] = [];
  if (current.session === null && ctx.tokenOf(request) !== null) {
    const outcome = await authenticate(ctx, request, current);
    if (!outcome.ok) return outcome;
    setCookie = outcome.setCookie;
  }
  let decision: AccessRequestDecision;
  try {
    decision = await ctx.kanmon.access.evaluateRequest(ctx.accessRequest(request, current, policyName));
  } catch (err) {
    return { ok: false, reply: withCookies(ctx.fail(err, current.lang), setCookie) };
  }
  current.access = decision;
  if (!decision.ok) return refuse(decision.reason === 'tls_required' ? 'tls_required' : 'access_denied', current, setCookie);
  if (decision.flags.includes('mfa_required') && (current.session === null || !hasSecondFactor(current.session))) {
    return refuse('mfa_required', current, setCookie);
  }
  return { ok: true, state: current, setCookie };
}

const refuse = (code: HttpErrorCode, current: KanmonRequestState, setCookie: readonly string[]): GuardOutcome => ({
  ok: false,
  reply: errorReply(code, current.lang, {}, setCookie.length > 0 ? { 'set-cookie': setCookie } : {}),
});
