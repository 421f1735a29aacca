import { describe, expect, it } from 'vitest';
import { type ComplianceReport, complianceReport, definePolicy, renderComplianceReport } from '../../src/index.js';

/** RFC 4180 reader, enough to read back what the renderer wrote. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      record.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i++;
    } else field += ch;
  }
  return records;
}

const weak = complianceReport(definePolicy('funabashi', { password: { minLength: 8 } }), { lang: 'ja' });

function withAction(report: ComplianceReport, action: string): ComplianceReport {
  const [first, ...rest] = report.rows;
  if (!first) throw new Error('empty report');
  return { ...report, rows: [{ ...first, action }, ...rest] };
}

describe('CSV', () => {
  it('is UTF-8 with a BOM, CRLF, one record per clause, and reads back field for field', () => {
    const csv = renderComplianceReport(weak, 'csv');
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    expect(Buffer.from(csv, 'utf8').subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const records = parseCsv(csv.slice(1));
    expect(records).toHaveLength(weak.rows.length + 1);
    expect(records.every((r) => r.length === 10)).toBe(true);
    const sec23 = records.find((r) => r[1] === 'SEC-23');
    expect(sec23?.[3]).toBe('弱化');
    expect(sec23?.[4]).toBe(weak.rows.find((r) => r.clause === 'SEC-23')?.text); // multi-line text survives quoting
  });

  it('neutralises cells a spreadsheet would run as a formula', () => {
    const csv = renderComplianceReport(withAction(weak, '=HYPERLINK("http://x","y")'), 'csv');
    const records = parseCsv(csv.slice(1));
    expect(records[1]?.[7]).toBe('\'=HYPERLINK("http://x","y")');
  });
});

describe('HTML', () => {
  const html = renderComplianceReport(weak, 'html');

  it('is one self-contained page: no script, no external stylesheet, image, font or link', () => {
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i);
    expect(html).not.toMatch(/(?:src|href)\s*=\s*["']?(?:https?:)?\/\//i);
  });

  it('prints on A4: @page size, repeated table headers, rows never split, colours kept', () => {
    expect(html).toMatch(/@page \{ size: A4/);
    expect(html).toMatch(/@media print/);
    expect(html).toMatch(/thead \{ display: table-header-group; \}/);
    expect(html).toMatch(/break-inside: avoid/);
    expect(html).toMatch(/print-color-adjust: exact/);
  });

  it('has the summary table and every clause with its verdict class', () => {
    expect(html).toContain('id="summary-table"');
    for (const r of weak.rows) expect(html).toContain(`<tr class="r-${r.verdict}" id="${r.clause}">`);
  });

  it('escapes text from the catalog and the policy', () => {
    const out = renderComplianceReport(withAction(weak, '<script>alert(1)</script>'), 'html');
    expect(out).not.toContain('<script>alert(1)</script>');
    expect(out).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });
});

describe('Markdown and JSON', () => {
  it('escapes pipes and line breaks inside cells so each clause stays one table row', () => {
    const md = renderComplianceReport(withAction(weak, 'a | b\nc'), 'md');
    expect(md).toContain('a \\| b<br>c');
    const rows = md.split('\n').filter((l) => /^\| (?:FNB|SEC)-/.test(l));
    expect(rows).toHaveLength(weak.rows.length);
  });

  it('JSON is the report object', () => {
    expect(JSON.parse(renderComplianceReport(weak, 'json'))).toEqual(JSON.parse(JSON.stringify(weak)));
  });

  it('an unknown format is ERR_INVALID_ARGUMENT', () => {
    expect(() => renderComplianceReport(weak, 'pdf' as 'md')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });
});
