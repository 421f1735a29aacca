// The demo's pages: server-rendered, escaped by construction (html.mjs), no
// external assets (styles and the one script are inline under a CSP nonce).
import { html, trusted } from './html.mjs';
import { text } from './i18n.mjs';

const style = `
:root{--blue:#00508c;--red:#b00020;--green:#0a6b2d}
body{font-family:"IPAPGothic","IPAexGothic","Hiragino Sans","Noto Sans CJK JP","Yu Gothic",system-ui,sans-serif;max-width:52rem;margin:0 auto;padding:0 1rem 3rem;color:#1a1a1a;line-height:1.7}
header{display:flex;justify-content:space-between;align-items:center;gap:1rem;border-bottom:3px solid var(--blue);padding:.6rem 0;margin-bottom:1rem;flex-wrap:wrap}
header .site{font-weight:700;color:var(--blue);text-decoration:none;font-size:1.1rem}
header nav{display:flex;gap:.8rem;align-items:center;flex-wrap:wrap}
header form,form.inline{margin:0;display:inline}
.dev{background:#fff4d6;border:1px solid #e0b84a;padding:.4rem .8rem;font-size:.85rem;border-radius:4px}
h1{font-size:1.5rem;margin:.8rem 0}
h2{font-size:1.15rem;margin-top:1.6rem;border-left:5px solid var(--blue);padding-left:.5rem}
label{display:block;margin-top:.8rem;font-weight:600}
input[type=text],input[type=password]{font-size:1rem;padding:.4rem;width:100%;max-width:26rem;box-sizing:border-box}
button{margin-top:1rem;font-size:1rem;padding:.45rem 1.3rem;background:var(--blue);color:#fff;border:0;border-radius:4px;cursor:pointer}
button.link{background:none;color:var(--blue);padding:0;margin:0;text-decoration:underline}
button.small{margin:0 .3rem 0 0;padding:.2rem .7rem;font-size:.85rem}
.ok{color:var(--green)}.ng{color:var(--red)}
form.box button{display:block}
.secret{display:inline-block}
.box{border:1px solid #ccc;border-radius:6px;padding:.8rem 1rem;margin:1rem 0}
.alert{border-left:5px solid var(--red);background:#fdecee;padding:.6rem 1rem}
.notice{border-left:5px solid var(--green);background:#eaf6ee;padding:.6rem 1rem}
.secret{font-family:monospace;font-size:1.05rem;letter-spacing:.1em;word-break:break-all;background:#f3f3f3;padding:.3rem .5rem}
.qr svg{width:220px;height:220px}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{border:1px solid #ccc;padding:.25rem .45rem;text-align:left;vertical-align:top}
th{background:#eef3f8}
td.time{white-space:nowrap}
body.wide{max-width:72rem}
ul.codes{columns:2;font-family:monospace}
`;

/** `2026/11/23 19:05:03` in Japan time, whatever the server's zone. */
export function formatJst(ms, lang) {
  return new Intl.DateTimeFormat(lang === 'en' ? 'en-GB' : 'ja-JP', {
    timeZone: 'Asia/Tokyo',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
  }).format(new Date(ms));
}

const csrfField = (ctx) => html`<input type="hidden" name="_csrf" value="${ctx.csrf}">`;

/**
 * The frame of every page.
 * @param {{ lang: 'ja'|'en', csrf: string, nonce: string, path: string, user?: { username: string, roles: readonly string[] } | null, devMode: boolean }} ctx
 */
