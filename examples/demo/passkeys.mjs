// Passkeys in the demo (issue 18): register a passkey from a session, sign in with a passkey alone (passwordless),
// or complete a login with a passkey as the second factor. The browser side is @simplewebauthn/browser, served from
// node_modules (never a CDN); every decision is kanmon's (startPasskey… / finishPasskey…).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { html } from './html.mjs';
import { formatJst, layout } from './pages.mjs';

/**
 * The policy overrides that switch passkeys on for the origin the demo is served from (`http://localhost:3000`).
 * WebAuthn needs a domain as RP ID (not an IP address) and a secure context: `http://localhost` is one.
 * @param {string | undefined} origin
 */
export const passkeyPolicy = (origin) =>
  origin ? { webauthn: { enabled: true, rpId: new URL(origin).hostname, origins: [origin], passwordless: true, userVerification: 'preferred' } } : {};

const require = createRequire(import.meta.url);
// The package exports only its modules: find its folder from its CommonJS entry (script/index.js).
const browserBundle = () => readFileSync(join(dirname(require.resolve('@simplewebauthn/browser')), '..', 'dist/bundle/index.umd.min.js'));

const words = {
  ja: {
    title: 'パスキー',
    lead: 'パスキーは、この端末の Windows Hello や指紋・顔認証、セキュリティキーで本人を確認する、フィッシングに強い認証方法です。',
    register: 'この端末のパスキーを登録',
    none: 'パスキーはまだ登録されていません。',
    label: '名前', created: '登録日時', lastUsed: '最終使用', never: '未使用',
    loginTitle: 'パスキーでサインイン',
    loginLead: 'パスワードを入力せず、登録したパスキーでサインインします。',
    loginButton: 'パスキーでサインイン',
    mfaTitle: 'パスキーで確認',
    mfaLead: 'パスワードは確認できました。登録したパスキーで本人確認を完了してください。',
    mfaButton: 'パスキーで確認',
    failed: 'パスキーを確認できませんでした',
    back: 'パスワードでサインイン',
  },
  en: {
    title: 'Passkeys',
    lead: 'A passkey confirms it is you with Windows Hello, a fingerprint or face on this device, or a security key: a phishing-resistant way to sign in.',
    register: 'Register a passkey on this device',
    none: 'No passkey registered yet.',
    label: 'Name', created: 'Registered', lastUsed: 'Last used', never: 'never',
    loginTitle: 'Sign in with a passkey',
    loginLead: 'Sign in without a password, with a passkey you registered.',
    loginButton: 'Sign in with a passkey',
    mfaTitle: 'Confirm with a passkey',
    mfaLead: 'Your password is right. Finish with a passkey you registered.',
    mfaButton: 'Confirm with a passkey',
    failed: 'The passkey could not be verified',
    back: 'Sign in with a password',
  },
};

/** The page script: ask kanmon for options, run the ceremony in the browser, send the answer back (CSRF header). */
const ceremonyScript = (kind, start, finish) => `
const csrf = document.querySelector('meta[name=csrf]').content;
const post = (url, body) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, body: await r.json() }));
document.getElementById('go').addEventListener('click', async () => {
  const out = document.getElementById('result');
  try {
    const started = await post('${start}', {});
    if (!started.body.ok) throw new Error(started.body.error);
    const response = await SimpleWebAuthnBrowser.${kind === 'register' ? 'startRegistration' : 'startAuthentication'}({ optionsJSON: started.body.options });
    window.lastPasskeyResponse = response;
    const done = await post('${finish}', { response, label: document.getElementById('label')?.value });
    if (!done.body.ok) throw new Error(done.body.error);
    location.assign(done.body.redirect);
  } catch (err) {
    out.textContent = document.body.dataset.failed + ': ' + (err && err.message ? err.message : String(err));
    out.hidden = false;
  }
});`;

const page = (c, { title, lead, button, start, finish, kind, extra = null }) => {
  const w = words[c.lang];
  return layout(c, {
    title,
    body: html`<meta name="csrf" content="${c.csrf}"><p>${lead}</p>${extra}
<div class="box" data-kind="${kind}">${kind === 'register' ? html`<label for="label">${w.label}</label><input type="text" id="label" maxlength="64" value="${c.lang === 'ja' ? 'この端末' : 'This device'}">` : null}
<button type="button" id="go">${button}</button></div>
<p id="result" class="alert" role="alert" hidden></p>
<script nonce="${c.nonce}" src="/vendor/simplewebauthn-browser.js"></script>`,
    script: ceremonyScript(kind, start, finish),
  }).replace('<body', `<body data-failed="${w.failed}"`);
};

/**
 * The passkey pages and their JSON steps, on the demo app.
 * @param {import('express').Express} app
 */
