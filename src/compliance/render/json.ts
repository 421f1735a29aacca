import type { ComplianceReport } from '../report.js';

/** The report as JSON, exactly its object form (stable key order). */
export function renderJson(report: ComplianceReport): string {
  return JSON.stringify(report, null, 2) + '\n';
}
