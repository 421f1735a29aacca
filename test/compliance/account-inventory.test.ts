/**
 * RM-27, SEC-12, IPC-3 in the compliance report: the account inventory and the dormancy rule are their
 * evidence (`accounts.dormantDays`); with the rule off the clauses are never met, and a rule longer than a
 * year weakens them.
 */
import { describe, expect, it } from 'vitest';
import { type ComplianceReport, type PolicyOverrides, type PresetId, complianceReport, definePolicy } from '../../src/index.js';

const rowOf = (report: ComplianceReport, id: string) => report.rows.find((r) => r.clause === id)!;
const cases: [PresetId, string, string[]][] = [
  ['funabashi', 'SEC-12', ['SEC']],
  ['external-service-common', 'IPC-3', ['IPC']],
  ['remote-maintenance', 'RM-27', ['RM']],
];

describe.each(cases)('%s: %s and the dormancy rule', (preset, clause, documents) => {
  const report = (overrides?: PolicyOverrides, lang: 'ja' | 'en' = 'en') => complianceReport(definePolicy(preset, overrides), { lang, documents: documents as never });

  it('the preset (dormantDays 90) meets it with operation, showing accounts.dormantDays as evidence', () => {
    const r = rowOf(report(), clause);
    expect(r.verdict).toBe('met_with_operation');
    expect(r.evidence.find((e) => e.path === 'accounts.dormantDays')).toMatchObject({ value: 90, required: '1..365' });
  });

  it('dormantDays null: not configured, never met, with a message saying what to set (ja and en)', () => {
    const finding = (lang: 'ja' | 'en') => rowOf(report({ accounts: { dormantDays: null } }, lang), clause).evidence.find((e) => e.path === 'accounts.dormantDays')?.finding;
    expect(rowOf(report({ accounts: { dormantDays: null } }), clause).verdict).toBe('not_configured');
    expect(finding('en')).toMatchObject({ verdict: 'not_configured', code: 'dormancy_off' });
    expect(finding('en')?.message).toContain('accounts.dormantDays is null');
    expect(finding('ja')?.message).toContain('休眠の基準なし');
  });

  it('dormantDays above a year: weakened', () => {
    expect(rowOf(report({ accounts: { dormantDays: 400 } }), clause).verdict).toBe('weakened');
  });
});
