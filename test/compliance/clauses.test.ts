import { describe, expect, it } from 'vitest';
import { clauses, definePolicy, getClause } from '../../src/index.js';
import { normalizeText, parseAllRequirements } from './support/requirements.js';

const parsed = parseAllRequirements();
const parsedById = new Map(parsed.map((c) => [c.id, c]));

function count(list: readonly { id: string; document: string; parent: string | null }[]) {
  const out: Record<string, { numbered: number; subItems: number }> = {};
  for (const c of list) {
    const entry = (out[c.document] ??= { numbered: 0, subItems: 0 });
    if (c.parent === null) entry.numbered++;
    else entry.subItems++;
  }
  return out;
}

describe('clause catalog against the requirement documents', () => {
  it('holds every numbered clause of the documents and none they do not contain', () => {
    const catalogIds = clauses.map((c) => c.id);
    const documentIds = parsed.map((c) => c.id);
    const missing = documentIds.filter((id) => !catalogIds.includes(id));
    const invented = catalogIds.filter((id) => !parsedById.has(id));
    expect({ missing, invented }).toEqual({ missing: [], invented: [] });
    expect(catalogIds).toEqual(documentIds); // same order as the documents
    expect(new Set(catalogIds).size).toBe(catalogIds.length);
  });

  it('counts per document: EXT 13, IPC 22, RM 39, SEC 35 (+ 9 sub-items), FNB 21 (+ 11 sub-items)', () => {
    const expected = {
      EXT: { numbered: 13, subItems: 0 },
      IPC: { numbered: 22, subItems: 0 },
      RM: { numbered: 39, subItems: 0 },
      SEC: { numbered: 35, subItems: 9 }, // SEC-6.1–6.5 (①–⑤), SEC-8.1–8.4 (①–④)
      FNB: { numbered: 21, subItems: 11 }, // FNB-1.6.1–1.6.6, FNB-3.1.1–3.1.5
    };
    expect(count(parsed)).toEqual(expected);
    expect(count(clauses)).toEqual(expected);
  });

  it('sub-items name their parent as the document nests them', () => {
    for (const c of clauses) {
      expect(c.parent, c.id).toBe(parsedById.get(c.id)?.parent ?? null);
    }
  });

  it('quotes the original Japanese text of each clause', () => {
    // SEC was extracted from a PDF table: its column headings (…に関する事項, …時の対策) sit
    // between the clauses. Everything of a clause except those headings must be quoted.
    const heading = /^(?:[^。]*?(?:事項|対策))*$/u;
    for (const c of clauses) {
      const source = normalizeText(parsedById.get(c.id)?.segment ?? '');
      const quoted = normalizeText(c.ja);
      expect(quoted.length, c.id).toBeGreaterThan(10);
      if (c.document === 'SEC') {
        expect(source.includes(quoted), `${c.id}: text not found in the document`).toBe(true);
        expect(source.replace(quoted, ''), `${c.id}: clause text left out`).toMatch(heading);
      } else {
        expect(quoted, c.id).toBe(source);
      }
    }
  });

  it('statuses follow CLAUSES.md: exactly these clauses are enforced', () => {
    const enforced = clauses.filter((c) => c.status === 'enforce').map((c) => c.id);
    expect(enforced).toEqual([
      'EXT-4', 'EXT-5', 'EXT-6',
      'IPC-2', 'IPC-4', 'IPC-11', 'IPC-12', 'IPC-16',
      'RM-19', 'RM-21', 'RM-22', 'RM-23', 'RM-36', 'RM-38',
      'SEC-4', 'SEC-6', 'SEC-6.1', 'SEC-6.3', 'SEC-13', 'SEC-16', 'SEC-17', 'SEC-18', 'SEC-19', 'SEC-23', 'SEC-24', 'SEC-26', 'SEC-27',
      'FNB-2.1', 'FNB-2.4', 'FNB-2.5', 'FNB-3.1.1', 'FNB-3.1.2', 'FNB-3.1.3', 'FNB-3.1.4',
    ]);
    expect(getClause('SEC-6.2')?.status).toBe('out');
    expect(getClause('FNB-1.6.4')?.status).toBe('support');
    expect(getClause('RM-12')?.status).toBe('support');
  });

  it('every enforced or supported clause names its controls, every enforced one its tests, every policy path exists', () => {
    const policy = definePolicy('funabashi') as unknown as Record<string, unknown>;
    const exists = (path: string) =>
      path.split('.').reduce<unknown>((node, key) => (node !== null && typeof node === 'object' && key in node ? (node as Record<string, unknown>)[key] : undefined), policy) !==
      undefined;
    for (const c of clauses) {
      if (c.status === 'out') {
        expect(c.responsible, c.id).toBeTruthy();
        continue;
      }
      expect(c.controls.length, c.id).toBeGreaterThan(0);
      for (const path of c.policyPaths) expect(exists(path), `${c.id}: ${path}`).toBe(true);
      if (c.status === 'enforce') expect(c.tests.length, c.id).toBeGreaterThan(0);
      else expect(c.operation.ja.length * c.operation.en.length, c.id).toBeGreaterThan(0);
    }
  });
});
