// The demo's HTTP glue over kanmon/express: the adapter's guards protect the
// pages (a refusal redirects to the login page instead of answering JSON), and
// the session cookie is the one those guards read.
//
// Development options, because the demo runs on plain http://localhost:
// - the cookie is `kanmon-demo`, without `Secure` and the `__Host-` prefix
//   (a browser drops a `Secure` cookie set over plain HTTP on other hosts);
// - the policy sets `access.requireTls: false` (app.mjs), so the adapter's
//   IPC-16 check and the login's place rule accept plain HTTP. /compliance shows
//   what that costs. A real deployment keeps the defaults.
import { kanmonExpress, serializeCookie } from '../../dist/express/index.js';
import { stepUpRefusal } from './step-up.mjs';

export const developmentNotice =
  '開発用モード: http://localhost で動かすため、平文 HTTP を許可し（access.requireTls: false）、Cookie に Secure 属性と __Host- 接頭辞を付けていません。本番では使わないでください。\n' +
  'Development mode: plain HTTP is allowed (access.requireTls: false) and cookies carry neither Secure nor the __Host- prefix, because this runs on http://localhost. Never in production.';

/**
 * @param {{ kanmon: import('../../dist/index.js').Kanmon, tenant: string, development: boolean }} options
 */
export function createWeb({ kanmon, tenant, development }) {
  const cookieName = development ? 'kanmon-demo' : kanmon.policy.session.cookieName;
  const secure = !development;
  // Forms carry the session cookie, never an Authorization header.
  const auth = kanmonExpress(kanmon, { tenant, cookieName, acceptBearer: false });

  /** Keep the cookie kanmon clears (an expired or revoked session) in whatever we answer instead. */
  const forwardCookies = (res, reply) => {
    const cookies = reply.headers['set-cookie'];
    if (cookies) res.append('Set-Cookie', cookies);
  };

  // A page that works with or without a session (the login challenge steps, the home redirect).
  const optional = auth.requireSession({
    onDenied: (req, res, reply) => {
      forwardCookies(res, reply);
      // A cookie was presented but its session is over (idle, absolute, revoked): say so on the login page.
      res.locals.sessionEnded = reply.code === 'session_expired' || reply.code === 'session_invalid';
      res.locals.kanmonContinue();
    },
  });

  /** Refusals of the admin guards: no session → login page; a session without the role or MFA → 403 page. */
  const toLoginOr403 = {
    onDenied: (req, res, reply) => {
      forwardCookies(res, reply);
      if (reply.status === 401) return res.redirect(303, '/login');
      res.locals.forbidden(req, res);
    },
  };
  // …and a recent authentication (SEC-13): an older session is asked for the password again (step-up.mjs).
  const requireAdmin = [auth.requireRole('admin', toLoginOr403), auth.requireMfa(toLoginOr403), auth.requireRecentAuth(undefined, stepUpRefusal(forwardCookies))];

  const facts = (req) => ({ request: req, userAgent: String(req.headers['user-agent'] ?? '').slice(0, 256) });

  return {
    development,
    cookieName,
    facts,
    adminFacts: (req) => ({ clientIp: req.socket.remoteAddress ?? null, userAgent: String(req.headers['user-agent'] ?? '').slice(0, 256) }),
    /** The verified session (rolled by the adapter when due), or null. */
    session(req, res) {
      if (req.kanmon?.session) return Promise.resolve(req.kanmon.session);
      return new Promise((resolve, reject) => {
        res.locals.kanmonContinue = () => resolve(null);
        optional(req, res, (err) => (err ? reject(err) : resolve(req.kanmon?.session ?? null)));
      });
    },
    /** Put a login result's token in the session cookie. */
    setSession(res, result) {
      res.append('Set-Cookie', serializeCookie(cookieName, result.token, { secure }));
    },
    async logout(req, res) {
      const current = await this.session(req, res);
      if (current) await kanmon.logout({ session: current, ...facts(req) });
      res.append('Set-Cookie', serializeCookie(cookieName, '', { maxAgeSeconds: 0, secure }));
    },
    requireAdmin,
    errorHandler: auth.errorHandler(),
  };
}
