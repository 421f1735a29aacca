import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * An independent reader of the four requirement documents in
 * docs/requirements/ (copied verbatim from the city documents). The catalog
 * test compares src/compliance/clauses.ts against what this finds, so it must
 * not import the catalog: it reads the numbering straight from the text.
 */

export interface ParsedClause {
  readonly id: string;
  readonly document: 'EXT' | 'IPC' | 'RM' | 'SEC' | 'FNB';
  /** The parent clause id for a sub-item (SEC-6.3, FNB-3.1.3), else null. */
  readonly parent: string | null;
  /** The raw text of the clause in the document (its own part, without its sub-items). */
  readonly segment: string;
}

export const requirementsDir = fileURLToPath(new URL('../../../docs/requirements/', import.meta.url));

export function readRequirement(file: string): string {
  return readFileSync(requirementsDir + file, 'utf8');
}

const circled = '①②③④⑤⑥⑦⑧⑨⑩';

function expectSequence(label: string, numbers: readonly number[]): void {
  numbers.forEach((n, i) => {
    if (n !== i + 1) throw new Error(`${label}: expected item ${i + 1}, found ${n}`);
  });
}

/** EXT-1..13 and IPC-1..22: two tab-separated tables. */
export function parseExtIpc(text: string): ParsedClause[] {
  const lines = text.split('\n');
  const split = lines.findIndex((l) => l.trim() === '②インターネットパソコン方式');
  if (split < 0) throw new Error('EXT-IPC: part ② heading not found');
  const table = (part: readonly string[], document: 'EXT' | 'IPC'): ParsedClause[] => {
    const rows = part.flatMap((l) => {
      const m = /^(\d+)\t[^\t]*\t(.+)$/.exec(l);
      return m ? [{ n: Number(m[1]), text: m[2] ?? '' }] : [];
    });
    expectSequence(document, rows.map((r) => r.n));
    return rows.map((r) => ({ id: `${document}-${r.n}`, document, parent: null, segment: r.text }));
  };
  return [...table(lines.slice(0, split), 'EXT'), ...table(lines.slice(split), 'IPC')];
}

/** RM-1..39: one tab-separated table (its header row appears twice). */
export function parseRm(text: string): ParsedClause[] {
  const rows = text.split('\n').flatMap((l) => {
    const m = /^(\d+)\t[^\t]*\t(.+)$/.exec(l);
    return m ? [{ n: Number(m[1]), text: m[2] ?? '' }] : [];
  });
  expectSequence('RM', rows.map((r) => r.n));
  return rows.map((r) => ({ id: `RM-${r.n}`, document: 'RM' as const, parent: null, segment: r.text }));
}

/**
 * SEC-1..35: each number stands alone on its line (the table was extracted
 * from a PDF); ①②… lines inside a clause are its sub-items (SEC-6.3).
 */
export function parseSec(text: string): ParsedClause[] {
  const lines = text.split('\n');
  const starts: { n: number; line: number }[] = [];
  lines.forEach((l, i) => {
    const m = /^(\d{1,2})$/.exec(l.trim());
    if (m && Number(m[1]) === starts.length + 1) starts.push({ n: Number(m[1]), line: i });
  });
  if (starts.length !== 35) throw new Error(`SEC: expected 35 numbered clauses, found ${starts.length}`);
  const out: ParsedClause[] = [];
  starts.forEach((s, i) => {
    const body = lines.slice(s.line + 1, starts[i + 1]?.line ?? lines.length);
    const firstSub = body.findIndex((l) => circled.includes(l.trim().charAt(0)) && l.trim().length > 1);
    const own = firstSub < 0 ? body : body.slice(0, firstSub);
    out.push({ id: `SEC-${s.n}`, document: 'SEC', parent: null, segment: own.join('\n') });
    if (firstSub < 0) return;
    const subs: { k: number; lines: string[] }[] = [];
    for (const l of body.slice(firstSub)) {
      const k = circled.indexOf(l.trim().charAt(0));
      if (k >= 0 && l.trim().length > 1) {
        if (k !== subs.length) throw new Error(`SEC-${s.n}: sub-item ${k + 1} out of order`);
        subs.push({ k: k + 1, lines: [l.trim().slice(1)] });
      } else {
        subs.at(-1)?.lines.push(l);
      }
    }
    for (const sub of subs) {
      out.push({ id: `SEC-${s.n}.${sub.k}`, document: 'SEC', parent: `SEC-${s.n}`, segment: sub.lines.join('\n') });
    }
  });
  return out;
}

/** FNB: sections `1.`…`4.`, items `(1)`…, sub-items `①`… (FNB-3.1.3). */
export function parseFnb(text: string): ParsedClause[] {
  const out: { id: string; parent: string | null; lines: string[] }[] = [];
  let section = 0;
  let item = 0;
  let sub = 0;
  for (const line of text.split('\n')) {
    const sectionMatch = /^(\d)\.\s/.exec(line);
    if (sectionMatch) {
      const n = Number(sectionMatch[1]);
      if (n !== section + 1) throw new Error(`FNB: section ${n} out of order`);
      section = n;
      item = 0;
      continue;
    }
    const itemMatch = /^(?:-\s*)?\((\d+)\)\s*(.*)$/.exec(line);
    if (itemMatch && section > 0) {
      const n = Number(itemMatch[1]);
      if (n !== item + 1) throw new Error(`FNB-${section}: item ${n} out of order`);
      item = n;
      sub = 0;
      out.push({ id: `FNB-${section}.${item}`, parent: null, lines: [itemMatch[2] ?? ''] });
      continue;
    }
    const subMatch = /^\s*-\s*(\S)(.*)$/.exec(line);
    const k = subMatch ? circled.indexOf(subMatch[1] ?? '') : -1;
    if (subMatch && k >= 0 && item > 0) {
      if (k + 1 !== sub + 1) throw new Error(`FNB-${section}.${item}: sub-item ${k + 1} out of order`);
      sub = k + 1;
      out.push({ id: `FNB-${section}.${item}.${sub}`, parent: `FNB-${section}.${item}`, lines: [subMatch[2] ?? ''] });
      continue;
    }
    out.at(-1)?.lines.push(line);
  }
  return out.map((c) => ({ id: c.id, document: 'FNB' as const, parent: c.parent, segment: c.lines.join('\n') }));
}

/** Every clause of the four documents, in document order. */
export function parseAllRequirements(): ParsedClause[] {
  return [
    ...parseExtIpc(readRequirement('EXT-IPC_external-service-common.ja.txt')),
    ...parseRm(readRequirement('RM_remote-maintenance.ja.txt')),
    ...parseSec(readRequirement('SEC_spec-security-requirements.ja.txt')),
    ...parseFnb(readRequirement('FNB_funabashi-selection-criteria.ja.txt')),
  ];
}

/**
 * Compare texts the way a reader does: ignore line breaks and spacing left by
 * the PDF extraction and the list markers (`- `) of the extracted bullets.
 */
export function normalizeText(text: string): string {
  return text.replace(/^\s*-\s+/gm, '').replace(/\s+/g, '');
}
