import { z } from 'zod';
import { webauthnSchema } from './webauthn-schema.js';
import { cryptrecSessionAlgorithms } from '../session/algorithms.js';

/**
 * The zod schema of a kanmon policy. Every control reads its section of one
 * validated, frozen {@link Policy}; nothing re-parses on a hot path.
 *
 * Units live in names (`lockDurationMs`, `maxAgeDays`). Every field has a
 * default, so a partial object is a valid base; the presets in `presets/`
 * spell every field out with the clause it comes from.
 */

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.number().int().min(min).max(max);
const ms = () => int(0);

/** IANA time-zone name, checked against the runtime's Intl data. */
const timeZoneSchema = z.string().refine(
  (zone) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'not an IANA time zone known to this runtime' },
);

/** `HH:MM`, 24-hour clock; `24:00` is allowed as a closing time. */
const clockTime = z.string().regex(/^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'expected HH:MM (00:00–24:00)');
/** `MM-DD`, a recurring closed day (e.g. 12-29 for the year-end holidays). */
const monthDay = z.string().regex(/^(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])$/, 'expected MM-DD');
/** A CIDR or single address. Parsed and checked strictly by the access module when compiled. */
const cidr = z.string().min(1).max(64);

export const characterClasses = ['upper', 'lower', 'digit', 'symbol'] as const;
/** A character class a password rule can require: `upper`, `lower`, `digit` or `symbol`. */
export type CharacterClass = (typeof characterClasses)[number];

const passwordSchema = z.strictObject({
  /** Minimum length in Unicode code points, after normalisation. */
  minLength: int(1, 1024).default(10),
  /** Maximum length in code points; longer input is refused before any other work. */
  maxLength: int(8, 4096).default(128),
  /** Unicode normalisation applied before every rule and before hashing. */
  normalization: z.enum(['NFKC', 'NFC']).default('NFKC'),
  /** Classes that must all be present. */
  requiredClasses: z.array(z.enum(characterClasses)).max(4).default([]),
  /** At least this many of the four classes (0 = no such rule). */
  minClasses: int(0, 4).default(0),
  /** Whether characters outside printable ASCII (after normalisation) are allowed at all. */
  allowNonAscii: z.boolean().default(true),
  /** Refuse passwords containing the username, the e-mail local part or a context word. */
  rejectContext: z.boolean().default(true),
  /** Extra context words (service name, city name), compared case-insensitively and reversed. */
  contextWords: z.array(z.string().min(1).max(256)).max(1000).default([]),
  /** Refuse the shipped list of common passwords (with leet substitutions undone). */
  rejectCommon: z.boolean().default(true),
  /** Longest allowed run of one repeated character (`aaaa` is a run of 4); 0 = no rule. */
  maxRepeat: int(0, 64).default(3),
  /** Refuse ascending/descending/keyboard sequences of this many characters or more; 0 = no rule. */
  sequenceLength: int(0, 64).default(4),
  /** Refuse passwords that are mostly a date (`19850412`, `2024-01-31`, `S60.4.12`). */
  rejectDates: z.boolean().default(true),
  /** Offline breached-password filter (`createBreachedPasswordFilter`), and the opt-in online check. */
  breached: z
    .strictObject({
      /** Check the offline filter the caller passes to `checkPassword`. */
      offline: z.boolean().default(false),
      /** The HIBP range API. Off in every preset: closed networks make no outbound call (SEC-6.1). */
      online: z
        .strictObject({
          enabled: z.boolean().default(false),
          timeoutMs: int(1, 60_000).default(3000),
          onError: z.enum(['reject', 'accept']).default('reject'),
        })
        .prefault({}),
    })
    .prefault({}),
  /** Refuse reuse of the last N passwords (0 = no history). */
  history: int(0, 100).default(0),
  /** Periodic change: days a password stays valid; `null` = never expires. */
  maxAgeDays: int(1, 3650).nullable().default(null),
  /** Warn this many days before expiry. */
  expiryWarningDays: int(0, 365).default(14),
  /** Minimum days between changes, so history cannot be cycled through in one day. */
  minAgeDays: int(0, 365).default(0),
  /** An initial or admin-issued password must be changed at the next login (IPC-4). */
  mustChangeInitial: z.boolean().default(true),
  /**
   * Hours an issued password (the first one, an administrator's reset) stays usable before it is changed; after
   * that the login answers `issued_password_expired` and only an administrator can issue a new one (IPC-4;
   * ASVS 5.0 V6.4: "expire after a short period"). `null` = an issued password never expires.
   */
  issuedValidityHours: int(1, 24 * 365).nullable().default(72),
});

