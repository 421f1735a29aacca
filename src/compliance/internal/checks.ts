import type { DeepReadonly } from '../../internal/deep.js';
import type { CharacterClass, PolicySettings } from '../../policy/schema.js';
import { characterClasses } from '../../policy/schema.js';
import { cryptrecSessionAlgorithms } from '../../session/algorithms.js';
import { percent, wideFamily } from './coverage.js';

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
  | 'fail_open'
  | 'covers_everything'
  | 'terminals_unused'
  | 'route_open_to_any'
  | 'hash_not_recommended'
  | 'hours_never_close'
  | 'roles_name_nobody'
  | 'rule_off';

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
/**
 * A periodic change is a change only if the old password cannot come straight
 * back: at least a day between changes (RM-22, RM-36), or the history is
 * cycled through in minutes.
 */
export const MIN_PASSWORD_AGE_DAYS = 1;
/**
 * A TOTP code lives `(2 × window + 1) × periodSeconds`. RFC 6238 §5.2
 * recommends 30 s; 60 s still serves hardware tokens. Beyond it a code seen
 * over a shoulder or phished stays good for minutes (300 s: a quarter of an hour).
 */
export const MAX_TOTP_PERIOD_SECONDS = 60;
/** Longest run of one character a "hard to guess" rule may still allow (IPC-4, FNB-3.1.3): `aaaaa` is guessed. */
export const MAX_REPEAT_RUN = 4;
/** Sequences (`abcde`, `12345`, `qwert`) of this length or more must be refused (IPC-4, FNB-3.1.3). */
export const MAX_SEQUENCE_LENGTH = 5;
/**
 * SEC-27: business hours that leave less than this outside them in an
 * ordinary week (an hour a day) watch nothing: every use is "within hours".
 */
export const MIN_OUT_OF_HOURS_MINUTES_PER_WEEK = 7 * 60;

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

/** RM-22, RM-36: a change that cannot bring the old password straight back (with an expiry in force). */
export const minimumAge: Check = (s) => {
  const p = s.password;
  const finding =
    p.maxAgeDays !== null && p.minAgeDays < MIN_PASSWORD_AGE_DAYS
      ? weak('below_minimum', { path: 'password.minAgeDays', value: p.minAgeDays, min: MIN_PASSWORD_AGE_DAYS })
      : undefined;
  return [item('password.minAgeDays', p.minAgeDays, `>= ${MIN_PASSWORD_AGE_DAYS}`, finding)];
};

/** A rule that counts something (a run, a sequence) and is off at 0 or never bites above `max`. */
const boundedRule =
  (path: 'password.maxRepeat' | 'password.sequenceLength', max: number): Check =>
  (s) => {
    const value = path === 'password.maxRepeat' ? s.password.maxRepeat : s.password.sequenceLength;
    const finding = value === 0 ? weak('rule_off', { path, max }) : value > max ? weak('above_maximum', { path, value, max }) : undefined;
    return [item(path, value, `1–${max}`, finding)];
  };

/** IPC-4, FNB-3.1.3: the rules against easily guessed strings (runs, sequences, dates) are on and bite. */
export const guessable: Check = (s) => [
  ...boundedRule('password.maxRepeat', MAX_REPEAT_RUN)(s),
  ...boundedRule('password.sequenceLength', MAX_SEQUENCE_LENGTH)(s),
  ...on('password.rejectDates')(s),
];

/** The lock on second-factor guesses: a code of 6 digits must not be open to unlimited guessing. */
const mfaLock: Check = (s) => {
  const m = s.lockout.mfa;
  return [
    item('lockout.mfa.maxFailures', m.maxFailures, `<= ${MAX_LOCKOUT_FAILURES}`, m.maxFailures > MAX_LOCKOUT_FAILURES ? weak('above_maximum', { path: 'lockout.mfa.maxFailures', value: m.maxFailures, max: MAX_LOCKOUT_FAILURES }) : undefined),
    item('lockout.mfa.lockDurationMs', m.lockDurationMs, `>= ${MIN_LOCK_MS}`, m.lockDurationMs < MIN_LOCK_MS ? weak('below_minimum', { path: 'lockout.mfa.lockDurationMs', value: m.lockDurationMs, min: MIN_LOCK_MS }) : undefined),
  ];
};

/**
 * SEC-24 and the clauses built on it: the password lock and the second-factor
 * lock (a login fails at either step). `failureWindowMs: 0` is a counter that
 * never resets: stronger, not weaker.
 */