export function mountPasskeys(app, { kanmon, tenant, web, ctx, send, signIn, userOf }) {
  if (!kanmon.policy.webauthn.enabled) return;
  const bundle = browserBundle();
  app.get('/vendor/simplewebauthn-browser.js', (req, res) => res.type('text/javascript').send(bundle));
  const json = (res, status, body) => res.status(status).json(body);
  const refused = (res, reason, status = 401) => json(res, status, { ok: false, error: reason });

  // Registration: a session that authenticated recently (kanmon asks for step-up otherwise).
  app.get('/passkeys', async (req, res) => {
    const session = await web.session(req, res);
    if (!session) return res.redirect(303, '/login');
    const listed = await kanmon.listPasskeys({ session });
    const w = words[res.locals.lang];
    const c = ctx(req, res, await userOf(session));
    const rows = listed.ok ? listed.passkeys : [];
    const table = rows.length
      ? html`<table id="passkeys"><thead><tr><th>${w.label}</th><th>${w.created}</th><th>${w.lastUsed}</th></tr></thead><tbody>${rows.map(
          (p) => html`<tr><td>${p.label}</td><td>${formatJst(p.createdAt, c.lang)}</td><td>${p.lastUsedAt === null ? w.never : formatJst(p.lastUsedAt, c.lang)}</td></tr>`,
        )}</tbody></table>`
      : html`<p id="no-passkeys">${w.none}</p>`;
    send(res, 200, page(c, { title: w.title, lead: w.lead, button: w.register, start: '/passkeys/register/start', finish: '/passkeys/register/finish', kind: 'register', extra: table }));
  });
  app.post('/passkeys/register/start', async (req, res) => {
    const session = await web.session(req, res);
    if (!session) return refused(res, 'session_required');
    const started = await kanmon.startPasskeyRegistration({ session, ...web.facts(req) });
    return started.ok ? json(res, 200, { ok: true, options: started.options }) : refused(res, started.reason, started.reason === 'unavailable' ? 503 : 403);
  });
  app.post('/passkeys/register/finish', async (req, res) => {
    const session = await web.session(req, res);
    if (!session) return refused(res, 'session_required');
    const label = typeof req.body?.label === 'string' ? req.body.label : undefined;
    const done = await kanmon.finishPasskeyRegistration({ session, response: req.body?.response, label, ...web.facts(req) });
    return done.ok ? json(res, 200, { ok: true, redirect: '/passkeys' }) : refused(res, done.reason, done.reason === 'unavailable' ? 503 : 400);
  });

  // Passwordless sign-in.
  app.get('/passkey/login', (req, res) => {
    const w = words[res.locals.lang];
    const c = ctx(req, res);
    send(res, 200, page(c, { title: w.loginTitle, lead: w.loginLead, button: w.loginButton, start: '/passkey/login/start', finish: '/passkey/login/finish', kind: 'login', extra: html`<p><a href="/login">${w.back}</a></p>` }));
  });
  app.post('/passkey/login/start', async (req, res) => {
    const started = await kanmon.startPasskeyAuthentication({ tenant });
    return started.ok ? json(res, 200, { ok: true, options: started.options }) : refused(res, started.reason, 403);
  });
  app.post('/passkey/login/finish', async (req, res) => {
    const result = await kanmon.finishPasskeyAuthentication({ tenant, response: req.body?.response, ...web.facts(req) });
    if (result.status === 'denied') return refused(res, result.reason, result.reason === 'unavailable' ? 503 : result.reason === 'locked' ? 429 : 401);
    signIn(req, res, result);
    return json(res, 200, { ok: true, redirect: '/' });
  });

  // The second factor of a login whose password was right (the login challenge is in the demo's flow state).
  const loginChallenge = (res) => (res.locals.flow.data?.stage === 'mfa' ? res.locals.flow.data.challenge : null);
  app.get('/passkey/mfa', (req, res) => {
    if (!loginChallenge(res)) return res.redirect(303, '/login');
    const w = words[res.locals.lang];
    send(res, 200, page(ctx(req, res), { title: w.mfaTitle, lead: w.mfaLead, button: w.mfaButton, start: '/passkey/mfa/start', finish: '/passkey/mfa/finish', kind: 'mfa' }));
  });
  app.post('/passkey/mfa/start', async (req, res) => {
    const challenge = loginChallenge(res);
    if (!challenge) return refused(res, 'invalid_challenge');
    const started = await kanmon.startPasskeyAuthentication({ tenant, challenge });
    return started.ok ? json(res, 200, { ok: true, options: started.options }) : refused(res, started.reason, 403);
  });
  app.post('/passkey/mfa/finish', async (req, res) => {
    const challenge = loginChallenge(res);
    if (!challenge) return refused(res, 'invalid_challenge');
    const result = await kanmon.finishPasskeyAuthentication({ tenant, challenge, response: req.body?.response, ...web.facts(req) });
    if (result.status === 'denied') return refused(res, result.reason, result.reason === 'unavailable' ? 503 : result.reason === 'locked' ? 429 : 401);
    signIn(req, res, result);
    return json(res, 200, { ok: true, redirect: '/' });
  });
}
