/** What `createKanmon` needs. Part of the public contract of the login flow (`types.ts`). */
import type { DeviceRegistry } from '../access/device-registry.js';
import type { DeviceTokenKeys } from '../access/device.js';
import type { AuditLog } from '../audit/create-audit-log.js';
import type { KeyRing } from '../keys/key-ring.js';
import type { BreachedPasswordFilter } from '../password/breached/create-filter.js';
import type { PasswordHasher } from '../password/hash/create-hasher.js';
import type { Policy } from '../policy/define-policy.js';
import type { SessionAlgorithm } from '../session/algorithms.js';
import type { SessionKeyPair } from '../session/types.js';
import type { KanmonStore } from '../store/store.js';
import type { KanmonTelemetryOptions } from '../telemetry/types.js';
import type { AccountRepository } from './account.js';
import type { NewSourceNotice } from './types.js';
import type { KanmonRecoveryOptions } from './reset-types.js';

/** Registered devices (SEC-6.3). */
export interface KanmonDeviceOptions {
  /** Where device records live. @default an in-memory registry */
  readonly registry?: DeviceRegistry;
  /** MAC keys of device tokens. @default derived from the key ring (purpose `device-token`) */
  readonly keys?: DeviceTokenKeys;
}

/** Options of `createKanmon`. */
export interface KanmonOptions {
  /** From `definePolicy`: every control reads its section. */
  readonly policy: Policy;
  /** Security state shared by every instance: lockout counters, TOTP replay guard, session epochs. */
  readonly store: KanmonStore;
  /** The app's accounts. */
  readonly accounts: AccountRepository;
  /** Seals TOTP secrets, signs sessions and challenges, keys recovery codes and device tokens. */
  readonly keyRing: KeyRing;
  /** Every decision is appended here (HMAC-chained). */
  readonly audit: AuditLog;
  /** The clock, epoch ms. */
  readonly now: () => number;
  /** @default createPasswordHasher({ policy, keyRing }) */
  readonly hasher?: PasswordHasher;
  /** Offline breached-password filter, needed when `policy.password.breached.offline` is on. */
  readonly breachedFilter?: BreachedPasswordFilter;
  /** Registered devices. */
  readonly devices?: KanmonDeviceOptions;
  /** Self-service password reset: how a token reaches the user. Required when `policy.recovery.selfService` is on. */
  readonly recovery?: KanmonRecoveryOptions;
  /** Session signing: overrides `policy.session.algorithm`; PS256 needs `sessionKeyPairs`. */
  readonly sessionAlgorithm?: SessionAlgorithm;
  /** PS256 key pairs by key-ring id. */
  readonly sessionKeyPairs?: Readonly<Record<string, SessionKeyPair>>;
  /** Lifetime of an `mfa_required` / `password_change_required` challenge. @default 300_000 (5 min) */
  readonly challengeTtlMs?: number;
  /** Warn when fewer recovery codes than this remain. @default 3 */
  readonly recoveryCodesLowWater?: number;
  /** `iss` of sessions and challenges. @default 'kanmon' */
  readonly issuer?: string;
  /**
   * How long a flow waits for the state store, the account repository or the audit log before it answers
   * `unavailable` (src/store/guard.ts: the one timeout, the lockout's and the MFA checks' included). @default 5000
   */
  readonly dependencyTimeoutMs?: number;
  /**
   * Called (not awaited; its errors ignored) after a login from a network or browser not seen for the account
   * within `policy.accounts.knownSourceDays`, e.g. to mail the user. The event is audited either way.
   */
  readonly onNewSource?: (notice: NewSourceNotice) => void | Promise<void>;
  /**
   * OpenTelemetry metrics and a span per login through the application's `@opentelemetry/api`
   * (docs/telemetry.md): `{ api }` with `import * as api from '@opentelemetry/api'`. Absent: nothing recorded.
   */
  readonly telemetry?: KanmonTelemetryOptions;
}
