import type { DeepReadonly } from '../../internal/deep.js';
import type { CharacterClass, PolicySettings } from '../../policy/schema.js';
import { characterClasses } from '../../policy/schema.js';
import { cryptrecSessionAlgorithms } from '../../session/algorithms.js';

/**
 * What each clause demands of a policy, as pure checks over its settings.
 * A check returns evidence items: the path, its value, what the clause
 * requires, and a finding when the value falls short.
 *
 * Where a document gives a number (SEC-23: 10 characters, EXT-6: one year)
 * the check uses it. Where it only says "a set number" or "a set time"
 * (SEC-24 一定回数, IPC-12 一定時間) the bound is kanmon's reading, written
 * here once and in docs/compliance/README: a value beyond it no longer does
 * what the clause asks (a lock after 1000 failures is no lock).
 */

export type Settings = DeepReadonly<PolicySettings>;

/** Why a value falls short. Messages live in `messages.ts`, one per code. */
export type FindingCode =
  | 'below_minimum'
  | 'above_maximum'
  | 'classes_missing'
  | 'composition_missing'
  | 'control_off'
  | 'must_be_off'
  | 'expiry_off'
  | 'open_to_any'
  | 'trusts_any_proxy'
  | 'zones_differ'
  | 'list_empty'
  | 'no_terminal_restriction'
  | 'client_cert_unlisted'
  | 'no_device_stage'
  | 'crypto_profile_standard'
  | 'algorithm_not_listed'
  | 'no_privileged_roles'
  | 'hours_off'
  | 'filter_off'
  | 'fail_open';

export interface Finding {
  readonly verdict: 'weakened' | 'not_configured';
  readonly code: FindingCode;
  readonly params: Readonly<Record<string, string | number>>;
}

export interface EvidenceItem {
  readonly path: string;
  readonly value: unknown;
  /** What the clause requires of this value, e.g. `>= 10`; absent for evidence shown as is. */
  readonly required?: string;
  readonly finding?: Finding;
}

export type Check = (s: Settings) => EvidenceItem[];

/** kanmon's reading of "a set number of consecutive failures" (SEC-24): at most this many. */
export const MAX_LOCKOUT_FAILURES = 10;
/** A lock (and the failure window) shorter than this does not stop guessing. */
export const MIN_LOCK_MS = 60_000;
/** kanmon's reading of "a set time without operation" (IPC-12, RM-38): at most 30 minutes. */
export const MAX_IDLE_MS = 30 * 60_000;
/** kanmon's reading of "change periodically" (RM-22, RM-36): at least once a year. */
export const MAX_PASSWORD_AGE_DAYS = 365;
/** JWS algorithms whose primitives are on the CRYPTREC e-Government Recommended Ciphers List. */

const weak = (code: FindingCode, params: Finding['params'] = {}): Finding => ({ verdict: 'weakened', code, params });
const unset = (code: FindingCode, params: Finding['params'] = {}): Finding => ({ verdict: 'not_configured', code, params });

function item(path: string, value: unknown, required?: string, finding?: Finding): EvidenceItem {
  return { path, value, ...(required === undefined ? {} : { required }), ...(finding === undefined ? {} : { finding }) };
}

/** The classes a password must contain under this policy (required ones, or all four when minClasses is 4). */
export function effectiveClasses(s: Settings): CharacterClass[] {
  const set = new Set<CharacterClass>(s.password.requiredClasses);
  if (s.password.minClasses >= characterClasses.length) for (const c of characterClasses) set.add(c);
  return characterClasses.filter((c) => set.has(c));
}

export const minLength =
  (min: number): Check =>
  (s) => [
    item('password.minLength', s.password.minLength, `>= ${min}`, s.password.minLength < min ? weak('below_minimum', { path: 'password.minLength', value: s.password.minLength, min }) : undefined),
  ];

/** Every listed class must be required. */
export const classes =
  (required: readonly CharacterClass[]): Check =>
  (s) => {
    const have = effectiveClasses(s);
    const missing = required.filter((c) => !have.includes(c));
    return [
      item('password.requiredClasses', s.password.requiredClasses, required.join(' + ')),
      item('password.minClasses', s.password.minClasses, undefined, missing.length ? weak('classes_missing', { missing: missing.join(', ') }) : undefined),
    ];
  };

