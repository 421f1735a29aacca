import type { AccessEvaluator } from '../access/evaluate-access.js';
import type { Devices } from '../access/device.js';
import type { AuditReceipt } from '../audit/create-audit-log.js';
import type { AuditEventInput } from '../audit/event.js';
import type { KeyRing } from '../keys/key-ring.js';
import type { Lockout } from '../lockout/types.js';
import { type ConsumeRecoveryCodeResult, consumeRecoveryCode } from '../mfa/recovery-codes.js';
import { secondFactorOf } from '../mfa/internal/code-kind.js';
import { mfaRequirement } from '../mfa/requirement.js';
import { type VerifyTotpResult, verifyTotp } from '../mfa/totp.js';
import { checkPasswordAge } from '../password/age.js';
import { revokeResetTokens } from '../recovery/reset-token.js';
import type { BreachedPasswordFilter } from '../password/breached/create-filter.js';
import type { PasswordHasher } from '../password/hash/create-hasher.js';
import type { Policy } from '../policy/define-policy.js';
import type { AuthMethod, Session, SessionManager } from '../session/types.js';
import { isTenantId, trustedKey } from '../store/key.js';
import type { KanmonStore } from '../store/store.js';
import { type ChallengeClaims, type ChallengeStage, readChallenge, signChallenge } from './internal/challenge.js';
import type { KanmonRecoveryOptions } from './reset-types.js';
import { type SessionLimitDenied, sessionLimitDenied } from './session-types.js';
import { countLoginFailure } from './internal/login-notice.js';
import { type LoginRecorded, recordLogin, updateAccount } from './internal/record-login.js';
import type { PasskeyUse } from '../webauthn/credential.js';
import type { AccountPatch, AccountRecord, AccountRepository, LoginAuthenticated, LoginMfaRequired, LoginWarning, NewSourceNotice, RequestFacts } from './types.js';

/** What every flow works with: built once by `createKanmon`. */
export interface FlowDeps {
  readonly policy: Policy;
  readonly store: KanmonStore;
  readonly accounts: AccountRepository;
  readonly keyRing: KeyRing;
  readonly hasher: PasswordHasher;
  readonly lockout: Lockout;
  readonly sessions: SessionManager;
  readonly devices: Devices;
  readonly access: AccessEvaluator;
  readonly now: () => number;
  readonly breachedFilter: BreachedPasswordFilter | undefined;
  readonly challengeTtlMs: number;
  readonly recoveryCodesLowWater: number;
  /** Self-service password reset: the application's delivery (required when `policy.recovery.selfService` is on). */
  readonly recovery: KanmonRecoveryOptions | undefined;
  /** Append one audit event (the one path every decision takes). */
  readonly record: (event: AuditEventInput) => Promise<AuditReceipt>;
  /** The application's hook for a login from a new source (`KanmonOptions.onNewSource`). */
  readonly onNewSource?: ((notice: NewSourceNotice) => void | Promise<void>) | undefined;
}

/** The facts the MFA decision and the session need after the password step. */
export interface StepContext {
  readonly clientIp: string | null;
  readonly deviceVerified: boolean;
  readonly hoursOpen: boolean | null;
  readonly amr: readonly AuthMethod[];
  readonly authTime: number;
  readonly outOfHours: boolean;
  readonly source: AuditSource;
  /** An account patch the login deferred to its one update at the session (a rehashed password). */
  readonly pendingPatch?: AccountPatch | undefined;
  /** The passkey the login signed in with: its counter and last use, written with that one update (or without a session). */
  readonly passkeyUse?: PasskeyUse | undefined;
}

/** Where an audited request came from. */
export interface AuditSource {
  readonly ip?: string;
  readonly userAgent?: string;
}

/** The who of a step's audit events. */
export type AuditBase = Pick<AuditEventInput, 'tenant' | 'actor' | 'target' | 'source'>;

/** A second-factor code checked: which factor it proved, or the refusal of the check. */
export type FactorCheck =
  | { readonly ok: true; readonly method: 'totp' | 'recovery_code'; readonly remaining: number | null }
  | Extract<VerifyTotpResult, { ok: false }>
  | Extract<ConsumeRecoveryCodeResult, { ok: false }>;

