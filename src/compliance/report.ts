import { KanmonError } from '../errors.js';
import { isPlainObject } from '../internal/deep.js';
import type { Policy } from '../policy/define-policy.js';
import type { PresetId } from '../policy/presets/index.js';
import {
  type Clause,
  type ClauseDocument,
  type ClauseStatus,
  type ControlId,
  clauseDocuments,
  clauses,
  documentInfo,
  isClauseDocument,
  presetDocuments,
} from './clauses.js';
import { clauseChecks } from './internal/checks/by-clause.js';
import { type EvidenceItem, type FindingCode, type Settings, item, weak as weakFinding } from './internal/checks/evidence.js';
import {
  type NistConflict,
  type ReportLang,
  type Verdict,
  findingText,
  nistConflicts,
  nistText,
  noPresetText,
  nothingToDo,
  presetDiffText,
  responsibleText,
  verdicts,
} from './messages.js';

export type { ReportLang, Verdict, NistConflict } from './messages.js';

/** Why one piece of evidence falls short. */
export interface ComplianceFinding {
  readonly verdict: 'weakened' | 'not_configured';
  readonly code: FindingCode;
  /** What is wrong and what to do, in the report's language. */
  readonly message: string;
}

/** One policy value a verdict rests on. */
export interface ComplianceEvidence {
  /** Dotted policy path, e.g. `password.minLength`. */
  readonly path: string;
  /** The value in force. */
  readonly value: unknown;
  /** What the clause requires of it (`>= 10`), when it requires something. */
  readonly required?: string;
  /** The preset's own value, when the policy came from a preset and differs from it. */
  readonly preset?: unknown;
  readonly finding?: ComplianceFinding;
}

/** Where the clause and NIST SP 800-63B disagree. */
export interface ComplianceNote {
  readonly code: NistConflict;
  readonly message: string;
}

/** One clause of the report. */
export interface ComplianceRow {
  /** Clause id: `SEC-23`. */
  readonly clause: string;
  readonly document: ClauseDocument;
  readonly parent: string | null;
  readonly status: ClauseStatus;
  readonly verdict: Verdict;
  /** The clause in the document's own words (Japanese). */
  readonly text: string;
  /** A short English gloss. */
  readonly gloss: string;
  readonly controls: readonly ControlId[];
  readonly evidence: readonly ComplianceEvidence[];
  /** What the deployer must do, in the report's language. */
  readonly action: string;
  readonly notes: readonly ComplianceNote[];
  /** For enforced clauses: the test files that prove them. */
  readonly tests: readonly string[];
}

/** Verdict counts of one document. */
export interface ComplianceSummary {
  readonly document: ClauseDocument;
  readonly title: string;
  readonly counts: Readonly<Record<Verdict, number>>;
  readonly total: number;
}

/** Every clause of the chosen documents judged against the policy in force (from {@link complianceReport}). */
export interface ComplianceReport {
  readonly lang: ReportLang;
  /** The preset the policy was built from, or `null`. */
  readonly preset: PresetId | null;
  readonly documents: readonly ClauseDocument[];
  readonly rows: readonly ComplianceRow[];
  readonly summary: readonly ComplianceSummary[];
  readonly totals: Readonly<Record<Verdict, number>>;
  /** True when any row is `weakened`: the CLI exits 1. */
  readonly weakened: boolean;
}

/** Options of {@link complianceReport}: which documents, the language, and evidence from the deployment (password hashes). */
export interface ComplianceReportOptions {
  /**
   * The documents to report on.
   * @default the preset's own documents (funabashi: FNB and SEC; remote-maintenance: RM;
   *   external-service-common: EXT and IPC); all five for `nist-800-63b` or a policy without a preset.
   */
  readonly documents?: readonly ClauseDocument[];
  /** @default 'ja' */
  readonly lang?: ReportLang;
  /**
   * A runtime fact: how many accounts are still on a hash kanmon did not write
   * (`passwordHashInventory` / `accountHashInventory`). While `foreign` is above 0,
   * SEC-23 ("stored hashed with a recommended algorithm") is `weakened`, with the count.
   */
  readonly passwordHashes?: { readonly foreign: number; readonly weak?: number | undefined } | undefined;
}

