import { type DeviceRegistry, type RegisteredDevice, createMemoryDeviceRegistry } from '../access/device-registry.js';
import { type DeviceEvent, type DeviceTokenKey, createDevices } from '../access/device.js';
import { createAccessEvaluator } from '../access/evaluate-access.js';
import type { AuditEventInput } from '../audit/event.js';
import { KanmonError } from '../errors.js';
import { createLockout } from '../lockout/create-lockout.js';
import { createPasswordHasher } from '../password/hash/create-hasher.js';
import { createSessionManager } from '../session/create-session-manager.js';
import { createDependencyGuard } from '../store/guard.js';
import { adminUnlock } from './admin/locks.js';
import { markCompromised } from './admin/compromise.js';
import { registerDevice, revokeDevice } from './admin/devices.js';
import { adminResetMfa } from './admin/mfa-reset.js';
import { adminResetPassword } from './admin/password-reset.js';
import { grantRole, revokeRole } from './admin/roles.js';
import { revokeSessions, setDisabled } from './admin/accounts.js';
import { createFlowContext } from './flow-context.js';
import { changePassword } from './flows/change-password.js';
import { completePasswordReset } from './flows/complete-password-reset.js';
import { createAccount } from './flows/create-account.js';
import { confirmTotp, enrollTotp } from './flows/enroll-totp.js';
import { login } from './flows/login.js';
import { logout } from './flows/logout.js';
import { requestPasswordReset } from './flows/request-password-reset.js';
import { regenerateRecoveryCodes } from './flows/regenerate-recovery-codes.js';
import { verifyMfa } from './flows/verify-mfa.js';
import { answeringOutage, deniedUnavailable, notOkUnavailable } from './outage.js';
import type { KanmonOptions } from './options.js';
import type { Kanmon } from './types.js';

const lockoutAuditType = {
  password: { 'lockout.locked': 'auth.lockout.locked', 'lockout.unlocked': 'auth.lockout.unlocked', 'lockout.throttled': 'auth.lockout.throttled' },
  mfa: { 'lockout.locked': 'auth.mfa.locked', 'lockout.unlocked': 'auth.lockout.unlocked', 'lockout.throttled': 'auth.lockout.throttled' },
} as const;

