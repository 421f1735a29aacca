/**
 * What the administrative methods of `Kanmon` take and answer (accounts, roles, locks, devices).
 * Part of the public contract of the login flow (`types.ts`).
 */
import type { OutageCause } from '../outage.js';

/** Every administrative call names who does it and to whom. Authorise the actor first (`requireRole`). */
export interface AdminInput {
  readonly tenant: string;
  /** The administrator's account id (audited as `actor`). */
  readonly actor: string;
  /** The account acted on (audited as `target`). */
  readonly accountId: string;
  readonly userAgent?: string | undefined;
  readonly clientIp?: string | null | undefined;
}

/** The answer of an administrative call; `R`: the refusals of that call besides `not_found` and `unavailable`. */
export type AdminResult<T extends object = object, R extends string = never> =
  | ({ readonly ok: true } & T)
  | ({ readonly ok: false; readonly reason: 'not_found' | 'unavailable' | R; /** For `unavailable`: ms until a retry may succeed. */ readonly retryAfterMs?: number } & OutageCause);

/** What `adminResetMfa` takes: the account whose second factor is lost, and why (an audited code). */
export interface ResetMfaAdminInput extends AdminInput {
  /** Why, as a code (`[a-z0-9_.:-]{1,64}`), e.g. `lost_device`. @default 'lost_factor' */
  readonly reason?: string | undefined;
}

export interface CreateAccountInput {
  readonly tenant: string;
  readonly actor: string;
  readonly username: string;
  readonly roles?: readonly string[];
  readonly email?: string | null;
  readonly displayName?: string | null;
  /** @default a random id */
  readonly id?: string;
  readonly userAgent?: string | undefined;
  readonly clientIp?: string | null | undefined;
}

export interface RegisterDeviceAdminInput {
  readonly tenant: string;
  readonly actor: string;
  /** The one account it may be used for; `null`/absent = a shared terminal of the tenant. */
  readonly accountId?: string | null;
  readonly label?: string | null;
  /** A certificate device: the PEM/DER certificate or its SHA-256 fingerprint. */
  readonly certificate?: string | Uint8Array;
  readonly fingerprintSha256?: string;
}

export interface RevokeDeviceAdminInput {
  readonly tenant: string;
  readonly actor: string;
  readonly deviceId: string;
  readonly reason?: string | null;
}