const hashingSchema = z.strictObject({
  /** Password hash. `cryptoProfile: 'cryptrec'` requires one of the PBKDF2 forms. */
  algorithm: z.enum(['argon2id', 'pbkdf2-sha256', 'pbkdf2-sha512']).default('argon2id'),
  argon2: z
    .strictObject({
      /** Memory cost in KiB. OWASP's floor is 19456 (19 MiB). */
      memoryKiB: int(1024, 4 * 1024 * 1024).default(19456),
      /** Time cost (passes). OWASP's floor is 2 at 19 MiB. */
      iterations: int(1, 100).default(2),
      /** Lanes. */
      parallelism: int(1, 16).default(1),
    })
    .prefault({}),
  pbkdf2: z
    .strictObject({
      /** PBKDF2-HMAC-SHA-256 iterations (OWASP 2023: ≥ 600,000). */
      iterationsSha256: int(600_000, 100_000_000).default(600_000),
      /** PBKDF2-HMAC-SHA-512 iterations (OWASP 2023: ≥ 210,000). */
      iterationsSha512: int(210_000, 100_000_000).default(210_000),
    })
    .prefault({}),
  /** HMAC the password with the key ring's current pepper key before hashing. */
  pepper: z.boolean().default(false),
  /** Hashes in flight at once; `null` = the number of CPUs. */
  maxConcurrentHashes: int(1, 1024).nullable().default(null),
  /** Hashes waiting for a slot before `ERR_BUSY`. */
  maxQueuedHashes: int(0, 1_000_000).default(1000),
});

const lockoutSchema = z.strictObject({
  /** Consecutive failures (counted up front, at reservation) before the account locks (SEC-24). */
  maxFailures: int(1, 1000).default(5),
  /** The failure counter resets after this long without a failure. */
  failureWindowMs: ms().default(15 * 60_000),
  /** How long a lock lasts (the first one, under progressive locking). */
  lockDurationMs: ms().default(15 * 60_000),
  /** Each further lock lasts `multiplier` times the previous one, capped. 1 = not progressive. */
  progressive: z
    .strictObject({
      multiplier: z.number().min(1).max(100).default(1),
      maxLockDurationMs: ms().default(24 * 60 * 60_000),
    })
    .prefault({}),
  /** A lock lasts until an administrator unlocks the account. */
  permanent: z.boolean().default(false),
  /** Throttles per source, against password spraying; `null` = off. */
  perSource: z
    .strictObject({
      /** Failures allowed per (account, client IP) within the window. */
      maxFailuresPerAccountAndIp: int(1, 100_000).nullable().default(null),
      /** Failures allowed per client IP across all accounts within the window. */
      maxFailuresPerIp: int(1, 1_000_000).nullable().default(null),
      windowMs: ms().default(15 * 60_000),
    })
    .prefault({}),
  /** Second-factor guesses: a separate counter and lock. */
  mfa: z
    .strictObject({
      maxFailures: int(1, 1000).default(5),
      lockDurationMs: ms().default(15 * 60_000),
    })
    .prefault({}),
  /** When the store fails: refuse the login (default) or let it through unthrottled. */
  onStoreError: z.enum(['fail_closed', 'fail_open']).default('fail_closed'),
});

const totpSchema = z.strictObject({
  digits: z.union([z.literal(6), z.literal(8)]).default(6),
  algorithm: z.enum(['SHA1', 'SHA256', 'SHA512']).default('SHA1'),
  periodSeconds: int(15, 300).default(30),
  /** Steps accepted either side of now. The Japanese presets allow at most 1. */
  window: int(0, 10).default(1),
  /** The `issuer` shown in authenticator apps. */
  issuer: z.string().min(1).max(128).default('kanmon'),
});

