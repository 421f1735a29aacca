import type { PolicyInput } from '../schema.js';

/**
 * `remote-maintenance`: 別紙3 リモート保守に関する要件 (RM), for vendors that
 * maintain a city's systems remotely. Each value names its clause.
 */
export const remoteMaintenance = {
  password: {
    minLength: 8, // RM-19 8文字以上
    maxLength: 128, // kanmon: bounded work per check (no clause)
    normalization: 'NFKC',
    requiredClasses: ['upper', 'lower', 'digit', 'symbol'], // RM-19 英大文字、英小文字、数字、記号を全て含める
    minClasses: 4, // RM-19
    allowNonAscii: false,
    rejectContext: true, // RM-22 厳重に管理
    contextWords: [],
    rejectCommon: true, // RM-23 漏えいに備えた対策
    maxRepeat: 3,
    sequenceLength: 4,
    rejectDates: true,
    breached: { offline: false, online: { enabled: false, timeoutMs: 3000, onError: 'reject' } }, // RM-23 (filter supplied by the deployer)
    history: 5, // RM-22, RM-36 定期的に変更 (a change must be a change)
    maxAgeDays: 90, // RM-22, RM-36 定期的に変更
    expiryWarningDays: 14, // RM-22
    minAgeDays: 1, // RM-36 (no cycling through history in one day)
    mustChangeInitial: true, // RM-22
    issuedValidityHours: 24, // RM-22 厳重に管理: a maintenance password is issued for a job; a day covers it, then the city issues another
  },
  hashing: {
    algorithm: 'argon2id', // RM-22 厳重に管理
    argon2: { memoryKiB: 19456, iterations: 2, parallelism: 1 },
    pbkdf2: { iterationsSha256: 600_000, iterationsSha512: 210_000 },
    pepper: false,
    maxConcurrentHashes: null,
    maxQueuedHashes: 1000,
  },
  lockout: {
    maxFailures: 5, // RM-26 不正アクセスの防止
    failureWindowMs: 30 * 60_000,
    lockDurationMs: 30 * 60_000,
    progressive: { multiplier: 2, maxLockDurationMs: 24 * 60 * 60_000 },
    permanent: false,
    perSource: { maxFailuresPerAccountAndIp: null, maxFailuresPerIp: 100, windowMs: 15 * 60_000 }, // RM-26
    mfa: { maxFailures: 5, lockDurationMs: 30 * 60_000 },
    onStoreError: 'fail_closed', // RM-26
  },
  mfa: {
    requireForAll: false,
    privilegedRoles: ['admin'], // RM-27 管理者権限の最小化
    requireForPrivileged: true, // RM-19 適切な認証方法
    requireOutsideInternalNetwork: false,
    internalNetworks: [],
    clientCertSatisfiesOutside: true,
    totp: { digits: 6, algorithm: 'SHA1', periodSeconds: 30, window: 1, issuer: 'kanmon' },
    recoveryCodes: { count: 10 },
  },
  access: {
    trustedProxies: [],
    ipAllowList: [], // RM-21 接続する端末を制限 (the deployer lists the maintenance terminals)
    requireClientCert: false, // RM-19 特定の場所及び装置からの接続を認証 (or a registered device)
    clientCert: { fingerprintsSha256: [], subjects: [], issuers: [], requireValidity: true, header: null },
    requireRegisteredDevice: false, // RM-21, RM-38
    businessHours: null,
    requireTls: true,
    defaultRule: { allow: 'allow_listed_terminals' }, // RM-21 接続可能な端末を限定
    routes: {},
  },
  session: {
    maxConcurrent: null, // no clause of this preset limits concurrent sessions; an operator may (docs/sessions.md)
    idleTimeoutMs: 10 * 60_000, // RM-38 離席時はログオフ又はロック
    absoluteTimeoutMs: 8 * 60 * 60_000, // RM-38
    algorithm: 'ES256',
    cookieName: '__Host-kanmon',
    reauthMaxAgeSeconds: 5 * 60, // SEC-13, shorter: a vendor's remote session is privileged; every admin operation and factor change steps up (ASVS 5.0 V7.5.1)
  },
  recovery: {
    selfService: false, // RM-22: the city issues and withdraws maintenance access; a vendor's engineer never resets alone
    tokenTtlMinutes: 15, // ASVS 5.0 V6.4: short-lived (applies once selfService is switched on)
    throttle: { maxRequestsPerAccount: 3, maxRequestsPerIp: 20, windowMs: 60 * 60_000 }, // kanmon: no mail bombing, no enumeration by volume
  },
  audit: {
    retentionDays: 365, // RM-12, RM-37 予め定められた期間保存
    alertAfterFailures: 5,
    alertsPerMinute: 60,
  },
  accounts: {
    dormantDays: 90, // RM-27 権限の割当…必要最小限: an assignment unused for 90 days is reviewed and disabled
    knownSourceDays: 90, // kanmon: previous-logon notice (no clause)
  },
  webauthn: {
    enabled: false, // RM-21: switch on with rpId and origins, and list the issued keys' AAGUIDs
    rpId: null,
    rpName: 'kanmon',
    origins: [],
    passwordless: false, // maintenance staff prove the password and the issued key
    userVerification: 'required', // SEC-13: privileged work: the key's PIN or biometric as well
    attestation: 'direct', // RM-21 許可された端末: the key's model must be attested, not self-asserted
    attestationRoots: [], // RM-21: the root certificates of those keys' makers (PEM): the model proven, not claimed
    allowedAaguids: [], // RM-21, SEC-6.3: the deployer lists the models of the keys the city issued
    allowBackedUp: false, // RM-21: a key that syncs elsewhere is no longer bound to the permitted device
    challengeTtlSeconds: 120,
    maxPerAccount: 5,
  },
  cryptoProfile: 'standard',
  timeZone: 'Asia/Tokyo',
} as const satisfies PolicyInput;
