import { createAccessEvaluator } from '../access/evaluate-access.js';
import type { AuditEventInput } from '../audit/event.js';
import { KanmonError } from '../errors.js';
import { createLockout } from '../lockout/create-lockout.js';
import { createPasswordHasher } from '../password/hash/create-hasher.js';
import { createSessionManager } from '../session/create-session-manager.js';
import { createDependencyGuard } from '../store/guard.js';
import { createTelemetry } from '../telemetry/create-telemetry.js';
import { createFlowContext } from './flow-context.js';
import { lockoutAuditHook, wireDevices } from './internal/wiring.js';
import { adminMethods } from './methods/admin.js';
import { flowMethods } from './methods/flows.js';
import { sessionMethods } from './methods/sessions.js';
import { passkeyMethods } from './methods/passkeys.js';
import { stepUpMethods } from './methods/step-up.js';
import { inventoryMethods } from './methods/inventory.js';
import type { KanmonOptions } from './options.js';
import type { Kanmon } from './types.js';

/**
 * Every control wired into one {@link Kanmon}. Each method is one flow, in its own file under `flows/` (`login.ts` in
 * the order of docs/login-flow.md), or an administrative call under `admin/`; `methods/*.ts` list them by group, and
 * they share one `FlowContext` built here.
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
  // OpenTelemetry (src/telemetry): hooks that return what they are given when `options.telemetry` is absent.
  const telemetry = createTelemetry(options.telemetry);
  telemetry.hasher(hasher);
  // One failure policy (store/guard.ts) in front of every store, repository and audit call: the lockout and the
  // MFA functions are given the guarded store and keep its guard (a store is never timed twice).
  const guard = createDependencyGuard(options.dependencyTimeoutMs ?? 5000, telemetry.onTimeout);
  const guardedStore = guard.store(telemetry.store(store));
  const accounts = {
    find: guard.wrap('accounts.find', rawAccounts.find.bind(rawAccounts)),
    findById: guard.wrap('accounts.findById', rawAccounts.findById.bind(rawAccounts)),
    update: guard.wrap('accounts.update', rawAccounts.update.bind(rawAccounts)),
    ...(typeof rawAccounts.create === 'function' ? { create: guard.wrap('accounts.create', rawAccounts.create.bind(rawAccounts)) } : {}),
    ...(typeof rawAccounts.list === 'function' ? { list: guard.wrap('accounts.list', rawAccounts.list.bind(rawAccounts)) } : {}),
    ...(typeof rawAccounts.delete === 'function' ? { delete: guard.wrap('accounts.delete', rawAccounts.delete.bind(rawAccounts)) } : {}),
  };
  const record = guard.wrap('audit append', telemetry.audit((event: AuditEventInput) => audit.append(event)));

  const lockout = createLockout({
    policy,
    store: guardedStore,
    now,
    onEvent: telemetry.lockout(lockoutAuditHook(record)),
  });

  const devices = wireDevices({ keyRing, now, record, guard, ...(options.devices ? { options: options.devices } : {}) });
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
    maxConcurrent: policy.session.maxConcurrent,
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
    onNewSource: options.onNewSource,
  });

  const kanmon: Kanmon = {
    policy,
    sessions,
    access,
    lockout,
    hasher,
    ...telemetry.flows(flowMethods(ctx)),
    ...adminMethods(ctx),
    ...stepUpMethods(ctx),
    ...sessionMethods(ctx),
    ...inventoryMethods(ctx),
    ...passkeyMethods(ctx),
  };
  return Object.freeze(kanmon);
}