const mfaSchema = z.strictObject({
  /** MFA for every account. */
  requireForAll: z.boolean().default(false),
  /** Role names that count as privileged (SEC-13). */
  privilegedRoles: z.array(z.string().min(1).max(128)).default(['admin']),
  /** Privileged roles must use MFA (SEC-13). */
  requireForPrivileged: z.boolean().default(true),
  /** Access not through the internal networks must use MFA or device authentication (SEC-16). */
  requireOutsideInternalNetwork: z.boolean().default(false),
  /** CIDRs of the city's internal networks (LGWAN side). */
  internalNetworks: z.array(cidr).default([]),
  /** A verified client certificate satisfies SEC-16's "device authentication" instead of MFA. */
  clientCertSatisfiesOutside: z.boolean().default(false),
  totp: totpSchema.prefault({}),
  recoveryCodes: z
    .strictObject({
      count: int(0, 100).default(10),
    })
    .prefault({}),
});

export const businessHoursSchema = z.strictObject({
  timeZone: timeZoneSchema.default('Asia/Tokyo'),
  /** Open weekdays, 0 = Sunday … 6 = Saturday. */
  days: z.array(int(0, 6)).max(7).default([1, 2, 3, 4, 5]),
  open: clockTime.default('08:30'),
  close: clockTime.default('17:15'),
  /** Public holidays: Japan's (`@holiday-jp/holiday_jp`) or none. */
  holidays: z.enum(['jp', 'none']).default('jp'),
  /** The organisation's own closed days, `MM-DD` (年末年始 12-29 … 01-03). */
  closedDays: z.array(monthDay).default(['12-29', '12-30', '12-31', '01-01', '01-02', '01-03']),
  /** What use outside business hours means (SEC-27). */
  outOfHours: z.enum(['allow', 'flag', 'require_mfa', 'deny']).default('flag'),
});

const accessRuleSchema = z.strictObject({
  /** FNB-2.1: who may reach this route or service. */
  allow: z.enum(['internal_only', 'allow_listed_terminals', 'any']),
  /** `allow_listed_terminals` only: this rule's terminal addresses instead of `access.ipAllowList`. */
  ipAllowList: z.array(cidr).optional(),
  /** `allow_listed_terminals` only: overrides `access.requireClientCert` for this rule. */
  requireClientCert: z.boolean().optional(),
  /** `allow_listed_terminals` only: overrides `access.requireRegisteredDevice` for this rule. */
  requireRegisteredDevice: z.boolean().optional(),
});

const accessSchema = z.strictObject({
  /** Proxies whose `X-Forwarded-For` / `Forwarded` headers are believed. Empty = headers ignored. */
  trustedProxies: z.array(cidr).default([]),
  /** The one forwarding header the trusted proxies set; the other is never read (a client could send it). */
  forwardedHeader: z.enum(['x-forwarded-for', 'forwarded']).default('x-forwarded-for'),
  /** Client addresses allowed to connect (EXT-4, IPC-2, RM-21). Empty = no IP restriction. */
  ipAllowList: z.array(cidr).default([]),
  /** Terminals must present an allow-listed client certificate. */
  requireClientCert: z.boolean().default(false),
  clientCert: z
    .strictObject({
      fingerprintsSha256: z.array(z.string().regex(/^(?:[0-9A-Fa-f]{2}:?){31}[0-9A-Fa-f]{2}$/)).default([]),
      subjects: z.array(z.string().min(1)).default([]),
      issuers: z.array(z.string().min(1)).default([]),
      requireValidity: z.boolean().default(true),
      /** Header a TLS-terminating trusted proxy puts the client certificate in; `null` = socket only. */
      header: z.string().min(1).max(128).nullable().default(null),
    })
    .prefault({}),
  /** A registered device identifier is checked before credentials (SEC-6.3). */
  requireRegisteredDevice: z.boolean().default(false),
  /** Business hours; `null` = no notion of hours. */
  businessHours: businessHoursSchema.nullable().default(null),
  /** Refuse plain HTTP unless TLS ends at a trusted proxy (IPC-16). */
  requireTls: z.boolean().default(true),
  /** Default rule for routes without their own (FNB-2.1). */
  defaultRule: accessRuleSchema.prefault({ allow: 'any' }),
  /** Per-route or per-service rules by name (FNB-2.1). */
  routes: z.record(z.string().min(1), accessRuleSchema).default({}),
});