export const lockout: Check = (s) => {
  const l = s.lockout;
  const shortWindow = l.failureWindowMs > 0 && l.failureWindowMs < MIN_LOCK_MS;
  return [
    item('lockout.maxFailures', l.maxFailures, `<= ${MAX_LOCKOUT_FAILURES}`, l.maxFailures > MAX_LOCKOUT_FAILURES ? weak('above_maximum', { path: 'lockout.maxFailures', value: l.maxFailures, max: MAX_LOCKOUT_FAILURES }) : undefined),
    item('lockout.failureWindowMs', l.failureWindowMs, `>= ${MIN_LOCK_MS} (0: never resets)`, shortWindow ? weak('below_minimum', { path: 'lockout.failureWindowMs', value: l.failureWindowMs, min: MIN_LOCK_MS }) : undefined),
    item(
      'lockout.lockDurationMs',
      l.lockDurationMs,
      `>= ${MIN_LOCK_MS} (or lockout.permanent)`,
      !l.permanent && l.lockDurationMs < MIN_LOCK_MS ? weak('below_minimum', { path: 'lockout.lockDurationMs', value: l.lockDurationMs, min: MIN_LOCK_MS }) : undefined,
    ),
    item('lockout.onStoreError', l.onStoreError, 'fail_closed', l.onStoreError === 'fail_closed' ? undefined : weak('fail_open', {})),
    ...mfaLock(s),
  ];
};

/** TOTP: at most ±1 step, and a step short enough that a seen code soon dies. */
const totp: Check = (s) => {
  const t = s.mfa.totp;
  return [
    item('mfa.totp.window', t.window, '<= 1', t.window > 1 ? weak('above_maximum', { path: 'mfa.totp.window', value: t.window, max: 1 }) : undefined),
    item('mfa.totp.periodSeconds', t.periodSeconds, `<= ${MAX_TOTP_PERIOD_SECONDS}`, t.periodSeconds > MAX_TOTP_PERIOD_SECONDS ? weak('above_maximum', { path: 'mfa.totp.periodSeconds', value: t.periodSeconds, max: MAX_TOTP_PERIOD_SECONDS }) : undefined),
  ];
};

/** A role name with nothing in it, or with spaces around it, never equals an account's role (roles compare exactly). */
const namesNobody = (role: string) => role.trim() === '' || role.trim() !== role;

/** SEC-13: privileged accounts use MFA. With `required: false` (EXT-4 recommends MFA) only shown. */
export const mfaPrivileged =
  (required: boolean): Check =>
  (s) => {
    const m = s.mfa;
    const active = m.requireForAll || m.requireForPrivileged;
    if (!required) return [item('mfa.requireForPrivileged', m.requireForPrivileged), ...totp(s)];
    const roles = m.requireForAll
      ? undefined
      : m.privilegedRoles.length === 0
        ? weak('no_privileged_roles', {})
        : m.privilegedRoles.every(namesNobody)
          ? weak('roles_name_nobody', { roles: m.privilegedRoles.map((r) => JSON.stringify(r)).join(', ') })
          : undefined;
    return [
      item('mfa.requireForPrivileged', m.requireForPrivileged, 'true (or mfa.requireForAll)', active ? undefined : weak('control_off', { path: 'mfa.requireForPrivileged' })),
      item('mfa.requireForAll', m.requireForAll),
      item('mfa.privilegedRoles', m.privilegedRoles, 'not empty', roles),
      ...totp(s),
      ...mfaLock(s),
    ];
  };

function trustsEverything(s: Settings): Finding | undefined {
  const wide = wideFamily(s.access.trustedProxies);
  return wide ? weak('trusts_any_proxy', { family: wide.family, share: percent(wide.share) }) : undefined;
}

/**
 * Trusted proxies believed for the client address, `https` and a forwarded
 * client certificate. A list that holds every address (`0.0.0.0/0`, or
 * `0.0.0.0/1` + `128.0.0.0/1`, or any union of blocks as wide, see
 * `WIDE_SHARE` in coverage.ts) lets any client set all three with a header.
 */
export const trustedProxies: Check = (s) => [item('access.trustedProxies', s.access.trustedProxies, 'specific proxies only', trustsEverything(s))];

function wideList(path: string, entries: readonly string[]): Finding | undefined {
  const wide = wideFamily(entries);
  return wide ? weak('covers_everything', { path, family: wide.family, share: percent(wide.share) }) : undefined;
}

