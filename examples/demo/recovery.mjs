// Account recovery in the demo: 「パスワードを忘れた場合」 (kanmon's self-service reset, with a second factor
// asked for when the account has one) and the administrator's "reset second factor" (a lost phone).
//
// kanmon never sends mail: the application's `deliver` callback gets the token. Here the "mail" is printed
// on the console and kept for the demo-only mailbox page (/demo/mailbox). A real deployment sends it to the
// account's address of record and never prints or logs the token.
import { html } from './html.mjs';
import { text } from './i18n.mjs';
import { formatJst, layout } from './pages.mjs';
import { askStepUp } from './step-up.mjs';

const csrfField = (ctx) => html`<input type="hidden" name="_csrf" value="${ctx.csrf}">`;
const alert = (list) => (list.length ? html`<div class="alert" role="alert">${list.map((m) => html`<p>${m}</p>`)}</div>` : null);

/**
 * The demo's "mail": `deliver` for createKanmon's `recovery` option, and the mailbox it fills (newest first).
 * @param {{ accounts: { findById(tenant: string, id: string): Promise<{ username: string } | null> }, print?: (line: string) => void }} options
 */
export function createDemoMailbox({ accounts, print }) {
  const write = print ?? ((line) => process.stdout.write(`${line}\n`));
  /** @type {{ to: string, link: string, expiresAt: number, lang: string }[]} */
  const mails = [];
  return {
    mails,
    async deliver({ tenant, accountId, token, expiresAt, lang }) {
      const account = await accounts.findById(tenant, accountId);
      const mail = { to: account?.username ?? accountId, link: `/password/reset?token=${encodeURIComponent(token)}`, expiresAt, lang };
      mails.unshift(mail);
      if (mails.length > 50) mails.pop();
      // DEMO ONLY: a real application mails this and never prints it.
      write(`[デモ用メール / demo mail] to ${mail.to}: ${mail.link} (${formatJst(expiresAt, lang)} まで / until)`);
    },
  };
}

/**
 * The recovery pages and the admin's second-factor reset, on the demo app.
 * @param {import('express').Express} app
 */
