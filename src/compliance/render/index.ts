import { KanmonError } from '../../errors.js';
import type { ComplianceReport } from '../report.js';
import { renderCsv } from './csv.js';
import { renderHtml } from './html.js';
import { renderJson } from './json.js';
import { renderMarkdown } from './markdown.js';

/** The formats {@link renderComplianceReport} writes. */
export const reportFormats = ['md', 'json', 'html', 'csv'] as const;
/** One of {@link reportFormats}. */
export type ReportFormat = (typeof reportFormats)[number];

/**
 * Whether a value (a command-line argument, say) names one of {@link reportFormats}.
 *
 * @example
 * ```ts
 * import { complianceReport, isReportFormat, renderComplianceReport } from 'kanmon';
 * const format = process.argv[2] ?? 'md';
 * if (!isReportFormat(format)) throw new Error(`--format: md, json, html or csv`);
 * process.stdout.write(renderComplianceReport(complianceReport(policy), format));
 * ```
 */
export function isReportFormat(value: unknown): value is ReportFormat {
  return typeof value === 'string' && (reportFormats as readonly string[]).includes(value);
}

/** Options of {@link renderComplianceReport}. */
export interface RenderOptions {
  /** The command line shown in the header of md and html output. @default rebuilt from the report */
  readonly command?: string;
}

/**
 * Render a compliance report: `md` (Markdown tables), `json`, `html` (one
 * self-contained page, printable to A4) or `csv` (UTF-8 with BOM, CRLF).
 *
 * @example
 * ```ts
 * import { complianceReport, definePolicy, renderComplianceReport } from 'kanmon';
 * const html = renderComplianceReport(complianceReport(definePolicy('funabashi')), 'html');
 * ```
 */
export function renderComplianceReport(report: ComplianceReport, format: ReportFormat, options: RenderOptions = {}): string {
  switch (format) {
    case 'md':
      return renderMarkdown(report, options.command);
    case 'json':
      return renderJson(report);
    case 'html':
      return renderHtml(report, options.command);
    case 'csv':
      return renderCsv(report);
    default:
      throw new KanmonError('ERR_INVALID_ARGUMENT', `renderComplianceReport: unknown format ${String(format)}; expected ${reportFormats.join(', ')}`);
  }
}
