/**
 * Issue 15 point 3: a whole kanmon whose dependencies can be broken the way production breaks them —
 * the state store (a real Redis killed, a real PostgreSQL gone: connection refused), the app's account
 * repository (rejects with its driver's error) and the audit sink (never answers) — with a short
 * `dependencyTimeoutMs`, plus what every method needs prepared while everything is healthy.
 */
import { randomBytes } from 'node:crypto';
import {
  type AuditSink,
  type DeviceRegistry,
  type Kanmon,
  type KanmonStore,
  type PolicyOverrides,
  createAuditLog,
  createKanmon,
  createKeyRing,
  createMemoryDeviceRegistry,
  createPasswordHasher,
  memoryAccounts,
  memoryAuditSink,
  newAccount,
} from '../../src/index.js';
import type { Session } from '../../src/session/types.js';
import { BUSINESS_DAY_10_JST, GOOD_PASSWORD, OTHER_GOOD_PASSWORD, testPolicy } from './support.js';
import { adminActor } from '../support/admin.js';

export const DEPENDENCY_TIMEOUT_MS = 150;

export interface OutageFaults {
  /** The account repository rejects every call with its driver's error. */
  accounts: boolean;
  /** The audit sink never answers a write. */
  sinkHangs: boolean;
  /** The app's device registry (a table of its database): `rejects` with its driver's error, or never answers. */
  devices: 'healthy' | 'rejects' | 'hangs';
}

export interface Prepared {
  /** An authenticated session of `sato` and its token. */
  readonly session: Session;
  readonly token: string;
  /** A second session of `sato`, for logout (a password change revokes both). */
  readonly other: { readonly session: Session; readonly token: string };
  /** An `mfa_required` challenge of `sato` (not enrolled), from outside the internal networks. */
  readonly mfaChallenge: string;
  /** A `password_change_required` challenge of `shinjin`. */
  readonly changeChallenge: string;
  /** A registered token device of `sato`: its id (for `revokeDevice`) and its token. */
  readonly device: { readonly deviceId: string; readonly token: string };
  /** A password-reset token of `shinjin` (self-service reset is on in this world). */
  readonly resetToken: string;
  /** The administrator `u-admin` with a recent session, for the administrative calls (SEC-13). */
  readonly admin: { readonly actor: string; readonly actorSession: Session };
}

export interface OutageWorld {
  readonly kanmon: Kanmon;
  readonly tenant: string;
  readonly faults: OutageFaults;
  /** Sessions created so far (audited `auth.session.created`). */
  sessionsCreated(): number;
  /** Log in and take the challenges every method needs, while everything is healthy. */
  prepare(facts: { readonly inside: string; readonly outside: string }): Promise<Prepared>;
}

const driverError = (what: string) => Object.assign(new Error(`${what}: connect ECONNREFUSED 10.9.8.7:5432`), { code: 'ECONNREFUSED' });

