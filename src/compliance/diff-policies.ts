import type { Policy } from '../policy/define-policy.js';
import { type ClauseDocument, clauseDocuments } from './clauses.js';
import type { Verdict } from './messages.js';
import { complianceReport } from './report.js';

/** One setting that differs. */
export interface PolicyChange {
  /** Dotted policy path: `password.minLength`. */
  readonly path: string;
  readonly before: unknown;
  readonly after: unknown;
  /** The clause ids whose verdict rests on this setting (their evidence names it), sorted. */
  readonly clauses: readonly string[];
}

/** A clause whose verdict changed. */
export interface ClauseChange {
  readonly clause: string;
  readonly before: Verdict;
  readonly after: Verdict;
  /** The changed settings among the clause's evidence. */
  readonly paths: readonly string[];
}

/** What {@link diffPolicies} returns. */
export interface PolicyDiff {
  /** Every setting that differs, in path order. */
  readonly changes: readonly PolicyChange[];
  /** Clauses whose verdict got worse (`met` → `weakened`, `met` → `not_configured`, …). */
  readonly weakened: readonly ClauseChange[];
  /** Clauses whose verdict got better. */
  readonly strengthened: readonly ClauseChange[];
}

/** Options for {@link diffPolicies}. */
export interface DiffPoliciesOptions {
  /** The documents whose clauses are compared. @default every document */
  readonly documents?: readonly ClauseDocument[] | undefined;
}

/** Worse is higher. `outside_software` does not depend on the policy. */
const rank: Readonly<Record<Verdict, number>> = { met: 0, met_with_operation: 1, outside_software: 1, not_configured: 2, weakened: 3 };

function flatten(value: unknown, prefix: string, out: Map<string, unknown>): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) flatten(child, prefix ? `${prefix}.${key}` : key, out);
  } else out.set(prefix, value);
}

function settingsOf(policy: Policy): Map<string, unknown> {
  const { preset: _preset, ...settings } = policy;
  const out = new Map<string, unknown>();
  flatten(settings, '', out);
  return out;
}

/**
 * Compare two policies setting by setting (SEC-6, SEC-7, FNB-1.5): which paths
 * changed, which clauses rest on each, and which clauses' compliance verdicts
 * got worse or better (computed by the compliance report from each policy, so a
 * minLength of 8 under funabashi weakens SEC-23 and FNB-3.1.3).
 *
 * @example
 * ```ts
 * import { definePolicy, diffPolicies } from 'kanmon';
 * const diff = diffPolicies(definePolicy('funabashi'), definePolicy('funabashi', { password: { minLength: 8 } }));
 * diff.changes[0]?.path; // 'password.minLength'
 * diff.weakened.map((c) => c.clause); // includes 'SEC-23'
 * ```
 */
export function diffPolicies(before: Policy, after: Policy, options: DiffPoliciesOptions = {}): PolicyDiff {
  const documents = options.documents ?? clauseDocuments;
  const a = settingsOf(before);
  const b = settingsOf(after);
  const changed = new Set<string>();
  for (const path of new Set([...a.keys(), ...b.keys()])) {
    if (JSON.stringify(a.get(path)) !== JSON.stringify(b.get(path))) changed.add(path);
  }
  const reportA = complianceReport(before, { documents, lang: 'en' });
  const reportB = complianceReport(after, { documents, lang: 'en' });
  const verdictA = new Map(reportA.rows.map((r) => [r.clause, r]));
  /** path (or a parent of it) → clauses whose evidence names it */
  const clausesOf = new Map<string, Set<string>>();
  const evidencePaths = new Map<string, Set<string>>();
  for (const row of [...reportA.rows, ...reportB.rows]) {
    for (const e of row.evidence) {
      for (const path of changed) {
        if (path === e.path || path.startsWith(e.path + '.') || e.path.startsWith(path + '.')) {
          let set = clausesOf.get(path);
          if (!set) clausesOf.set(path, (set = new Set()));
          set.add(row.clause);
          let paths = evidencePaths.get(row.clause);
          if (!paths) evidencePaths.set(row.clause, (paths = new Set()));
          paths.add(path);
        }
      }
    }
  }
  const weakened: ClauseChange[] = [];
  const strengthened: ClauseChange[] = [];
  for (const row of reportB.rows) {
    const old = verdictA.get(row.clause);
    if (!old || old.verdict === row.verdict) continue;
    const change = { clause: row.clause, before: old.verdict, after: row.verdict, paths: [...(evidencePaths.get(row.clause) ?? [])].sort() };
    if (rank[row.verdict] > rank[old.verdict]) weakened.push(change);
    else if (rank[row.verdict] < rank[old.verdict]) strengthened.push(change);
  }
  const changes = [...changed].sort().map((path) => ({ path, before: a.get(path), after: b.get(path), clauses: [...(clausesOf.get(path) ?? [])].sort() }));
  return { changes, weakened, strengthened };
}