/** SEC-16: outside the internal networks, MFA or device authentication. */
export const mfaOutside: Check = (s) => {
  const m = s.mfa;
  const active = m.requireForAll || m.requireOutsideInternalNetwork;
  // Where the network decides (not every account asks for MFA anyway), the list and the address it is matched with must hold.
  const byNetwork = active && !m.requireForAll;
  const networks = byNetwork ? (m.internalNetworks.length === 0 ? unset('list_empty', { path: 'mfa.internalNetworks' }) : wideList('mfa.internalNetworks', m.internalNetworks)) : undefined;
  return [
    item('mfa.requireOutsideInternalNetwork', m.requireOutsideInternalNetwork, 'true (or mfa.requireForAll)', active ? undefined : weak('control_off', { path: 'mfa.requireOutsideInternalNetwork' })),
    item('mfa.requireForAll', m.requireForAll),
    item('mfa.internalNetworks', m.internalNetworks, 'the city networks', networks),
    item('mfa.clientCertSatisfiesOutside', m.clientCertSatisfiesOutside),
    ...totp(s),
    ...mfaLock(s),
    item('access.trustedProxies', s.access.trustedProxies, 'specific proxies only', byNetwork ? trustsEverything(s) : undefined),
  ];
};

type Rule = Settings['access']['defaultRule'];

/** The default rule and every route rule, with the evidence path of each. */
function rulesOf(s: Settings): { readonly path: string; readonly route: string | null; readonly rule: Rule }[] {
  return [{ path: 'access.defaultRule', route: null, rule: s.access.defaultRule }, ...Object.entries(s.access.routes).map(([route, rule]) => ({ path: `access.routes.${route}`, route, rule }))];
}

function certListed(s: Settings): boolean {
  const c = s.access.clientCert;
  return c.fingerprintsSha256.length + c.subjects.length + c.issuers.length > 0;
}

/** What an `allow_listed_terminals` rule checks, with its own settings over `access`'s (as `createAccessEvaluator` compiles it). */
function terminalsOf(s: Settings, rule: Rule) {
  const a = s.access;
  const list = rule.ipAllowList ?? a.ipAllowList;
  const cert = rule.requireClientCert ?? a.requireClientCert;
  const device = rule.requireRegisteredDevice ?? a.requireRegisteredDevice;
  return { list, cert, device, restricts: (list.length > 0 && wideFamily(list) === null) || (cert && certListed(s)) || device };
}

const limitedRules = (s: Settings) => rulesOf(s).filter((r) => r.rule.allow === 'allow_listed_terminals');

/** Terminals are restricted by some rule: an allow-list that is not everyone, a listed client certificate, or a registered device. */
function hasTerminalRestriction(s: Settings): boolean {
  return limitedRules(s).some((r) => terminalsOf(s, r.rule).restricts);
}

/** Terminal settings are set, but no rule is `allow_listed_terminals`, so they restrict nothing. */
function terminalsUnused(s: Settings): boolean {
  const a = s.access;
  return limitedRules(s).length === 0 && (a.ipAllowList.length > 0 || a.requireClientCert || a.requireRegisteredDevice);
}

/** Rule-level findings: a rule's own allow-list that holds everyone; under `strict`, a route open to any address. */
function ruleItems(s: Settings, strict: boolean): EvidenceItem[] {
  const items: EvidenceItem[] = [];
  for (const { path, route, rule } of rulesOf(s)) {
    const finding =
      rule.allow === 'allow_listed_terminals' && rule.ipAllowList !== undefined
        ? wideList(`${path}.ipAllowList`, rule.ipAllowList)
        : strict && route !== null && rule.allow === 'any'
          ? weak('route_open_to_any', { route })
          : undefined;
    if (finding) items.push(item(path, rule, undefined, finding));
  }
  return items;
}

/** Rules limited to the internal networks are limited only if those networks are not everyone. */
function internalItems(s: Settings): EvidenceItem[] {
  if (!rulesOf(s).some((r) => r.rule.allow === 'internal_only')) return [];
  const nets = s.mfa.internalNetworks;
  return [item('mfa.internalNetworks', nets, 'the city networks', nets.length === 0 ? unset('list_empty', { path: 'mfa.internalNetworks' }) : wideList('mfa.internalNetworks', nets))];
}

/** The finding on `access.ipAllowList`: everyone listed, set for no rule, or no restriction at all. */
function allowListFinding(s: Settings): Finding | undefined {
  return wideList('access.ipAllowList', s.access.ipAllowList) ?? (terminalsUnused(s) ? weak('terminals_unused', {}) : hasTerminalRestriction(s) ? undefined : unset('no_terminal_restriction', {}));
}

/**
 * Terminals restricted by IP allow-list, client certificate or registered
 * device, through an `allow_listed_terminals` rule. `strict`: the clause admits
 * only such terminals, so a default rule or a route open to any address
 * weakens it (IPC-2, RM-21).
 */