export async function outageWorld(store: KanmonStore, overrides: PolicyOverrides = {}, now: () => number = () => BUSINESS_DAY_10_JST): Promise<OutageWorld> {
  const faults: OutageFaults = { accounts: false, sinkHangs: false, devices: 'healthy' };
  const policy = testPolicy({ ...overrides, recovery: { selfService: true, ...overrides.recovery } });
  const keyRing = createKeyRing({ keys: [{ id: 'k1', secret: randomBytes(32) }], current: 'k1' });
  const tenant = `city-${randomBytes(5).toString('hex')}`;
  const hash = await createPasswordHasher({ policy, keyRing }).hash(GOOD_PASSWORD);
  const real = memoryAccounts([
    newAccount({ id: 'u-sato', tenant, username: 'sato', passwordHash: hash, passwordChangedAt: now() - 86_400_000, roles: ['staff'] }),
    newAccount({ id: 'u-shinjin', tenant, username: 'shinjin', passwordHash: hash, passwordChangedAt: now() - 86_400_000, mustChangePassword: 'initial' }),
  ]);
  const accounts = {
    find: (t: string, u: string) => (faults.accounts ? Promise.reject(driverError('accounts.find')) : real.find(t, u)),
    findById: (t: string, id: string) => (faults.accounts ? Promise.reject(driverError('accounts.findById')) : real.findById(t, id)),
    update: (t: string, id: string, patch: Parameters<typeof real.update>[2]) => (faults.accounts ? Promise.reject(driverError('accounts.update')) : real.update(t, id, patch)),
    create: (account: Parameters<typeof real.create>[0]) => (faults.accounts ? Promise.reject(driverError('accounts.create')) : real.create(account)),
  };
  const sink = memoryAuditSink();
  const hanging: AuditSink = { ...sink, write: (record) => (faults.sinkHangs ? new Promise<never>(() => undefined) : sink.write(record)) };
  const audit = createAuditLog({ sink: hanging, keyRing, stream: 'outage', now, policy });
  const realDevices = createMemoryDeviceRegistry();
  const broken = (what: string) => (faults.devices === 'hangs' ? new Promise<never>(() => undefined) : Promise.reject(driverError(what)));
  const registry: DeviceRegistry = {
    get: (t, id) => (faults.devices === 'healthy' ? realDevices.get(t, id) : broken('devices.get')),
    put: (device) => (faults.devices === 'healthy' ? realDevices.put(device) : broken('devices.put')),
  };
  const resetTokens: string[] = [];
  const recovery = { deliver: (d: { token: string }) => void resetTokens.push(d.token) };
  const kanmon = createKanmon({ policy, store, accounts, keyRing, audit, now, devices: { registry }, dependencyTimeoutMs: DEPENDENCY_TIMEOUT_MS, recovery });
  const lines = () => sink.streams.get('outage')?.lines ?? [];

  return {
    kanmon,
    tenant,
    faults,
    sessionsCreated: () => lines().filter((line) => line.includes('"auth.session.created"')).length,
    async prepare({ inside, outside }) {
      const login = await kanmon.login({ tenant, username: 'sato', password: GOOD_PASSWORD, clientIp: inside, tls: true });
      if (login.status !== 'authenticated') throw new Error(`prepare: login answered ${JSON.stringify(login)}`);
      const other = await kanmon.login({ tenant, username: 'sato', password: GOOD_PASSWORD, clientIp: inside, tls: true });
      if (other.status !== 'authenticated') throw new Error(`prepare: login answered ${JSON.stringify(other)}`);
      const mfa = await kanmon.login({ tenant, username: 'sato', password: GOOD_PASSWORD, clientIp: outside, tls: true });
      if (mfa.status !== 'mfa_required') throw new Error(`prepare: login from outside answered ${JSON.stringify(mfa)}`);
      const change = await kanmon.login({ tenant, username: 'shinjin', password: GOOD_PASSWORD, clientIp: inside, tls: true });
      if (change.status !== 'password_change_required') throw new Error(`prepare: shinjin answered ${JSON.stringify(change)}`);
      const admin = await adminActor(kanmon, tenant, 'u-admin');
      const registered = await kanmon.registerDevice({ tenant, ...admin, accountId: 'u-sato', label: 'outage test terminal' });
      if (!registered.ok || registered.token === null) throw new Error(`prepare: registerDevice answered ${JSON.stringify(registered)}`);
      const { device, token } = registered;
      const reset = await kanmon.requestPasswordReset({ tenant, username: 'shinjin', clientIp: inside, tls: true });
      const resetToken = resetTokens.at(-1);
      if (!reset.ok || resetToken === undefined) throw new Error(`prepare: requestPasswordReset answered ${JSON.stringify(reset)}`);
      return {
        resetToken,
        session: login.session,
        token: login.token,
        other: { session: other.session, token: other.token },
        mfaChallenge: mfa.challenge,
        changeChallenge: change.challenge,
        device: { deviceId: device.deviceId, token },
        admin,
      };
    },
  };
}

