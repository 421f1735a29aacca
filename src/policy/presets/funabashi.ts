import type { PolicyInput } from '../schema.js';

/**
 * `funabashi`: 船橋市外部サービス選定基準 (FNB) with the procurement appendix that
 * realises it, 仕様書別紙3 セキュリティ要件 (SEC). Each value names its clause.
 */
export const funabashi = {
  password: {
    minLength: 10, // SEC-23 長さ10文字以上; FNB-3.1.3 十分な長さ
    maxLength: 128, // kanmon: bounded work per check (no clause)
    normalization: 'NFKC', // kanmon: full-width input counts as ASCII (no clause)
    requiredClasses: ['upper', 'lower', 'digit', 'symbol'], // SEC-23 英大文字、英小文字、記号及び数字; FNB-3.1.3
    minClasses: 4, // SEC-23, FNB-3.1.3
    allowNonAscii: false, // kanmon: 半角英数記号 only, so IME input cannot lock a user out (no clause)
    rejectContext: true, // FNB-3.1.3 想像しにくいもの
    contextWords: [],
    rejectCommon: true, // FNB-3.1.3 想像しにくいもの
    maxRepeat: 3, // FNB-3.1.3
    sequenceLength: 4, // FNB-3.1.3
    rejectDates: true, // FNB-3.1.3
    breached: { offline: false, online: { enabled: false, timeoutMs: 3000, onError: 'reject' } }, // FNB-3.1.4 (filter supplied by the deployer); SEC-6.1 no outbound call
    history: 5, // kanmon: good practice (FNB/SEC demand no history)
    maxAgeDays: null, // FNB/SEC demand no periodic change
    expiryWarningDays: 14,
    minAgeDays: 0,
    mustChangeInitial: true, // FNB-3.1.1 他者に知られないように管理 (an issued password is known to its issuer)
    issuedValidityHours: 72, // FNB-3.1.1, IPC-4: an issued password is known to whoever issued it; 3 days span a weekend between issue and first use (Cognito's default is 7)
  },
  hashing: {
    algorithm: 'argon2id', // SEC-23 ハッシュ化した状態で保存; FNB-3.1.2 no retrieval
    argon2: { memoryKiB: 19456, iterations: 2, parallelism: 1 }, // OWASP floor
    pbkdf2: { iterationsSha256: 600_000, iterationsSha512: 210_000 }, // SEC-17 when cryptoProfile is 'cryptrec'
    pepper: false,
    maxConcurrentHashes: null,
    maxQueuedHashes: 1000,
  },
  lockout: {
    maxFailures: 5, // SEC-24 一定回数続けてログインに失敗した場合
    failureWindowMs: 30 * 60_000, // SEC-24 続けて (consecutive within a working session)
    lockDurationMs: 30 * 60_000, // SEC-24 ログイン不能にする
    progressive: { multiplier: 2, maxLockDurationMs: 24 * 60 * 60_000 }, // SEC-24
    permanent: false,
    perSource: { maxFailuresPerAccountAndIp: null, maxFailuresPerIp: 100, windowMs: 15 * 60_000 }, // kanmon: password spraying
    mfa: { maxFailures: 5, lockDurationMs: 30 * 60_000 }, // SEC-13 (guessing a code must not be unlimited)
    onStoreError: 'fail_closed', // SEC-24 a lock that silently stops locking is no lock
  },
  mfa: {
    requireForAll: false,
    privilegedRoles: ['admin'], // SEC-13 システム管理者等の特権アカウント
    requireForPrivileged: true, // SEC-13 強化された認証技術（多要素認証等）
    requireOutsideInternalNetwork: true, // SEC-16 庁内通信回線を経由せずに利用する場合
    internalNetworks: [], // SEC-16 (the deployer lists the city's networks)
    clientCertSatisfiesOutside: true, // SEC-16 多要素主体認証方式やデバイス認証
    totp: { digits: 6, algorithm: 'SHA1', periodSeconds: 30, window: 1, issuer: 'kanmon' }, // SEC-13; RFC 6238
    recoveryCodes: { count: 10 },
  },
  access: {
    trustedProxies: [],
    ipAllowList: [],
    requireClientCert: false,
    clientCert: { fingerprintsSha256: [], subjects: [], issuers: [], requireValidity: true, header: null },
    requireRegisteredDevice: false, // SEC-6.3 (switch on when terminals log in with a device ID first)
    businessHours: {
      timeZone: 'Asia/Tokyo', // SEC-19 one time zone
      days: [1, 2, 3, 4, 5], // SEC-27 業務時間外の利用
      open: '08:30',
      close: '17:15',
      holidays: 'jp',
      closedDays: ['12-29', '12-30', '12-31', '01-01', '01-02', '01-03'], // 年末年始
      outOfHours: 'flag', // SEC-27 監視 (detect, do not block)
    },
    requireTls: true, // SEC-17 in transit
    defaultRule: { allow: 'any' }, // FNB-2.1 (per-route rules narrow it)
    routes: {},
  },
  session: {
    maxConcurrent: null, // no clause of this preset limits concurrent sessions; an operator may (docs/sessions.md)
    idleTimeoutMs: 30 * 60_000, // kanmon: idle logoff (FNB/SEC name none; see IPC-12)
    absoluteTimeoutMs: 10 * 60 * 60_000,
    algorithm: 'ES256', // SEC-17 ECDSA P-256 is CRYPTREC-listed
    cookieName: '__Host-kanmon',
    reauthMaxAgeSeconds: 10 * 60, // SEC-13: privileged work (every admin operation, requireRecentAuth) and a second-factor change only just after a login (ASVS 5.0 V7.5.1)
  },
  recovery: {
    selfService: false, // FNB-3.1.1: staff are identified by the city's administrators (adminResetPassword); a mailbox is no channel the city controls
    tokenTtlMinutes: 30, // ASVS 5.0 V6.4: short-lived (applies once selfService is switched on)
    throttle: { maxRequestsPerAccount: 3, maxRequestsPerIp: 20, windowMs: 60 * 60_000 }, // kanmon: no mail bombing, no enumeration by volume
  },
  audit: {
    retentionDays: 365, // SEC-18 契約期間中はログを保存 (at least a year; extend to the contract)
    alertAfterFailures: 5, // SEC-27
    alertsPerMinute: 60,
  },
  accounts: {
    dormantDays: 90, // SEC-12 アカウントの発行や削除等のメンテナンス: no login for 90 days (PCI DSS v4.0 8.2.6's figure) is reviewed and disabled
    knownSourceDays: 90, // kanmon: previous-logon notice; a network or browser unseen for 90 days is reported (no clause)
  },
  webauthn: {
    enabled: false, // EXT-4, SEC-13: switch on with rpId and origins (the deployer's domain) to offer passkeys beside TOTP
    rpId: null,
    rpName: 'kanmon',
    origins: [],
    passwordless: false, // SEC-23 names the password: staff keep it and add a passkey as the second factor
    userVerification: 'preferred', // a second factor after the password: possession is the point, UV is a bonus
    attestation: 'none', // no personal data in attestation; see allowedAaguids for device binding
    attestationRoots: [], // with attestation 'direct': the makers' root certificates (PEM) that prove the model
    allowedAaguids: [], // SEC-6.3: list the authenticator models the city issued to bind passkeys to them
    allowBackedUp: true, // a synced passkey is still phishing resistant; set false to keep keys on issued devices
    challengeTtlSeconds: 300,
    maxPerAccount: 10,
  },
  cryptoProfile: 'standard', // SEC-17, FNB-2.4: set 'cryptrec' for the strict profile
  timeZone: 'Asia/Tokyo', // SEC-19, FNB-2.5 ログの時刻及び時間帯の統一
} as const satisfies PolicyInput;
