import type { DeepReadonly } from '../../../internal/deep.js';
import type { PolicySettings } from '../../../policy/schema.js';

/**
 * The shape of a clause check: a pure function over a policy's settings that
 * returns evidence items (the path, its value, what the clause requires, and a
 * finding when the value falls short), and the small checks every area shares.
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
  | 'issued_never_expires'
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
  | 'rule_off'
  | 'foreign_hashes_remain'
  | 'dormancy_off'
  | 'aaguid_unattested'
  | 'aaguid_unanchored';

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

export const weak = (code: FindingCode, params: Finding['params'] = {}): Finding => ({ verdict: 'weakened', code, params });
export const unset = (code: FindingCode, params: Finding['params'] = {}): Finding => ({ verdict: 'not_configured', code, params });

export function item(path: string, value: unknown, required?: string, finding?: Finding): EvidenceItem {
  return { path, value, ...(required === undefined ? {} : { required }), ...(finding === undefined ? {} : { finding }) };
}

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