/** The dependencies, plus the steps more than one flow takes. */
export interface FlowContext extends FlowDeps {
  /** The account a challenge names, if the challenge is still good (signature, stage, expiry, epoch, unused, account enabled). */
  openChallenge(token: unknown, stage: ChallengeStage): Promise<{ claims: ChallengeClaims; account: AccountRecord } | null>;
  /** A challenge continuing this login at `stage`. */
  challengeFor(account: AccountRecord, stage: ChallengeStage, step: StepContext): Promise<{ token: string; claims: ChallengeClaims }>;
  /** Mark a challenge used; `false` when another call used it first. */
  spendChallenge(claims: ChallengeClaims): Promise<boolean>;
  /** The step facts a challenge carries, with the source of this request. */
  stepOf(claims: ChallengeClaims, facts: RequestFacts | undefined, outOfHours?: boolean): StepContext;
  /** Issue and audit the session, with the warnings the user should see. */
  issueSession(account: AccountRecord, step: StepContext, extra?: readonly LoginWarning[]): Promise<LoginAuthenticated | SessionLimitDenied>;
  /** After the password (and any forced change): ask for MFA, or issue the session. */
  mfaOrSession(account: AccountRecord, step: StepContext): Promise<LoginAuthenticated | LoginMfaRequired | SessionLimitDenied>;
  /**
   * A second-factor code checked as at login (MFA lockout, replay guard, single-use recovery code), decided
   * TOTP or recovery code with verifyTotp's own normalisation (full-width digits and IME spaces are TOTP);
   * a failure is audited with its reason under `prefix`.
   */
  checkSecondFactor(account: AccountRecord, code: unknown, base: AuditBase, prefix: '' | 'replace_' | 'regenerate_' | 'reauth_'): Promise<FactorCheck>;
}

/** Longest login name read. */
export const MAX_USERNAME = 256;

/** The audited source of a request: an address that fits, a user agent cut to 512 characters. */
export function sourceOf(clientIp: string | null | undefined, userAgent: string | undefined): AuditSource {
  const source: { ip?: string; userAgent?: string } = {};
  if (typeof clientIp === 'string' && clientIp.length <= 64) source.ip = clientIp;
  if (typeof userAgent === 'string') source.userAgent = userAgent.slice(0, 512);
  return source;
}

/** What the password-age rules read of an account. */
export const ageState = (account: AccountRecord) => ({ changedAt: account.passwordChangedAt, mustChange: account.mustChangePassword, compromised: account.compromised });

/** The history after replacing the current password. */
export const newHistory = (policy: Policy, account: AccountRecord): readonly string[] =>
  [account.passwordHash, ...account.passwordHistory].slice(0, Math.max(policy.password.history, 0));

/** The account patch of a password the user chose (a change or a reset): it replaces the current one and clears every must-change. */
export const chosenPasswordPatch = (policy: Policy, account: AccountRecord, passwordHash: string, at: number) => ({
  passwordHash,
  passwordHistory: newHistory(policy, account),
  passwordChangedAt: at,
  mustChangePassword: null,
  compromised: false,
});