/** FNB-3.1.3: upper and lower case both, digits or symbols mixed in. */
export const mixedCase: Check = (s) => {
  const have = effectiveClasses(s);
  const missing: string[] = (['upper', 'lower'] as const).filter((c) => !have.includes(c));
  if (!have.includes('digit') && !have.includes('symbol')) missing.push('digit | symbol');
  return [
    item('password.requiredClasses', s.password.requiredClasses, 'upper + lower + (digit | symbol)'),
    item('password.minClasses', s.password.minClasses, undefined, missing.length ? weak('classes_missing', { missing: missing.join(', ') }) : undefined),
  ];
};

/** EXT-5: the system controls complexity: a rule over at least `min` classes. */
export const composition =
  (min: number): Check =>
  (s) => {
    const enforced = Math.max(effectiveClasses(s).length, s.password.minClasses);
    return [
      item('password.requiredClasses', s.password.requiredClasses),
      item('password.minClasses', s.password.minClasses, `>= ${min} classes`, enforced < min ? weak('composition_missing', { min, actual: enforced }) : undefined),
    ];
  };

function read(s: Settings, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), s);
}

/** A boolean control the clause needs switched on. */
export const on =
  (path: string): Check =>
  (s) => {
    const value = read(s, path);
    return [item(path, value, 'true', value === true ? undefined : weak('control_off', { path }))];
  };

/** A switch the clause needs off (e.g. an outbound call under SEC-6.1). */
export const off =
  (path: string): Check =>
  (s) => {
    const value = read(s, path);
    return [item(path, value, 'false', value === false ? undefined : weak('must_be_off', { path }))];
  };

/** Evidence shown as is, without a requirement. */
export const show =
  (...paths: string[]): Check =>
  (s) =>
    paths.map((path) => item(path, read(s, path)));

export const passwordExpiry: Check = (s) => {
  const days = s.password.maxAgeDays;
  const finding =
    days === null
      ? weak('expiry_off', {})
      : days > MAX_PASSWORD_AGE_DAYS
        ? weak('above_maximum', { path: 'password.maxAgeDays', value: days, max: MAX_PASSWORD_AGE_DAYS })
        : undefined;
  return [item('password.maxAgeDays', days, `<= ${MAX_PASSWORD_AGE_DAYS}`, finding)];
};

export const history: Check = (s) => [
  item('password.history', s.password.history, '>= 1', s.password.history < 1 ? weak('below_minimum', { path: 'password.history', value: s.password.history, min: 1 }) : undefined),
];

export const lockout: Check = (s) => {
  const l = s.lockout;
  return [
    item('lockout.maxFailures', l.maxFailures, `<= ${MAX_LOCKOUT_FAILURES}`, l.maxFailures > MAX_LOCKOUT_FAILURES ? weak('above_maximum', { path: 'lockout.maxFailures', value: l.maxFailures, max: MAX_LOCKOUT_FAILURES }) : undefined),
    item('lockout.failureWindowMs', l.failureWindowMs, `>= ${MIN_LOCK_MS}`, l.failureWindowMs < MIN_LOCK_MS ? weak('below_minimum', { path: 'lockout.failureWindowMs', value: l.failureWindowMs, min: MIN_LOCK_MS }) : undefined),
    item(
      'lockout.lockDurationMs',
      l.lockDurationMs,
      `>= ${MIN_LOCK_MS} (or lockout.permanent)`,
      !l.permanent && l.lockDurationMs < MIN_LOCK_MS ? weak('below_minimum', { path: 'lockout.lockDurationMs', value: l.lockDurationMs, min: MIN_LOCK_MS }) : undefined,
    ),
    item('lockout.onStoreError', l.onStoreError, 'fail_closed', l.onStoreError === 'fail_closed' ? undefined : weak('fail_open', {})),
  ];
};

const totpWindow: Check = (s) => [
  item('mfa.totp.window', s.mfa.totp.window, '<= 1', s.mfa.totp.window > 1 ? weak('above_maximum', { path: 'mfa.totp.window', value: s.mfa.totp.window, max: 1 }) : undefined),
];