const sessionSchema = z.strictObject({
  /** Log off after this long without a request (IPC-11, IPC-12, RM-38). */
  idleTimeoutMs: int(1000).default(15 * 60_000),
  /** Hard cap from login, whatever the activity. */
  absoluteTimeoutMs: int(1000).default(8 * 60 * 60_000),
  /** JWS algorithm of session tokens; `none` is never accepted. */
  algorithm: z.enum(['ES256', 'EdDSA', 'PS256', 'HS256']).default('ES256'),
  cookieName: z.string().min(1).max(128).default('__Host-kanmon'),
  /**
   * A session older than this (since its `authTime`) must authenticate again
   * (`reauthenticate`) before privileged work (SEC-13: every administrative
   * operation of createKanmon, and `requireRecentAuth()` routes) and before it
   * may change an authentication factor (ASVS 5.0 V7.5.1): they answer
   * `reauth_required`.
   */
  reauthMaxAgeSeconds: int(30, 24 * 60 * 60).default(10 * 60),
  /**
   * At most `limit` live sessions per account, atomic on every store: a new login evicts the oldest session
   * (`evict_oldest`) or is refused with `session_limit` (`refuse_new`). `null` = off (the session index still
   * keeps at most 100 per account). Needs a store with entry lists (memory, Redis, PostgreSQL).
   */
  maxConcurrent: z
    .strictObject({ limit: int(1, 100), mode: z.enum(['evict_oldest', 'refuse_new']) })
    .nullable()
    .default(null),
});

const recoverySchema = z.strictObject({
  /** Self-service password reset (`requestPasswordReset`, `completePasswordReset`); off = both answer `self_service_off`. */
  selfService: z.boolean().default(false),
  /** Minutes a reset token stays usable after it is issued (ASVS 5.0 V6.4: short-lived). */
  tokenTtlMinutes: int(1, 24 * 60).default(30),
  /** Reset requests allowed, counted in the store (memory, Redis, PostgreSQL); the next one answers `throttled` with `Retry-After`. */
  throttle: z
    .strictObject({
      /** Requests per account (unknown names counted alike) within the window. */
      maxRequestsPerAccount: int(1, 1000).default(3),
      /** Requests per client IP (IPv6 per /64) across all accounts within the window. */
      maxRequestsPerIp: int(1, 1_000_000).default(20),
      windowMs: int(60_000, 7 * 24 * 60 * 60_000).default(60 * 60_000),
    })
    .prefault({}),
});

const auditSchema = z.strictObject({
  /** Records younger than this are never deleted (EXT-6: 1 year). */
  retentionDays: int(1, 36_500).default(365),
  /** A legal hold (litigation, audit by the city, an incident): while true, nothing is pruned whatever its age (EXT-6, SEC-18). */
  legalHold: z.boolean().default(false),
  /**
   * Per-stream "keep until" (ISO 8601 date-time with offset), e.g. contract-long
   * logs: nothing of that stream is pruned before that time. @default {}
   */
  retainUntil: z.record(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/), z.iso.datetime({ offset: true })).default({}),
  /** Alert on a successful login after at least this many failures. */
  alertAfterFailures: int(1, 1000).default(5),
  /** Alerts delivered per minute at most; further ones are counted and summarised. */
  alertsPerMinute: int(1, 100_000).default(60),
});

const accountsSchema = z.strictObject({
  /**
   * An account with no login for this many calendar days (in `timeZone`) is
   * dormant: `inventory` flags it, `disableDormantAccounts` disables it
   * (SEC-12, IPC-3). A never-used account counts from its `createdAt`.
   * `null` = no dormancy rule.
   */
  dormantDays: int(1, 3650).nullable().default(null),
  /**
   * A login from a client IP prefix (/24 IPv4, /64 IPv6) or a browser not seen
   * for the account within this many days is a new source: `login.new_source`
   * is audited and `onNewSource` called. `null` = not tracked.
   */
  knownSourceDays: int(1, 400).nullable().default(null),
});