function flatten(value: unknown, prefix: string, out: Map<string, unknown>): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      flatten(child, prefix ? `${prefix}.${key}` : key, out);
    }
  } else {
    out.set(prefix, value);
  }
}

function settingsOf(policy: Policy): Map<string, unknown> {
  const { preset: _preset, ...settings } = policy;
  const out = new Map<string, unknown>();
  flatten(settings, '', out);
  return out;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function readPath(root: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), root);
}

function validate(policy: unknown, options: unknown): void {
  const sections = ['password', 'hashing', 'lockout', 'mfa', 'access', 'session', 'audit'];
  if (policy === null || typeof policy !== 'object' || !sections.every((s) => s in policy) || !('preset' in policy)) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', 'complianceReport: expected a policy from definePolicy()');
  }
  if (options !== undefined && !isPlainObject(options)) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', 'complianceReport: options must be an object');
  }
}

/**
 * Judge every clause of the chosen documents against the policy actually in
 * force: which are met, which need the deployer's operation, which are weaker
 * than the clause demands, which need data only the deployer has, and which
 * lie outside software. Rows touched by NIST SP 800-63B carry a note.
 *
 * Pure: the same policy and options always give the same report.
 *
 * @example
 * ```ts
 * import { complianceReport, definePolicy } from 'kanmon';
 * const report = complianceReport(definePolicy('funabashi', { password: { minLength: 8 } }), { lang: 'en' });
 * report.weakened; // true
 * report.rows.find((r) => r.clause === 'SEC-23')?.verdict; // 'weakened'
 * ```
 */
export function complianceReport(policy: Policy, options: ComplianceReportOptions = {}): ComplianceReport {
  validate(policy, options);
  const lang = options.lang ?? 'ja';
  if (lang !== 'ja' && lang !== 'en') {
    throw new KanmonError('ERR_INVALID_ARGUMENT', `complianceReport: lang must be 'ja' or 'en', got ${String(lang)}`);
  }
  const presetId = policy.preset?.id ?? null;
  let documents: readonly ClauseDocument[];
  if (options.documents === undefined) {
    const own = presetId === null ? [] : presetDocuments[presetId];
    documents = own.length > 0 ? own : clauseDocuments;
  } else {
    const list: unknown = options.documents;
    if (!Array.isArray(list) || list.length === 0) {
      throw new KanmonError('ERR_INVALID_ARGUMENT', `complianceReport: documents must list at least one of ${clauseDocuments.join(', ')}`);
    }
    const bad = list.filter((d) => !isClauseDocument(d));
    if (bad.length > 0) {
      throw new KanmonError('ERR_INVALID_ARGUMENT', `complianceReport: unknown document ${bad.map(String).join(', ')}; expected ${clauseDocuments.join(', ')}`);
    }
    documents = [...new Set(list as ClauseDocument[])];
  }

  const settings = policy as unknown as Settings;
  const presetSettings = policy.preset?.settings;
  const rows: ComplianceRow[] = [];
  for (const document of documents) {
    for (const clause of clauses) {
      if (clause.document === document) rows.push(judge(clause, policy, settings, presetSettings, lang, options.passwordHashes));
    }
  }

  const zero = (): Record<Verdict, number> => Object.fromEntries(verdicts.map((v) => [v, 0])) as Record<Verdict, number>;
  const totals = zero();
  const summary = documents.map((document) => {
    const counts = zero();
    let total = 0;
    for (const row of rows) {
      if (row.document !== document) continue;
      counts[row.verdict]++;
      totals[row.verdict]++;
      total++;
    }
    return { document, title: documentInfo[document].title[lang], counts, total };
  });

  return { lang, preset: presetId, documents, rows, summary, totals, weakened: totals.weakened > 0 };
}

