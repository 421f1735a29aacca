// The demo app: a plain Express 5 app that uses kanmon's controls the way a
// vendor back-end would. Pages are Japanese first, with an English switch.
import express from 'express';
import { checkPassword, complianceReport, definePolicy, describePolicy, formatIssue, renderComplianceReport } from '../../dist/index.js';

const text = {
  ja: {
    title: 'kanmon デモ',
    lead: '自治体向けサービスの認証要件（船橋市外部サービス選定基準・仕様書セキュリティ要件）を満たす設定で動いています。',
    signup: 'パスワードの確認',
    username: 'ユーザー名',
    password: 'パスワード',
    rules: 'パスワードの条件',
    check: '確認する',
    ok: 'このパスワードは条件を満たしています。',
    ng: 'このパスワードは使えません。',
    other: 'English',
    compliance: '適合状況レポート（監査担当者向け）を見る',
  },
  en: {
    title: 'kanmon demo',
    lead: 'Running with the settings a Japanese city demands (Funabashi selection criteria and the procurement security appendix).',
    signup: 'Check a password',
    username: 'Username',
    password: 'Password',
    rules: 'Password rules',
    check: 'Check',
    ok: 'This password meets every rule.',
    ng: 'This password cannot be used.',
    other: '日本語',
    compliance: 'Compliance report (for auditors)',
  },
};

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

function page(lang, body) {
  const t = text[lang];
  const otherLang = lang === 'ja' ? 'en' : 'ja';
  return `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${t.title}</title>
<style>
body{font-family:system-ui,"Hiragino Sans","Noto Sans CJK JP","Yu Gothic",sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a;line-height:1.7}
h1{font-size:1.5rem;border-bottom:3px solid #00508c;padding-bottom:.3rem}
label{display:block;margin-top:.8rem;font-weight:600}
input{font-size:1rem;padding:.4rem;width:100%;box-sizing:border-box}
button{margin-top:1rem;font-size:1rem;padding:.5rem 1.4rem;background:#00508c;color:#fff;border:0;border-radius:4px}
.ok{color:#0a6b2d}.ng{color:#b00020}
nav{text-align:right}
</style></head>
<body><nav><a href="?lang=${otherLang}" hreflang="${otherLang}">${t.other}</a></nav>
<h1>${t.title}</h1>
${body}
</body></html>`;
}

/**
 * Build the demo app. `now` is injected like everywhere in kanmon.
 * @returns {Promise<{ app: import('express').Express, banner: string }>}
 */
export async function createDemoApp({ now }) {
  void now;
  const policy = definePolicy('funabashi', { password: { contextWords: ['kanmon', '関門', 'funabashi', '船橋'] } });
  const app = express();
  app.disable('x-powered-by');
  app.use(express.urlencoded({ extended: false, limit: '8kb' }));
  app.use(express.json({ limit: '8kb' }));

  const langOf = (req) => (req.query.lang === 'en' ? 'en' : req.query.lang === 'ja' ? 'ja' : req.acceptsLanguages('ja', 'en') === 'en' ? 'en' : 'ja');

  const form = (lang, result, username = '') => {
    const t = text[lang];
    const rules = describePolicy(policy, lang).map((r) => `<li>${escape(r)}</li>`).join('');
    const outcome = !result
      ? ''
      : result.ok
        ? `<p class="ok" role="status">${t.ok}</p>`
        : `<div class="ng" role="alert"><p>${t.ng}</p><ul>${result.issues.map((i) => `<li>${escape(formatIssue(i, lang))}</li>`).join('')}</ul></div>`;
    return page(
      lang,
      `<p>${t.lead}</p>
<h2>${t.signup}</h2>
<form method="post" action="/password?lang=${lang}">
<label for="username">${t.username}</label><input id="username" name="username" autocomplete="username" value="${escape(username)}">
<label for="password">${t.password}</label><input id="password" name="password" type="password" autocomplete="new-password">
<button type="submit">${t.check}</button>
</form>
${outcome}
<h3>${t.rules}</h3><ul id="rules">${rules}</ul>
<p><a href="/compliance?lang=${lang}">${t.compliance}</a></p>`,
    );
  };

  app.get('/', (req, res) => res.type('html').send(form(langOf(req))));
  app.post('/password', (req, res) => {
    const lang = langOf(req);
    const username = typeof req.body?.username === 'string' ? req.body.username.slice(0, 128) : '';
    const result = checkPassword(req.body?.password, policy, { username });
    res.status(result.ok ? 200 : 422).type('html').send(form(lang, result, username));
  });
  // The compliance report of the policy this app runs with: what an auditor reads.
  app.get('/compliance', (req, res) => {
    const lang = langOf(req);
    res.type('html').send(renderComplianceReport(complianceReport(policy, { lang }), 'html'));
  });
  app.post('/api/check-password', (req, res) => {
    const lang = langOf(req);
    const result = checkPassword(req.body?.password, policy, { username: String(req.body?.username ?? '') });
    res.status(result.ok ? 200 : 422).json({ ok: result.ok, issues: result.issues.map((i) => ({ ...i, message: formatIssue(i, lang) })) });
  });

  return { app, banner: `policy: funabashi (min ${policy.password.minLength} chars, ${policy.password.requiredClasses.join('+')})` };
}
