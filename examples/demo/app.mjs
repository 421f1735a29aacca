// The demo app: a plain Express 5 app that uses kanmon the way a vendor
// back-end would — createKanmon for every decision, kanmon/express for the
// session cookie and the guards — with server-rendered pages, Japanese first.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import express from 'express';
import {
  adminView,
  checkPassword,
  complianceReport,
  createAuditLog,
  createKanmon,
  definePolicy,
  describePolicy,
  fileAuditSink,
  findEvents,
  formatIssue,
  memoryAccounts,
  memoryStore,
  renderComplianceReport,
  verifyAuditLog,
} from '../../dist/index.js';
import { createFlowStates } from './flow.mjs';
import { text } from './i18n.mjs';
import { loadDemoKeyRing } from './keys.mjs';
import { adminPage, enrollPage, homePage, lockedPage, loginPage, messagePage, mfaPage, passwordPage, recoveryPage } from './pages.mjs';
import { createDemoMailbox, mountRecovery } from './recovery.mjs';
import { mountSessions, previousLoginLines } from './sessions.mjs';
import { askStepUp, mountStepUp } from './step-up.mjs';
import { mountInventory } from './admin-inventory.mjs';
import { mountPasskeys, passkeyPolicy } from './passkeys.mjs';
import { createWeb, developmentNotice } from './web.mjs';

const TENANT = 'demo';
const lastEventCount = 25;

/**
 * Build the demo app. Everything outside the process is injected: the clock,
 * the folder of the audit log and the demo key.
 *
 * `development` (the default: the demo runs on http://localhost) turns on the
 * adapter-side development options described in web.mjs.
 *
 * @param {{ now: () => number, dataDir: string, development?: boolean, printMail?: (line: string) => void, origin?: string }} options
 * @returns {Promise<{ app: import('express').Express, banner: string, seeded: { username: string, password: string, roles: string[] }[], close: () => Promise<void> }>}
 */
