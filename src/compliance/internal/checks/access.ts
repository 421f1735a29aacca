import { rootSubject } from '../../../webauthn/attestation-roots.js';
import { percent, wideFamily } from '../coverage.js';
import { type Check, type EvidenceItem, type Finding, type Settings, item, on, unset, weak } from './evidence.js';

/**
 * Access checks: which terminals may log in (IP allow-lists, client
 * certificates, registered devices, per-route rules), the proxies believed for
 * the client address, and TLS.
 */

export function trustsEverything(s: Settings): Finding | undefined {
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

export function wideList(path: string, entries: readonly string[]): Finding | undefined {
  const wide = wideFamily(entries);
  return wide ? weak('covers_everything', { path, family: wide.family, share: percent(wide.share) }) : undefined;
}

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
 * The passkey settings that bind sign-ins to authenticator models (SEC-6.3, RM-21), shown as evidence;
 * `attestation` is the finding on `webauthn.attestation`, when the caller has one.
 */
const modelItems = (s: Settings, attestation?: Finding): EvidenceItem[] =>
  s.webauthn.enabled
    ? [
        item('webauthn.allowedAaguids', s.webauthn.allowedAaguids),
        attestation === undefined ? item('webauthn.attestation', s.webauthn.attestation) : item('webauthn.attestation', s.webauthn.attestation, "'direct' with the makers' root certificates", attestation),
        // The roots by their subjects: an auditor reads who is trusted, not the PEM.
        item('webauthn.attestationRoots', s.webauthn.attestationRoots.map(rootSubject)),
        item('webauthn.allowBackedUp', s.webauthn.allowBackedUp),
      ]
    : [];

/** The passkey settings that bind sign-ins to authenticator models (SEC-6.3, RM-21), shown as evidence. */
export const passkeyModels: Check = (s) => modelItems(s);

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
  // Issue 18: passkeys bound to the authenticator models the city issued (an attested AAGUID allow-list) are a device
  // stage too: with the makers' roots (attestationRoots) the model is proven; without, a certificate made up for the
  // purpose can name an allowed model (a weak stage). An empty list binds nothing; an unattested one is the
  // authenticator's own claim.
  const w = s.webauthn;
  const keyModels = w.enabled && w.allowedAaguids.length > 0;
  const keyStage = keyModels && w.attestation === 'direct';
  const models = modelItems(s, !stage && keyStage && w.attestationRoots.length === 0 ? weak('aaguid_unanchored', {}) : undefined);
  return [
    item(
      'access.requireRegisteredDevice',
      a.requireRegisteredDevice,
      'true (or access.requireClientCert, or attested passkey models)',
      stage || keyStage ? undefined : keyModels ? unset('aaguid_unattested', {}) : configured ? weak('terminals_unused', {}) : unset('no_device_stage', {}),
    ),
    item('access.requireClientCert', a.requireClientCert),
    ...models,
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

/** `https` over plain HTTP: TLS here, or reported by a trusted proxy (IPC-16, SEC-17 in transit). */
export const tls: Check = (s) => [...on('access.requireTls')(s), ...trustedProxies(s)];