export const terminals =
  (strict: boolean): Check =>
  (s) => {
    const a = s.access;
    const items: EvidenceItem[] = [];
    if (strict) {
      items.push(item('access.defaultRule.allow', a.defaultRule.allow, 'allow_listed_terminals | internal_only', a.defaultRule.allow === 'any' ? weak('open_to_any', {}) : undefined));
    }
    items.push(
      item('access.ipAllowList', a.ipAllowList, 'an allow-list, a client certificate or a registered device', allowListFinding(s)),
      item('access.requireClientCert', a.requireClientCert, undefined, a.requireClientCert && !certListed(s) ? unset('client_cert_unlisted', {}) : undefined),
      item('access.requireRegisteredDevice', a.requireRegisteredDevice),
      ...ruleItems(s, strict),
      ...internalItems(s),
      ...trustedProxies(s),
    );
    return items;
  };

/**
 * SEC-6.3: a device stage before login ID + password: a registered device or a
 * client certificate required by an `allow_listed_terminals` rule. Set on
 * `access` with no such rule, it checks nothing.
 */
export const deviceStage: Check = (s) => {
  const a = s.access;
  const rules = limitedRules(s).map((r) => terminalsOf(s, r.rule));
  const stage = rules.some((r) => r.device || r.cert);
  const configured = a.requireRegisteredDevice || a.requireClientCert || rulesOf(s).some((r) => r.rule.requireRegisteredDevice === true || r.rule.requireClientCert === true);
  const viaHeader = rules.some((r) => r.cert) && a.clientCert.header !== null;
  return [
    item('access.requireRegisteredDevice', a.requireRegisteredDevice, 'true (or access.requireClientCert)', stage ? undefined : configured ? weak('terminals_unused', {}) : unset('no_device_stage', {})),
    item('access.requireClientCert', a.requireClientCert),
    // A certificate forwarded in a header is only as good as the list of proxies allowed to set it.
    item('access.trustedProxies', a.trustedProxies, 'specific proxies only', viaHeader ? trustsEverything(s) : undefined),
  ];
};

/** FNB-2.1: every rule that limits terminals has terminals (or internal networks) to limit to, and none is everyone. */
export const accessRules: Check = (s) => {
  const a = s.access;
  const limited = limitedRules(s);
  const own = new Map(ruleItems(s, false).map((e) => [e.path, e]));
  const items: EvidenceItem[] = [own.get('access.defaultRule') ?? item('access.defaultRule', a.defaultRule), item('access.routes', a.routes)];
  own.delete('access.defaultRule');
  if (limited.length > 0) {
    // A rule whose own list is everyone has its own finding; the others need something to limit to.
    const lacking = limited.some((r) => !terminalsOf(s, r.rule).restricts && !(r.rule.ipAllowList !== undefined && wideFamily(r.rule.ipAllowList) !== null));
    items.push(
      item('access.ipAllowList', a.ipAllowList, 'an allow-list, a client certificate or a registered device', wideList('access.ipAllowList', a.ipAllowList) ?? (lacking ? unset('no_terminal_restriction', {}) : undefined)),
      item('access.requireClientCert', a.requireClientCert),
      item('access.requireRegisteredDevice', a.requireRegisteredDevice),
    );
  }
  const internal = internalItems(s);
  items.push(...own.values(), ...internal);
  if (limited.length > 0 || internal.length > 0) items.push(...trustedProxies(s));
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

/** `https` over plain HTTP: TLS here, or reported by a trusted proxy (IPC-16, SEC-17 in transit). */
export const tls: Check = (s) => [...on('access.requireTls')(s), ...trustedProxies(s)];

/** SEC-17, FNB-2.4: CRYPTREC-listed algorithms at rest and in transit. */
export const cryptrec: Check = (s) => {
  const strict = s.cryptoProfile === 'cryptrec';
  const totpAlgorithm = s.mfa.totp.algorithm;
  return [
    item('cryptoProfile', s.cryptoProfile, 'cryptrec', strict ? undefined : unset('crypto_profile_standard', {})),
    item('hashing.algorithm', s.hashing.algorithm),
    item(
      'session.algorithm',
      s.session.algorithm,
      cryptrecSessionAlgorithms.join(' | '),
      cryptrecSessionAlgorithms.includes(s.session.algorithm) ? undefined : weak('algorithm_not_listed', { path: 'session.algorithm', value: s.session.algorithm }),
    ),
    // HMAC-SHA-1: SHA-1 is on CRYPTREC's monitored list (運用監視暗号リスト, kept for compatibility), not the recommended one.
    item('mfa.totp.algorithm', totpAlgorithm, strict ? 'SHA256 | SHA512' : undefined, strict && totpAlgorithm === 'SHA1' ? weak('hash_not_recommended', { path: 'mfa.totp.algorithm', value: totpAlgorithm }) : undefined),
    ...tls(s),
  ];
};

const minutesOf = (clock: string) => Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5));

