import type { PolicyInput } from '../schema.js';

/**
 * `nist-800-63b`: NIST SP 800-63B (rev. 4) for contrast; not from the city
 * documents. Length over composition, no forced periodic change, a blocklist.
 * The compliance report shows where it conflicts with the municipal presets.
 */
export const nist80063b = {
  password: {
    minLength: 15, // 800-63B §3.1.1.2: 15 when the password is the only factor
    maxLength: 128, // §3.1.1.2: at least 64 must be allowed
    normalization: 'NFKC', // §3.1.1.2: NFKC or NFKD before hashing
    requiredClasses: [], // §3.1.1.2: SHALL NOT impose composition rules
    minClasses: 0,
    allowNonAscii: true, // §3.1.1.2: Unicode characters SHOULD be accepted
    rejectContext: true, // §3.1.1.2: context-specific words
    contextWords: [],
    rejectCommon: true, // §3.1.1.2: blocklist of commonly used, expected or compromised values; with it, passwords that as a whole are repetitive or sequential (2pd: 'aaaaaa', '1234abcd')
    maxRepeat: 0, // §3.1.1.2: refusing a password for *containing* a run is a composition rule (SHALL NOT)
    sequenceLength: 0, // likewise: the whole-password check above applies instead
    rejectDates: false,
    breached: { offline: false, online: { enabled: false, timeoutMs: 3000, onError: 'reject' } },
    history: 0,
    maxAgeDays: null, // §3.1.1.2: SHALL NOT require periodic change
    expiryWarningDays: 14,
    minAgeDays: 0,
    mustChangeInitial: true, // §3.1.1.2: change when there is evidence of compromise; issued secrets are known
    issuedValidityHours: 24, // ASVS 5.0 V6.4: an issued secret expires after a short period (800-63B names no number)
  },
  hashing: {
    algorithm: 'argon2id', // §3.1.1.2: a memory-hard or iterated salted hash
    argon2: { memoryKiB: 19456, iterations: 2, parallelism: 1 },
    pbkdf2: { iterationsSha256: 600_000, iterationsSha512: 210_000 },
    pepper: false,
    maxConcurrentHashes: null,
    maxQueuedHashes: 1000,
  },
  lockout: {
    maxFailures: 100, // §3.2.2: no more than 100 consecutive failed attempts
    failureWindowMs: 60 * 60_000,
    lockDurationMs: 15 * 60_000,
    progressive: { multiplier: 2, maxLockDurationMs: 24 * 60 * 60_000 },
    permanent: false,
    perSource: { maxFailuresPerAccountAndIp: null, maxFailuresPerIp: null, windowMs: 15 * 60_000 },
    mfa: { maxFailures: 100, lockDurationMs: 15 * 60_000 },
    onStoreError: 'fail_closed',
  },
  mfa: {
    requireForAll: false,
    privilegedRoles: ['admin'],
    requireForPrivileged: true,
    requireOutsideInternalNetwork: false,
    internalNetworks: [],
    clientCertSatisfiesOutside: false,
    totp: { digits: 6, algorithm: 'SHA1', periodSeconds: 30, window: 1, issuer: 'kanmon' },
    recoveryCodes: { count: 10 },
  },
  access: {
    trustedProxies: [],
    ipAllowList: [],
    requireClientCert: false,
    clientCert: { fingerprintsSha256: [], subjects: [], issuers: [], requireValidity: true, header: null },
    requireRegisteredDevice: false,
    businessHours: null,
    requireTls: true,
    defaultRule: { allow: 'any' },
    routes: {},
  },
  session: {
    maxConcurrent: null, // no clause of this preset limits concurrent sessions; an operator may (docs/sessions.md)
    idleTimeoutMs: 60 * 60_000, // §2.2.3 (AAL2): inactivity timeout no more than 1 hour
    absoluteTimeoutMs: 24 * 60 * 60_000, // §2.2.3 (AAL2): reauthenticate at least every 24 hours
    algorithm: 'ES256',
    cookieName: '__Host-kanmon',
    reauthMaxAgeSeconds: 10 * 60, // SEC-13: privileged work (every admin operation, requireRecentAuth) and factor changes need a login this recent (ASVS 5.0 V7.5.1)
  },
  recovery: {
    selfService: true, // 800-63B rev. 4: account recovery through a secret sent to an address of record; the authenticators kept are still asked
    tokenTtlMinutes: 15, // ASVS 5.0 V6.4: short-lived
    throttle: { maxRequestsPerAccount: 3, maxRequestsPerIp: 20, windowMs: 60 * 60_000 }, // §3.2.2 in spirit: no unlimited attempts
  },
  audit: {
    retentionDays: 365,
    alertAfterFailures: 5,
    alertsPerMinute: 60,
  },
  accounts: {
    dormantDays: null, // SP 800-63B-4 sets no dormancy rule (the deployer's account policy does)
    knownSourceDays: null,
  },
  webauthn: {
    enabled: false, // SP 800-63B-4: phishing-resistant authenticators; switch on with rpId and origins
    rpId: null,
    rpName: 'kanmon',
    origins: [],
    passwordless: true, // SP 800-63B-4 §3.1.7: a multi-factor cryptographic authenticator (UV) meets AAL2 alone
    userVerification: 'preferred',
    attestation: 'none',
    attestationRoots: [],
    allowedAaguids: [],
    allowBackedUp: true, // SP 800-63B-4 allows syncable authenticators at AAL2
    challengeTtlSeconds: 300,
    maxPerAccount: 10,
  },
  cryptoProfile: 'standard',
  timeZone: 'UTC',
} as const satisfies PolicyInput;
