// The account inventory for administrators (RM-27 権限の割当一覧, SEC-12 / IPC-3 dormant accounts):
// kanmon.inventory lists every account with its roles, privilege, second factor, last login, password age,
// lock, disabled and dormant flags; 「休眠アカウントを無効化」 runs disableDormantAccounts (audited).
// Behind the admin guards, step-up included (web.requireAdmin).
import { adminView } from '../../dist/index.js';
import { html } from './html.mjs';
import { text } from './i18n.mjs';
import { layout } from './pages.mjs';
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
    // kanmon's view model of the inventory (adminView.inventory): labels, rows, statuses and the page action.
    const view = adminView.inventory(result, { lang });
    const ng = (word) => html`<strong class="ng">${word}</strong>`;
    send(res, 200, layout(c, {
      title: view.title,
      wide: true,
      body: html`${notice ? html`<div class="notice" role="status"><p>${notice}</p></div>` : null}
<p id="inventory-lead">${view.lead}</p>
<table id="inventory"><thead><tr>${view.columns.map((col) => html`<th>${col.label}</th>`)}</tr></thead><tbody>
${view.rows.map(
  (a) => html`<tr data-user="${a.username}"><td>${a.username}</td><td>${a.roles.join(', ')}</td><td class="privileged">${a.privileged ?? '—'}</td>
<td class="mfa">${a.secondFactor.alert ? ng(a.secondFactor.label) : a.secondFactor.label}</td><td class="time last-login">${a.lastLogin === null ? view.neverLabel : html`${a.lastLogin.text}<br>${a.lastLogin.ip ?? ''}`}</td>
<td>${a.passwordAge.label}</td><td class="status">${a.status.alert ? ng(a.status.label) : a.status.label}</td>
<td class="dormant">${a.dormant === null ? '—' : ng(a.dormant.label)}</td></tr>`,
)}
</tbody></table>
${view.disableDormant ? html`<form method="post" action="/admin/inventory/disable-dormant" class="box" id="disable-dormant">${csrfField(c)}<p>${view.disableDormant.lead}</p><button type="submit">${view.disableDormant.label}</button></form>` : null}
<p><a href="/admin">${t(res).navAdmin}</a></p>`,
    }));
  });

  app.post('/admin/inventory/disable-dormant', ...web.requireAdmin, async (req, res) => {
    const session = req.kanmon.session;
    const result = await kanmon.disableDormantAccounts({ tenant, actor: session.subject, actorSession: session, ...web.adminFacts(req) });
    if (!result.ok && result.reason === 'reauth_required') return askStepUp(req, res);
    res.locals.flow.data.notice = adminView.outcome('disable_dormant', result, { lang: res.locals.lang }).message;
    res.redirect(303, '/admin/inventory');
  });
}
