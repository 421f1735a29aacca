// 「ログイン中の端末」: the user's own live sessions (kanmon.listSessions: device label from the User-Agent,
// client address, login time, last activity, methods), "log this one out" (revokeSession) and "log out
// every other device" (revokeOtherSessions). A revoked session is refused at its next request.
import { html } from './html.mjs';
import { text } from './i18n.mjs';
import { formatJst, layout } from './pages.mjs';

const csrfField = (ctx) => html`<input type="hidden" name="_csrf" value="${ctx.csrf}">`;

/**
 * The previous-logon line a login answer carries (`previousLogin`, `failuresSinceLastLogin`), as notices.
 * @returns {string[]}
 */
export function previousLoginLines(result, lang) {
  const t = text[lang];
  if (result.previousLogin === undefined) return [];
  const lines = [result.previousLogin === null ? t.firstLogin : t.previousLogin(formatJst(result.previousLogin.at, lang), result.previousLogin.ip ?? t.unknownAddress)];
  if (result.failuresSinceLastLogin > 0) lines.push(t.failuresSince(result.failuresSinceLastLogin));
  return lines;
}

/**
 * @param {import('express').Express} app
 */
export function mountSessions(app, { kanmon, web, ctx, send, str, userOf }) {
  const t = (res) => text[res.locals.lang];
  const takeNotice = (res) => {
    const notice = res.locals.flow.data.notice ?? null;
    delete res.locals.flow.data.notice;
    return notice;
  };

  app.get('/sessions', async (req, res) => {
    const session = await web.session(req, res);
    if (!session) return res.redirect(303, '/login');
    const listed = await kanmon.listSessions({ session, ...web.facts(req) });
    const c = ctx(req, res, await userOf(session));
    const lang = res.locals.lang;
    const notice = takeNotice(res);
    if (!listed.ok) {
      res.set('Retry-After', String(Math.max(1, Math.ceil(listed.retryAfterMs / 1000))));
      return send(res, 503, layout(c, { title: t(res).sessionsTitle, body: html`<p class="alert" role="alert">${t(res).throttled}</p>` }));
    }
    const others = listed.sessions.filter((s) => !s.current).length;
    send(res, 200, layout(c, {
      title: t(res).sessionsTitle,
      wide: true,
      body: html`${notice ? html`<div class="notice" role="status"><p>${notice}</p></div>` : null}
<p>${t(res).sessionsLead}</p>
<table id="sessions"><thead><tr><th>${t(res).device}</th><th>${t(res).clientIp}</th><th>${t(res).loggedInAt}</th><th>${t(res).lastSeenAt}</th><th>${t(res).authMethods}</th><th></th></tr></thead><tbody>
${listed.sessions.map(
  (s) => html`<tr data-session="${s.sessionId}"${s.current ? html` class="current"` : null}><td class="device">${s.device}${s.current ? html` <strong>（${t(res).thisDevice}）</strong>` : null}</td>
<td>${s.clientIp ?? t(res).unknownAddress}</td><td class="time">${formatJst(s.createdAt, lang)}</td><td class="time">${formatJst(s.lastSeenAt, lang)}</td><td>${s.amr.join(', ')}</td>
<td>${s.current ? null : html`<form method="post" action="/sessions/revoke" class="inline">${csrfField(c)}<input type="hidden" name="id" value="${s.sessionId}"><button class="small" type="submit">${t(res).revokeOne}</button></form>`}</td></tr>`,
)}
</tbody></table>
${others > 0 ? html`<form method="post" action="/sessions/revoke-others" class="box" id="revoke-others">${csrfField(c)}<p>${t(res).revokeOthersLead}</p><button type="submit">${t(res).revokeOthers}</button></form>` : null}`,
    }));
  });

  app.post('/sessions/revoke', async (req, res) => {
    const session = await web.session(req, res);
    if (!session) return res.redirect(303, '/login');
    const result = await kanmon.revokeSession({ session, sessionId: str(req.body?.id, 128), ...web.facts(req) });
    res.locals.flow.data.notice = result.ok ? t(res).revokedOne : result.reason === 'not_found' ? t(res).sessionNotFound : t(res).throttled;
    res.redirect(303, '/sessions');
  });

  app.post('/sessions/revoke-others', async (req, res) => {
    const session = await web.session(req, res);
    if (!session) return res.redirect(303, '/login');
    const result = await kanmon.revokeOtherSessions({ session, ...web.facts(req) });
    res.locals.flow.data.notice = result.ok ? t(res).revokedOthers(result.revoked) : t(res).throttled;
    res.redirect(303, '/sessions');
  });
}