/** SEC-13: privileged accounts use MFA. With `required: false` (EXT-4 recommends MFA) only shown. */
export const mfaPrivileged =
  (required: boolean): Check =>
  (s) => {
    const m = s.mfa;
    const active = m.requireForAll || m.requireForPrivileged;
    if (!required) return [item('mfa.requireForPrivileged', m.requireForPrivileged), ...totpWindow(s)];
    return [
      item('mfa.requireForPrivileged', m.requireForPrivileged, 'true (or mfa.requireForAll)', active ? undefined : weak('control_off', { path: 'mfa.requireForPrivileged' })),
      item('mfa.requireForAll', m.requireForAll),
      item('mfa.privilegedRoles', m.privilegedRoles, 'not empty', !m.requireForAll && m.privilegedRoles.length === 0 ? weak('no_privileged_roles', {}) : undefined),
      ...totpWindow(s),
      item('lockout.mfa.maxFailures', s.lockout.mfa.maxFailures, `<= ${MAX_LOCKOUT_FAILURES}`, s.lockout.mfa.maxFailures > MAX_LOCKOUT_FAILURES ? weak('above_maximum', { path: 'lockout.mfa.maxFailures', value: s.lockout.mfa.maxFailures, max: MAX_LOCKOUT_FAILURES }) : undefined),
    ];
  };

/** SEC-16: outside the internal networks, MFA or device authentication. */
export const mfaOutside: Check = (s) => {
  const m = s.mfa;
  const active = m.requireForAll || m.requireOutsideInternalNetwork;
  return [
    item('mfa.requireOutsideInternalNetwork', m.requireOutsideInternalNetwork, 'true (or mfa.requireForAll)', active ? undefined : weak('control_off', { path: 'mfa.requireOutsideInternalNetwork' })),
    item('mfa.requireForAll', m.requireForAll),
    item('mfa.internalNetworks', m.internalNetworks, 'the city networks', active && !m.requireForAll && m.internalNetworks.length === 0 ? unset('list_empty', { path: 'mfa.internalNetworks' }) : undefined),
    item('mfa.clientCertSatisfiesOutside', m.clientCertSatisfiesOutside),
    ...totpWindow(s),
  ];
};

function hasTerminalRestriction(s: Settings): boolean {
  const a = s.access;
  const certListed = a.clientCert.fingerprintsSha256.length + a.clientCert.subjects.length + a.clientCert.issuers.length > 0;
  return a.ipAllowList.length > 0 || (a.requireClientCert && certListed) || a.requireRegisteredDevice;
}

const ANY_ADDRESS = /^(?:0\.0\.0\.0\/0|::\/0|0\.0\.0\.0|::)$/;

export const trustedProxies: Check = (s) => {
  const any = s.access.trustedProxies.some((p) => ANY_ADDRESS.test(p.trim()));
  return [item('access.trustedProxies', s.access.trustedProxies, 'specific proxies only', any ? weak('trusts_any_proxy', {}) : undefined)];
};

/**
 * Terminals restricted by IP allow-list, client certificate or registered
 * device. `strict`: the clause admits only such terminals, so a default rule
 * open to any address weakens it (IPC-2, RM-21).
 */
export const terminals =
  (strict: boolean): Check =>
  (s) => {
    const a = s.access;
    const certListed = a.clientCert.fingerprintsSha256.length + a.clientCert.subjects.length + a.clientCert.issuers.length > 0;
    const items: EvidenceItem[] = [];
    if (strict) {
      items.push(item('access.defaultRule.allow', a.defaultRule.allow, 'allow_listed_terminals | internal_only', a.defaultRule.allow === 'any' ? weak('open_to_any', {}) : undefined));
    }
    items.push(
      item('access.ipAllowList', a.ipAllowList, 'an allow-list, a client certificate or a registered device', hasTerminalRestriction(s) ? undefined : unset('no_terminal_restriction', {})),
      item('access.requireClientCert', a.requireClientCert, undefined, a.requireClientCert && !certListed ? unset('client_cert_unlisted', {}) : undefined),
      item('access.requireRegisteredDevice', a.requireRegisteredDevice),
      ...trustedProxies(s),
    );
    return items;
  };

