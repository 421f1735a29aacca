import { statusLabel, verdictLabel } from '../messages.js';
import type { ComplianceReport } from '../report.js';
import { evidenceLine, labels } from './labels.js';

/** UTF-8 byte order mark: Excel in a Japanese locale reads the file as Shift_JIS without it. */
export const BOM = '\uFEFF';

function field(value: string): string {
  // A leading = + - @ would be read as a formula by spreadsheet software.
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The report as CSV (RFC 4180, CRLF, UTF-8 with BOM): one line per clause. */
export function renderCsv(report: ComplianceReport): string {
  const lang = report.lang;
  const t = labels[lang];
  const header = [t.document, t.clause, t.status, t.verdict, t.requirement, t.gloss, t.evidence, t.action, t.notes, t.tests];
  const lines = [header.map(field).join(',')];
  for (const r of report.rows) {
    lines.push(
      [
        r.document,
        r.clause,
        statusLabel[lang][r.status],
        verdictLabel[lang][r.verdict],
        r.text,
        r.gloss,
        r.evidence.map((e) => evidenceLine(e, lang)).join('\n'),
        r.action,
        r.notes.map((n) => n.message).join('\n'),
        r.tests.join('\n'),
      ]
        .map(field)
        .join(','),
    );
  }
  return BOM + lines.join('\r\n') + '\r\n';
}