export const policySchema = z
  .strictObject({
    password: passwordSchema.prefault({}),
    hashing: hashingSchema.prefault({}),
    lockout: lockoutSchema.prefault({}),
    mfa: mfaSchema.prefault({}),
    access: accessSchema.prefault({}),
    session: sessionSchema.prefault({}),
    recovery: recoverySchema.prefault({}),
    audit: auditSchema.prefault({}),
    accounts: accountsSchema.prefault({}),
    webauthn: webauthnSchema.prefault({}),
    /** `cryptrec`: only algorithms on the CRYPTREC e-Government Recommended Ciphers List (SEC-17, FNB-2.4). */
    cryptoProfile: z.enum(['standard', 'cryptrec']).default('standard'),
    /** The one time zone of every log and every "day" rule (SEC-19, FNB-2.5). */
    timeZone: timeZoneSchema.default('Asia/Tokyo'),
  })
  .superRefine((p, ctx) => {
    if (p.password.minLength > p.password.maxLength) {
      ctx.addIssue({ code: 'custom', path: ['password', 'minLength'], message: 'must not exceed password.maxLength' });
    }
    if (new Set(p.password.requiredClasses).size !== p.password.requiredClasses.length) {
      ctx.addIssue({ code: 'custom', path: ['password', 'requiredClasses'], message: 'lists a class twice' });
    }
    if (p.cryptoProfile === 'cryptrec' && p.hashing.algorithm === 'argon2id') {
      ctx.addIssue({
        code: 'custom',
        path: ['hashing', 'algorithm'],
        message: "cryptoProfile 'cryptrec' needs a CRYPTREC-built hash: 'pbkdf2-sha256' or 'pbkdf2-sha512'",
      });
    }
    if (p.cryptoProfile === 'cryptrec' && !cryptrecSessionAlgorithms.includes(p.session.algorithm)) {
      // SEC-17, FNB-2.4: the same set createSessionManager accepts under the profile.
      ctx.addIssue({ code: 'custom', path: ['session', 'algorithm'], message: `cryptoProfile 'cryptrec' allows ${cryptrecSessionAlgorithms.slice(0, -1).join(', ')} or ${cryptrecSessionAlgorithms.at(-1) ?? ''} session signatures` });
    }
    if (p.session.idleTimeoutMs > p.session.absoluteTimeoutMs) {
      ctx.addIssue({ code: 'custom', path: ['session', 'idleTimeoutMs'], message: 'must not exceed session.absoluteTimeoutMs' });
    }
    const rules = [['defaultRule', p.access.defaultRule] as const, ...Object.entries(p.access.routes).map(([name, rule]) => [`routes.${name}`, rule] as const)];
    for (const [name, rule] of rules) {
      const path = ['access', ...name.split(/\.(.*)/s).filter(Boolean)];
      const terminalFields = rule.ipAllowList !== undefined || rule.requireClientCert !== undefined || rule.requireRegisteredDevice !== undefined;
      if (rule.allow !== 'allow_listed_terminals' && terminalFields) {
        ctx.addIssue({ code: 'custom', path, message: `terminal settings only apply to allow: 'allow_listed_terminals'` });
      }
      if (rule.allow === 'internal_only' && p.mfa.internalNetworks.length === 0) {
        ctx.addIssue({ code: 'custom', path, message: "allow: 'internal_only' needs mfa.internalNetworks" });
      }
      // An allow_listed_terminals rule with no terminal configured is refused by createAccessEvaluator, not here:
      // the presets ship it that way for the deployer to fill in.
    }
    const hours = p.access.businessHours;
    if (hours && hours.open >= hours.close) {
      ctx.addIssue({ code: 'custom', path: ['access', 'businessHours', 'close'], message: 'must be later than open' });
    }
    if (p.webauthn.enabled && (p.webauthn.rpId === null || p.webauthn.origins.length === 0)) {
      ctx.addIssue({ code: 'custom', path: ['webauthn', 'rpId'], message: 'webauthn.enabled needs webauthn.rpId and webauthn.origins' });
    }
    if (p.password.maxAgeDays !== null && p.password.minAgeDays >= p.password.maxAgeDays) {
      ctx.addIssue({ code: 'custom', path: ['password', 'minAgeDays'], message: 'must be below password.maxAgeDays' });
    }
  });

/** What you may pass as a policy or as overrides: every field optional. */
export type PolicyInput = z.input<typeof policySchema>;
/** The validated policy's settings (every field present). */
export type PolicySettings = z.output<typeof policySchema>;