/** Minutes of an ordinary week (no holiday, no closed day) outside business hours. */
export function outOfHoursMinutesPerWeek(hours: NonNullable<Settings['access']['businessHours']>): number {
  const open = new Set(hours.days).size * Math.max(0, minutesOf(hours.close) - minutesOf(hours.open));
  return 7 * 24 * 60 - open;
}

/** SEC-27: use outside business hours is detected. */
export const businessHours: Check = (s) => {
  const hours = s.access.businessHours;
  const outside = hours === null ? null : outOfHoursMinutesPerWeek(hours);
  const window =
    hours === null
      ? weak('hours_off', {})
      : outside !== null && outside < MIN_OUT_OF_HOURS_MINUTES_PER_WEEK
        ? weak('hours_never_close', { minutes: outside, min: MIN_OUT_OF_HOURS_MINUTES_PER_WEEK / 60 })
        : undefined;
  const alerts = s.audit.alertAfterFailures;
  return [
    item('access.businessHours', hours === null ? null : `${hours.days.join(',')} ${hours.open}-${hours.close} ${hours.timeZone}`, 'set', window),
    item(
      'access.businessHours.outOfHours',
      hours?.outOfHours ?? null,
      'flag | require_mfa | deny',
      hours !== null && hours.outOfHours === 'allow' ? weak('control_off', { path: 'access.businessHours.outOfHours' }) : undefined,
    ),
    item('audit.alertAfterFailures', alerts, `<= ${MAX_LOCKOUT_FAILURES}`, alerts > MAX_LOCKOUT_FAILURES ? weak('above_maximum', { path: 'audit.alertAfterFailures', value: alerts, max: MAX_LOCKOUT_FAILURES }) : undefined),
  ];
};

/** RM-23, RM-36: an offline breached-password filter, built by the deployer. */
export const breachedFilter: Check = (s) => [
  item('password.breached.offline', s.password.breached.offline, 'true', s.password.breached.offline ? undefined : unset('filter_off', {})),
];

export const privilegedRoles =
  (verdict: 'weakened' | 'not_configured' | null): Check =>
  (s) => {
    const roles = s.mfa.privilegedRoles;
    const make = verdict === 'weakened' ? weak : unset;
    const finding =
      verdict === null ? undefined : roles.length === 0 ? make('no_privileged_roles', {}) : roles.every(namesNobody) ? make('roles_name_nobody', { roles: roles.map((r) => JSON.stringify(r)).join(', ') }) : undefined;
    return [item('mfa.privilegedRoles', roles, verdict === null ? undefined : 'not empty', finding)];
  };

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
  'IPC-4': combine(on('password.mustChangeInitial'), on('password.rejectCommon'), on('password.rejectContext'), guessable),
  'IPC-11': idleTimeout,
  'IPC-12': idleTimeout,
  'IPC-16': tls,
  'RM-12': retention(null),
  'RM-19': combine(minLength(8), classes(['upper', 'lower', 'digit', 'symbol']), passwordExpiry, lockout, terminals(false)),
  'RM-21': terminals(true),
  'RM-22': combine(passwordExpiry, history, minimumAge, show('hashing.algorithm')),
  'RM-23': breachedFilter,
  'RM-26': combine(lockout, trustedProxies),
  'RM-27': privilegedRoles('not_configured'),
  'RM-36': combine(minLength(8), classes(['upper', 'lower', 'digit', 'symbol']), passwordExpiry, history, minimumAge, breachedFilter),
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
  // 記録し、保存できること: kept as long as SEC-18 keeps the logs (the contract period, a year at least).
  'SEC-26': combine(privilegedRoles(null), retention(365)),
  'SEC-27': businessHours,
  'SEC-28': show('hashing.pepper'),
  'FNB-2.1': accessRules,
  'FNB-2.4': cryptrec,
  'FNB-2.5': oneZone,
  'FNB-3.1.1': combine(on('password.mustChangeInitial'), show('hashing.algorithm')),
  'FNB-3.1.2': show('hashing.algorithm'),
  'FNB-3.1.3': combine(minLength(10), mixedCase, on('password.rejectCommon'), on('password.rejectContext'), guessable),
  'FNB-3.3': show('hashing.pepper'),
};
