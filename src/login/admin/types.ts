/**
 * What the administrative methods of `Kanmon` take and answer (accounts, roles, locks, devices).
 * Part of the public contract of the login flow (`types.ts`).
 */
import type { RegisteredDevice } from '../../access/device-registry.js';
import type { CompromiseSource } from '../../password/compromise.js';
import type { Session } from '../../session/types.js';
import type { AccountRecord } from '../account.js';
import type { OutageCause } from '../outage.js';

/**
 * The actor of a system task with no session (first-account bootstrap, a CLI, a batch job), minted only by
 * `kanmon.systemActor` (audited `admin.system_actor`); usable as an `actorSession` for as long as a session's
 * authentication would count as recent (`policy.session.reauthMaxAgeSeconds`). A copy or a literal is refused.
 */
export interface SystemActor {
  readonly kind: 'system';
  readonly tenant: string;
  /** `system:<name>`: what `actor` must be, and what every event of the task names. */
  readonly actor: string;
  /** When it was minted (ms). */
  readonly grantedAt: number;
}

/**
 * Who does an administrative call, and the proof (SEC-13): the administrator's verified session, which must be
 * recent (`authTime` within `policy.session.reauthMaxAgeSeconds`, else `reauth_required`: step up with
 * `kanmon.reauthenticate`) and must be of `tenant` and `actor` (else `actor_mismatch`).
 */
export interface AdminActor {
  readonly tenant: string;
  /** The administrator's account id (audited as `actor`): the `subject` of `actorSession`. */
  readonly actor: string;
  /** The administrator's session from `sessions.verify` (or `requireSession`), or a `SystemActor` (from `systemActor`). */
  readonly actorSession: Session | SystemActor;
}

/** Every administrative call names who does it and to whom. Authorise the actor first (`requireRole`). */
export interface AdminInput extends AdminActor {
  /** The account acted on (audited as `target`). */
  readonly accountId: string;
  readonly userAgent?: string | undefined;
  readonly clientIp?: string | null | undefined;
}

/**
 * Why any administrative call may be refused before it runs (SEC-13): the actor's authentication is not recent
 * (or its session was revoked), or `actorSession` is not of `tenant` and `actor`.
 */
export type AdminActorRefusal = 'reauth_required' | 'actor_mismatch';

/** The answer of an administrative call; `R`: the refusals of that call besides `not_found`, `unavailable` and `AdminActorRefusal`. */
export type AdminResult<T extends object = object, R extends string = never> =
  | ({ readonly ok: true } & T)
  | ({ readonly ok: false; readonly reason: 'not_found' | 'unavailable' | AdminActorRefusal | R; /** For `unavailable`: ms until a retry may succeed. */ readonly retryAfterMs?: number } & OutageCause);

/** What `adminResetMfa` takes: the account whose second factor is lost, and why (an audited code). */
export interface ResetMfaAdminInput extends AdminInput {
  /** Why, as a code (`[a-z0-9_.:-]{1,64}`), e.g. `lost_device`. @default 'lost_factor' */
  readonly reason?: string | undefined;
}

/** Input of {@link Kanmon.createAccount}: the new account and the administrator who creates it. */
export interface CreateAccountInput extends AdminActor {
  readonly username: string;
  readonly roles?: readonly string[];
  readonly email?: string | null;
  readonly displayName?: string | null;
  /** @default a random id */
  readonly id?: string;
  readonly userAgent?: string | undefined;
  readonly clientIp?: string | null | undefined;
}

/** Input of {@link Kanmon.registerDevice}: a device for one account or the tenant, by an administrator. */
export interface RegisterDeviceAdminInput extends AdminActor {
  /** The one account it may be used for; `null`/absent = a shared terminal of the tenant. */
  readonly accountId?: string | null;
  readonly label?: string | null;
  /** A certificate device: the PEM/DER certificate or its SHA-256 fingerprint. */
  readonly certificate?: string | Uint8Array;
  readonly fingerprintSha256?: string;
}

/** Input of {@link Kanmon.revokeDevice}. */
export interface RevokeDeviceAdminInput extends AdminActor {
  readonly deviceId: string;
  readonly reason?: string | null;
}