/**
 * Every control wired into one {@link Kanmon}. Each method is one flow, in its own file under `flows/` (`login.ts` in
 * the order of docs/login-flow.md, `verify-mfa.ts`, `change-password.ts`, `enroll-totp.ts`, `regenerate-recovery-codes.ts`,
 * `logout.ts`, `create-account.ts`, `request-password-reset.ts`, `complete-password-reset.ts`), and the administrative
 * calls under `admin/`; they share one `FlowContext` built here.
 *
 * Every step is audited with its real reason; the caller sees one `invalid_credentials` for an unknown user, a wrong
 * password and a disabled account, and the hasher runs exactly once on each of those paths.
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
  const { policy, store, accounts: rawAccounts, keyRing, audit, now, breachedFilter, challengeTtlMs = 5 * 60_000, recoveryCodesLowWater = 3, issuer = 'kanmon' } =
    options ?? ({} as KanmonOptions);
  if (!policy?.password || !policy.session) throw new KanmonError('ERR_INVALID_ARGUMENT', 'createKanmon: policy must come from definePolicy()');
  if (!store || typeof store.update !== 'function') throw new KanmonError('ERR_INVALID_ARGUMENT', 'createKanmon: store must be a kanmon store');
  if (!rawAccounts || typeof rawAccounts.find !== 'function' || typeof rawAccounts.findById !== 'function' || typeof rawAccounts.update !== 'function') {
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
  if (policy.recovery.selfService && typeof options.recovery?.deliver !== 'function') {
    throw new KanmonError('ERR_INVALID_ARGUMENT', 'createKanmon: policy.recovery.selfService is on: pass { recovery: { deliver } } (kanmon sends no mail itself)');
  }

  const hasher = options.hasher ?? createPasswordHasher({ policy, keyRing });
  // One failure policy (store/guard.ts) in front of every store, repository and audit call: the lockout and the
  // MFA functions are given the guarded store and keep its guard (a store is never timed twice).
  const guard = createDependencyGuard(options.dependencyTimeoutMs ?? 5000);
  const guardedStore = guard.store(store);
  const accounts = {
    find: guard.wrap('accounts.find', rawAccounts.find.bind(rawAccounts)),
    findById: guard.wrap('accounts.findById', rawAccounts.findById.bind(rawAccounts)),
    update: guard.wrap('accounts.update', rawAccounts.update.bind(rawAccounts)),
    ...(typeof rawAccounts.create === 'function' ? { create: guard.wrap('accounts.create', rawAccounts.create.bind(rawAccounts)) } : {}),
  };
  const record = guard.wrap('audit append', (event: AuditEventInput) => audit.append(event));

  const lockout = createLockout({
    policy,
    store: guardedStore,
    now,
    onEvent: async (event) => {
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
  // The app's device registry is a table of its database: under the same guard as its accounts.
  const appRegistry: DeviceRegistry | undefined = options.devices?.registry;
  const devices = createDevices({
    registry: appRegistry
      ? { get: guard.wrap('devices.get', async (t: string, id: string) => appRegistry.get(t, id)), put: guard.wrap('devices.put', async (d: RegisteredDevice) => appRegistry.put(d)) }
      : createMemoryDeviceRegistry(),
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
    store: guardedStore,
    idleTimeoutMs: policy.session.idleTimeoutMs,
    absoluteTimeoutMs: policy.session.absoluteTimeoutMs,
    algorithm: options.sessionAlgorithm ?? policy.session.algorithm,
    cryptoProfile: policy.cryptoProfile,
    ...(options.sessionKeyPairs ? { keyPairs: options.sessionKeyPairs } : {}),
    issuer,
    now,
  });

  const ctx = createFlowContext({
    policy,
    store: guardedStore,
    accounts,
    keyRing,
    hasher,
    lockout,
    sessions,
    devices,
    access,
    now,
    breachedFilter,
    challengeTtlMs,
    recoveryCodesLowWater,
    recovery: options.recovery,
    record,
  });

  const kanmon: Kanmon = {
    policy,
    sessions,
    access,
    lockout,
    hasher,
    login: answeringOutage((input) => login(ctx, input), deniedUnavailable),
    verifyMfa: answeringOutage((input) => verifyMfa(ctx, input), deniedUnavailable),
    changePassword: answeringOutage((input) => changePassword(ctx, input), deniedUnavailable),
    enrollTotp: answeringOutage((input) => enrollTotp(ctx, input), deniedUnavailable),
    confirmTotp: answeringOutage((input) => confirmTotp(ctx, input), deniedUnavailable),
    regenerateRecoveryCodes: answeringOutage((input) => regenerateRecoveryCodes(ctx, input), notOkUnavailable),
    logout: answeringOutage((input) => logout(ctx, input), notOkUnavailable),
    requestPasswordReset: answeringOutage((input) => requestPasswordReset(ctx, input), notOkUnavailable),
    completePasswordReset: answeringOutage((input) => completePasswordReset(ctx, input), deniedUnavailable),
    createAccount: answeringOutage((input) => createAccount(ctx, input), notOkUnavailable),
    adminResetPassword: answeringOutage((input) => adminResetPassword(ctx, input), notOkUnavailable),
    adminResetMfa: answeringOutage((input) => adminResetMfa(ctx, input), notOkUnavailable),
    markCompromised: answeringOutage((input) => markCompromised(ctx, input), notOkUnavailable),
    adminUnlock: answeringOutage((input) => adminUnlock(ctx, input), notOkUnavailable),
    revokeSessions: answeringOutage((input) => revokeSessions(ctx, input), notOkUnavailable),
    setDisabled: answeringOutage((input) => setDisabled(ctx, input), notOkUnavailable),
    grantRole: answeringOutage((input) => grantRole(ctx, input), notOkUnavailable),
    revokeRole: answeringOutage((input) => revokeRole(ctx, input), notOkUnavailable),
    registerDevice: answeringOutage((input) => registerDevice(ctx, input), notOkUnavailable),
    revokeDevice: answeringOutage((input) => revokeDevice(ctx, input), notOkUnavailable),
  };
  return Object.freeze(kanmon);
}