export function layout(ctx, { title, body, script = null, wide = false }) {
  const t = text[ctx.lang];
  const other = ctx.lang === 'ja' ? 'en' : 'ja';
  const switchHref = `${ctx.path}${ctx.path.includes('?') ? '&' : '?'}lang=${other}`;
  const nav = ctx.user
    ? html`<a href="/">${t.navHome}</a><a href="/password">${t.navPassword}</a><a href="/mfa/enroll">${t.navTotp}</a><a href="/sessions">${t.navSessions}</a>${
        ctx.user.roles.includes('admin') ? html`<a href="/admin">${t.navAdmin}</a>` : null
      }<a href="/compliance">${t.navCompliance}</a><form method="post" action="/logout">${csrfField(ctx)}<button class="link" type="submit">${t.logout}</button></form>`
    : html`<a href="/compliance">${t.navCompliance}</a>`;
  return html`<!doctype html>
<html lang="${ctx.lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title} | ${t.siteTitle}</title>
<style nonce="${ctx.nonce}">${trusted(style)}</style></head>
<body${wide ? html` class="wide"` : null}><header><a class="site" href="/">${t.siteTitle}</a><nav>${nav}<a id="lang-switch" href="${switchHref}" hreflang="${other}" lang="${other}">${t.switchLang}</a></nav></header>
${ctx.devMode ? html`<p class="dev" role="note">${t.devNotice}</p>` : null}
<main><h1>${title}</h1>
${body}</main>
${script ? html`<script nonce="${ctx.nonce}">${trusted(script)}</script>` : null}
</body></html>`.text;
}

const messages = (list, cls) => (list.length ? html`<div class="${cls}" role="${cls === 'alert' ? 'alert' : 'status'}">${list.map((m) => html`<p>${m}</p>`)}</div>` : null);

export function loginPage(ctx, { username = '', error = null, notice = null }) {
  const t = text[ctx.lang];
  return layout(ctx, {
    title: t.loginTitle,
    body: html`<p>${t.loginLead}</p>
${messages(notice ? [notice] : [], 'notice')}${messages(error ? [error] : [], 'alert')}
<form method="post" action="/login" class="box">${csrfField(ctx)}
<label for="username">${t.username}</label><input type="text" id="username" name="username" autocomplete="username" required maxlength="128" value="${username}">
<label for="password">${t.password}</label><input type="password" id="password" name="password" autocomplete="current-password" required maxlength="1024">
<button type="submit">${t.loginButton}</button>
</form>
<p><a id="forgot-link" href="/password/forgot">${t.forgotLink}</a></p>${ctx.passkeys ? html`<p><a id="passkey-login-link" href="/passkey/login">${ctx.lang === 'ja' ? 'パスキーでサインイン' : 'Sign in with a passkey'}</a></p>` : null}`,
  });
}

export function lockedPage(ctx, { maxFailures, retryAt }) {
  const t = text[ctx.lang];
  return layout(ctx, {
    title: t.lockedTitle,
    body: html`<div class="alert" role="alert" id="locked"><p>${t.lockedLead(maxFailures)}</p>
<p>${retryAt === null ? t.lockedAdmin : t.lockedUntil(formatJst(retryAt, ctx.lang))}</p></div>
<p>${t.lockedNote}</p>
<p><a href="/login">${t.backToLogin}</a></p>`,
  });
}

// Live hints: the rules from describePolicy, then what checkPassword says about
// the typed password, fetched from /api/check-password as the user types.
const liveScript = `
(() => {
  const input = document.getElementById('new-password');
  const out = document.getElementById('live-issues');
  const status = document.getElementById('live-status');
  const form = input.form;
  let timer = null, seq = 0;
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const mine = ++seq;
      const res = await fetch('/api/check-password', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': form.elements._csrf.value },
        body: JSON.stringify({ password: input.value, lang: document.documentElement.lang }),
      });
      if (mine !== seq) return;
      const body = await res.json();
      out.replaceChildren(...body.issues.map((i) => { const li = document.createElement('li'); li.textContent = i.message; return li; }));
      status.textContent = input.value === '' ? status.dataset.waiting : body.ok ? status.dataset.ok : status.dataset.ng;
      status.className = input.value === '' ? '' : body.ok ? 'ok' : 'ng';
    }, 120);
  });
})();`;