/** The administrative methods of `Kanmon` (wired in `methods/admin.ts`). Authorise the actor first (`requireRole`). */
export interface KanmonAdmin {
  /** Create an account with a one-time initial password (must change at first login). Needs `accounts.create`. */
  createAccount(input: CreateAccountInput): Promise<AdminResult<{ readonly account: AccountRecord; readonly initialPassword: string }>>;
  /** Issue a random one-time password (the admin never chooses it); it must be changed at the next login. Revokes sessions. */
  adminResetPassword(input: AdminInput): Promise<AdminResult<{ readonly temporaryPassword: string }>>;
  /** Mark the password compromised: sessions are revoked at once; the next login must change it. */
  markCompromised(input: AdminInput & { readonly source?: CompromiseSource }): Promise<AdminResult<{ readonly alreadyCompromised: boolean }>>;
  /** Lift the account's password and MFA locks. */
  adminUnlock(input: AdminInput): Promise<AdminResult<{ readonly wasLocked: boolean }>>;
  /** Revoke every session of the account (logout everywhere, admin lock). */
  revokeSessions(input: AdminInput): Promise<AdminResult>;
  /** Disable or enable the account (disabling revokes its sessions). */
  setDisabled(input: AdminInput & { readonly disabled: boolean }): Promise<AdminResult>;
  /** Give the account a role (no change when it has it); sessions carry roles, so it shows from its next login. Audited `admin.role.grant`. */
  grantRole(input: AdminInput & { readonly role: string }): Promise<AdminResult<{ readonly roles: readonly string[] }>>;
  /** Revoking a role revokes the account's sessions (their tokens carry the roles). */
  revokeRole(input: AdminInput & { readonly role: string }): Promise<AdminResult<{ readonly roles: readonly string[] }>>;
  /**
   * A lost second factor: remove the TOTP and recovery codes and revoke every session; the next login where MFA
   * is required enrols again. Refused (`self_reset_forbidden`) when `actor` is `accountId`. Audited `admin.mfa.reset`.
   */
  adminResetMfa(input: ResetMfaAdminInput): Promise<AdminResult<{ readonly wasEnrolled: boolean }, 'self_reset_forbidden'>>;
  /** Register a terminal; the token (for token devices) is returned once. */
  registerDevice(input: RegisterDeviceAdminInput): Promise<AdminResult<{ readonly device: RegisteredDevice; readonly token: string | null }>>;
  /** Revoke a terminal; `wasActive`: it was usable until now. */
  revokeDevice(input: RevokeDeviceAdminInput): Promise<AdminResult<{ readonly wasActive: boolean }>>;
  /**
   * The actor of a system task that has no session (the first administrator's account, a CLI, a batch job):
   * audited `admin.system_actor` with its reason; usable as `actorSession` (with `actor: actorSession.actor`)
   * for `policy.session.reauthMaxAgeSeconds`.
   */
  systemActor(input: SystemActorInput): Promise<SystemActorResult>;
  /**
   * Disable every enabled account dormant under `policy.accounts.dormantDays` (SEC-12, IPC-3), revoking its
   * sessions; each audited `admin.account.disable` (reason `dormant`). Needs `AccountRepository.list`
   * (`ERR_CAPABILITY_MISSING`); answers `dormancy_off` when `dormantDays` is `null`.
   */
  disableDormantAccounts(input: DisableDormantInput): Promise<DisableDormantResult>;
  /**
   * Delete the account through `AccountRepository.delete` (`ERR_CAPABILITY_MISSING` without it), revoke its
   * sessions and reset tokens and purge its store keys (lockout, TOTP replay, recovery codes, counters).
   * Audited `admin.account.delete`.
   */
  deleteAccount(input: AdminInput): Promise<AdminResult>;
}

/** What `disableDormantAccounts` takes. */
export interface DisableDormantInput extends AdminActor {
  readonly userAgent?: string | undefined;
  readonly clientIp?: string | null | undefined;
}

/** The answer of `disableDormantAccounts`. */
export type DisableDormantResult =
  | {
      readonly ok: true;
      /** The accounts disabled now (each audited `admin.account.disable`, reason `dormant`, its sessions revoked). */
      readonly disabled: readonly string[];
    }
  | ({ readonly ok: false; readonly reason: 'unavailable' | 'dormancy_off' | AdminActorRefusal; readonly retryAfterMs?: number } & OutageCause);

/** What `systemActor` takes. */
export interface SystemActorInput {
  readonly tenant: string;
  /** The task's name, `[a-z0-9_.-]{1,48}` (audited as `system:<name>`). */
  readonly name: string;
  /** Why, as a code (`[a-z0-9_.:-]{1,64}`), e.g. `bootstrap`. */
  readonly reason: string;
  readonly userAgent?: string | undefined;
  readonly clientIp?: string | null | undefined;
}

/** The answer of `systemActor`. */
export type SystemActorResult =
  | { readonly ok: true; readonly actorSession: SystemActor }
  | ({ readonly ok: false; readonly reason: 'unavailable'; readonly retryAfterMs: number } & OutageCause);
