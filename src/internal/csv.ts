/** CSV per RFC 4180 (CRLF line ends, `"` doubled inside quoted fields), for reports a spreadsheet opens. */

/** UTF-8 byte order mark: Excel in a Japanese locale reads a CSV as Shift_JIS without it. */
export const UTF8_BOM = '\uFEFF';

/**
 * One field: quoted when it holds `"`, `,`, CR or LF; a leading `= + - @` (or tab, CR) is prefixed with `'`
 * so a spreadsheet does not run it as a formula (CSV injection).
 */
export function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** Lines of fields as one CSV text, each line ended by CRLF. */
export function csvText(rows: readonly (readonly string[])[], options: { readonly bom?: boolean } = {}): string {
  return (options.bom ? UTF8_BOM : '') + rows.map((row) => row.map(csvField).join(',') + '\r\n').join('');
}

/**
 * Parse CSV text (RFC 4180; LF or CRLF line ends; a leading BOM skipped) into rows of fields. Returns
 * `null` for malformed text: a quote inside an unquoted field, text after a closing quote, an unclosed
 * quote. Empty lines are skipped.
 */
export function parseCsv(text: string): string[][] | null {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = text.startsWith(UTF8_BOM) ? 1 : 0;
  let quoted = false;
  let wasQuoted = false;
  const endField = () => {
    row.push(field);
    field = '';
    wasQuoted = false;
  };
  const endRow = () => {
    endField();
    if (!(row.length === 1 && row[0] === '')) rows.push(row);
    row = [];
  };
  for (; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c !== '"') field += c;
      else if (text[i + 1] === '"') {
        field += '"';
        i++;
      } else {
        quoted = false;
        wasQuoted = true;
      }
      continue;
    }
    if (c === ',') endField();
    else if (c === '\n') endRow();
    else if (c === '\r') {
      if (text[i + 1] !== '\n') return null;
    } else if (c === '"') {
      if (field !== '' || wasQuoted) return null;
      quoted = true;
    } else {
      if (wasQuoted) return null;
      field += c;
    }
  }
  if (quoted) return null;
  if (field !== '' || wasQuoted || row.length > 0) endRow();
  return rows;
}