export function passwordPage(ctx, { reason, forced, rules, issues = [], error = null, notice = null }) {
  const t = text[ctx.lang];
  return layout(ctx, {
    title: t.changeTitle,
    body: html`<p class="${forced ? 'alert' : ''}" id="change-reason">${t.changeReason[reason] ?? t.changeReason.voluntary}</p>
${messages(notice ? [notice] : [], 'notice')}
${error || issues.length ? html`<div class="alert" role="alert" id="refused"><p>${error ?? t.refused}</p>${issues.length ? html`<ul>${issues.map((i) => html`<li>${i}</li>`)}</ul>` : null}</div>` : null}
<form method="post" action="/password" class="box">${csrfField(ctx)}
<label for="current-password">${t.currentPassword}</label><input type="password" id="current-password" name="current" autocomplete="current-password" required maxlength="1024">
<label for="new-password">${t.newPassword}</label><input type="password" id="new-password" name="password" autocomplete="new-password" required maxlength="1024" aria-describedby="rules live">
<label for="confirm-password">${t.confirmPassword}</label><input type="password" id="confirm-password" name="confirm" autocomplete="new-password" required maxlength="1024">
<button type="submit">${t.changeButton}</button>
</form>
<section id="live" aria-live="polite"><h2>${t.liveTitle}</h2>
<p id="live-status" data-waiting="${t.liveWaiting}" data-ok="${t.liveOk}" data-ng="${t.refused}">${t.liveWaiting}</p><ul id="live-issues" class="ng"></ul></section>
<section><h2>${t.rulesTitle}</h2><ul id="rules">${rules.map((r) => html`<li>${r}</li>`)}</ul></section>`,
    script: liveScript,
  });
}

export function enrollPage(ctx, { required, qrSvg, secret, error = null }) {
  const t = text[ctx.lang];
  return layout(ctx, {
    title: t.totpTitle,
    body: html`${required ? html`<p class="notice">${t.totpRequired}</p>` : null}
${messages(error ? [error] : [], 'alert')}
<p>${t.totpLead}</p>
<div class="qr" id="qr">${trusted(qrSvg)}</div>
<p>${t.totpManual}: <span class="secret" id="totp-secret">${secret}</span></p>
<form method="post" action="/mfa/enroll" class="box">${csrfField(ctx)}
<label for="code">${t.totpCode}</label><input type="text" id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6,8}" required maxlength="8">
<button type="submit">${t.totpButton}</button>
</form>`,
  });
}

export function recoveryPage(ctx, { codes, next }) {
  const t = text[ctx.lang];
  return layout(ctx, {
    title: t.recoveryTitle,
    body: html`<p class="notice" role="status">${t.totpDone}</p>
${codes.length ? html`<p>${t.recoveryLead}</p><ul class="codes" id="recovery-codes">${codes.map((c) => html`<li>${c}</li>`)}</ul>` : null}
<p><a href="${next}" id="continue">${t.continue}</a></p>`,
  });
}

export function mfaPage(ctx, { error = null }) {
  const t = text[ctx.lang];
  return layout(ctx, {
    title: t.mfaTitle,
    body: html`${messages(error ? [error] : [], 'alert')}<p>${t.mfaLead}</p>
<form method="post" action="/mfa" class="box">${csrfField(ctx)}
<label for="code">${t.mfaCode}</label><input type="text" id="code" name="code" autocomplete="one-time-code" required maxlength="32">
<button type="submit">${t.mfaButton}</button>
</form>${ctx.passkeys ? html`<p><a id="passkey-mfa-link" href="/passkey/mfa">${ctx.lang === 'ja' ? 'パスキーで確認' : 'Confirm with a passkey'}</a></p>` : null}`,
  });
}