export async function createDemoApp({ now, dataDir, development = true, printMail, origin }) {
  const policy = definePolicy('funabashi', {
    password: { contextWords: ['kanmon', '関門', 'funabashi', '船橋'] },
    mfa: { totp: { issuer: 'kanmon デモ' } }, recovery: { selfService: true }, // 「パスワードを忘れた場合」: recovery.mjs
    ...(development ? { access: { requireTls: false } } : {}),
    ...passkeyPolicy(origin), // passkeys.mjs: on for the origin the demo is served from (http://localhost:PORT)
  });
  const { keyRing, path: keyPath, created: keyCreated } = loadDemoKeyRing(dataDir, now);
  const auditDir = join(dataDir, 'audit');
  const sink = fileAuditSink({ dir: auditDir, timeZone: policy.timeZone });
  const audit = createAuditLog({ sink, keyRing, stream: 'demo', now, policy });
  const accounts = memoryAccounts();
  const mailbox = createDemoMailbox({ accounts, print: printMail });
  const kanmon = createKanmon({ policy, store: memoryStore({ now }), accounts, keyRing, audit, now, recovery: { deliver: mailbox.deliver } });
  const web = createWeb({ kanmon, tenant: TENANT, development });

  // Seeded accounts: random one-time passwords the users must change at first login.
  // No one is logged in yet: the seeding is a system task, through the deliberate, audited path (SEC-13).
  const setup = await kanmon.systemActor({ tenant: TENANT, name: 'demo-setup', reason: 'bootstrap' });
  if (!setup.ok) throw new Error(`seeding failed: ${setup.reason}`);
  const seeded = [];
  for (const [username, roles] of [
    ['admin', ['admin']],
    ['tanaka', ['staff']],
  ]) {
    const created = await kanmon.createAccount({ tenant: TENANT, actor: setup.actorSession.actor, actorSession: setup.actorSession, username, roles, displayName: username });
    if (!created.ok) throw new Error(`seeding ${username} failed: ${created.reason}`);
    seeded.push({ username, password: created.initialPassword, roles: [...roles] });
  }

  const flows = createFlowStates({ now, cookieName: development ? 'kanmon-demo-flow' : '__Host-kanmon-demo-flow', secure: !development });
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(express.urlencoded({ extended: false, limit: '8kb' }));
  app.use(express.json({ limit: '8kb' }));

  // Language: ?lang= switches and is remembered; otherwise Accept-Language; Japanese by default.
  const langOf = (req, res) => {
    const asked = req.query.lang;
    if (asked === 'ja' || asked === 'en') {
      res.append('Set-Cookie', `kanmon-demo-lang=${asked}; Path=/; SameSite=Strict; Max-Age=31536000`);
      return asked;
    }
    const cookie = /(?:^|;\s*)kanmon-demo-lang=(ja|en)(?:;|$)/.exec(req.headers.cookie ?? '');
    if (cookie) return cookie[1];
    return req.acceptsLanguages('ja', 'en') === 'en' ? 'en' : 'ja';
  };

  // Every response: a strict CSP with a per-response nonce, no framing, no sniffing.
  app.use((req, res, next) => {
    res.locals.nonce = randomBytes(16).toString('base64');
    res.set({
      'Content-Security-Policy': `default-src 'none'; style-src 'nonce-${res.locals.nonce}'; script-src 'nonce-${res.locals.nonce}'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'same-origin', // not no-referrer: Chrome then sends `Origin: null` on form posts
      'Cache-Control': 'no-store',
    });
    res.locals.lang = langOf(req, res);
    res.locals.flow = flows.of(req, res);
    res.locals.forbidden = (req, res) => send(res, 403, messagePage(ctx(req, res), { title: t(res).forbiddenTitle, message: t(res).forbidden }));
    next();
  });

  /** What every page needs. */
  const ctx = (req, res, user = null) => ({
    lang: res.locals.lang,
    csrf: res.locals.flow.csrf,
    nonce: res.locals.nonce,
    path: req.path,
    user,
    devMode: development,
    passkeys: policy.webauthn.enabled,
  });
  const t = (res) => text[res.locals.lang];
  const send = (res, status, body) => res.status(status).type('html').send(body);
  const takeNotice = (res) => {
    const notice = res.locals.flow.data.notice ?? null;
    delete res.locals.flow.data.notice;
    return notice;
  };
  const str = (v, max = 1024) => (typeof v === 'string' ? v.slice(0, max) : '');

  // CSRF: every form POST carries the browser's token; a cross-site POST also fails the Origin check.
  app.use((req, res, next) => {
    if (req.method !== 'POST') return next();
    const origin = req.headers.origin;
    const sameOrigin = origin === undefined || origin === `${req.protocol}://${req.headers.host}`;
    const token = req.is('application/json') ? req.headers['x-csrf-token'] : req.body?._csrf;
    if (sameOrigin && flows.csrfValid(res.locals.flow, token)) return next();
    send(res, 403, messagePage(ctx(req, res), { title: t(res).csrfTitle, message: t(res).csrf }));
  });

  /** Sign the browser in: new flow state (no fixation), session cookie from the adapter. */
  const signIn = (req, res, result, notice = null) => {
    const flow = flows.renew(req, res);
    res.locals.flow = flow; // a page rendered in this response carries the new CSRF token
    if (notice) flow.data.notice = notice;
    if (result.previousLogin !== undefined) flow.data.lastLogon = { previousLogin: result.previousLogin, failuresSinceLastLogin: result.failuresSinceLastLogin }; // sessions.mjs
    const warnings = (result.warnings ?? []).flatMap((w) =>
      w.code === 'password_expires_soon' ? [t(res).passwordExpiresSoon(w.daysLeft)] : w.code === 'recovery_codes_low' ? [t(res).recoveryLow(w.remaining)] : [],
    );
    if (warnings.length) flow.data.notice = [notice, ...warnings].filter(Boolean).join(' ');
    web.setSession(res, result);
  };

  /** Where a login step leads. */
  const follow = (req, res, result, username) => {
    const flow = res.locals.flow;
    switch (result.status) {
      case 'authenticated':
        signIn(req, res, result);
        return res.redirect(303, '/');
      case 'mfa_required':
        flow.data = { challenge: result.challenge, stage: result.enrolled ? 'mfa' : 'enroll', username, notice: flow.data.notice };
        return res.redirect(303, result.enrolled ? '/mfa' : '/mfa/enroll');
      case 'password_change_required':
        flow.data = { challenge: result.challenge, stage: 'password', reason: result.reason, username, notice: flow.data.notice };
        return res.redirect(303, '/password');
    }
  };

  const deniedPage = (req, res, reason, retryAfterMs, username = '') => {
    if (reason === 'locked') {
      if (typeof retryAfterMs === 'number') res.set('Retry-After', String(Math.ceil(retryAfterMs / 1000)));
      return send(res, 423, lockedPage(ctx(req, res), { maxFailures: policy.lockout.maxFailures, retryAt: typeof retryAfterMs === 'number' ? now() + retryAfterMs : null }));
    }
    if (reason === 'throttled' || reason === 'unavailable') {
      if (typeof retryAfterMs === 'number') res.set('Retry-After', String(Math.ceil(retryAfterMs / 1000)));
      return send(res, reason === 'throttled' ? 429 : 503, loginPage(ctx(req, res), { username, error: t(res).throttled }));
    }
    if (reason === 'invalid_challenge') {
      res.locals.flow.data = {};
      return send(res, 401, loginPage(ctx(req, res), { error: t(res).challengeExpired }));
    }
    if (reason === 'invalid_credentials') return send(res, 401, loginPage(ctx(req, res), { username, error: t(res).invalidCredentials }));
    return send(res, 403, loginPage(ctx(req, res), { username, error: t(res).accessDenied }));
  };

  // ─── Sign in ──────────────────────────────────────────────────────────────
  app.get('/', async (req, res) => {
    const session = await web.session(req, res);
    if (!session) {
      if (res.locals.sessionEnded) res.locals.flow.data.notice = t(res).sessionEnded;
      return res.redirect(303, '/login');
    }
    send(res, 200, homePage(ctx(req, res, await userOf(session)), { session, notices: [takeNotice(res)].filter(Boolean), previous: previousLoginLines(res.locals.flow.data.lastLogon ?? {}, res.locals.lang) }));
  });

  app.get('/login', (req, res) => {
    const notice = req.query.bye === '1' ? t(res).loggedOut : takeNotice(res);
    send(res, 200, loginPage(ctx(req, res), { notice }));
  });

  app.post('/login', async (req, res) => {
    const username = str(req.body?.username, 128);
    const result = await kanmon.login({ tenant: TENANT, username, password: str(req.body?.password), ...web.facts(req) });
    if (result.status === 'denied') return deniedPage(req, res, result.reason, result.retryAfterMs, username);
    follow(req, res, result, username);
  });

  // ─── Password change (forced by a login challenge, or from a session) ─────
  const passwordTarget = async (req, res) => {
    const flow = res.locals.flow.data;
    if (flow.stage === 'password') return { challenge: flow.challenge, reason: flow.reason, forced: true, username: flow.username };
    const session = await web.session(req, res);
    if (session) return { session, reason: 'voluntary', forced: false, username: (await userOf(session)).username };
    return null;
  };
  const rules = (res) => describePolicy(policy, res.locals.lang);

  app.get('/password', async (req, res) => {
    const target = await passwordTarget(req, res);
    if (!target) return res.redirect(303, '/login');
    send(res, 200, passwordPage(ctx(req, res, target.session ? await userOf(target.session) : null), { reason: target.reason, forced: target.forced, rules: rules(res), notice: takeNotice(res) }));
  });

  app.post('/password', async (req, res) => {
    const target = await passwordTarget(req, res);
    if (!target) return res.redirect(303, '/login');
    const user = target.session ? await userOf(target.session) : null;
    const again = (status, extra) => send(res, status, passwordPage(ctx(req, res, user), { reason: target.reason, forced: target.forced, rules: rules(res), ...extra }));
    const newPassword = str(req.body?.password);
    if (newPassword !== str(req.body?.confirm)) return again(422, { error: t(res).mismatch });
    const result = await kanmon.changePassword({
      ...(target.session ? { session: target.session } : { challenge: target.challenge }),
      currentPassword: str(req.body?.current),
      newPassword,
      ...web.facts(req),
    });
    if (result.status === 'changed') {
      if (result.next.status === 'authenticated') {
        signIn(req, res, result.next, t(res).changed);
        return res.redirect(303, '/');
      }
      res.locals.flow.data.notice = t(res).changed;
      return follow(req, res, result.next, target.username);
    }
    switch (result.reason) {
      case 'policy':
        return again(422, { issues: (result.issues ?? []).map((i) => formatIssue(i, res.locals.lang)) });
      case 'reused':
        return again(422, { error: t(res).inHistory });
      case 'too_soon':
        return again(422, { error: t(res).tooSoon });
      case 'invalid_credentials':
        return again(401, { error: t(res).wrongCurrent });
      default:
        return deniedPage(req, res, result.reason, result.retryAfterMs, target.username);
    }
  });

  // Live policy hints: what checkPassword says about the typed password (never logged, never echoed).
  app.post('/api/check-password', (req, res) => {
    const lang = req.body?.lang === 'en' || req.query.lang === 'en' ? 'en' : 'ja';
    const username = str(req.body?.username, 128) || str(res.locals.flow.data.username, 128);
    const result = checkPassword(req.body?.password, policy, { username });
    res.status(result.ok ? 200 : 422).json({ ok: result.ok, issues: result.issues.map((i) => ({ ...i, message: formatIssue(i, lang) })) });
  });

  // ─── TOTP enrolment and the MFA prompt ────────────────────────────────────
  const enrollTarget = async (req, res) => {
    const flow = res.locals.flow.data;
    if (flow.stage === 'enroll') return { target: { challenge: flow.challenge }, required: true, user: null };
    const session = await web.session(req, res);
    if (session) return { target: { session }, required: false, user: await userOf(session) };
    return null;
  };

  app.get('/mfa/enroll', async (req, res) => {
    const found = await enrollTarget(req, res);
    if (!found) return res.redirect(303, '/login');
    if (found.user?.totp) return send(res, 200, messagePage(ctx(req, res, found.user), { title: t(res).totpTitle, message: t(res).totpAlready }));
    const enrolment = await kanmon.enrollTotp(found.target);
    if (enrolment.status !== 'pending') return deniedPage(req, res, enrolment.reason, enrolment.retryAfterMs);
    // Kept only until confirmed, so a wrong code re-shows the same QR code.
    res.locals.flow.data.enrolment = { secret: enrolment.secret, qrSvg: enrolment.qrSvg };
    send(res, 200, enrollPage(ctx(req, res, found.user), { required: found.required, ...res.locals.flow.data.enrolment }));
  });

  app.post('/mfa/enroll', async (req, res) => {
    const found = await enrollTarget(req, res);
    const enrolment = res.locals.flow.data.enrolment;
    if (!found || !enrolment) return res.redirect(303, found ? '/mfa/enroll' : '/login');
    const result = await kanmon.confirmTotp({ ...found.target, code: str(req.body?.code, 16), ...web.facts(req) });
    if (result.status === 'denied') {
      if (result.reason === 'invalid_code' || result.reason === 'replayed') {
        return send(res, 422, enrollPage(ctx(req, res, found.user), { required: found.required, ...enrolment, error: t(res)[result.reason === 'replayed' ? 'replayedCode' : 'invalidCode'] }));
      }
      return deniedPage(req, res, result.reason === 'locked' ? 'locked' : 'invalid_challenge', result.retryAfterMs);
    }
    delete res.locals.flow.data.enrolment;
    if (result.status === 'authenticated') signIn(req, res, result);
    send(res, 200, recoveryPage(ctx(req, res, found.user), { codes: result.recoveryCodes, next: '/' }));
  });

  app.get('/mfa', (req, res) => {
    if (res.locals.flow.data.stage !== 'mfa') return res.redirect(303, '/login');
    send(res, 200, mfaPage(ctx(req, res), { error: null }));
  });

  app.post('/mfa', async (req, res) => {
    const flow = res.locals.flow.data;
    if (flow.stage !== 'mfa') return res.redirect(303, '/login');
    const result = await kanmon.verifyMfa({ challenge: flow.challenge, code: str(req.body?.code, 32), ...web.facts(req) });
    if (result.status === 'authenticated') {
      signIn(req, res, result);
      return res.redirect(303, '/');
    }
    const message = { invalid_code: t(res).invalidCode, replayed: t(res).replayedCode, already_used: t(res).replayedCode, locked: t(res).mfaLocked }[result.reason];
    if (message) {
      if (result.reason === 'locked' && typeof result.retryAfterMs === 'number') res.set('Retry-After', String(Math.ceil(result.retryAfterMs / 1000)));
      return send(res, result.reason === 'locked' ? 423 : 401, mfaPage(ctx(req, res), { error: message }));
    }
    deniedPage(req, res, 'invalid_challenge');
  });

  app.post('/logout', async (req, res) => {
    await web.logout(req, res);
    res.locals.flow = flows.renew(req, res);
    res.redirect(303, '/login?bye=1');
  });

  // ─── Administration (admin role, signed in with a second factor) ──────────
  const userOf = async (session) => {
    const account = await accounts.findById(session.tenant, session.subject);
    return { id: session.subject, username: account?.username ?? session.subject, roles: session.roles, totp: Boolean(account?.totpSecret) };
  };

  // The accounts table and the audit panel are kanmon's view models (adminView.*): this page only renders them.
  const showAdmin = async (req, res, extra = {}) => {
    const session = req.kanmon.session;
    const lang = res.locals.lang;
    const facts = await Promise.all(
      accounts.list(TENANT).map(async (a) => {
        // The password lock is keyed by the login name, the second factor's by the account id.
        const [byName, byId] = await Promise.all([kanmon.lockout.status({ tenant: TENANT, account: a.username }), kanmon.lockout.status({ tenant: TENANT, account: a.id })]);
        return {
          accountId: a.id,
          username: a.username,
          roles: a.roles,
          locked: byName.locked || byId.locked,
          disabled: a.disabled,
          mfa: { status: a.totpSecret !== null ? 'totp' : 'none', recoveryCodesLeft: null },
          mustChangePassword: a.mustChangePassword !== null || a.compromised,
        };
      }),
    );
    send(res, 200, adminPage(ctx(req, res, await userOf(session)), { accounts: adminView.accounts(facts, { lang }), audit: await auditStatus(lang), events: await lastEvents(), ...extra }));
  };

  app.get('/admin', ...web.requireAdmin, (req, res) => {
    const oneTime = res.locals.flow.data.oneTime ?? null;
    delete res.locals.flow.data.oneTime;
    return showAdmin(req, res, { notice: takeNotice(res), oneTime });
  });

  app.post('/admin/unlock', ...web.requireAdmin, async (req, res) => {
    const target = accounts.list(TENANT).find((a) => a.id === req.body?.id);
    const result = await kanmon.adminUnlock({ tenant: TENANT, actor: req.kanmon.session.subject, actorSession: req.kanmon.session, accountId: str(req.body?.id, 128), ...web.adminFacts(req) });
    if (result.reason === 'reauth_required') return askStepUp(req, res);
    res.locals.flow.data.notice = adminView.outcome('unlock', result, { lang: res.locals.lang, username: target?.username ?? '' }).message;
    res.redirect(303, '/admin');
  });

  app.post('/admin/reset', ...web.requireAdmin, async (req, res) => {
    const target = accounts.list(TENANT).find((a) => a.id === req.body?.id);
    const result = await kanmon.adminResetPassword({ tenant: TENANT, actor: req.kanmon.session.subject, actorSession: req.kanmon.session, accountId: str(req.body?.id, 128), ...web.adminFacts(req) });
    if (result.reason === 'reauth_required') return askStepUp(req, res);
    res.locals.flow.data.notice = adminView.outcome('reset_password', result, { lang: res.locals.lang, username: target?.username ?? '' }).message;
    if (result.ok) {
      // Held in this browser's server-side state until the next page shows it, once (never logged).
      res.locals.flow.data.oneTime = { username: target?.username ?? '', password: result.temporaryPassword };
    }
    res.redirect(303, '/admin');
  });

  const auditStatus = async (lang) => ({ ...adminView.auditVerification(await verifyAuditLog(sink, keyRing, { threads: 0 }), { lang }), dir: auditDir });

  // The last day's events, newest first. findEvents answers oldest first, so no limit (a demo's day fits in memory).
  const lastEvents = async () => {
    const day = await findEvents(sink, { from: now() - 24 * 60 * 60_000, limit: Number.MAX_SAFE_INTEGER });
    return day.slice(-lastEventCount).reverse();
  };

  // The compliance report of the policy this app runs with: what an auditor reads.
  app.get('/compliance', (req, res) => {
    res.type('html').send(renderComplianceReport(complianceReport(policy, { lang: res.locals.lang }), 'html'));
  });

  mountSessions(app, { kanmon, web, ctx, send, str, userOf });
  mountStepUp(app, { kanmon, web, ctx, send, str, userOf });
  mountInventory(app, { kanmon, tenant: TENANT, web, ctx, send, userOf });
  mountRecovery(app, { kanmon, tenant: TENANT, web, accounts, mailbox, ctx, send, str, describe: (lang) => describePolicy(policy, lang), formatIssue });
  mountPasskeys(app, { kanmon, tenant: TENANT, web, ctx, send, signIn, userOf });
  app.use(web.errorHandler);
  app.use((req, res) => send(res, 404, messagePage(ctx(req, res), { title: t(res).notFoundTitle, message: t(res).notFound })));
  app.use((err, req, res, _next) => {
    process.stderr.write(`demo error: ${err?.code ?? ''} ${err?.message ?? err}\n`);
    send(res, 500, messagePage(ctx(req, res), { title: t(res).serverErrorTitle, message: t(res).serverError }));
  });

  const banner = [
    `kanmon デモ / demo — policy: funabashi (min ${policy.password.minLength} chars, ${policy.password.requiredClasses.join('+')}; lock after ${policy.lockout.maxFailures} failures)`,
    '',
    '初期アカウント（初回ログイン時にパスワードの変更が必要です。この表示は一度きりです）',
    'Seeded accounts (the first password must be changed at first sign-in; printed only now):',
    ...seeded.map((s) => `  ${s.username.padEnd(8)} ${s.password}   (${s.roles.join(', ')})`),
    '',
    `${keyCreated ? 'デモ用の鍵を生成しました / generated the DEMO KEY' : 'デモ用の鍵 / DEMO KEY'}: ${keyPath}  — デモ専用、本番では使用しないでください / demo only, never in production`,
    `監査ログ / audit log: ${auditDir}`,
    development ? developmentNotice : '',
  ].join('\n');

  return { app, banner, seeded, kanmon, close: () => audit.close() };
}
