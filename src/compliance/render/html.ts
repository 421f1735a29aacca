import { documentInfo } from '../clauses.js';
import { type Verdict, statusLabel, verdictLabel, verdicts } from '../messages.js';
import type { ComplianceReport } from '../report.js';
import { commandLine, evidenceLine, labels, rowsOf } from './labels.js';

const escape = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
const lines = (text: string) => escape(text).replace(/\r?\n/g, '<br>');

/** Status colours: readable on screen and in black-and-white print (each also has a symbol). */
const colour: Readonly<Record<Verdict, { bg: string; fg: string; mark: string }>> = {
  met: { bg: '#dcfce7', fg: '#14532d', mark: '✓' },
  met_with_operation: { bg: '#dbeafe', fg: '#1e3a8a', mark: '◐' },
  weakened: { bg: '#fee2e2', fg: '#7f1d1d', mark: '✗' },
  not_configured: { bg: '#fef3c7', fg: '#78350f', mark: '!' },
  outside_software: { bg: '#f3f4f6', fg: '#374151', mark: '—' },
};

const style = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1200px; padding: 24px; font: 13px/1.55 "Hiragino Sans", "Hiragino Kaku Gothic ProN", "Noto Sans CJK JP", "Noto Sans JP", "Yu Gothic", Meiryo, system-ui, sans-serif; color: #111827; background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 2px solid #111827; padding-bottom: 2px; }
.meta { color: #4b5563; margin: 0 0 16px; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #d1d5db; padding: 4px 6px; vertical-align: top; text-align: left; }
thead th { background: #f9fafb; }
table.summary td.n, table.summary th.n { text-align: right; font-variant-numeric: tabular-nums; }
table.summary tfoot td { font-weight: bold; }
table.clauses td.id { white-space: nowrap; font-weight: bold; }
table.clauses td.ev { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 11px; word-break: break-word; }
table.clauses td.req { min-width: 18em; }
.gloss { color: #4b5563; display: block; margin-bottom: 2px; }
.badge { display: inline-block; padding: 1px 6px; border-radius: 3px; white-space: nowrap; font-weight: bold; }
.finding { color: #7f1d1d; font-weight: bold; }
.note { display: block; margin-top: 4px; color: #5b21b6; }
ul.legend { list-style: none; padding: 0; margin: 8px 0 0; }
ul.legend li { margin: 2px 0; }
${verdicts.map((v) => `.v-${v} { background: ${colour[v].bg}; color: ${colour[v].fg}; }\ntr.r-${v} td.id { border-left: 6px solid ${colour[v].fg}; }`).join('\n')}
@page { size: A4 portrait; margin: 12mm 10mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 8.5pt; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  h2 { break-after: avoid; page-break-after: avoid; }
  section.document { break-before: page; page-break-before: always; }
  thead { display: table-header-group; }
  tr, .badge { break-inside: avoid; page-break-inside: avoid; }
  table.clauses td.ev { font-size: 7.5pt; }
}
`;

/**
 * The report as one self-contained HTML page (no external asset, no script):
 * a summary table of verdict counts per document, a legend, then every clause
 * with its verdict colour. Prints on A4: one document per page run, table
 * headers repeated, rows never split.
 */
export function renderHtml(report: ComplianceReport, command: string = commandLine(report, 'html')): string {
  const lang = report.lang;
  const t = labels[lang];
  const v = verdictLabel[lang];
  const badge = (verdict: Verdict) => `<span class="badge v-${verdict}">${colour[verdict].mark} ${escape(v[verdict])}</span>`;
  const out: string[] = [];
  out.push('<!doctype html>', `<html lang="${lang}">`, '<head>', '<meta charset="utf-8">', '<meta name="viewport" content="width=device-width, initial-scale=1">');
  out.push(`<title>${escape(t.title(report.preset))}</title>`, `<style>${style}</style>`, '</head>', '<body>');
  out.push(`<h1>${escape(t.title(report.preset))}</h1>`);
  out.push(`<p class="meta">${escape(t.generated(command))}<br>${escape(t.documents)}: ${report.documents.map((d) => escape(`${d} ${documentInfo[d].title[lang]}`)).join(' / ')}</p>`);

  out.push('<section id="summary">', `<h2>${escape(t.summary)}</h2>`, '<table class="summary" id="summary-table">', '<thead><tr>');
  out.push(`<th>${escape(t.document)}</th>${verdicts.map((k) => `<th class="n">${badge(k)}</th>`).join('')}<th class="n">${escape(t.total)}</th></tr></thead><tbody>`);
  for (const s of report.summary) {
    out.push(`<tr><td><a href="#doc-${s.document}">${escape(`${s.document} ${s.title}`)}</a></td>${verdicts.map((k) => `<td class="n">${s.counts[k]}</td>`).join('')}<td class="n">${s.total}</td></tr>`);
  }
  out.push(`</tbody><tfoot><tr><td>${escape(t.total)}</td>${verdicts.map((k) => `<td class="n">${report.totals[k]}</td>`).join('')}<td class="n">${report.rows.length}</td></tr></tfoot></table>`);
  out.push(`<ul class="legend">${verdicts.map((k) => `<li>${badge(k)} ${escape(t.legendText[k])}</li>`).join('')}</ul>`, '</section>');

  for (const document of report.documents) {
    out.push(`<section class="document" id="doc-${document}">`, `<h2>${escape(`${document}: ${documentInfo[document].title[lang]}`)}</h2>`);
    out.push('<table class="clauses"><thead><tr>');
    out.push([t.clause, t.verdict, t.requirement, t.evidence, t.action].map((h) => `<th>${escape(h)}</th>`).join(''), '</tr></thead><tbody>');
    for (const r of rowsOf(report, document)) {
      const requirement = (lang === 'en' ? `<span class="gloss">${escape(r.gloss)}</span>` : '') + lines(r.text);
      const evidence = r.evidence.map((e) => (e.finding ? `<span class="finding">${escape(evidenceLine(e, lang))}</span>` : escape(evidenceLine(e, lang)))).join('<br>') || t.none;
      const notes = r.notes.map((n) => `<span class="note">NIST: ${escape(n.message)}</span>`).join('');
      out.push(
        `<tr class="r-${r.verdict}" id="${escape(r.clause)}"><td class="id">${escape(r.clause)}<br><small>${escape(statusLabel[lang][r.status])}</small></td>` +
          `<td>${badge(r.verdict)}</td><td class="req">${requirement}</td><td class="ev">${evidence}</td><td>${lines(r.action)}${notes}</td></tr>`,
      );
    }
    out.push('</tbody></table>', '</section>');
  }
  out.push('</body>', '</html>', '');
  return out.join('\n');
}
