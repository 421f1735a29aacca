import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ClauseDocument,
  type ComplianceRow,
  type Policy,
  type PolicyOverrides,
  type PresetId,
  KanmonError,
  clauses,
  complianceReport,
  definePolicy,
} from '../../src/index.js';

/**
 * SEC-6 (設定誤りの防止): the compliance report never says "met" while a
 * setting empties the clause's control. For every `enforce` clause of the
 * catalog, the settings that make its control empty are GENERATED (zero and
 * near-zero durations, huge counts, lists whose union is the whole address
 * space, windows that never close, role lists that name nobody, …), put over
 * a configuration under which the clause is met, and the row must come out
 * `weakened`, with its reason in Japanese and in English.
 *
 * A new `enforce` clause fails the first test until it gets generators here or
 * an entry in `cannotEmpty` saying why no setting can empty it.
 */

type Verdict = ComplianceRow['verdict'];

interface EmptySetting {
  readonly arb: fc.Arbitrary<PolicyOverrides>;
  /** What the row must say. Anything but `weakened` needs a reason (`why`). @default 'weakened' */
  readonly expect: Verdict | 'refused';
  readonly why?: string;
  /** A Japanese preset refuses it outright (definePolicy floors); on the same settings without a preset the row must say `expect`. */
  readonly presetRefuses?: boolean;
}

const weakens = (arb: fc.Arbitrary<PolicyOverrides>): EmptySetting => ({ arb, expect: 'weakened' });
const int = (min: number, max: number) => fc.integer({ min, max });
const constant = (overrides: PolicyOverrides) => fc.constant(overrides);

// ---------------------------------------------------------------------------
// Address lists that hold everyone: built here from first principles (random
// binary partitions of the space), not with the code under test.

interface Block {
  readonly base: bigint;
  readonly prefix: number;
}