/** SEC-6.3: a device stage before login ID + password. */
export const deviceStage: Check = (s) => {
  const a = s.access;
  const ok = a.requireRegisteredDevice || a.requireClientCert;
  return [
    item('access.requireRegisteredDevice', a.requireRegisteredDevice, 'true (or access.requireClientCert)', ok ? undefined : unset('no_device_stage', {})),
    item('access.requireClientCert', a.requireClientCert),
  ];
};

/** FNB-2.1: every rule that limits terminals has terminals (or internal networks) to limit to. */
export const accessRules: Check = (s) => {
  const a = s.access;
  const rules = [{ name: '(default)', allow: a.defaultRule.allow }, ...Object.entries(a.routes).map(([name, r]) => ({ name, allow: r.allow }))];
  const items: EvidenceItem[] = [item('access.defaultRule', a.defaultRule), item('access.routes', a.routes)];
  const limited = rules.filter((r) => r.allow === 'allow_listed_terminals');
  if (limited.length > 0) {
    items.push(
      item('access.ipAllowList', a.ipAllowList, 'an allow-list, a client certificate or a registered device', hasTerminalRestriction(s) ? undefined : unset('no_terminal_restriction', {})),
      item('access.requireClientCert', a.requireClientCert),
      item('access.requireRegisteredDevice', a.requireRegisteredDevice),
    );
  }
  if (rules.some((r) => r.allow === 'internal_only')) {
    items.push(item('mfa.internalNetworks', s.mfa.internalNetworks, 'the city networks', s.mfa.internalNetworks.length === 0 ? unset('list_empty', { path: 'mfa.internalNetworks' }) : undefined));
  }
  return items;
};

export const idleTimeout: Check = (s) => [
  item('session.idleTimeoutMs', s.session.idleTimeoutMs, `<= ${MAX_IDLE_MS}`, s.session.idleTimeoutMs > MAX_IDLE_MS ? weak('above_maximum', { path: 'session.idleTimeoutMs', value: s.session.idleTimeoutMs, max: MAX_IDLE_MS }) : undefined),
];

export const retention =
  (minDays: number | null): Check =>
  (s) => [
    item(
      'audit.retentionDays',
      s.audit.retentionDays,
      minDays === null ? undefined : `>= ${minDays}`,
      minDays !== null && s.audit.retentionDays < minDays ? weak('below_minimum', { path: 'audit.retentionDays', value: s.audit.retentionDays, min: minDays }) : undefined,
    ),
  ];

/** SEC-19, FNB-2.5: one time zone for every log and every day rule. */
export const oneZone: Check = (s) => {
  const hours = s.access.businessHours;
  const items = [item('timeZone', s.timeZone)];
  if (hours) {
    items.push(item('access.businessHours.timeZone', hours.timeZone, s.timeZone, hours.timeZone === s.timeZone ? undefined : weak('zones_differ', { a: s.timeZone, b: hours.timeZone })));
  }
  return items;
};

/** SEC-17, FNB-2.4: CRYPTREC-listed algorithms at rest and in transit. */
export const cryptrec: Check = (s) => [
  item('cryptoProfile', s.cryptoProfile, 'cryptrec', s.cryptoProfile === 'cryptrec' ? undefined : unset('crypto_profile_standard', {})),
  item('hashing.algorithm', s.hashing.algorithm),
  item(
    'session.algorithm',
    s.session.algorithm,
    cryptrecSessionAlgorithms.join(' | '),
    cryptrecSessionAlgorithms.includes(s.session.algorithm) ? undefined : weak('algorithm_not_listed', { path: 'session.algorithm', value: s.session.algorithm }),
  ),
  ...on('access.requireTls')(s),
];

/** SEC-27: use outside business hours is detected. */
export const businessHours: Check = (s) => {
  const hours = s.access.businessHours;
  return [
    item('access.businessHours', hours === null ? null : `${hours.open}-${hours.close} ${hours.timeZone}`, 'set', hours === null ? weak('hours_off', {}) : undefined),
    item(
      'access.businessHours.outOfHours',
      hours?.outOfHours ?? null,
      'flag | require_mfa | deny',
      hours !== null && hours.outOfHours === 'allow' ? weak('control_off', { path: 'access.businessHours.outOfHours' }) : undefined,
    ),
    item('audit.alertAfterFailures', s.audit.alertAfterFailures),
  ];
};

