// The account inventory for administrators (RM-27 権限の割当一覧, SEC-12 / IPC-3 dormant accounts):
// kanmon.inventory lists every account with its roles, privilege, second factor, last login, password age,
// lock, disabled and dormant flags; 「休眠アカウントを無効化」 runs disableDormantAccounts (audited).
// Behind the admin guards, step-up included (web.requireAdmin).
import { html } from './html.mjs';
import { text } from './i18n.mjs';
import { formatJst, layout } from './pages.mjs';
import { askStepUp } from './step-up.mjs';

const csrfField = (ctx) => html`<input type="hidden" name="_csrf" value="${ctx.csrf}">`;

/**
 * @param {import('express').Express} app
 */
export function mountInventory(app, { kanmon, tenant, web, ctx, send, userOf }) {
  const t = (res) => text[res.locals.lang];

  app.get('/admin/inventory', ...web.requireAdmin, async (req, res) => {
    const c = ctx(req, res, await userOf(req.kanmon.session));
    const lang = res.locals.lang;
    const notice = res.locals.flow.data.notice ?? null;
    delete res.locals.flow.data.notice;
    const result = await kanmon.inventory({ tenant });
    if (!result.ok) {
      res.set('Retry-After', String(Math.max(1, Math.ceil(result.retryAfterMs / 1000))));
      return send(res, 503, layout(c, { title: t(res).inventoryTitle, body: html`<p class="alert" role="alert">${t(res).throttled}</p>` }));
    }
    const tx = t(res);
    const mfa = (m) => (m.status === 'totp' ? tx.inventoryTotp(m.recoveryCodesLeft) : html`<strong class="ng">${tx.inventoryNoMfa}</strong>`);
    const yes = (flag, word) => (flag ? html`<strong class="ng">${word}</strong>` : '—');
    const dormantCount = result.accounts.filter((a) => a.dormant && !a.disabled).length;
    send(res, 200, layout(c, {
      title: tx.inventoryTitle,
      wide: true,
      body: html`${notice ? html`<div class="notice" role="status"><p>${notice}</p></div>` : null}
<p id="inventory-lead">${tx.inventoryLead(formatJst(result.generatedAt, lang), result.dormantDays)}</p>
<table id="inventory"><thead><tr><th>${tx.username}</th><th>${tx.roles}</th><th>${tx.inventoryPrivileged}</th><th>${tx.navTotp}</th><th>${tx.inventoryLastLogin}</th>
<th>${tx.inventoryPasswordAge}</th><th>${tx.status}</th><th>${tx.inventoryDormant}</th></tr></thead><tbody>
${result.accounts.map(
  (a) => html`<tr data-user="${a.username}"><td>${a.username}</td><td>${a.roles.join(', ')}</td><td class="privileged">${a.privileged ? tx.inventoryYes : '—'}</td>
<td class="mfa">${mfa(a.mfa)}</td><td class="time last-login">${a.lastLoginAt === null ? tx.inventoryNever : html`${formatJst(a.lastLoginAt, lang)}<br>${a.lastLoginIp ?? ''}`}</td>
<td>${tx.inventoryDays(a.passwordAgeDays)}</td><td class="status">${a.disabled ? html`<strong class="ng">${tx.statusDisabled}</strong>` : a.locked ? html`<strong class="ng">${tx.statusLocked}</strong>` : tx.statusActive}</td>
<td class="dormant">${yes(a.dormant, tx.inventoryDormantYes(a.idleDays))}</td></tr>`,
)}
</tbody></table>
${dormantCount > 0 ? html`<form method="post" action="/admin/inventory/disable-dormant" class="box" id="disable-dormant">${csrfField(c)}<p>${tx.disableDormantLead(dormantCount)}</p><button type="submit">${tx.disableDormant}</button></form>` : null}
<p><a href="/admin">${tx.navAdmin}</a></p>`,
    }));
  });

  app.post('/admin/inventory/disable-dormant', ...web.requireAdmin, async (req, res) => {
    const session = req.kanmon.session;
    const result = await kanmon.disableDormantAccounts({ tenant, actor: session.subject, actorSession: session, ...web.adminFacts(req) });
    if (!result.ok && result.reason === 'reauth_required') return askStepUp(req, res);
    res.locals.flow.data.notice = result.ok ? t(res).dormantDisabled(result.disabled.length) : t(res).serverError;
    res.redirect(303, '/admin/inventory');
  });
}