function formatBlock(family: 4 | 6, { base, prefix }: Block): string {
  if (family === 4) {
    const v = Number(base);
    return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}/${prefix}`;
  }
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((base >> BigInt(i * 16)) & 0xffffn).toString(16));
  return `${groups.join(':')}/${prefix}`;
}

/** A random partition of the whole IPv4 or IPv6 space into CIDR blocks (split a random block in two, again and again). */
function partition(family: 4 | 6, minBlocks = 1): fc.Arbitrary<Block[]> {
  const bits = family === 4 ? 32 : 128;
  return fc
    .array(fc.nat(), { minLength: minBlocks - 1, maxLength: 40 })
    .map((picks) => {
      const blocks: Block[] = [{ base: 0n, prefix: 0 }];
      for (const pick of picks) {
        const i = pick % blocks.length;
        const b = blocks[i] as Block;
        if (b.prefix >= bits) continue;
        const half = 1n << BigInt(bits - b.prefix - 1);
        blocks.splice(i, 1, { base: b.base, prefix: b.prefix + 1 }, { base: b.base + half, prefix: b.prefix + 1 });
      }
      return blocks;
    })
    .filter((blocks) => blocks.length >= minBlocks);
}

const shuffled = (list: string[]) => fc.shuffledSubarray(list, { minLength: list.length, maxLength: list.length });

/** Every address of the family, as one `/0` or as any union of smaller blocks, shuffled. */
const everyAddress = (family: 4 | 6) => partition(family).chain((blocks) => shuffled(blocks.map((b) => formatBlock(family, b))));

/** All but the smallest block of a partition: at least half the space, e.g. `0.0.0.0/1` + `128.0.0.0/2` + … */
const nearlyEveryAddress = (family: 4 | 6) =>
  partition(family, 2).chain((blocks) => {
    const smallest = blocks.reduce((a, b) => (b.prefix > a.prefix ? b : a));
    return shuffled(blocks.filter((b) => b !== smallest).map((b) => formatBlock(family, b)));
  });

/** A few ordinary entries, to show a wide list is not excused by also naming real networks. */
const specific = fc.subarray(['10.20.0.0/16', '192.0.2.10', '2001:db8:20::/48', '172.16.5.0/24']);

const wideList: fc.Arbitrary<string[]> = fc
  .tuple(
    fc.oneof(
      everyAddress(4),
      everyAddress(6),
      nearlyEveryAddress(4),
      nearlyEveryAddress(6),
      fc.constant(['0.0.0.0/0', '::/0']),
      fc.constant(['0.0.0.0/1', '128.0.0.0/1']),
      fc.constant(['::ffff:0:0/96']), // every IPv4 address, spelled as mapped IPv6
      fc.constant(['2000::/3']), // every global unicast IPv6 address
    ),
    specific,
  )
  .map(([wide, extra]) => [...extra, ...wide]);

// ---------------------------------------------------------------------------
// The empty settings, by control.

const classes = ['upper', 'lower', 'digit', 'symbol'] as const;
const routeName = fc.constantFrom('admin', 'reports', 'lgwan');

const lockoutEmpty: Record<string, EmptySetting> = {
  'lockout.maxFailures above 10': weakens(int(11, 1000).map((maxFailures) => ({ lockout: { maxFailures } }))),
  'lockout.lockDurationMs under a minute': weakens(fc.oneof(fc.constant(0), int(1, 59_999)).map((lockDurationMs) => ({ lockout: { lockDurationMs, permanent: false } }))),
  'lockout.failureWindowMs under a minute (0 = never resets is fine)': weakens(int(1, 59_999).map((failureWindowMs) => ({ lockout: { failureWindowMs } }))),
  'lockout.onStoreError fail_open': weakens(constant({ lockout: { onStoreError: 'fail_open' } })),
  'lockout.mfa.lockDurationMs under a minute': weakens(fc.oneof(fc.constant(0), int(1, 59_999)).map((lockDurationMs) => ({ lockout: { mfa: { lockDurationMs } } }))),
  'lockout.mfa.maxFailures above 10': weakens(int(11, 1000).map((maxFailures) => ({ lockout: { mfa: { maxFailures } } }))),
};

const totpEmpty: Record<string, EmptySetting> = {
  'mfa.totp.periodSeconds above 60': weakens(int(61, 300).map((periodSeconds) => ({ mfa: { totp: { periodSeconds } } }))),
  'mfa.totp.window above 1': { arb: int(2, 10).map((window) => ({ mfa: { totp: { window } } })), expect: 'weakened', presetRefuses: true },
};

const mfaLockEmpty = Object.fromEntries(Object.entries(lockoutEmpty).filter(([name]) => name.startsWith('lockout.mfa.')));

const proxiesEmpty: Record<string, EmptySetting> = {
  'access.trustedProxies holding every address': weakens(wideList.map((trustedProxies) => ({ access: { trustedProxies } }))),
};

/** Terminal restriction: lists that hold everyone, settings no rule uses, and (strict) rules open to any address. */
function terminalsEmpty(strict: boolean): Record<string, EmptySetting> {
  return {
    'access.ipAllowList holding every address': weakens(wideList.map((ipAllowList) => ({ access: { ipAllowList, requireRegisteredDevice: false } }))),
    "a rule's own ipAllowList holding every address": weakens(
      fc.tuple(routeName, wideList).map(([name, list]) => ({ access: { requireRegisteredDevice: false, routes: { [name]: { allow: 'allow_listed_terminals', ipAllowList: list } } } })),
    ),
    "terminal settings with no 'allow_listed_terminals' rule": weakens(constant({ access: { defaultRule: { allow: 'any' } } })),
    "an 'internal_only' rule whose internal networks hold every address": weakens(
      fc.tuple(routeName, wideList).map(([name, internalNetworks]) => ({ mfa: { internalNetworks }, access: { routes: { [name]: { allow: 'internal_only' } } } })),
    ),
    ...(strict ? { "a route open to 'any'": weakens(routeName.map((name) => ({ access: { routes: { [name]: { allow: 'any' } } } }))) } : {}),
    ...proxiesEmpty,
  };
}

const minLengthBelow = (min: number): Record<string, EmptySetting> => ({
  [`password.minLength below ${min}`]: weakens(int(1, min - 1).map((minLength) => ({ password: { minLength } }))),
});

/** Required classes missing at least one of `needed`, with minClasses below 4 (4 means all). */
const classesMissing = (needed: readonly (typeof classes)[number][]): Record<string, EmptySetting> => ({
  [`a required class missing (${needed.join(', ')})`]: weakens(
    fc
      .tuple(fc.subarray([...classes]), fc.constantFrom(...needed), int(0, 3))
      .map(([required, drop, minClasses]) => ({ password: { requiredClasses: required.filter((c) => c !== drop), minClasses } })),
  ),
});

const expiryEmpty: Record<string, EmptySetting> = {
  'password.maxAgeDays null (never expires)': weakens(constant({ password: { maxAgeDays: null } })),
  'password.maxAgeDays above a year': weakens(int(366, 3650).map((maxAgeDays) => ({ password: { maxAgeDays } }))),
};

const periodicChangeEmpty: Record<string, EmptySetting> = {
  ...expiryEmpty,
  'password.history 0': weakens(constant({ password: { history: 0 } })),
  'password.minAgeDays 0 (history cycled through in minutes)': weakens(constant({ password: { minAgeDays: 0 } })),
};

const guessableEmpty: Record<string, EmptySetting> = {
  'password.maxRepeat 0 (no rule) or above 4': weakens(fc.oneof(fc.constant(0), int(5, 64)).map((maxRepeat) => ({ password: { maxRepeat } }))),
  'password.sequenceLength 0 (no rule) or above 5': weakens(fc.oneof(fc.constant(0), int(6, 64)).map((sequenceLength) => ({ password: { sequenceLength } }))),
  'password.rejectDates false': weakens(constant({ password: { rejectDates: false } })),
};

const off = (path: string, overrides: PolicyOverrides): Record<string, EmptySetting> => ({ [`${path} false`]: weakens(constant(overrides)) });

const idleEmpty: Record<string, EmptySetting> = {
  'session.idleTimeoutMs above 30 minutes': weakens(int(30 * 60_000 + 1, 24 * 60 * 60_000).map((idleTimeoutMs) => ({ session: { idleTimeoutMs, absoluteTimeoutMs: Math.max(idleTimeoutMs, 8 * 60 * 60_000) } }))),
};

const retentionEmpty: Record<string, EmptySetting> = {
  'audit.retentionDays under a year': weakens(int(1, 364).map((retentionDays) => ({ audit: { retentionDays } }))),
};

const zonesEmpty: Record<string, EmptySetting> = {
  'two time zones (logs vs business hours)': weakens(
    fc.tuple(fc.constantFrom('UTC', 'Asia/Seoul', 'America/New_York', 'Europe/London'), fc.boolean()).map(([zone, logs]) => (logs ? { timeZone: zone } : { access: { businessHours: { timeZone: zone } } })),
  ),
};

const cryptoEmpty: Record<string, EmptySetting> = {
  'TOTP over HMAC-SHA-1 under the cryptrec profile': weakens(constant({ mfa: { totp: { algorithm: 'SHA1' } } })),
  'access.requireTls false': weakens(constant({ access: { requireTls: false } })),
  ...proxiesEmpty,
  'a session algorithm off the list': {
    arb: constant({ session: { algorithm: 'EdDSA' } }),
    expect: 'refused',
    why: "the schema refuses EdDSA under cryptoProfile 'cryptrec'; no such policy exists to report on",
  },
  "cryptoProfile 'standard'": {
    arb: constant({ cryptoProfile: 'standard', hashing: { algorithm: 'argon2id' } }),
    expect: 'not_configured',
    why: "'standard' is what every preset ships: choosing the CRYPTREC profile is the city's call, so the row asks for it (not_configured) rather than calling the preset weak",
  },
};

const businessHoursEmpty: Record<string, EmptySetting> = {
  'access.businessHours null': weakens(constant({ access: { businessHours: null } })),
  "access.businessHours.outOfHours 'allow'": weakens(constant({ access: { businessHours: { outOfHours: 'allow' } } })),
  'business hours that never close (every day, round the clock)': weakens(
    fc
      .tuple(int(0, 29), int(0, 29), fc.shuffledSubarray([0, 1, 2, 3, 4, 5, 6], { minLength: 7, maxLength: 7 }))
      .map(([openMin, closeEarly, days]) => {
        const close = 24 * 60 - closeEarly;
        const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
        return { access: { businessHours: { days, open: hhmm(openMin), close: hhmm(close) } } };
      }),
  ),
  'audit.alertAfterFailures above 10': weakens(int(11, 1000).map((alertAfterFailures) => ({ audit: { alertAfterFailures } }))),
};

const rolesEmpty: Record<string, EmptySetting> = {
  'mfa.requireForPrivileged false': weakens(constant({ mfa: { requireForPrivileged: false } })),
  'mfa.privilegedRoles empty': weakens(constant({ mfa: { privilegedRoles: [] } })),
  'mfa.privilegedRoles naming nobody (blank or padded names)': weakens(
    fc
      .array(fc.oneof(fc.constantFrom(' ', '  ', '\t', '\u3000'), fc.constantFrom('admin', 'root').map((r) => ` ${r}`), fc.constantFrom('admin ', 'root\t')), { minLength: 1, maxLength: 4 })
      .map((privilegedRoles) => ({ mfa: { privilegedRoles } })),
  ),
};

const filterOff: EmptySetting = {
  arb: constant({ password: { breached: { offline: false } } }),
  expect: 'not_configured',
  why: 'the filter is data only the deployer has (built with `kanmon breached build`); the presets ship it off, so the row asks for it (not_configured) and is never met without it',
};

/** For each enforce clause: the settings that empty its control. */
const emptySettings: Record<string, Record<string, EmptySetting>> = {
  'EXT-4': { ...lockoutEmpty, ...totpEmpty, ...terminalsEmpty(false) },
  'EXT-5': {
    ...minLengthBelow(8),
    'a character-class rule over fewer than 3 classes': weakens(
      fc.tuple(fc.subarray([...classes], { maxLength: 2 }), int(0, 2)).map(([requiredClasses, minClasses]) => ({ password: { requiredClasses, minClasses } })),
    ),
  },
  'EXT-6': retentionEmpty,
  'IPC-2': terminalsEmpty(true),
  'IPC-4': {
    ...off('password.mustChangeInitial', { password: { mustChangeInitial: false } }),
    'password.issuedValidityHours null (an issued password never expires)': weakens(constant({ password: { issuedValidityHours: null } })),
    'password.issuedValidityHours above a week': weakens(int(169, 24 * 365).map((issuedValidityHours) => ({ password: { issuedValidityHours } }))),
    ...off('password.rejectCommon', { password: { rejectCommon: false } }),
    ...off('password.rejectContext', { password: { rejectContext: false } }),
    ...guessableEmpty,
  },
  'IPC-11': idleEmpty,
  'IPC-12': idleEmpty,
  'IPC-16': { ...off('access.requireTls', { access: { requireTls: false } }), ...proxiesEmpty },
  'RM-19': { ...minLengthBelow(8), ...classesMissing(classes), ...expiryEmpty, ...lockoutEmpty, ...terminalsEmpty(false) },
  'RM-21': terminalsEmpty(true),
  'RM-22': periodicChangeEmpty,
  'RM-23': { 'password.breached.offline false': filterOff },
  'RM-36': { ...minLengthBelow(8), ...classesMissing(classes), ...periodicChangeEmpty, 'password.breached.offline false': filterOff },
  'RM-38': { ...idleEmpty, ...terminalsEmpty(false) },
  'SEC-6.1': { 'password.breached.online.enabled true (an outbound call)': weakens(constant({ password: { breached: { online: { enabled: true } } } })) },
  'SEC-6.3': {
    "a device requirement with no 'allow_listed_terminals' rule": weakens(constant({ access: { defaultRule: { allow: 'any' } } })),
    'the only limited rule switching the device off': weakens(constant({ access: { defaultRule: { allow: 'allow_listed_terminals', requireRegisteredDevice: false, requireClientCert: false } } })),
    'a certificate header believed from every address': weakens(
      wideList.map((trustedProxies) => ({
        access: { requireRegisteredDevice: false, requireClientCert: true, clientCert: { header: 'x-client-cert', subjects: ['CN=terminal-01'] }, trustedProxies },
      })),
    ),
  },
  'SEC-13': { ...rolesEmpty, ...totpEmpty, ...mfaLockEmpty },
  'SEC-16': {
    'mfa.requireOutsideInternalNetwork false': weakens(constant({ mfa: { requireOutsideInternalNetwork: false } })),
    'mfa.internalNetworks holding every address (everyone is internal)': weakens(wideList.map((internalNetworks) => ({ mfa: { internalNetworks } }))),
    ...proxiesEmpty,
    ...totpEmpty,
    ...mfaLockEmpty,
  },
  'SEC-17': cryptoEmpty,
  'SEC-18': retentionEmpty,
  'SEC-19': zonesEmpty,
  'SEC-23': { ...minLengthBelow(10), ...classesMissing(classes) },
  'SEC-24': lockoutEmpty,
  'SEC-26': retentionEmpty,
  'SEC-27': businessHoursEmpty,
  'FNB-2.1': {
    'access.ipAllowList holding every address': weakens(wideList.map((ipAllowList) => ({ access: { ipAllowList, requireRegisteredDevice: false } }))),
    "a rule's own ipAllowList holding every address": terminalsEmpty(false)["a rule's own ipAllowList holding every address"] as EmptySetting,
    "an 'internal_only' rule whose internal networks hold every address": terminalsEmpty(false)["an 'internal_only' rule whose internal networks hold every address"] as EmptySetting,
    ...proxiesEmpty,
  },
  'FNB-2.4': cryptoEmpty,
  'FNB-2.5': zonesEmpty,
  'FNB-3.1.1': off('password.mustChangeInitial', { password: { mustChangeInitial: false } }),
  'FNB-3.1.3': {
    ...minLengthBelow(10),
    'upper or lower case not required': weakens(
      fc
        .tuple(fc.subarray([...classes]), fc.constantFrom('upper' as const, 'lower' as const), int(0, 3))
        .map(([required, drop, minClasses]) => ({ password: { requiredClasses: required.filter((c) => c !== drop), minClasses } })),
    ),
    ...off('password.rejectCommon', { password: { rejectCommon: false } }),
    ...off('password.rejectContext', { password: { rejectContext: false } }),
    ...guessableEmpty,
  },
};

/** Enforce clauses no setting can empty, and why. */
const cannotEmpty: Record<string, string> = {
  'SEC-4':
    'migration rests on formats no setting changes: hashes are PHC strings, TOTP seeds otpauth URIs, the audit log JSON Lines; hashing.algorithm only picks among standard ones',
  'SEC-6': "the control is definePolicy's validation and this report itself (the row lists every deviation from the preset); no setting switches either off",
  'FNB-3.1.2': 'every hashing.algorithm the schema admits is a one-way hash (Argon2id, PBKDF2); no setting stores or returns a password in a readable form',
  'FNB-3.1.4': 'marking a password compromised and forcing its change are API calls (markCompromised, mustChange) with no policy setting: the clause names no policy path',
};

// ---------------------------------------------------------------------------
// A configuration under which every enforce clause is met, per document.

const documentPreset: Record<ClauseDocument, PresetId> = {
  EXT: 'external-service-common',
  IPC: 'external-service-common',
  RM: 'remote-maintenance',
  SEC: 'funabashi',
  FNB: 'funabashi',
};

const met: PolicyOverrides = {
  password: { breached: { offline: true }, maxAgeDays: 90, minAgeDays: 1, history: 5 },
  mfa: { internalNetworks: ['10.0.0.0/8', 'fd00::/8'], totp: { algorithm: 'SHA256' } },
  access: {
    ipAllowList: ['203.0.113.0/24', '2001:db8:10::/48'],
    trustedProxies: ['192.0.2.1', '192.0.2.2'],
    requireRegisteredDevice: true,
    defaultRule: { allow: 'allow_listed_terminals' },
  },
  cryptoProfile: 'cryptrec',
  hashing: { algorithm: 'pbkdf2-sha256' },
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Deep merge, arrays replace (as definePolicy merges overrides). */
function merge(a: unknown, b: unknown): unknown {
  if (!isObject(a) || !isObject(b)) return b === undefined ? a : b;
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = merge(a[k], v);
  return out;
}

type Built = { ok: true; policy: Policy } | { ok: false; error: KanmonError };

function build(preset: PresetId, overrides: PolicyOverrides, withPreset: boolean): Built {
  const settings = merge(met, overrides) as PolicyOverrides;
  try {
    return { ok: true, policy: withPreset ? definePolicy(preset, settings) : definePolicy(definePolicy(preset).preset?.settings as PolicyOverrides, settings) };
  } catch (error) {
    if (error instanceof KanmonError && error.code === 'ERR_INVALID_POLICY') return { ok: false, error };
    throw error;
  }
}

function rowOf(policy: Policy, clause: string, document: ClauseDocument, lang: 'ja' | 'en'): ComplianceRow {
  const row = complianceReport(policy, { documents: [document], lang }).rows.find((r) => r.clause === clause);
  if (!row) throw new Error(`no row ${clause}`);
  return row;
}

const enforced = clauses.filter((c) => c.status === 'enforce');
const underPrefix = (path: string, allowed: readonly string[]) => allowed.some((p) => path === p || path.startsWith(`${p}.`));
const japanese = /[\u3040-\u30ff\u4e00-\u9fff]/u;

describe('SEC-6: a setting that empties an enforce clause is never reported met (property)', () => {
  it('every enforce clause of the catalog has generators of its empty settings, or a stated reason why none exists', () => {
    const ids = enforced.map((c) => c.id);
    const covered = Object.keys(emptySettings);
    const excused = Object.keys(cannotEmpty);
    expect({
      neither: ids.filter((id) => !covered.includes(id) && !excused.includes(id)),
      both: covered.filter((id) => excused.includes(id)),
      notEnforced: [...covered, ...excused].filter((id) => !ids.includes(id)),
    }).toEqual({ neither: [], both: [], notEnforced: [] });
    for (const [id, reason] of Object.entries(cannotEmpty)) expect(reason.length, id).toBeGreaterThan(40);
    for (const [id, settings] of Object.entries(emptySettings)) {
      expect(Object.keys(settings).length, id).toBeGreaterThan(0);
      for (const [name, s] of Object.entries(settings)) if (s.expect !== 'weakened') expect(s.why?.length ?? 0, `${id} ${name}: say why it is not weakened`).toBeGreaterThan(40);
    }
    // Most empty settings must weaken: the exceptions stay exceptions.
    const all = Object.values(emptySettings).flatMap((s) => Object.values(s));
    expect(all.filter((s) => s.expect === 'weakened').length).toBeGreaterThan(all.length * 0.9);
  });

  it.each(Object.keys(emptySettings))('%s: met under the strong configuration the generators start from', (id) => {
    const clause = enforced.find((c) => c.id === id);
    if (!clause) throw new Error(`${id} is not an enforce clause`);
    for (const withPreset of [true, false]) {
      const built = build(documentPreset[clause.document], {}, withPreset);
      if (!built.ok) throw built.error;
      expect(rowOf(built.policy, id, clause.document, 'en').verdict, `${id} (preset: ${withPreset})`).toBe('met');
    }
  });

  describe.each(Object.keys(emptySettings))('%s', (id) => {
    const clause = enforced.find((c) => c.id === id);
    if (!clause || clause.status !== 'enforce') throw new Error(`${id} is not an enforce clause`);
    const preset = documentPreset[clause.document];
    it.each(Object.entries(emptySettings[id] ?? {}))('%s', (_name, setting) => {
      fc.assert(
        fc.property(setting.arb, (overrides) => {
          for (const withPreset of [true, false]) {
            const built = build(preset, overrides, withPreset);
            if (setting.expect === 'refused' || (withPreset && setting.presetRefuses)) {
              expect(built.ok, `refused: ${JSON.stringify(overrides)}`).toBe(false);
              continue;
            }
            if (!built.ok) throw built.error;
            const en = rowOf(built.policy, id, clause.document, 'en');
            const ja = rowOf(built.policy, id, clause.document, 'ja');
            expect(en.verdict, JSON.stringify(overrides)).toBe(setting.expect);
            expect(ja.verdict).toBe(setting.expect);
            // The reason, in both languages, on the evidence that carries it.
            const flagged = en.evidence.filter((e) => e.finding?.verdict === setting.expect);
            expect(flagged.length, JSON.stringify(overrides)).toBeGreaterThan(0);
            for (const e of en.evidence) expect(underPrefix(e.path, clause.policyPaths), `${id}: evidence ${e.path} not among the clause's policyPaths`).toBe(true);
            for (const e of flagged) {
              const jaMessage = ja.evidence.find((x) => x.path === e.path)?.finding?.message ?? '';
              expect(e.finding?.message.length ?? 0).toBeGreaterThan(20);
              expect(jaMessage).toMatch(japanese);
              expect(en.action).toContain(e.finding?.message);
              expect(ja.action).toContain(jaMessage);
            }
          }
        }),
        { numRuns: 15 },
      );
    });
  });
});

