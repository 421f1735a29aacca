import { documentInfo } from '../clauses.js';
import { statusLabel, verdictLabel, verdicts } from '../messages.js';
import type { ComplianceReport } from '../report.js';
import { commandLine, evidenceLine, labels, rowsOf } from './labels.js';

const cell = (text: string) => text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');

/** The report as Markdown: the summary table, a legend, then one table per document. */
export function renderMarkdown(report: ComplianceReport, command: string = commandLine(report, 'md')): string {
  const lang = report.lang;
  const t = labels[lang];
  const v = verdictLabel[lang];
  const out: string[] = [];
  out.push(`# ${t.title(report.preset)}`, '', `<!-- ${t.generated(command)} -->`, '');
  out.push(`${t.documents}: ${report.documents.map((d) => `${d}（${documentInfo[d].title.ja}）`).join('、')}`, '');
  out.push(`## ${t.summary}`, '');
  out.push(`| ${t.document} | ${verdicts.map((k) => v[k]).join(' | ')} | ${t.total} |`);
  out.push(`|---|${verdicts.map(() => '---:').join('|')}|---:|`);
  for (const s of report.summary) out.push(`| ${s.document} ${cell(s.title)} | ${verdicts.map((k) => s.counts[k]).join(' | ')} | ${s.total} |`);
  out.push(`| **${t.total}** | ${verdicts.map((k) => `**${report.totals[k]}**`).join(' | ')} | **${report.rows.length}** |`, '');
  out.push(`### ${t.legend}`, '');
  for (const k of verdicts) out.push(`- **${v[k]}**: ${t.legendText[k]}`);
  out.push('');
  for (const document of report.documents) {
    out.push(`## ${document}: ${documentInfo[document].title[lang]}`, '');
    out.push(`| ${t.clause} | ${t.status} | ${t.verdict} | ${t.requirement} | ${t.evidence} | ${t.action} |`);
    out.push('|---|---|---|---|---|---|');
    for (const r of rowsOf(report, document)) {
      const requirement = lang === 'ja' ? r.text : `${r.gloss}\n${r.text}`;
      const evidence = r.evidence.map((e) => (e.finding ? `**${evidenceLine(e, lang)}**` : evidenceLine(e, lang))).join('\n') || t.none;
      const action = [r.action, ...r.notes.map((n) => `NIST: ${n.message}`)].join('\n');
      out.push(`| ${r.clause} | ${statusLabel[lang][r.status]} | ${v[r.verdict]} | ${cell(requirement)} | ${cell(evidence)} | ${cell(action)} |`);
    }
    out.push('');
  }
  return out.join('\n');
}
