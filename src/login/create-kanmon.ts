import { createHash, randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import type { ClientCertResult } from '../access/client-cert.js';
import { createMemoryDeviceRegistry } from '../access/device-registry.js';
import { type DeviceCheckResult, type DeviceEvent, type DeviceTokenKey, createDevices } from '../access/device.js';
import { type AccessDecision, type AccessDenyReason, createAccessEvaluator } from '../access/evaluate-access.js';
import type { AuditEventInput, AuditEventType } from '../audit/event.js';
import { KanmonError } from '../errors.js';
import { type LockoutEvent, type LockoutStatus, createLockout } from '../lockout/create-lockout.js';
import { enrollTotp } from '../mfa/enroll-totp.js';
import { type ConsumeRecoveryCodeResult, consumeRecoveryCode, generateRecoveryCodes, hashRecoveryCodes } from '../mfa/recovery-codes.js';
import { secondFactorOf } from '../mfa/internal/code-kind.js';
import { mfaRequirement } from '../mfa/requirement.js';
import { type VerifyTotpResult, confirmTotpEnrollment, verifyTotp } from '../mfa/totp.js';
import { canChangePassword, checkPasswordAge } from '../password/age.js';
import { checkPassword } from '../password/check-password.js';
import { markCompromised as compromiseTransition } from '../password/compromise.js';
import { createPasswordHasher } from '../password/hash/create-hasher.js';
import { checkPasswordHistory } from '../password/history.js';
import { normalizePassword } from '../password/normalize.js';
import { type AuthMethod, type Session, createSessionManager } from '../session/create-session-manager.js';
import { assertTenant, isTenantId, trustedKey } from '../store/key.js';
import { type ChallengeClaims, type ChallengeStage, readChallenge, signChallenge } from './internal/challenge.js';
import { temporaryPassword } from './internal/temporary-password.js';
import { newAccount } from './new-account.js';
import type {
  AccountRecord,
  AdminInput,
  ChangePasswordResult,
  EnrollDenied,
  EnrollTarget,
  Kanmon,
  KanmonOptions,
  LoginAuthenticated,
  LoginDenyReason,
  LoginMfaRequired,
  LoginResult,
  LoginWarning,
  MfaDenied,
  RequestFacts,
} from './types.js';

/** A second-factor code checked: which factor it proved, or the refusal of the check. */
type FactorCheck =
  | { readonly ok: true; readonly method: 'totp' | 'recovery_code'; readonly remaining: number | null }
  | Extract<VerifyTotpResult, { ok: false }>
  | Extract<ConsumeRecoveryCodeResult, { ok: false }>;

/** Where the request comes from, once resolved. */
interface Place {
  readonly decision: AccessDecision;
  readonly clientIp: string | null;
  /** What per-IP throttles count: `clientIp`, else the last trusted hop read (never "no IP, no throttle"). */
  readonly throttleIp: string | null;
  readonly certificate: ClientCertResult | null;
  readonly device: DeviceCheckResult | null;
}

/** The facts the MFA decision and the session need after the password step. */
interface StepContext {
  readonly clientIp: string | null;
  readonly deviceVerified: boolean;
  readonly hoursOpen: boolean | null;
  readonly amr: readonly AuthMethod[];
  readonly authTime: number;
  readonly outOfHours: boolean;
  readonly source: { readonly ip?: string; readonly userAgent?: string };
}

const accessAuditType: Record<AccessDenyReason, AuditEventType> = {
  tls_required: 'access.denied.ip',
  not_internal: 'access.denied.ip',
  ip_not_allowed: 'access.denied.ip',
  client_cert_required: 'access.denied.cert',
  device_not_registered: 'access.denied.device',
  out_of_hours: 'access.denied.hours',
};

const lockoutAuditType = {
  password: { 'lockout.locked': 'auth.lockout.locked', 'lockout.unlocked': 'auth.lockout.unlocked', 'lockout.throttled': 'auth.lockout.throttled' },
  mfa: { 'lockout.locked': 'auth.mfa.locked', 'lockout.unlocked': 'auth.lockout.unlocked', 'lockout.throttled': 'auth.lockout.throttled' },
} as const;

const MAX_USERNAME = 256;

const denied = (reason: LoginDenyReason, retryAfterMs?: number | null): LoginResult =>
  retryAfterMs === undefined ? { status: 'denied', reason } : { status: 'denied', reason, retryAfterMs };
const mfaDenied = (reason: MfaDenied['reason'], retryAfterMs?: number | null): MfaDenied =>
  retryAfterMs === undefined ? { status: 'denied', reason } : { status: 'denied', reason, retryAfterMs };

function sourceOf(clientIp: string | null | undefined, userAgent: string | undefined): { ip?: string; userAgent?: string } {
  const source: { ip?: string; userAgent?: string } = {};
  if (typeof clientIp === 'string' && clientIp.length <= 64) source.ip = clientIp;
  if (typeof userAgent === 'string') source.userAgent = userAgent.slice(0, 512);
  return source;
}

/**
 * The login flow, composed from every control in the order of
 * docs/login-flow.md: client IP (trusted proxies) → place and device →
 * business hours → lockout reservation (a locked account never reaches the
 * hasher) → account lookup (an unknown one is verified against a dummy hash of
 * the same cost) → password → age / must-change / compromise → MFA → session.
 *
 * Every step is audited with its real reason; the caller sees one
 * `invalid_credentials` for an unknown user, a wrong password and a disabled
 * account, and the hasher runs exactly once on each of those paths.
 *
 * @example
 * ```ts
 * import { createAuditLog, createKanmon, createKeyRing, definePolicy, memoryAccounts, memoryAuditSink, memoryStore } from 'kanmon';
 * const now = () => Date.now();
 * const keyRing = createKeyRing({ keys: [{ id: 'k1', secret: new Uint8Array(32).fill(7) }], current: 'k1' });
 * const kanmon = createKanmon({
 *   policy: definePolicy('funabashi'),
 *   store: memoryStore(),
 *   accounts: memoryAccounts(),
 *   keyRing,
 *   audit: createAuditLog({ sink: memoryAuditSink(), keyRing, stream: 'auth', now }),
 *   now,
 * });
 * const result = await kanmon.login({ tenant: 'funabashi', username: 'sato', password: '…', clientIp: '10.0.0.5', tls: true });
 * if (result.status === 'authenticated') console.log(result.token);
 * ```
 */
export function createKanmon(options: KanmonOptions): Kanmon {
  const { policy, store, accounts, keyRing, audit, now, breachedFilter, challengeTtlMs = 5 * 60_000, recoveryCodesLowWater = 3, issuer = 'kanmon' } = options ?? ({} as KanmonOptions);
  if (!policy?.password || !policy.session) throw new KanmonError('ERR_INVALID_ARGUMENT', 'createKanmon: policy must come from definePolicy()');
  if (!store || typeof store.update !== 'function') throw new KanmonError('ERR_INVALID_ARGUMENT', 'createKanmon: store must be a kanmon store');
  if (!accounts || typeof accounts.find !== 'function' || typeof accounts.findById !== 'function' || typeof accounts.update !== 'function') {
    throw new KanmonError('ERR_INVALID_ARGUMENT', 'createKanmon: accounts must implement find, findById and update (AccountRepository)');
  }
  if (!keyRing || typeof keyRing.derive !== 'function') throw new KanmonError('ERR_INVALID_ARGUMENT', 'createKanmon: keyRing is required');
  if (!audit || typeof audit.append !== 'function') throw new KanmonError('ERR_INVALID_ARGUMENT', 'createKanmon: audit (createAuditLog) is required');
  if (typeof now !== 'function') throw new KanmonError('ERR_INVALID_ARGUMENT', 'createKanmon: now must be a clock function');
  if (!Number.isSafeInteger(challengeTtlMs) || challengeTtlMs < 1000 || challengeTtlMs > 60 * 60_000) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', 'createKanmon: challengeTtlMs must be an integer from 1000 to 3600000');
  }
  if (policy.password.breached.offline && !breachedFilter) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', 'createKanmon: policy.password.breached.offline is on: pass { breachedFilter }');
  }

  const hasher = options.hasher ?? createPasswordHasher({ policy, keyRing });
  const record = (event: AuditEventInput) => audit.append(event);

  const lockout = createLockout({
    policy,
    store,
    now,
    onEvent: async (event: LockoutEvent) => {
      if (event.type === 'lockout.store_error') return;
      await record({
        type: lockoutAuditType[event.factor][event.type],
        tenant: event.tenant,
        actor: event.type === 'lockout.unlocked' ? event.actor : event.account,
        target: event.accountId ?? event.account,
        outcome: event.type === 'lockout.unlocked' ? 'info' : 'denied',
        reason: event.type === 'lockout.throttled' ? `throttled_${event.scope}` : event.type === 'lockout.unlocked' ? `by_${event.by}` : null,
        after:
          event.type === 'lockout.locked'
            ? { failures: event.failures, lockCount: event.lockCount, lockedUntil: event.lockedUntil, factor: event.factor }
            : { factor: event.factor },
      });
    },
  });

  const deviceKeys = (): readonly DeviceTokenKey[] => {
    const ids = [keyRing.currentId, ...keyRing.ids().filter((id) => id !== keyRing.currentId && !keyRing.isDestroyed(id))];
    return ids.map((id) => ({ id, secret: keyRing.derive(id, 'device-token') }));
  };
  const devices = createDevices({
    registry: options.devices?.registry ?? createMemoryDeviceRegistry(),
    keys: options.devices?.keys ?? deviceKeys,
    now,
    onEvent: async (event: DeviceEvent) => {
      await record({
        type: event.type === 'device.registered' ? 'admin.device.register' : 'admin.device.revoke',
        tenant: event.tenantId,
        actor: event.actor,
        target: event.deviceId,
        reason: null,
        after: { deviceId: event.deviceId, account: event.accountId, kind: event.kind, label: event.label, fingerprintSha256: event.fingerprintSha256 },
      });
    },
  });
  const access = createAccessEvaluator(policy, { devices, now });

  const sessions = createSessionManager({
    keyRing,
    store,
    idleTimeoutMs: policy.session.idleTimeoutMs,
    absoluteTimeoutMs: policy.session.absoluteTimeoutMs,
    algorithm: options.sessionAlgorithm ?? policy.session.algorithm,
    cryptoProfile: policy.cryptoProfile,
    ...(options.sessionKeyPairs ? { keyPairs: options.sessionKeyPairs } : {}),
    issuer,
    now,
  });

  const mfaOptions = { policy, keyRing, store, lockout, now };

  // ─── steps ──────────────────────────────────────────────────────────────────

  async function resolvePlace(tenant: string, facts: RequestFacts): Promise<Place> {
    const route = facts.route ?? facts.request?.route ?? null;
    if (facts.request) {
      const r = facts.request;
      const decision = await access.evaluateRequest({
        route,
        socket: r.socket ?? null,
        remoteAddress: r.remoteAddress ?? r.socket?.remoteAddress ?? null,
        headers: r.headers ?? {},
        tenantId: tenant,
        deviceToken: facts.deviceId ?? r.deviceToken ?? null,
      });
      return { decision, clientIp: decision.client.ip, throttleIp: decision.client.throttleIp, certificate: decision.certificate, device: decision.device };
    }
    // Only an address counts: anything else is unknown, which no list contains.
    const clientIp = typeof facts.clientIp === 'string' && isIP(facts.clientIp) !== 0 ? facts.clientIp : null;
    const certificate = facts.clientCert ?? null;
    const token = typeof facts.deviceId === 'string' ? facts.deviceId : null;
    const device = token !== null || certificate?.ok === true ? await devices.check({ tenantId: tenant, accountId: null, token, certificate }) : null;
    const decision = access.evaluate({ route, clientIp, tls: facts.tls === true, certificate, device, instant: now() });
    return { decision, clientIp, throttleIp: clientIp, certificate, device };
  }

  /** The throttle address of a request handed in as `facts.request` (see {@link Place.throttleIp}), else `null`. */
  const throttleIpOf = (facts: RequestFacts): string | null => (facts.request ? access.resolveClient(facts.request).throttleIp : null);

  /** Warnings of a session about to be issued. */
  function warningsFor(account: AccountRecord, outOfHours: boolean, extra: readonly LoginWarning[] = []): LoginWarning[] {
    const warnings: LoginWarning[] = [];
    const age = checkPasswordAge(ageState(account), policy, now());
    if (age.state === 'warn') warnings.push({ code: 'password_expires_soon', daysLeft: age.daysLeft, expiresAt: age.expiresAt });
    if (outOfHours) warnings.push({ code: 'out_of_hours' });
    warnings.push(...extra);
    return warnings;
  }

  async function issueSession(account: AccountRecord, ctx: StepContext, extra: readonly LoginWarning[] = []): Promise<LoginAuthenticated> {
    const { token, session } = await sessions.issue({ tenant: account.tenant, subject: account.id, amr: ctx.amr, authTime: ctx.authTime, roles: account.roles });
    await record({
      type: 'auth.session.created',
      tenant: account.tenant,
      actor: account.username,
      target: account.id,
      source: ctx.source,
      outOfHours: ctx.outOfHours,
      after: { sessionId: session.sessionId, amr: [...session.amr], absoluteExpiresAt: session.absoluteExpiresAt },
    });
    return { status: 'authenticated', session, token, warnings: warningsFor(account, ctx.outOfHours, extra) };
  }

  async function challengeFor(account: AccountRecord, stage: ChallengeStage, ctx: StepContext): Promise<{ token: string; claims: ChallengeClaims }> {
    const epoch = await sessions.epoch(account.tenant, account.id);
    return signChallenge(keyRing, {
      stage,
      tenant: account.tenant,
      accountId: account.id,
      epoch,
      amr: ctx.amr,
      authTime: ctx.authTime,
      expiresAt: now() + challengeTtlMs,
      clientIp: ctx.clientIp,
      deviceVerified: ctx.deviceVerified,
      hoursOpen: ctx.hoursOpen,
    });
  }

  /** After the password (and any forced change): ask for MFA, or issue the session. */
  async function mfaOrSession(account: AccountRecord, ctx: StepContext): Promise<LoginAuthenticated | LoginMfaRequired> {
    const requirement = mfaRequirement(policy, {
      roles: account.roles,
      clientIp: ctx.clientIp,
      deviceVerified: ctx.deviceVerified,
      ...(ctx.hoursOpen === null ? {} : { businessHours: ctx.hoursOpen }),
    });
    if (!requirement.required) return issueSession(account, ctx);
    const { token, claims } = await challengeFor(account, 'mfa', ctx);
    return {
      status: 'mfa_required',
      challenge: token,
      expiresAt: claims.expiresAt,
      reasons: requirement.reasons,
      enrolled: account.totpSecret !== null,
      warnings: warningsFor(account, ctx.outOfHours),
    };
  }

  /** The account a challenge names, if the challenge is still good (signature, stage, expiry, epoch, account enabled). */
  async function openChallenge(token: unknown, stage: ChallengeStage): Promise<{ claims: ChallengeClaims; account: AccountRecord } | null> {
    const claims = readChallenge(keyRing, token, stage, now());
    if (claims === null || !isTenantId(claims.tenant)) return null;
    const [account, epoch, used] = await Promise.all([
      accounts.findById(claims.tenant, claims.accountId),
      sessions.epoch(claims.tenant, claims.accountId),
      store.readCounter(challengeKey(claims)),
    ]);
    if (account === null || account.disabled || epoch !== claims.epoch || used !== 0) return null;
    return { claims, account };
  }

  const challengeKey = (claims: ChallengeClaims) => trustedKey(claims.tenant, 'login-challenge', claims.id);
  /** Mark a challenge used; `false` when another call used it first. */
  const spendChallenge = (claims: ChallengeClaims) => store.consumeOnce(challengeKey(claims), Math.max(1000, claims.expiresAt - now() + 1000));

  const contextOf = (claims: ChallengeClaims, facts: RequestFacts | undefined, outOfHours = claims.hoursOpen === false): StepContext => ({
    clientIp: claims.clientIp,
    deviceVerified: claims.deviceVerified,
    hoursOpen: claims.hoursOpen,
    amr: claims.amr,
    authTime: claims.authTime,
    outOfHours,
    source: sourceOf(facts?.clientIp ?? claims.clientIp, facts?.userAgent),
  });

  const ageState = (account: AccountRecord) => ({ changedAt: account.passwordChangedAt, mustChange: account.mustChangePassword, compromised: account.compromised });

  async function findTarget(input: AdminInput): Promise<AccountRecord | null> {
    assertTenant(input?.tenant);
    if (typeof input.actor !== 'string' || input.actor.length === 0) throw new KanmonError('ERR_INVALID_ARGUMENT', 'admin calls need an actor (the administrator account id)');
    if (typeof input.accountId !== 'string' || input.accountId.length === 0) throw new KanmonError('ERR_INVALID_ARGUMENT', 'admin calls need an accountId');
    return accounts.findById(input.tenant, input.accountId);
  }

  const adminEvent = (input: AdminInput, type: AuditEventType, extra: Partial<AuditEventInput> = {}): AuditEventInput => ({
    type,
    tenant: input.tenant,
    actor: input.actor,
    target: input.accountId,
    source: sourceOf(input.clientIp, input.userAgent),
    ...extra,
  });

  function newHistory(account: AccountRecord): readonly string[] {
    return [account.passwordHash, ...account.passwordHistory].slice(0, Math.max(policy.password.history, 0));
  }

  type EnrollWho = { account: AccountRecord; claims: ChallengeClaims; session: null } | { account: AccountRecord; claims: null; session: Session };

  async function resolveEnrollTarget(target: EnrollTarget): Promise<EnrollWho | null> {
    if (target && 'challenge' in target) {
      const opened = await openChallenge(target.challenge, 'mfa');
      return opened ? { account: opened.account, claims: opened.claims, session: null } : null;
    }
    const session: Session | undefined = target?.session;
    if (!session || !isTenantId(session.tenant) || typeof session.subject !== 'string') {
      throw new KanmonError('ERR_INVALID_ARGUMENT', 'pass { challenge } or { session } (a session from sessions.verify)');
    }
    const account = await accounts.findById(session.tenant, session.subject);
    return account && !account.disabled ? { account, claims: null, session } : null;
  }

  // ─── changing a factor from a session (ASVS 5.0 V7.5.1): a fresh session, and the factor being replaced ───

  const enrollDenied = (reason: EnrollDenied['reason'], retryAfterMs?: number | null): EnrollDenied =>
    retryAfterMs === undefined ? { status: 'denied', reason } : { status: 'denied', reason, retryAfterMs };
  /** The session authenticated within `policy.session.reauthMaxAgeSeconds`. */
  const reauthDeadline = (session: Session) => (typeof session.authTime === 'number' ? session.authTime : -Infinity) + policy.session.reauthMaxAgeSeconds * 1000;
  /**
   * The mark `enrollTotp` leaves once the current factor is proven: this session may confirm this pending
   * secret. `confirmTotp` needs it to replace a factor, so neither another session nor a pending secret
   * written without the proof can.
   */
  const replaceKey = (account: AccountRecord, session: Session, pending: string) =>
    trustedKey(account.tenant, 'mfa-replace', account.id, session.sessionId, createHash('sha256').update(pending).digest('base64url'));
  type EnrollBase = Pick<AuditEventInput, 'tenant' | 'actor' | 'target' | 'source'>;

  /** `null` when the session is fresh enough to change a factor; the refusal (audited) otherwise. */
  async function refuseStale(session: Session, base: EnrollBase): Promise<EnrollDenied | null> {
    if (now() <= reauthDeadline(session)) return null;
    await record({ ...base, type: 'auth.mfa.failure', outcome: 'denied', reason: 'enroll_reauth_required' });
    return enrollDenied('reauth_required');
  }

  /**
   * A second-factor code checked as at login (MFA lockout, replay guard, single-use recovery code), decided
   * TOTP or recovery code with verifyTotp's own normalisation (full-width digits and IME spaces are TOTP);
   * a failure is audited with its reason under `prefix`.
   */
  async function checkSecondFactor(account: AccountRecord, code: unknown, base: EnrollBase, prefix: '' | 'replace_'): Promise<FactorCheck> {
    if (secondFactorOf(code) === 'totp') {
      const result = await verifyTotp({ account: account.id, tenant: account.tenant, sealedSecret: account.totpSecret, code }, mfaOptions);
      if (!result.ok) {
        await record({ ...base, type: result.reason === 'replayed' ? 'auth.mfa.replayed' : 'auth.mfa.failure', reason: `${prefix}${result.reason}` });
        return result;
      }
      if (result.resealedSecret !== undefined) await accounts.update(account.tenant, account.id, { totpSecret: result.resealedSecret });
      return { ok: true, method: 'totp', remaining: null };
    }
    const result = await consumeRecoveryCode({ account: account.id, tenant: account.tenant, set: account.recoveryCodes, code }, { keyRing, store, lockout });
    if (!result.ok) {
      await record({ ...base, type: 'auth.mfa.failure', reason: `${prefix}recovery_${result.reason}` });
      return result;
    }
    await record({ ...base, type: 'auth.recovery_code.used', after: { remaining: result.remaining } });
    return { ok: true, method: 'recovery_code', remaining: result.remaining };
  }

  /** The account's current second factor, proven before it is replaced; `null` when proven. */
  async function proveCurrentFactor(account: AccountRecord, code: unknown, base: EnrollBase): Promise<EnrollDenied | null> {
    if (typeof code !== 'string' || code.length === 0) {
      await record({ ...base, type: 'auth.mfa.failure', outcome: 'denied', reason: 'replace_factor_required' });
      return enrollDenied('factor_required');
    }
    const checked = await checkSecondFactor(account, code, base, 'replace_');
    if (checked.ok) return null;
    return checked.reason === 'locked' ? enrollDenied('locked', checked.retryAfterMs) : enrollDenied(checked.reason);
  }

  // ─── the public methods ────────────────────────────────────────────────────

  const kanmon: Kanmon = {
    policy,
    sessions,
    access,
    lockout,
    hasher,

    async login(input) {
      const tenant = input?.tenant;
      assertTenant(tenant);
      const { username, password } = input;
      const userAgent = input.userAgent;

      // 1–3. client IP, place and device, business hours: before anything is counted or hashed.
      const place = await resolvePlace(tenant, input);
      const source = sourceOf(place.clientIp, userAgent);
      const actor = typeof username === 'string' ? username.slice(0, MAX_USERNAME) : null;
      if (!place.decision.ok) {
        const reason = place.decision.reason;
        await record({
          type: accessAuditType[reason],
          tenant,
          actor,
          source,
          reason: place.decision.detail === null ? reason : `${reason}.${place.decision.detail}`,
          outOfHours: place.decision.hours !== null && !place.decision.hours.open,
        });
        return denied(reason);
      }
      const outOfHours = place.decision.flags.includes('out_of_hours');
      if (outOfHours) await record({ type: 'access.out_of_hours', tenant, actor, source, outOfHours: true });

      if (typeof username !== 'string' || username.length === 0 || username.length > MAX_USERNAME || typeof password !== 'string') {
        await record({ type: 'auth.login.failure', tenant, actor, source, reason: 'malformed_input', outOfHours });
        return denied('invalid_credentials');
      }

      // 4. lockout: a locked login name never reaches the lookup or the hasher (unknown names are counted too).
      const lockKey = { account: username, ip: place.throttleIp, tenant };
      const reservation = await lockout.reserve(lockKey);
      if (!reservation.ok) {
        await record({ type: 'auth.login.failure', tenant, actor, source, reason: reservation.reason, outOfHours });
        return denied(reservation.reason, reservation.retryAfterMs);
      }

      // 5. the account, then its own counter: however the repository maps spellings to it, the limit holds per
      // account, and a locked account never reaches the hasher. An unknown name makes the same call on a stand-in.
      const account = await accounts.find(tenant, username);
      const accountLock = { ...lockKey, accountId: account?.id ?? null };
      const held = await lockout.reserveAccount(accountLock);
      if (!held.ok) {
        await record({ type: 'auth.login.failure', tenant, actor, target: account?.id ?? null, source, reason: held.reason, outOfHours });
        return denied(held.reason, held.retryAfterMs);
      }

      // 6. the password: one hash on every path.
      const deviceMismatch = account !== null && place.device?.ok === true && place.device.device.accountId !== null && place.device.device.accountId !== account.id;
      const verdict = account === null || deviceMismatch ? await hasher.dummyVerify(password) : await hasher.verify(account.passwordHash, password);
      const failure = account === null ? 'unknown_user' : deviceMismatch ? 'device_wrong_account' : account.disabled ? 'disabled' : !verdict.valid ? (verdict.refused ?? 'wrong_password') : null;
      if (failure !== null || account === null) {
        await lockout.fail(accountLock, reservation, held);
        await record({ type: 'auth.login.failure', tenant, actor, target: account?.id ?? null, source, reason: failure, outOfHours });
        if (failure === 'device_wrong_account') return denied('device_not_registered');
        if (reservation.lockedNow || held.lockedNow) {
          const status = await lockout.status(accountLock).catch(() => null);
          return denied('locked', status === null ? null : retryAfterOf(status, now()));
        }
        return denied('invalid_credentials');
      }
      await lockout.succeed({ ...accountLock, canonicalName: account.username }, reservation, held);
      let current = account;
      if (verdict.needsRehash) {
        const passwordHash = await hasher.hash(password);
        await accounts.update(tenant, account.id, { passwordHash });
        current = { ...account, passwordHash };
      }

      const deviceVerified = place.certificate?.ok === true || place.device?.ok === true;
      const ctx: StepContext = {
        clientIp: place.clientIp,
        deviceVerified,
        hoursOpen: place.decision.hours === null ? null : place.decision.hours.open,
        amr: place.certificate?.ok === true ? ['pwd', 'cert'] : ['pwd'],
        authTime: now(),
        outOfHours,
        source,
      };

      // 7. password age, must-change, compromise.
      const age = checkPasswordAge(ageState(current), policy, now());
      if (age.state === 'must_change' || age.state === 'expired') {
        const reason = age.state === 'expired' ? 'expired' : age.reason;
        await record(
          age.state === 'expired'
            ? { type: 'password.expired', tenant, actor, target: account.id, source, outcome: 'denied', reason: 'expired', outOfHours }
            : { type: 'auth.login.success', tenant, actor, target: account.id, source, outcome: 'info', reason: `password_change_required.${reason}`, outOfHours },
        );
        const { token, claims } = await challengeFor(current, 'password', ctx);
        return { status: 'password_change_required', reason, challenge: token, expiresAt: claims.expiresAt };
      }

      // 8–9. MFA, then the session.
      const next = await mfaOrSession(current, ctx);
      await record({
        type: 'auth.login.success',
        tenant,
        actor,
        target: account.id,
        source,
        outcome: next.status === 'authenticated' ? 'success' : 'info',
        reason: next.status === 'authenticated' ? null : 'mfa_required',
        outOfHours,
        ...(next.status === 'authenticated' ? { after: { sessionId: next.session.sessionId } } : { after: { mfaReasons: [...next.reasons] } }),
      });
      return next;
    },

    async verifyMfa(challenge, code, facts) {
      const opened = await openChallenge(challenge, 'mfa');
      if (opened === null) return mfaDenied('invalid_challenge');
      const { claims, account } = opened;
      const ctx = contextOf(claims, facts);
      const base = { tenant: account.tenant, actor: account.username, target: account.id, source: ctx.source };
      const checked = await checkSecondFactor(account, code, base, '');
      if (!checked.ok) return checked.reason === 'locked' ? mfaDenied('locked', checked.retryAfterMs) : mfaDenied(checked.reason);
      const extra: LoginWarning[] = checked.remaining !== null && checked.remaining < recoveryCodesLowWater ? [{ code: 'recovery_codes_low', remaining: checked.remaining }] : [];
      if (!(await spendChallenge(claims))) return mfaDenied('invalid_challenge');
      await record({ ...base, type: 'auth.mfa.success', reason: checked.method });
      return issueSession(account, { ...ctx, amr: [...new Set<AuthMethod>([...claims.amr, 'otp', 'mfa'])] }, extra);
    },

    async changePassword(input) {
      const bySession = 'session' in input && input.session !== undefined;
      let account: AccountRecord | null;
      let claims: ChallengeClaims | null = null;
      if (bySession) {
        const session = (input as { session: Session }).session;
        if (!isTenantId(session?.tenant)) throw new KanmonError('ERR_INVALID_ARGUMENT', 'changePassword: session must come from sessions.verify');
        account = await accounts.findById(session.tenant, session.subject);
        if (account?.disabled) account = null;
      } else {
        const opened = await openChallenge((input as { challenge: string }).challenge, 'password');
        account = opened?.account ?? null;
        claims = opened?.claims ?? null;
      }
      if (account === null) return { status: 'denied', reason: bySession ? 'invalid_credentials' : 'invalid_challenge' };
      const { tenant } = account;
      const ip = input.clientIp ?? claims?.clientIp ?? null;
      const source = sourceOf(ip, input.userAgent);
      const base = { tenant, actor: account.username, target: account.id, source };
      const { currentPassword, newPassword } = input;

      // The current password is guessed like a login: the same counters (the account's own too), the same one hash.
      const lockKey = { account: account.username, ip: throttleIpOf(input) ?? ip, tenant, accountId: account.id };
      const reservation = await lockout.reserve(lockKey);
      const held = reservation.ok ? await lockout.reserveAccount(lockKey) : reservation;
      if (!held.ok) {
        await record({ ...base, type: 'password.rejected', outcome: 'denied', reason: held.reason });
        return { status: 'denied', reason: held.reason, retryAfterMs: held.retryAfterMs };
      }
      const verdict = typeof currentPassword === 'string' ? await hasher.verify(account.passwordHash, currentPassword) : await hasher.dummyVerify('');
      if (!verdict.valid) {
        await lockout.fail(lockKey, reservation, held);
        await record({ ...base, type: 'password.rejected', outcome: 'denied', reason: verdict.refused ?? 'wrong_password' });
        return { status: 'denied', reason: 'invalid_credentials' };
      }
      await lockout.succeed(lockKey, reservation, held);

      const allowance = canChangePassword(ageState(account), policy, now());
      if (!allowance.ok) {
        await record({ ...base, type: 'password.rejected', outcome: 'denied', reason: 'too_soon' });
        return { status: 'denied', reason: 'too_soon', retryAfterMs: allowance.retryAfterMs };
      }
      const checked = checkPassword(newPassword, policy, {
        username: account.username,
        ...(typeof account.email === 'string' ? { email: account.email } : {}),
        ...(breachedFilter ? { breachedFilter } : {}),
      });
      if (!checked.ok) {
        await record({ ...base, type: 'password.rejected', outcome: 'denied', reason: 'policy', after: { issues: checked.issues.map((i) => i.code) } });
        return { status: 'denied', reason: 'policy', issues: checked.issues };
      }
      const form = policy.password.normalization;
      const sameAsCurrent = normalizePassword(newPassword, form) === normalizePassword(currentPassword, form);
      const history = sameAsCurrent ? ({ ok: false } as const) : await checkPasswordHistory(newPassword, account.passwordHistory.slice(0, Math.max(policy.password.history - 1, 0)), policy, hasher);
      if (!history.ok) {
        await record({ ...base, type: 'password.rejected', outcome: 'denied', reason: 'reused' });
        return { status: 'denied', reason: 'reused' };
      }

      const passwordHash = await hasher.hash(newPassword);
      const at = now();
      await accounts.update(tenant, account.id, {
        passwordHash,
        passwordHistory: newHistory(account),
        passwordChangedAt: at,
        mustChangePassword: null,
        compromised: false,
      });
      if (claims !== null) await spendChallenge(claims);
      await sessions.revokeAll(tenant, account.id);
      await record({
        ...base,
        type: 'password.changed',
        before: { mustChange: account.mustChangePassword, compromised: account.compromised },
        after: { mustChange: null, compromised: false, changedAt: at, sessionsRevoked: true },
      });
      const updated = (await accounts.findById(tenant, account.id)) ?? account;
      if (claims !== null) return { status: 'changed', next: await mfaOrSession(updated, { ...contextOf(claims, input), source }) };
      const session = (input as { session: Session }).session;
      const ctx: StepContext = {
        clientIp: ip,
        deviceVerified: false,
        hoursOpen: null,
        amr: session.amr,
        authTime: session.authTime,
        outOfHours: false,
        source,
      };
      return { status: 'changed', next: await issueSession(updated, ctx) } satisfies ChangePasswordResult;
    },

    async enrollTotp(target, facts) {
      const resolved = await resolveEnrollTarget(target);
      if (resolved === null) return enrollDenied('invalid_challenge');
      const { account, claims, session } = resolved;
      // A login challenge may enrol only an account without a second factor: it must never replace one.
      if (claims !== null && account.totpSecret !== null) return enrollDenied('already_enrolled');
      const replacing = session !== null && account.totpSecret !== null;
      if (session !== null) {
        // From a session: a fresh authentication, and the factor being replaced (ASVS 5.0 V7.5.1).
        const base = { tenant: account.tenant, actor: account.username, target: account.id, source: sourceOf(facts?.clientIp, facts?.userAgent) };
        const refused = (await refuseStale(session, base)) ?? (replacing ? await proveCurrentFactor(account, (target as { currentCode?: unknown }).currentCode, base) : null);
        if (refused !== null) return refused;
      }
      const enrollment = await enrollTotp({ id: account.id, label: account.username, tenant: account.tenant }, policy, { keyRing });
      if (replacing) await store.consumeOnce(replaceKey(account, session, enrollment.pendingSealedSecret), Math.max(1000, reauthDeadline(session) - now() + 1000));
      await accounts.update(account.tenant, account.id, { totpPendingSecret: enrollment.pendingSealedSecret });
      return { status: 'pending', secret: enrollment.secret, uri: enrollment.uri, qrSvg: enrollment.qrSvg };
    },

    async confirmTotp(target, code, facts) {
      const resolved = await resolveEnrollTarget(target);
      if (resolved === null) return enrollDenied('invalid_challenge');
      const { account, claims, session } = resolved;
      if (claims !== null && account.totpSecret !== null) return enrollDenied('already_enrolled');
      const source = sourceOf(facts?.clientIp ?? claims?.clientIp, facts?.userAgent);
      const base = { tenant: account.tenant, actor: account.username, target: account.id, source };
      if (session !== null) {
        const stale = await refuseStale(session, base);
        if (stale !== null) return stale;
      }
      if (account.totpPendingSecret === null) return enrollDenied('not_enrolled');
      // Replacing a factor: only the session that proved it, with the pending secret written after the proof.
      if (session !== null && account.totpSecret !== null && (await store.readCounter(replaceKey(account, session, account.totpPendingSecret))) === 0) {
        await record({ ...base, type: 'auth.mfa.failure', outcome: 'denied', reason: 'replace_factor_required' });
        return enrollDenied('factor_required');
      }
      const result = await confirmTotpEnrollment(
        { account: account.id, tenant: account.tenant, pendingSealedSecret: account.totpPendingSecret, code },
        mfaOptions,
      );
      if (!result.ok) {
        await record({ ...base, type: result.reason === 'replayed' ? 'auth.mfa.replayed' : 'auth.mfa.failure', reason: `enroll_${result.reason}` });
        return result.reason === 'locked' ? enrollDenied('locked', result.retryAfterMs) : enrollDenied(result.reason);
      }
      if (claims !== null && !(await spendChallenge(claims))) return enrollDenied('invalid_challenge');
      const count = policy.mfa.recoveryCodes.count;
      const recoveryCodes = count > 0 ? generateRecoveryCodes(count) : [];
      const set = count > 0 ? hashRecoveryCodes(recoveryCodes, { keyRing, account: account.id, tenant: account.tenant }) : null;
      await accounts.update(account.tenant, account.id, { totpSecret: result.sealedSecret, totpPendingSecret: null, recoveryCodes: set });
      await record({ ...base, type: 'auth.mfa.enrolled', before: { enrolled: account.totpSecret !== null }, after: { enrolled: true, method: 'totp' } });
      if (set !== null) await record({ ...base, type: 'auth.recovery_code.generated', after: { count } });
      if (claims === null) return { status: 'enrolled', recoveryCodes };
      const updated = (await accounts.findById(account.tenant, account.id)) ?? account;
      const authenticated = await issueSession(updated, { ...contextOf(claims, facts), amr: [...new Set<AuthMethod>([...claims.amr, 'otp', 'mfa'])] });
      return { ...authenticated, recoveryCodes };
    },

    async logout(session, facts) {
      if (!session || !isTenantId(session.tenant)) throw new KanmonError('ERR_INVALID_ARGUMENT', 'logout: pass the session from sessions.verify');
      await sessions.logout(session);
      await record({
        type: 'auth.logout',
        tenant: session.tenant,
        actor: session.subject,
        target: session.subject,
        source: sourceOf(facts?.clientIp, facts?.userAgent),
        after: { sessionId: session.sessionId },
      });
    },

    async createAccount(input) {
      assertTenant(input?.tenant);
      if (typeof accounts.create !== 'function') throw new KanmonError('ERR_INVALID_ARGUMENT', 'createAccount: the AccountRepository has no create()');
      if (typeof input.actor !== 'string' || input.actor.length === 0) throw new KanmonError('ERR_INVALID_ARGUMENT', 'createAccount needs an actor');
      if (typeof input.username !== 'string' || input.username.length === 0 || input.username.length > MAX_USERNAME) {
        throw new KanmonError('ERR_INVALID_ARGUMENT', `createAccount: username must be 1–${MAX_USERNAME} characters`);
      }
      const roles = [...(input.roles ?? [])];
      if (!roles.every((r) => typeof r === 'string' && r.length > 0 && r.length <= 128)) throw new KanmonError('ERR_INVALID_ARGUMENT', 'createAccount: roles must be non-empty strings');
      const initialPassword = temporaryPassword(policy, { username: input.username, ...(typeof input.email === 'string' ? { email: input.email } : {}) });
      const account = newAccount({
        id: input.id ?? randomUUID(),
        tenant: input.tenant,
        username: input.username,
        passwordHash: await hasher.hash(initialPassword),
        passwordChangedAt: now(),
        mustChangePassword: 'initial',
        roles,
        email: input.email ?? null,
        displayName: input.displayName ?? null,
      });
      await accounts.create(account);
      await record({
        type: 'admin.account.create',
        tenant: input.tenant,
        actor: input.actor,
        target: account.id,
        source: sourceOf(input.clientIp, input.userAgent),
        after: { username: account.username, roles, mustChange: 'initial' },
      });
      return { ok: true, account, initialPassword };
    },

    async adminResetPassword(input) {
      const account = await findTarget(input);
      if (account === null) return { ok: false, reason: 'not_found' };
      const temporary = temporaryPassword(policy, { username: account.username, ...(typeof account.email === 'string' ? { email: account.email } : {}) });
      await accounts.update(input.tenant, account.id, {
        passwordHash: await hasher.hash(temporary),
        passwordHistory: newHistory(account),
        passwordChangedAt: now(),
        mustChangePassword: 'admin_reset',
        compromised: false,
      });
      await sessions.revokeAll(input.tenant, account.id);
      await record(
        adminEvent(input, 'admin.password.reset', {
          before: { mustChange: account.mustChangePassword },
          after: { mustChange: 'admin_reset', sessionsRevoked: true },
        }),
      );
      return { ok: true, temporaryPassword: temporary };
    },

    async markCompromised(input) {
      const account = await findTarget(input);
      if (account === null) return { ok: false, reason: 'not_found' };
      const { event } = compromiseTransition({ accountId: account.id, compromised: account.compromised, source: input.source ?? 'admin', at: now() });
      await accounts.update(input.tenant, account.id, { compromised: true });
      await sessions.revokeAll(input.tenant, account.id);
      await record(
        adminEvent(input, 'password.compromised', {
          reason: event.source,
          before: { compromised: account.compromised },
          after: { compromised: true, sessionsRevoked: true },
        }),
      );
      return { ok: true, alreadyCompromised: event.alreadyCompromised };
    },

    async adminUnlock(input) {
      const account = await findTarget(input);
      if (account === null) return { ok: false, reason: 'not_found' };
      // Passwords are counted per login name and per account, second factors per account: lift them all.
      const unlocked = await lockout.adminUnlock({ account: account.username, accountId: account.id, tenant: input.tenant }, { actor: input.actor });
      if (!unlocked.ok) return { ok: false, reason: 'unavailable' };
      const wasLocked = unlocked.wasLocked;
      await record(adminEvent(input, 'admin.account.unlock', { before: { locked: wasLocked }, after: { locked: false } }));
      return { ok: true, wasLocked };
    },

    async revokeSessions(input) {
      const account = await findTarget(input);
      if (account === null) return { ok: false, reason: 'not_found' };
      await sessions.revokeAll(input.tenant, account.id);
      await record(adminEvent(input, 'admin.session.revoke', { after: { sessionsRevoked: true } }));
      return { ok: true };
    },

    async setDisabled(input) {
      const account = await findTarget(input);
      if (account === null) return { ok: false, reason: 'not_found' };
      if (typeof input.disabled !== 'boolean') throw new KanmonError('ERR_INVALID_ARGUMENT', 'setDisabled: disabled must be a boolean');
      await accounts.update(input.tenant, account.id, { disabled: input.disabled });
      if (input.disabled) await sessions.revokeAll(input.tenant, account.id);
      await record(
        adminEvent(input, input.disabled ? 'admin.account.disable' : 'admin.account.enable', {
          before: { disabled: account.disabled },
          after: { disabled: input.disabled },
        }),
      );
      return { ok: true };
    },

    async grantRole(input) {
      const account = await findTarget(input);
      if (account === null) return { ok: false, reason: 'not_found' };
      const role = checkRole(input.role);
      const roles = account.roles.includes(role) ? [...account.roles] : [...account.roles, role];
      await accounts.update(input.tenant, account.id, { roles });
      await record(adminEvent(input, 'admin.role.grant', { reason: null, before: { roles: [...account.roles] }, after: { roles } }));
      return { ok: true, roles };
    },

    async revokeRole(input) {
      const account = await findTarget(input);
      if (account === null) return { ok: false, reason: 'not_found' };
      const role = checkRole(input.role);
      const roles = account.roles.filter((r) => r !== role);
      await accounts.update(input.tenant, account.id, { roles });
      // Session tokens carry the roles: a revoked role must not live on in them.
      if (roles.length !== account.roles.length) await sessions.revokeAll(input.tenant, account.id);
      await record(adminEvent(input, 'admin.role.revoke', { before: { roles: [...account.roles] }, after: { roles, sessionsRevoked: roles.length !== account.roles.length } }));
      return { ok: true, roles };
    },

    async registerDevice(input) {
      assertTenant(input?.tenant);
      return devices.register({
        tenantId: input.tenant,
        accountId: input.accountId ?? null,
        label: input.label ?? null,
        ...(input.certificate !== undefined ? { certificate: input.certificate } : {}),
        ...(input.fingerprintSha256 !== undefined ? { fingerprintSha256: input.fingerprintSha256 } : {}),
        actor: input.actor,
      });
    },

    async revokeDevice(input) {
      assertTenant(input?.tenant);
      return devices.revoke({ tenantId: input.tenant, deviceId: input.deviceId, actor: input.actor, reason: input.reason ?? null });
    },
  };
  return Object.freeze(kanmon);
}

/** ms until the password locks in a status end (the later of the account's and the login name's); `null` = until an administrator unlocks. */
function retryAfterOf(status: LockoutStatus, at: number): number | null {
  let until = 0;
  for (const s of [status.password, status.name]) {
    if (!s?.locked) continue;
    if (s.lockedUntil === null) return null;
    until = Math.max(until, s.lockedUntil);
  }
  return until === 0 ? null : Math.max(0, until - at);
}

function checkRole(role: unknown): string {
  if (typeof role !== 'string' || role.length === 0 || role.length > 128) throw new KanmonError('ERR_INVALID_ARGUMENT', 'role must be a string of 1–128 characters');
  return role;
}

