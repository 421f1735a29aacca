import { parseArgs } from 'node:util';
import { clauseDocuments, isClauseDocument, type ClauseDocument } from '../../compliance/clauses.js';
import { complianceReport } from '../../compliance/report.js';
import { isReportFormat, renderComplianceReport, reportFormats } from '../../compliance/render/index.js';
import { presetIds } from '../../policy/presets/index.js';
import { type CliCommand, type CliLang, EXIT_FINDING, EXIT_OK, EXIT_USAGE } from '../command.js';
import { policyFromFlags } from './policy.js';

const usage: Record<CliLang, string> = {
  en: `kanmon compliance --preset <id> [--config kanmon.config.json] [--format md|json|html|csv] [--lang ja|en] [--documents FNB,SEC]

Judge every clause of the requirement documents against the policy in force
(the preset, overridden by the config file) and print the compliance matrix.

Options:
  --preset <id>        ${presetIds.join(', ')}
  --config <file>      JSON overrides merged over the preset (a full policy without --preset)
  --format <format>    md (default), json, html (one printable page), csv (UTF-8 with BOM)
  --lang <lang>        ja or en (default: from LANG)
  --documents <list>   comma-separated: ${clauseDocuments.join(', ')} (default: the preset's own documents)

Exit codes: 0 nothing weakened; 1 at least one clause is weakened by the configuration; 2 usage error.

Example (CI gate):
  kanmon compliance --preset funabashi --config kanmon.config.json --format html > compliance.html`,
  ja: `kanmon compliance --preset <id> [--config kanmon.config.json] [--format md|json|html|csv] [--lang ja|en] [--documents FNB,SEC]

適用中のポリシー（プリセットに設定ファイルを重ねたもの）で要件文書の全条項を判定し、
コンプライアンス対応表を出力します。

オプション:
  --preset <id>        ${presetIds.join(', ')}
  --config <ファイル>  プリセットに重ねる JSON（--preset なしならポリシー全体）
  --format <形式>      md（既定）、json、html（印刷できる 1 ページ）、csv（BOM 付き UTF-8）
  --lang <言語>        ja または en（既定は LANG から）
  --documents <一覧>   カンマ区切り: ${clauseDocuments.join(', ')}（既定はプリセットの文書）

終了コード: 0 弱化なし / 1 設定により弱化した条項がある / 2 使い方の誤り

例（CI での判定）:
  kanmon compliance --preset funabashi --config kanmon.config.json --format html > compliance.html`,
};

const messages = {
  en: {
    format: (v: string) => `unknown --format '${v}'; expected ${reportFormats.join(', ')}`,
    lang: (v: string) => `unknown --lang '${v}'; expected ja or en`,
    documents: (v: string) => `unknown document '${v}' in --documents; expected ${clauseDocuments.join(', ')}`,
    weakened: (n: number) => `kanmon compliance: ${n} clause(s) weakened by the configuration`,
  },
  ja: {
    format: (v: string) => `--format '${v}' は使えません。${reportFormats.join(', ')} のいずれかです`,
    lang: (v: string) => `--lang '${v}' は使えません。ja または en です`,
    documents: (v: string) => `--documents の '${v}' は文書 ID ではありません。${clauseDocuments.join(', ')} です`,
    weakened: (n: number) => `kanmon compliance: 設定により弱化した条項が ${n} 件あります`,
  },
};

export const complianceCommand: CliCommand = {
  name: 'compliance',
  summary: {
    en: 'Compliance matrix of the policy against the clauses (exit 1 when weakened)',
    ja: '条項ごとのコンプライアンス対応表（弱化があれば終了コード 1）',
  },
  usage,
  async run(args, io) {
    const { values } = parseArgs({
      args: [...args],
      options: {
        preset: { type: 'string' },
        config: { type: 'string' },
        format: { type: 'string', default: 'md' },
        lang: { type: 'string' },
        documents: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    });
    const t = messages[io.lang];
    const fail = (message: string) => {
      io.stderr.write(`kanmon compliance: ${message}\n\n${usage[io.lang]}\n`);
      return EXIT_USAGE;
    };
    if (values.preset === undefined && values.config === undefined) return fail(io.lang === 'ja' ? '--preset か --config が必要です' : '--preset or --config is required');
    const format = values.format;
    if (!isReportFormat(format)) return fail(t.format(String(format)));
    const lang = values.lang ?? io.lang;
    if (lang !== 'ja' && lang !== 'en') return fail(t.lang(lang));
    let documents: ClauseDocument[] | undefined;
    if (values.documents !== undefined) {
      const list = values.documents.split(',').map((d) => d.trim().toUpperCase()).filter(Boolean);
      const bad = list.find((d) => !isClauseDocument(d));
      if (bad !== undefined || list.length === 0) return fail(t.documents(bad ?? values.documents));
      documents = list as ClauseDocument[];
    }

    const policy = await policyFromFlags(values, io);
    const report = complianceReport(policy, { lang, ...(documents ? { documents } : {}) });
    const shown = ['kanmon compliance', ...(values.preset ? ['--preset', values.preset] : []), ...(values.config ? ['--config', values.config] : [])];
    shown.push('--format', format, '--lang', lang, ...(documents ? ['--documents', documents.join(',')] : []));
    io.stdout.write(renderComplianceReport(report, format, { command: shown.join(' ') }));
    if (report.weakened) {
      const ids = report.rows.filter((r) => r.verdict === 'weakened').map((r) => r.clause);
      io.stderr.write(`${t.weakened(ids.length)}: ${ids.join(', ')}\n`);
      return EXIT_FINDING;
    }
    return EXIT_OK;
  },
};
