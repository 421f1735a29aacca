import type { PolicyInput } from '../schema.js';

/**
 * `external-service-common`: a city's measures for external services, part ①
 * 外部サービス共通 (EXT) and part ② インターネットパソコン方式 (IPC).
 * Each value names its clause.
 */
export const externalServiceCommon = {
  password: {
    minLength: 10, // EXT-5 桁数をシステム側で制御
    maxLength: 128,
    normalization: 'NFKC',
    requiredClasses: ['upper', 'lower', 'digit', 'symbol'], // EXT-5 文字種等、複雑性をシステム側で制御
    minClasses: 4, // EXT-5
    allowNonAscii: false,
    rejectContext: true, // IPC-4 安易に推測可能なものを使用しない
    contextWords: [],
    rejectCommon: true, // IPC-4
    maxRepeat: 3, // IPC-4
    sequenceLength: 4, // IPC-4
    rejectDates: true, // IPC-4
    breached: { offline: false, online: { enabled: false, timeoutMs: 3000, onError: 'reject' } },
    history: 5,
    maxAgeDays: null,
    expiryWarningDays: 14,
    minAgeDays: 0,
    mustChangeInitial: true, // IPC-4 初期設定のまま使用せず
    issuedValidityHours: 72, // IPC-4 初期設定のまま使用せず: the first password is changed within 3 days or it stops working
  },
  hashing: {
    algorithm: 'argon2id',
    argon2: { memoryKiB: 19456, iterations: 2, parallelism: 1 },
    pbkdf2: { iterationsSha256: 600_000, iterationsSha512: 210_000 },
    pepper: false,
    maxConcurrentHashes: null,
    maxQueuedHashes: 1000,
  },
  lockout: {
    maxFailures: 5, // EXT-4 なりすまし対策
    failureWindowMs: 30 * 60_000,
    lockDurationMs: 30 * 60_000,
    progressive: { multiplier: 2, maxLockDurationMs: 24 * 60 * 60_000 },
    permanent: false,
    perSource: { maxFailuresPerAccountAndIp: null, maxFailuresPerIp: 100, windowMs: 15 * 60_000 }, // EXT-9
    mfa: { maxFailures: 5, lockDurationMs: 30 * 60_000 },
    onStoreError: 'fail_closed',
  },
  mfa: {
    requireForAll: false, // EXT-4 recommends MFA (推奨) without demanding it
    privilegedRoles: ['admin'],
    requireForPrivileged: true, // EXT-4
    requireOutsideInternalNetwork: false,
    internalNetworks: [],
    clientCertSatisfiesOutside: true,
    totp: { digits: 6, algorithm: 'SHA1', periodSeconds: 30, window: 1, issuer: 'kanmon' },
    recoveryCodes: { count: 10 },
  },
  access: {
    trustedProxies: [],
    ipAllowList: [], // EXT-4 IPアドレスによる制限; IPC-2
    requireClientCert: false, // EXT-4 クライアント証明書 (recommended; switch on with the allow-list)
    clientCert: { fingerprintsSha256: [], subjects: [], issuers: [], requireValidity: true, header: null },
    requireRegisteredDevice: false, // IPC-2 許可された専用端末
    businessHours: null,
    requireTls: true, // IPC-16 暗号化された通信
    defaultRule: { allow: 'allow_listed_terminals' }, // IPC-2 専用端末以外からは接続させない
    routes: {},
  },
  session: {
    maxConcurrent: null, // no clause of this preset limits concurrent sessions; an operator may (docs/sessions.md)
    idleTimeoutMs: 15 * 60_000, // IPC-11, IPC-12 一定時間操作しない場合、自動的にログオフ
    absoluteTimeoutMs: 8 * 60 * 60_000,
    algorithm: 'ES256',
    cookieName: '__Host-kanmon',
    reauthMaxAgeSeconds: 10 * 60, // SEC-13: privileged work (every admin operation, requireRecentAuth) and factor changes need a login this recent (ASVS 5.0 V7.5.1)
  },
  recovery: {
    selfService: true, // an external service's users reach it from outside the LGWAN: reset by a token to the registered address, second factor still asked
    tokenTtlMinutes: 30, // ASVS 5.0 V6.4: short-lived
    throttle: { maxRequestsPerAccount: 3, maxRequestsPerIp: 20, windowMs: 60 * 60_000 }, // kanmon: no mail bombing, no enumeration by volume
  },
  audit: {
    retentionDays: 365, // EXT-6 作業終了後1年間保存
    alertAfterFailures: 5, // EXT-6 情報セキュリティ事象
    alertsPerMinute: 60,
  },
  accounts: {
    dormantDays: 90, // IPC-3 専用端末にログインできる職員を管理する: staff who stopped logging in for 90 days are reviewed and disabled
    knownSourceDays: 90, // kanmon: previous-logon notice (no clause)
  },
  webauthn: {
    enabled: false, // EXT-4 生体認証・多要素認証: switch on with rpId and origins
    rpId: null,
    rpName: 'kanmon',
    origins: [],
    passwordless: true, // EXT-4: a user-verified passkey (biometric or PIN on the device) is both factors at once
    userVerification: 'preferred',
    attestation: 'none',
    attestationRoots: [],
    allowedAaguids: [],
    allowBackedUp: true, // residents' own phones sync their passkeys
    challengeTtlSeconds: 300,
    maxPerAccount: 10,
  },
  cryptoProfile: 'standard',
  timeZone: 'Asia/Tokyo', // EXT-2 時刻同期
} as const satisfies PolicyInput;