export function createFlowContext(deps: FlowDeps): FlowContext {
  const hasPasskey = (account: AccountRecord) => deps.policy.webauthn.enabled && (account.passkeys?.length ?? 0) > 0;
  const { policy, store, accounts, keyRing, lockout, sessions, now, challengeTtlMs, record } = deps;
  const mfaOptions = { policy, keyRing, store, lockout, now };
  const challengeKey = (claims: ChallengeClaims) => trustedKey(claims.tenant, 'login-challenge', claims.id);

  function warningsFor(account: AccountRecord, outOfHours: boolean, extra: readonly LoginWarning[] = []): LoginWarning[] {
    const warnings: LoginWarning[] = [];
    const age = checkPasswordAge(ageState(account), policy, now());
    if (age.ok && age.warning !== null) warnings.push(age.warning);
    if (outOfHours) warnings.push({ code: 'out_of_hours' });
    warnings.push(...extra);
    return warnings;
  }

  async function challengeFor(account: AccountRecord, stage: ChallengeStage, step: StepContext): Promise<{ token: string; claims: ChallengeClaims }> {
    const epoch = await sessions.epoch(account.tenant, account.id);
    return signChallenge(keyRing, {
      stage,
      tenant: account.tenant,
      accountId: account.id,
      epoch,
      amr: step.amr,
      authTime: step.authTime,
      expiresAt: now() + challengeTtlMs,
      clientIp: step.clientIp,
      deviceVerified: step.deviceVerified,
      hoursOpen: step.hoursOpen,
    });
  }

  async function issueSession(account: AccountRecord, step: StepContext, extra: readonly LoginWarning[] = []): Promise<LoginAuthenticated | SessionLimitDenied> {
    // A login that succeeds ends every password reset in flight (ASVS 5.0 V6.4: the user has their password).
    if (policy.recovery.selfService) await revokeResetTokens(store, account.tenant, account.id);
    // The session's records and the login are written once the session is admitted (a refused one is no login),
    // while its token is signed. If any of them fails the session ends (`open` logs it out) and the error is the
    // login's: nothing is granted that is not audited (principle 5), and a session whose token was never handed
    // out must not count toward the user's sessions.
    let recorded: LoginRecorded = { previousLogin: null, failuresSinceLastLogin: 0 };
    const whileSigning = async (session: Session, evicted: readonly string[]): Promise<void> => {
      // policy.session.maxConcurrent (evict_oldest), or the index's bound of 100: the oldest sessions ended to make room.
      if (evicted.length > 0) {
        await record({ type: 'auth.session.revoked', tenant: account.tenant, actor: account.username, target: account.id, source: step.source, reason: 'session_limit', after: { sessionIds: [...evicted], by: session.sessionId } });
      }
      recorded = await recordLogin(deps, account, step);
      await record({
        type: 'auth.session.created',
        tenant: account.tenant,
        actor: account.username,
        target: account.id,
        source: step.source,
        outOfHours: step.outOfHours,
        after: { sessionId: session.sessionId, amr: [...session.amr], absoluteExpiresAt: session.absoluteExpiresAt },
      });
    };
    const opened = await sessions.open({ tenant: account.tenant, subject: account.id, amr: step.amr, authTime: step.authTime, roles: account.roles, clientIp: step.clientIp, userAgent: step.source.userAgent }, { whileSigning });
    if (!opened.ok) {
      // No session, no login to record: the passkey's counter is written all the same (it only ever moves up).
      if (step.passkeyUse) await updateAccount(accounts, account, {}, step.passkeyUse);
      return sessionLimitDenied(record, account, step.source, opened.limit);
    }
    const { token, session } = opened;
    const { previousLogin, failuresSinceLastLogin } = recorded;
    return { status: 'authenticated', session, token, warnings: warningsFor(account, step.outOfHours, extra), previousLogin, failuresSinceLastLogin };
  }

  return {
    ...deps,
    challengeFor,
    issueSession,

    async openChallenge(token, stage) {
      const claims = readChallenge(keyRing, token, stage, now());
      if (claims === null || !isTenantId(claims.tenant)) return null;
      const [account, epoch, used] = await Promise.all([
        accounts.findById(claims.tenant, claims.accountId),
        sessions.epoch(claims.tenant, claims.accountId),
        store.readCounter(challengeKey(claims)),
      ]);
      if (account === null || account.disabled || epoch !== claims.epoch || used !== 0) return null;
      return { claims, account };
    },

    spendChallenge: (claims) => store.consumeOnce(challengeKey(claims), Math.max(1000, claims.expiresAt - now() + 1000)),

    stepOf: (claims, facts, outOfHours = claims.hoursOpen === false) => ({
      clientIp: claims.clientIp,
      deviceVerified: claims.deviceVerified,
      hoursOpen: claims.hoursOpen,
      amr: claims.amr,
      authTime: claims.authTime,
      outOfHours,
      source: sourceOf(facts?.clientIp ?? claims.clientIp, facts?.userAgent),
    }),

    async mfaOrSession(account, step) {
      const requirement = mfaRequirement(policy, {
        roles: account.roles,
        clientIp: step.clientIp,
        deviceVerified: step.deviceVerified,
        ...(step.hoursOpen === null ? {} : { businessHours: step.hoursOpen }),
      });
      if (!requirement.required) return issueSession(account, step);
      if (step.pendingPatch) await accounts.update(account.tenant, account.id, step.pendingPatch);
      const { token, claims } = await challengeFor(account, 'mfa', step);
      return {
        status: 'mfa_required',
        challenge: token,
        expiresAt: claims.expiresAt,
        reasons: requirement.reasons,
        enrolled: account.totpSecret !== null || hasPasskey(account),
        ...(hasPasskey(account) ? { passkey: true as const } : {}),
        warnings: warningsFor(account, step.outOfHours),
      };
    },

    async checkSecondFactor(account, code, base, prefix) {
      if (secondFactorOf(code) === 'totp') {
        const result = await verifyTotp({ account: account.id, tenant: account.tenant, sealedSecret: account.totpSecret, code }, mfaOptions);
        if (!result.ok) {
          if (prefix === '') await countLoginFailure(store, account.tenant, account.id).catch(() => undefined);
          await record({ ...base, type: result.reason === 'replayed' ? 'auth.mfa.replayed' : 'auth.mfa.failure', reason: `${prefix}${result.reason}` });
          return result;
        }
        if (result.resealedSecret !== undefined) await accounts.update(account.tenant, account.id, { totpSecret: result.resealedSecret });
        return { ok: true, method: 'totp', remaining: null };
      }
      const result = await consumeRecoveryCode({ account: account.id, tenant: account.tenant, set: account.recoveryCodes, code }, { keyRing, store, lockout });
      if (!result.ok) {
        if (prefix === '') await countLoginFailure(store, account.tenant, account.id).catch(() => undefined);
        await record({ ...base, type: 'auth.mfa.failure', reason: `${prefix}recovery_${result.reason}` });
        return result;
      }
      await record({ ...base, type: 'auth.recovery_code.used', after: { remaining: result.remaining } });
      return { ok: true, method: 'recovery_code', remaining: result.remaining };
    },
  };
}
