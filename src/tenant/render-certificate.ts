import type { DeletionCertificate } from './certificate.js';

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const text = {
  ja: {
    title: 'データ削除証明書',
    lead: '下記のテナント（団体）のデータを kanmon により消去し、その鍵を破棄（暗号消去）したことを証明します。',
    tenant: 'テナント',
    purgedAt: '実施日時（日本時間）',
    actor: '実施者',
    counts: '削除件数',
    storeKeys: 'ストアの状態（ロックアウト・リプレイ防止・リカバリー・セッション等）',
    accounts: 'アカウント情報',
    keysDestroyed: '破棄した鍵',
    keys: '破棄した鍵 ID',
    none: 'なし',
    auditHead: '実施時点の監査ログの先頭',
    notes: '備考',
    certificate: '証明書 ID',
    signer: '署名鍵',
    signature: '署名',
    verify: '検証: kanmon tenant certificate verify <証明書.json> --public-key <運用者の公開鍵.pem>',
    unit: '件',
  },
  en: {
    title: 'Certificate of data deletion',
    lead: "This certifies that kanmon erased the tenant's data below and destroyed its keys (crypto-shredding).",
    tenant: 'Tenant',
    purgedAt: 'Performed at',
    actor: 'Performed by',
    counts: 'Deleted',
    storeKeys: 'Store state (lockout, replay guards, recovery, sessions, …)',
    accounts: 'Account records',
    keysDestroyed: 'Keys destroyed',
    keys: 'Destroyed key ids',
    none: 'none',
    auditHead: 'Audit-chain head at the time',
    notes: 'Notes',
    certificate: 'Certificate id',
    signer: 'Signing key',
    signature: 'Signature',
    verify: 'Verify: kanmon tenant certificate verify <certificate.json> --public-key <operator-public-key.pem>',
    unit: '',
  },
} as const;

/**
 * A printable HTML page of a deletion certificate (Japanese by default), one
 * self-contained document with its JSON embedded; the signed JSON remains the
 * proof, the page is its rendering.
 *
 * @example
 * ```ts
 * import { readFile, writeFile } from 'node:fs/promises';
 * import { type DeletionCertificate, renderDeletionCertificateHtml } from 'kanmon';
 * const signed = JSON.parse(await readFile('certificate.json', 'utf8')) as DeletionCertificate; // check it with verifyDeletionCertificate first
 * await writeFile('certificate.html', renderDeletionCertificateHtml(signed));
 * ```
 */
export function renderDeletionCertificateHtml(certificate: DeletionCertificate, options: { lang?: 'ja' | 'en' | undefined } = {}): string {
  const lang = options.lang ?? 'ja';
  const t = text[lang];
  const c = certificate;
  const row = (label: string, value: string) => `<tr><th scope="row">${escape(label)}</th><td>${value}</td></tr>`;
  const n = (count: number) => `${count.toLocaleString('ja-JP')}${t.unit}`;
  const head = c.auditHead ? `<code>${escape(`${c.auditHead.stream} #${c.auditHead.seq} ${c.auditHead.mac}`)}</code>` : t.none;
  const json = JSON.stringify(c, null, 2).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<title>${escape(t.title)}: ${escape(c.tenant)}</title>
<style>
  body { font-family: "Noto Sans CJK JP", "Noto Sans JP", "Hiragino Sans", "Yu Gothic", sans-serif; margin: 2.5rem auto; max-width: 46rem; color: #111; line-height: 1.6; }
  h1 { text-align: center; letter-spacing: 0.3em; border-bottom: 3px double #111; padding-bottom: 0.5rem; }
  table { width: 100%; border-collapse: collapse; margin: 1.5rem 0; }
  th, td { border: 1px solid #555; padding: 0.4rem 0.6rem; text-align: left; vertical-align: top; }
  th { background: #f0f0f0; width: 40%; font-weight: 600; }
  code { font-size: 0.8rem; word-break: break-all; }
  .small { font-size: 0.8rem; color: #333; }
  @media print { body { margin: 0; } details { display: none; } }
</style>
</head>
<body>
<h1>${escape(t.title)}</h1>
<p>${escape(t.lead)}</p>
<table>
${row(t.tenant, escape(c.tenant))}
${row(t.purgedAt, escape(c.purgedAt))}
${row(t.actor, escape(c.actor))}
</table>
<table>
<caption>${escape(t.counts)}</caption>
${row(t.storeKeys, n(c.counts.storeKeys))}
${row(t.accounts, n(c.counts.accounts))}
${row(t.keysDestroyed, n(c.counts.keysDestroyed))}
${row(t.keys, c.keysDestroyed.length > 0 ? c.keysDestroyed.map((k) => `<code>${escape(k)}</code>`).join('<br>') : t.none)}
</table>
<table>
${row(t.auditHead, head)}
${row(t.notes, c.notes.length > 0 ? c.notes.map(escape).join('<br>') : t.none)}
${row(t.certificate, `<code>${escape(c.id)}</code>`)}
${row(t.signer, `<code>${escape(`${c.signer.kid} (${c.signer.alg})`)}</code>`)}
${row(t.signature, `<code>${escape(c.signature)}</code>`)}
</table>
<p class="small">${escape(t.verify)}</p>
<details><summary>JSON</summary><pre><code>${escape(json)}</code></pre></details>
</body>
</html>
`;
}