export function homePage(ctx, { session, notices, previous = [] }) {
  const t = text[ctx.lang];
  return layout(ctx, {
    title: t.homeTitle(ctx.user.username),
    body: html`${messages(notices, 'notice')}${previous.length ? html`<div class="box" id="previous-login">${previous.map((p) => html`<p>${p}</p>`)}</div>` : null}
<h2>${t.sessionInfo}</h2>
<table id="session"><tbody>
<tr><th>${t.authMethods}</th><td>${session.amr.join(', ')}</td></tr>
<tr><th>${t.roles}</th><td>${session.roles.join(', ')}</td></tr>
<tr><th>${t.authTime}</th><td>${formatJst(session.authTime, ctx.lang)}</td></tr>
<tr><th>${t.idleExpires}</th><td>${formatJst(session.idleExpiresAt, ctx.lang)}</td></tr>
<tr><th>${t.absoluteExpires}</th><td>${formatJst(session.absoluteExpiresAt, ctx.lang)}</td></tr>
</tbody></table>`,
  });
}

/**
 * The administration page: the accounts table and the audit panel come as kanmon's view models
 * (`adminView.accounts`, `adminView.auditVerification`); this only turns them into HTML.
 * @param {{ accounts: import('../../dist/index.js').AdminAccountsView, audit: import('../../dist/index.js').AdminAuditView & { dir: string },
 *   events: import('../../dist/index.js').AuditRecord[], notice?: string | null, oneTime?: { username: string, password: string } | null }} data
 */
export function adminPage(ctx, { accounts, audit, events, notice = null, oneTime = null }) {
  const t = text[ctx.lang];
  // Audit records name accounts by id; show the login name beside it.
  const names = new Map(accounts.rows.map((a) => [a.accountId, a.username]));
  const who = (id) => (id === null || id === undefined ? '' : names.has(id) ? names.get(id) : id);
  const routes = { unlock: '/admin/unlock', reset_password: '/admin/reset', reset_mfa: '/admin/mfa-reset' };
  const action = (a) =>
    html`<form method="post" action="${routes[a.kind]}" class="inline">${csrfField(ctx)}<input type="hidden" name="id" value="${a.accountId}"><button class="small" type="submit">${a.label}</button></form>`;
  return layout(ctx, {
    title: t.adminTitle,
    wide: true,
    body: html`${messages(notice ? [notice] : [], 'notice')}
<p><a id="inventory-link" href="/admin/inventory">${t.navInventory}</a></p>
${oneTime ? html`<div class="box" id="one-time"><p>${t.oneTimePassword}</p><p><span class="secret">${oneTime.password}</span></p></div>` : null}
<h2>${accounts.title}</h2>
<table id="accounts"><thead><tr>${accounts.columns.map((c) => html`<th>${c.label}</th>`)}</tr></thead><tbody>
${accounts.rows.map(
  (a) => html`<tr data-user="${a.username}"><td>${a.username}</td><td>${a.roles.join(', ')}</td>
<td class="status">${a.status.alert && a.status.code === 'locked' ? html`<strong class="ng">${a.status.label}</strong>` : a.status.label}${a.mustChange ? html` / ${a.mustChange}` : null} / ${a.secondFactor.label}</td>
<td>${a.actions.map(action)}</td></tr>`,
)}
</tbody></table>
<h2>${audit.title}</h2>
<p id="audit-status" class="${audit.ok ? 'ok' : 'ng'}">${audit.message}</p>
${audit.shredded.map((range) => html`<p class="shredded">${range.message}</p>`)}
<p>${t.auditFile}: <code>${audit.dir}</code></p>
<h2>${t.lastEvents}</h2>
<table id="events"><thead><tr><th>${t.time}</th><th>${t.event}</th><th>${t.actor}</th><th>${t.target}</th><th>${t.outcome}</th><th>${t.reason}</th></tr></thead><tbody>
${events.map(
  (e) => html`<tr><td class="time">${formatJst(e.ts, ctx.lang)}</td><td>${e.type}</td><td>${who(e.actor)}</td><td>${who(e.target)}</td><td>${e.outcome}</td><td>${e.reason ?? ''}</td></tr>`,
)}
</tbody></table>`,
  });
}

export function messagePage(ctx, { title, message }) {
  return layout(ctx, { title, body: html`<p class="alert" role="alert">${message}</p><p><a href="/">${text[ctx.lang].navHome}</a></p>` });
}