/** RM-23, RM-36: an offline breached-password filter, built by the deployer. */
export const breachedFilter: Check = (s) => [
  item('password.breached.offline', s.password.breached.offline, 'true', s.password.breached.offline ? undefined : unset('filter_off', {})),
];

export const privilegedRoles =
  (verdict: 'weakened' | 'not_configured' | null): Check =>
  (s) => [
    item(
      'mfa.privilegedRoles',
      s.mfa.privilegedRoles,
      verdict === null ? undefined : 'not empty',
      verdict !== null && s.mfa.privilegedRoles.length === 0 ? (verdict === 'weakened' ? weak : unset)('no_privileged_roles', {}) : undefined,
    ),
  ];

/** Several checks as one: one line per path, and a line with a finding (or a requirement) wins. */
export function combine(...checks: Check[]): Check {
  return (s) => {
    const byPath = new Map<string, EvidenceItem>();
    for (const check of checks) {
      for (const e of check(s)) {
        const prev = byPath.get(e.path);
        if (!prev || (!prev.finding && e.finding) || (!prev.finding && prev.required === undefined && e.required !== undefined)) byPath.set(e.path, e);
      }
    }
    return [...byPath.values()];
  };
}

/** The checks of every clause that has any; clauses without one are judged by status alone. */
export const clauseChecks: Readonly<Record<string, Check>> = {
  'EXT-2': oneZone,
  'EXT-4': combine(lockout, mfaPrivileged(false), terminals(false)),
  'EXT-5': combine(minLength(8), composition(3)),
  'EXT-6': combine(retention(365), show('audit.alertAfterFailures')),
  'EXT-9': combine(trustedProxies, show('lockout.perSource.maxFailuresPerIp')),
  'IPC-2': terminals(true),
  'IPC-4': combine(on('password.mustChangeInitial'), on('password.rejectCommon'), on('password.rejectContext')),
  'IPC-11': idleTimeout,
  'IPC-12': idleTimeout,
  'IPC-16': on('access.requireTls'),
  'RM-12': retention(null),
  'RM-19': combine(minLength(8), classes(['upper', 'lower', 'digit', 'symbol']), passwordExpiry, lockout, terminals(false)),
  'RM-21': terminals(true),
  'RM-22': combine(passwordExpiry, history, show('hashing.algorithm')),
  'RM-23': breachedFilter,
  'RM-26': combine(lockout, trustedProxies),
  'RM-27': privilegedRoles('not_configured'),
  'RM-36': combine(minLength(8), classes(['upper', 'lower', 'digit', 'symbol']), passwordExpiry, history, breachedFilter),
  'RM-37': retention(null),
  'RM-38': combine(idleTimeout, terminals(false)),
  'SEC-4': show('hashing.algorithm'),
  'SEC-6.1': off('password.breached.online.enabled'),
  'SEC-6.3': deviceStage,
  'SEC-12': privilegedRoles(null),
  'SEC-13': mfaPrivileged(true),
  'SEC-16': mfaOutside,
  'SEC-17': cryptrec,
  'SEC-18': retention(365),
  'SEC-19': oneZone,
  'SEC-23': combine(minLength(10), classes(['upper', 'lower', 'symbol', 'digit']), show('hashing.algorithm')),
  'SEC-24': lockout,
  'SEC-26': combine(privilegedRoles(null), retention(null)),
  'SEC-27': businessHours,
  'SEC-28': show('hashing.pepper'),
  'FNB-2.1': accessRules,
  'FNB-2.4': cryptrec,
  'FNB-2.5': oneZone,
  'FNB-3.1.1': combine(on('password.mustChangeInitial'), show('hashing.algorithm')),
  'FNB-3.1.2': show('hashing.algorithm'),
  'FNB-3.1.3': combine(minLength(10), mixedCase, on('password.rejectCommon'), on('password.rejectContext')),
  'FNB-3.3': show('hashing.pepper'),
};