describe('issue 14: the settings found to defeat a clause while the report said met', () => {
  const rowFor = (preset: PresetId, overrides: PolicyOverrides, id: string, lang: 'ja' | 'en' = 'en') => {
    const row = complianceReport(definePolicy(preset, overrides), { lang, documents: ['EXT', 'IPC', 'RM', 'SEC', 'FNB'] }).rows.find((r) => r.clause === id);
    if (!row) throw new Error(`no row ${id}`);
    return row;
  };

  it("SEC-16: mfa.internalNetworks ['0.0.0.0/0', '::/0'] (everyone internal, MFA never asked) is weakened", () => {
    const row = rowFor('funabashi', { mfa: { internalNetworks: ['0.0.0.0/0', '::/0'] } }, 'SEC-16');
    expect(row.verdict).toBe('weakened');
    expect(row.evidence.find((e) => e.path === 'mfa.internalNetworks')?.finding).toMatchObject({ code: 'covers_everything' });
    expect(rowFor('funabashi', { mfa: { internalNetworks: ['10.0.0.0/8'] } }, 'SEC-16').verdict).toBe('met');
  });

  it('SEC-13, SEC-24: lockout.mfa.lockDurationMs 0 (unlimited second-factor guessing) is weakened', () => {
    for (const id of ['SEC-13', 'SEC-24']) {
      const row = rowFor('funabashi', { lockout: { mfa: { lockDurationMs: 0 } } }, id);
      expect(row.verdict, id).toBe('weakened');
      expect(row.evidence.find((e) => e.path === 'lockout.mfa.lockDurationMs')?.finding, id).toMatchObject({ code: 'below_minimum' });
    }
  });

  it.each([[['0.0.0.0/0']], [['0.0.0.0/1', '128.0.0.0/1']], [['::/1', '8000::/1']], [Array.from({ length: 256 }, (_, i) => `${i}.0.0.0/8`)]])(
    'IPC-2, IPC-16, SEC-16, SEC-17, FNB-2.1: trusted proxies %# covering the whole space are weakened (the union counts, not the spelling)',
    (trustedProxies) => {
      const cityNetworks = { mfa: { internalNetworks: ['10.0.0.0/8'] }, access: { trustedProxies, routes: { lgwan: { allow: 'internal_only' as const } } } };
      for (const id of ['SEC-16', 'FNB-2.1', 'SEC-17']) {
        const row = rowFor('funabashi', { ...cityNetworks, cryptoProfile: 'cryptrec', hashing: { algorithm: 'pbkdf2-sha256' }, mfa: { ...cityNetworks.mfa, totp: { algorithm: 'SHA256' } } }, id);
        expect(row.verdict, id).toBe('weakened');
        expect(row.evidence.find((e) => e.path === 'access.trustedProxies')?.finding?.code, id).toBe('trusts_any_proxy');
      }
      for (const id of ['IPC-2', 'IPC-16']) {
        expect(rowFor('external-service-common', { access: { ipAllowList: ['203.0.113.0/24'], trustedProxies } }, id).verdict, id).toBe('weakened');
      }
    },
  );

  it('the proxies of a real deployment are not "everyone": a few specific addresses and a /24 stay met', () => {
    expect(rowFor('external-service-common', { access: { ipAllowList: ['203.0.113.0/24'], trustedProxies: ['10.0.0.0/29', '192.0.2.0/24', '2001:db8::/64'] } }, 'IPC-2').verdict).toBe('met');
  });

  it('SEC-13, SEC-16: mfa.totp.periodSeconds 300 (a code good for a quarter of an hour) is weakened; 30 and 60 are met', () => {
    const base = { mfa: { internalNetworks: ['10.0.0.0/8'] } };
    expect(rowFor('funabashi', { mfa: { ...base.mfa, totp: { periodSeconds: 300 } } }, 'SEC-13').verdict).toBe('weakened');
    expect(rowFor('funabashi', { mfa: { ...base.mfa, totp: { periodSeconds: 300 } } }, 'SEC-16').verdict).toBe('weakened');
    for (const periodSeconds of [30, 60]) expect(rowFor('funabashi', { mfa: { ...base.mfa, totp: { periodSeconds } } }, 'SEC-13').verdict).toBe('met');
  });

  it("SEC-17, FNB-2.4: under cryptoProfile 'cryptrec' TOTP over HMAC-SHA-1 is weakened and says why (monitored list, not recommended); SHA256 is met", () => {
    const cryptrec = { cryptoProfile: 'cryptrec', hashing: { algorithm: 'pbkdf2-sha256' } } as const;
    for (const id of ['SEC-17', 'FNB-2.4']) {
      const sha1 = rowFor('funabashi', { ...cryptrec, mfa: { totp: { algorithm: 'SHA1' } } }, id);
      expect(sha1.verdict, id).toBe('weakened');
      expect(sha1.evidence.find((e) => e.path === 'mfa.totp.algorithm')?.finding).toMatchObject({ code: 'hash_not_recommended' });
      expect(sha1.action).toMatch(/monitored list/);
      expect(rowFor('funabashi', { ...cryptrec, mfa: { totp: { algorithm: 'SHA1' } } }, id, 'ja').action).toMatch(/運用監視暗号リスト/);
      expect(rowFor('funabashi', { ...cryptrec, mfa: { totp: { algorithm: 'SHA256' } } }, id).verdict, id).toBe('met');
    }
  });

  it('SEC-24: lockout.failureWindowMs 0 is a counter that never resets, stronger not weaker: met', () => {
    expect(rowFor('funabashi', { lockout: { failureWindowMs: 0 } }, 'SEC-24').verdict).toBe('met');
  });

  it.each(['RM-18', 'SEC-34', 'FNB-4.3'])('%s: points to the signed deletion certificate purgeTenant returns, and says what stays with the deployer', (id) => {
    for (const lang of ['ja', 'en'] as const) {
      const report = complianceReport(definePolicy('nist-800-63b'), { lang, documents: ['RM', 'SEC', 'FNB'] });
      const action = report.rows.find((r) => r.clause === id)?.action ?? '';
      expect(action).toContain('purgeTenant');
      expect(action).toContain('kanmon tenant certificate verify');
      if (lang === 'en') {
        expect(action).toMatch(/deletion certificate/);
        expect(action).toMatch(/KANMON_KEYS, KMS/);
      } else {
        expect(action).toContain('削除証明書');
        expect(action).toContain('KANMON_KEYS・KMS');
      }
    }
  });
});