/** Every `Kanmon` method, called as an app would, on what `prepare` made. */
export function everyMethod(world: OutageWorld, p: Prepared, inside: string): ReadonlyArray<readonly [string, () => Promise<unknown>]> {
  const { kanmon, tenant } = world;
  const facts = { clientIp: inside, tls: true } as const;
  const admin = { tenant, ...p.admin, accountId: 'u-sato' } as const;
  return [
    ['login', () => kanmon.login({ tenant, username: 'sato', password: GOOD_PASSWORD, ...facts })],
    ['verifyMfa', () => kanmon.verifyMfa({ challenge: p.mfaChallenge, code: '123456', ...facts })],
    ['enrollTotp', () => kanmon.enrollTotp({ challenge: p.mfaChallenge, ...facts })],
    ['confirmTotp', () => kanmon.confirmTotp({ challenge: p.mfaChallenge, code: '123456', ...facts })],
    ['changePassword (challenge)', () => kanmon.changePassword({ challenge: p.changeChallenge, currentPassword: GOOD_PASSWORD, newPassword: OTHER_GOOD_PASSWORD, ...facts })],
    // sato has no second factor: `not_enrolled` needs no store (see storeFree in outage.test.ts).
    ['regenerateRecoveryCodes', () => kanmon.regenerateRecoveryCodes({ session: p.session, ...facts })],
    ['reauthenticate', () => kanmon.reauthenticate({ session: p.session, password: GOOD_PASSWORD, ...facts })],
    ['logout', () => kanmon.logout({ session: p.other.session, ...facts })],
    ['requestPasswordReset', () => kanmon.requestPasswordReset({ tenant, username: 'sato', ...facts })],
    ['completePasswordReset', () => kanmon.completePasswordReset({ tenant, token: p.resetToken, newPassword: OTHER_GOOD_PASSWORD, ...facts })],
    // Last of sato's own steps: a change that got as far as the store revokes the challenges and sessions above.
    ['changePassword (session)', () => kanmon.changePassword({ session: p.session, currentPassword: GOOD_PASSWORD, newPassword: OTHER_GOOD_PASSWORD, ...facts })],
    ['createAccount', () => kanmon.createAccount({ tenant, ...p.admin, username: `new-${randomBytes(3).toString('hex')}` })],
    ['adminResetPassword', () => kanmon.adminResetPassword(admin)],
    ['adminResetMfa', () => kanmon.adminResetMfa({ ...admin, reason: 'lost_device' })],
    ['markCompromised', () => kanmon.markCompromised(admin)],
    ['adminUnlock', () => kanmon.adminUnlock(admin)],
    ['revokeSessions', () => kanmon.revokeSessions(admin)],
    ['setDisabled', () => kanmon.setDisabled({ ...admin, disabled: true })],
    ['grantRole', () => kanmon.grantRole({ ...admin, role: 'auditor' })],
    ['revokeRole', () => kanmon.revokeRole({ ...admin, role: 'staff' })],
    // A device token is no session token: the answer is summed up for the no-session check (which reads `"token"`).
    ['registerDevice', () => kanmon.registerDevice({ tenant, ...p.admin, accountId: 'u-sato', label: 'new terminal' }).then(deviceSummary)],
    ['revokeDevice', () => kanmon.revokeDevice({ tenant, ...p.admin, deviceId: p.device.deviceId })],
  ];
}

/** A `registerDevice` answer without the device token and the device kind `"token"`; other answers as they are. */
function deviceSummary(result: object): object {
  const { device, token, ...rest } = result as { device?: { deviceId: string; accountId: string | null; revokedAt: number | null }; token?: unknown };
  if (device === undefined) return result;
  return { ...rest, deviceId: device.deviceId, accountId: device.accountId, revokedAt: device.revokedAt, tokenIssued: typeof token === 'string' };
}

/** A coded `unavailable` answer of either result family. */
export function isUnavailable(result: unknown): boolean {
  if (result === null || typeof result !== 'object') return false;
  const r = result as { status?: unknown; ok?: unknown; reason?: unknown; retryAfterMs?: unknown };
  const family = r.status === 'denied' || r.ok === false;
  return family && r.reason === 'unavailable' && typeof r.retryAfterMs === 'number' && r.retryAfterMs > 0;
}
