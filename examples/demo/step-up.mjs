// Step-up in the demo (SEC-13, docs/step-up.md): the admin pages need a session that authenticated within
// policy.session.reauthMaxAgeSeconds. An older one is not refused with an error page: the adapter's
// requireRecentAuth guard sends the administrator to a page that asks for the password again
// (kanmon.reauthenticate, through the same lockout as a login), then back to where they were going.
import { html } from './html.mjs';
import { text } from './i18n.mjs';
import { layout } from './pages.mjs';

const csrfField = (ctx) => html`<input type="hidden" name="_csrf" value="${ctx.csrf}">`;

/**
 * Where to come back to after the step-up: the page asked for (GET), or for a form post (whose action is never
 * replayed) the same-origin page it was sent from. Only local paths under /admin; anything else is /admin.
 */
export function returnPath(req) {
  const local = (value) => (typeof value === 'string' && /^\/admin(?:[/?]|$)/.test(value) && !value.includes('//') ? value.slice(0, 512) : null);
  if (req.method === 'GET') return local(req.originalUrl) ?? '/admin';
  try {
    const referer = new URL(String(req.headers.referer ?? ''));
    if (referer.host === req.headers.host) return local(referer.pathname + referer.search) ?? '/admin';
  } catch {
    // no or bad Referer
  }
  return '/admin';
}

/** Send the browser to the password prompt, remembering (server-side) where it was going. */
export function askStepUp(req, res) {
  res.locals.flow.data.stepUpReturn = returnPath(req);
  res.redirect(303, '/reauth');
}

/**
 * Guard options for `requireRecentAuth`: `reauth_required` → the prompt; any other refusal (no session) → login.
 * @param {(res: import('express').Response, reply: { headers: Record<string, unknown> }) => void} forwardCookies
 */
export const stepUpRefusal = (forwardCookies) => ({
  onDenied: (req, res, reply) => {
    forwardCookies(res, reply);
    if (reply.code === 'reauth_required') return askStepUp(req, res);
    res.redirect(303, '/login');
  },
});

/**
 * GET/POST /reauth: the password prompt.
 * @param {import('express').Express} app
 */
export function mountStepUp(app, { kanmon, web, ctx, send, str, userOf }) {
  const t = (res) => text[res.locals.lang];
  const page = async (req, res, session, status = 200, error = null) =>
    send(res, status, layout(ctx(req, res, await userOf(session)), {
      title: t(res).stepUpTitle,
      body: html`${error ? html`<div class="alert" role="alert" id="step-up-error"><p>${error}</p></div>` : null}
<p id="step-up-lead">${t(res).stepUpLead(Math.round(kanmon.policy.session.reauthMaxAgeSeconds / 60))}</p>
<form method="post" action="/reauth" class="box">${csrfField(ctx(req, res))}
<label for="password">${t(res).password}</label><input type="password" id="password" name="password" autocomplete="current-password" required maxlength="1024">
<button type="submit">${t(res).stepUpButton}</button>
</form>
<p><a href="/">${t(res).stepUpCancel}</a></p>`,
    }));

  app.get('/reauth', async (req, res) => {
    const session = await web.session(req, res);
    if (!session) return res.redirect(303, '/login');
    await page(req, res, session);
  });

  app.post('/reauth', async (req, res) => {
    const session = await web.session(req, res);
    if (!session) return res.redirect(303, '/login');
    const result = await kanmon.reauthenticate({ session, password: str(req.body?.password), ...web.facts(req) });
    if (result.ok) {
      // A new session (new id, authTime now); the old one is logged out.
      web.setSession(res, result);
      const back = res.locals.flow.data.stepUpReturn ?? '/admin';
      delete res.locals.flow.data.stepUpReturn;
      res.locals.flow.data.notice = t(res).stepUpDone;
      return res.redirect(303, back);
    }
    if (typeof result.retryAfterMs === 'number') res.set('Retry-After', String(Math.max(1, Math.ceil(result.retryAfterMs / 1000))));
    switch (result.reason) {
      case 'invalid_credentials':
        return page(req, res, session, 401, t(res).wrongCurrent);
      case 'locked':
        return page(req, res, session, 423, t(res).stepUpLocked);
      case 'throttled':
      case 'unavailable':
        return page(req, res, session, result.reason === 'throttled' ? 429 : 503, t(res).throttled);
      default:
        // invalid_session: the session was revoked or already used for a step-up: sign in again.
        await web.logout(req, res);
        res.locals.flow.data.notice = t(res).sessionEnded;
        return res.redirect(303, '/login');
    }
  });
}