export function mountRecovery(app, { kanmon, tenant, web, accounts, mailbox, ctx, send, str, describe, formatIssue }) {
  const t = (res) => text[res.locals.lang];
  const page = (req, res, status, title, body) => send(res, status, layout(ctx(req, res), { title, body }));
  const forgotForm = (req, res, status = 200, error = null) =>
    page(req, res, status, t(res).forgotTitle, html`${alert(error ? [error] : [])}<p>${t(res).forgotLead}</p>
<form method="post" action="/password/forgot" class="box">${csrfField(ctx(req, res))}
<label for="username">${t(res).username}</label><input type="text" id="username" name="username" autocomplete="username" required maxlength="128">
<button type="submit">${t(res).forgotButton}</button></form>`);
  const resetForm = (req, res, status = 200, errors = []) =>
    page(req, res, status, t(res).resetTitle, html`${alert(errors)}<ul>${describe(res.locals.lang).map((r) => html`<li>${r}</li>`)}</ul>
<form method="post" action="/password/reset" class="box">${csrfField(ctx(req, res))}
<label for="new-password">${t(res).newPassword}</label><input type="password" id="new-password" name="password" autocomplete="new-password" required maxlength="1024">
<label for="confirm-password">${t(res).confirmPassword}</label><input type="password" id="confirm-password" name="confirm" autocomplete="new-password" required maxlength="1024">
<button type="submit">${t(res).resetButton}</button></form>`);
  const codeForm = (req, res, status = 200, error = null) =>
    page(req, res, status, t(res).mfaTitle, html`${alert(error ? [error] : [])}<p id="reset-mfa-lead">${t(res).resetMfaLead}</p>
<form method="post" action="/password/reset/mfa" class="box">${csrfField(ctx(req, res))}
<label for="code">${t(res).mfaCode}</label><input type="text" id="code" name="code" autocomplete="one-time-code" required maxlength="32">
<button type="submit">${t(res).mfaButton}</button></form>`);
  const retry = (res, ms) => typeof ms === 'number' && res.set('Retry-After', String(Math.max(1, Math.ceil(ms / 1000))));
  const message = (req, res, status, msg) => page(req, res, status, t(res).resetTitle, html`<p class="alert" role="alert">${msg}</p><p><a href="/password/forgot">${t(res).forgotTitle}</a></p>`);

  app.get('/password/forgot', (req, res) => forgotForm(req, res));

  app.post('/password/forgot', async (req, res) => {
    const result = await kanmon.requestPasswordReset({ tenant, username: str(req.body?.username, 128), lang: res.locals.lang, ...web.facts(req) });
    if (result.ok) {
      // The same page whether the account exists or not.
      return page(req, res, 200, t(res).forgotTitle, html`<p class="notice" id="reset-sent" role="status">${t(res).resetSent}</p><p class="dev">${t(res).mailboxHint} <a id="mailbox-link" href="/demo/mailbox">/demo/mailbox</a></p>`);
    }
    retry(res, result.retryAfterMs);
    if (result.reason === 'throttled' || result.reason === 'unavailable') return forgotForm(req, res, result.reason === 'throttled' ? 429 : 503, t(res).throttled);
    return forgotForm(req, res, result.reason === 'invalid_request' ? 400 : 403, t(res).resetUnavailable);
  });

  // DEMO ONLY: the mails `deliver` was given, so the journey can be walked without a mail server.
  app.get('/demo/mailbox', (req, res) =>
    page(req, res, 200, t(res).mailboxTitle, html`<p class="dev">${t(res).mailboxLead}</p>
<table id="mailbox"><thead><tr><th>${t(res).mailTo}</th><th>${t(res).mailLink}</th><th>${t(res).mailUntil}</th></tr></thead><tbody>
${mailbox.mails.map((m) => html`<tr><td>${m.to}</td><td><a class="reset-link" href="${m.link}">${m.link.slice(0, 40)}…</a></td><td>${formatJst(m.expiresAt, res.locals.lang)}</td></tr>`)}
</tbody></table>`),
  );

  // The link of the mail: the token moves to this browser's server-side state and leaves the address bar.
  app.get('/password/reset', (req, res) => {
    if (typeof req.query.token === 'string') {
      res.locals.flow.data = { stage: 'reset', resetToken: req.query.token.slice(0, 256) };
      return res.redirect(303, '/password/reset');
    }
    if (res.locals.flow.data.stage !== 'reset') return res.redirect(303, '/password/forgot');
    resetForm(req, res);
  });

  /** The reset's answer: changed (to the login page), a second factor to ask for, or a refusal. */
  const settle = (req, res, result, again) => {
    const flow = res.locals.flow;
    if (result.status === 'changed') {
      flow.data = { notice: t(res).resetChanged };
      return res.redirect(303, '/login');
    }
    if (result.status === 'mfa_required') {
      // Held server-side for the code step only (never sent back to the browser).
      flow.data = { ...flow.data, stage: 'reset-mfa', challenge: result.challenge };
      return res.redirect(303, '/password/reset/mfa');
    }
    retry(res, result.retryAfterMs);
    switch (result.reason) {
      case 'policy':
        return again(422, (result.issues ?? []).map((i) => formatIssue(i, res.locals.lang)));
      case 'reused':
        return again(422, [t(res).inHistory]);
      case 'invalid_code':
      case 'replayed':
      case 'already_used':
        return again(401, [t(res).invalidCode]);
      case 'locked':
        return again(423, [t(res).mfaLocked]);
      default:
        flow.data = {};
        return message(req, res, result.reason === 'unavailable' ? 503 : 401, t(res).resetLinkInvalid);
    }
  };

  app.post('/password/reset', async (req, res) => {
    const flow = res.locals.flow.data;
    if (flow.stage !== 'reset') return res.redirect(303, '/password/forgot');
    const newPassword = str(req.body?.password);
    if (newPassword !== str(req.body?.confirm)) return resetForm(req, res, 422, [t(res).mismatch]);
    const result = await kanmon.completePasswordReset({ tenant, token: flow.resetToken, newPassword, ...web.facts(req) });
    if (result.status === 'mfa_required') res.locals.flow.data.newPassword = newPassword;
    settle(req, res, result, (status, errors) => resetForm(req, res, status, errors));
  });

  app.get('/password/reset/mfa', (req, res) => (res.locals.flow.data.stage === 'reset-mfa' ? codeForm(req, res) : res.redirect(303, '/password/forgot')));

  app.post('/password/reset/mfa', async (req, res) => {
    const flow = res.locals.flow.data;
    if (flow.stage !== 'reset-mfa') return res.redirect(303, '/password/forgot');
    const result = await kanmon.completePasswordReset({ tenant, token: flow.resetToken, newPassword: flow.newPassword, challenge: flow.challenge, code: str(req.body?.code, 32), ...web.facts(req) });
    settle(req, res, result, (status, errors) => codeForm(req, res, status, errors[0] ?? null));
  });

  // The administrator's "reset second factor": a user who lost the phone enrols again at the next login.
  app.post('/admin/mfa-reset', ...web.requireAdmin, async (req, res) => {
    const target = accounts.list(tenant).find((a) => a.id === req.body?.id);
    const result = await kanmon.adminResetMfa({ tenant, actor: req.kanmon.session.subject, actorSession: req.kanmon.session, accountId: str(req.body?.id, 128), reason: 'lost_device', ...web.adminFacts(req) });
    if (result.reason === 'reauth_required') return askStepUp(req, res);
    res.locals.flow.data.notice = result.ok ? t(res).mfaResetDone(target?.username ?? '') : result.reason === 'self_reset_forbidden' ? t(res).selfResetForbidden : t(res).serverError;
    res.redirect(303, '/admin');
  });
}