function judge(clause: Clause, policy: Policy, settings: Settings, presetSettings: unknown, lang: ReportLang, hashes?: ComplianceReportOptions['passwordHashes']): ComplianceRow {
  const notes = (nistConflicts[clause.id] ?? []).map((code) => ({ code, message: nistText(code, lang) }));
  const base = { clause: clause.id, document: clause.document, parent: clause.parent, status: clause.status, text: clause.ja, gloss: clause.en, notes };

  if (clause.status === 'out') {
    return { ...base, verdict: 'outside_software', controls: [], evidence: [], action: responsibleText(clause.responsible, lang), tests: [] };
  }

  const tests = clause.status === 'enforce' ? clause.tests : [];
  if (clause.id === 'SEC-6') return { ...base, ...presetDeviation(policy, lang), controls: clause.controls, tests };

  const check = clauseChecks[clause.id];
  const items: readonly EvidenceItem[] = [...(check ? check(settings) : []), ...(clause.id === 'SEC-23' ? foreignHashes(hashes) : [])];
  const evidence = items.map((e): ComplianceEvidence => {
    const presetValue = presetSettings === undefined ? undefined : readPath(presetSettings, e.path);
    return {
      path: e.path,
      value: e.value,
      ...(e.required === undefined ? {} : { required: e.required }),
      ...(presetSettings !== undefined && !same(presetValue, readPath(settings, e.path)) ? { preset: presetValue ?? null } : {}),
      ...(e.finding === undefined ? {} : { finding: { verdict: e.finding.verdict, code: e.finding.code, message: findingText(e.finding, lang) } }),
    };
  });

  const weakened = evidence.filter((e) => e.finding?.verdict === 'weakened');
  const unset = evidence.filter((e) => e.finding?.verdict === 'not_configured');
  const verdict: Verdict =
    weakened.length > 0 ? 'weakened' : unset.length > 0 ? 'not_configured' : clause.status === 'enforce' ? 'met' : 'met_with_operation';
  const actions = [...weakened, ...unset].map((e) => e.finding?.message ?? '');
  if (clause.status === 'support') actions.push(clause.operation[lang]);
  const action = [...new Set(actions)].join(' ') || nothingToDo(lang);
  return { ...base, verdict, controls: clause.controls, evidence, action, tests };
}

/** SEC-23's runtime fact: accounts still on a foreign hash (imported, upgraded at their next login). */
function foreignHashes(hashes: ComplianceReportOptions['passwordHashes']): EvidenceItem[] {
  if (hashes === undefined) return [];
  const { foreign, weak = 0 } = hashes;
  if (!Number.isSafeInteger(foreign) || foreign < 0 || !Number.isSafeInteger(weak) || weak < 0) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', 'complianceReport: passwordHashes.foreign and .weak must be counts');
  }
  return [item('accounts.foreignPasswordHashes', foreign, '0', foreign > 0 ? weakFinding('foreign_hashes_remain', { count: foreign, weak }) : undefined)];
}

/** SEC-6: every setting that differs from the preset, shown with the preset's value. */
function presetDeviation(policy: Policy, lang: ReportLang): { verdict: Verdict; evidence: ComplianceEvidence[]; action: string } {
  if (policy.preset === null) return { verdict: 'met', evidence: [], action: noPresetText(lang) };
  const current = settingsOf(policy);
  const preset = new Map<string, unknown>();
  flatten(policy.preset.settings, '', preset);
  const evidence: ComplianceEvidence[] = [];
  for (const path of new Set([...current.keys(), ...preset.keys()])) {
    const value = current.get(path);
    const presetValue = preset.get(path);
    if (!same(value, presetValue)) evidence.push({ path, value: value ?? null, preset: presetValue ?? null });
  }
  return { verdict: 'met', evidence, action: presetDiffText(evidence.length, policy.preset.id, lang) };
}
