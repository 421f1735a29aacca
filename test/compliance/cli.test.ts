import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clauses } from '../../src/index.js';
import { kanmon } from './support/cli.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kanmon-compliance-'));
  await writeFile(join(dir, 'weak.json'), JSON.stringify({ password: { minLength: 8 } }));
  await writeFile(join(dir, 'ok.json'), JSON.stringify({ mfa: { internalNetworks: ['10.0.0.0/8'] } }));
  await writeFile(join(dir, 'broken.json'), '{ "password": ');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Table rows of a Markdown matrix: clause id → verdict cell. */
function verdictsOf(markdown: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of markdown.split('\n')) {
    const m = /^\| ((?:EXT|IPC|RM|SEC|FNB)-[\d.]+) \| [^|]+ \| ([^|]+) \|/.exec(line);
    if (m?.[1] && m[2]) out.set(m[1], m[2].trim());
  }
  return out;
}

describe('kanmon compliance', () => {
  it('--preset funabashi --format md --lang ja lists every FNB and SEC clause with a verdict, exit 0', async () => {
    const run = await kanmon(['compliance', '--preset', 'funabashi', '--format', 'md', '--lang', 'ja']);
    expect(run.code).toBe(0);
    const rows = verdictsOf(run.stdout);
    const expected = clauses.filter((c) => c.document === 'FNB' || c.document === 'SEC').map((c) => c.id);
    expect([...rows.keys()].sort()).toEqual([...expected].sort());
    for (const [id, verdict] of rows) expect(['充足', '充足（運用が必要）', '未設定', 'ソフトウェア対象外'], id).toContain(verdict);
    expect(run.stdout).toContain('## 判定の集計');
  });

  it('SEC-6, SEC-23: a config lowering password.minLength to 8 exits 1 (a CI gate on configuration mistakes) and marks SEC-23 weakened', async () => {
    const run = await kanmon(['compliance', '--preset', 'funabashi', '--config', 'weak.json', '--format', 'md', '--lang', 'ja'], { cwd: dir });
    expect(run.code).toBe(1);
    const rows = verdictsOf(run.stdout);
    expect(rows.get('SEC-23')).toBe('弱化');
    expect(rows.get('FNB-3.1.3')).toBe('弱化');
    expect(rows.get('SEC-24')).toBe('充足');
    expect(run.stderr).toMatch(/SEC-23/);
  });

  it('a config supplying the internal networks turns SEC-16 from not configured to met', async () => {
    const before = verdictsOf((await kanmon(['compliance', '--preset', 'funabashi', '--lang', 'en'])).stdout);
    const after = await kanmon(['compliance', '--preset', 'funabashi', '--config', 'ok.json', '--lang', 'en'], { cwd: dir });
    expect(before.get('SEC-16')).toBe('not configured');
    expect(verdictsOf(after.stdout).get('SEC-16')).toBe('met');
    expect(after.code).toBe(0);
  });

  it('--documents narrows the report; json is the report object', async () => {
    const run = await kanmon(['compliance', '--preset', 'funabashi', '--format', 'json', '--documents', 'sec', '--lang', 'en']);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as { documents: string[]; rows: { clause: string; verdict: string }[] };
    expect(report.documents).toEqual(['SEC']);
    expect(report.rows).toHaveLength(44);
    expect(report.rows.every((r) => r.clause.startsWith('SEC-'))).toBe(true);
  });

  it('nist-800-63b exits 1: it weakens the composition and periodic-change clauses', async () => {
    const run = await kanmon(['compliance', '--preset', 'nist-800-63b', '--format', 'csv', '--lang', 'en']);
    expect(run.code).toBe(1);
    expect(run.stdout.startsWith('\uFEFF')).toBe(true);
    expect(run.stderr).toMatch(/SEC-23.*RM-22|RM-22.*SEC-23/);
  });

  it('wrong usage exits 2 with the usage text; a broken config is a coded error', async () => {
    for (const argv of [
      ['compliance'],
      ['compliance', '--preset', 'funabashi', '--format', 'pdf'],
      ['compliance', '--preset', 'funabashi', '--lang', 'fr'],
      ['compliance', '--preset', 'funabashi', '--documents', 'SEC,XYZ'],
      ['compliance', '--preset', 'funabashi', '--bogus'],
      ['compliance', '--preset', 'tokyo'],
    ]) {
      const run = await kanmon(argv);
      expect(run.code, argv.join(' ')).toBe(2);
      expect(run.stdout, argv.join(' ')).toBe('');
      expect(run.stderr.length, argv.join(' ')).toBeGreaterThan(0);
    }
    const broken = await kanmon(['compliance', '--preset', 'funabashi', '--config', 'broken.json'], { cwd: dir });
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/ERR_INVALID_POLICY/);
  });

  it('per-command help in English and Japanese', async () => {
    const en = await kanmon(['compliance', '--help'], { lang: 'en' });
    const ja = await kanmon(['compliance', '--help'], { lang: 'ja' });
    expect(en.code).toBe(0);
    expect(en.stdout).toMatch(/Exit codes: 0 nothing weakened; 1 at least one clause is weakened/);
    expect(ja.stdout).toMatch(/終了コード: 0 弱化なし/);
    const list = await kanmon(['--help'], { lang: 'ja' });
    expect(list.stdout).toMatch(/compliance\s+条項ごとのコンプライアンス対応表/);
  });

  it('the language follows LANG when --lang is absent', async () => {
    const run = await kanmon(['compliance', '--preset', 'remote-maintenance'], { lang: 'ja' });
    expect(run.stdout).toContain('# コンプライアンス対応表: remote-maintenance');
  });
});
