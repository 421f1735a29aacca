// The demo's HTTP glue: the kanmon session cookie, the facts of a request, and
// the guards of the HTML pages (a refused guard redirects to the login page
// instead of answering JSON).
import { readCookie } from './flow.mjs';

/**
 * @param {{ kanmon: import('../../dist/index.js').Kanmon, tenant: string, now: () => number }} options
 */
export function createWeb({ kanmon, tenant, now }) {
  const devMode = true;
  const cookieName = 'kanmon-demo-session';
  const devNotice =
    '開発用モード: 平文 HTTP を許可し、Cookie に Secure と __Host- を付けていません（http://localhost のため）。本番では使わないでください。\n' +
    'Development mode: plain HTTP allowed, cookies without Secure / __Host- (http://localhost). Never in production.';

  const setCookie = (res, token, maxAgeSeconds) =>
    res.append('Set-Cookie', `${cookieName}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}`);

  const session = async (req, res) => {
    if (res.locals.session !== undefined) return res.locals.session;
    const token = readCookie(req, cookieName);
    let found = null;
    if (token) {
      const result = await kanmon.sessions.verify(token, { tenant });
      if (result.ok) {
        found = result.session;
        if (result.refreshed) setCookie(res, result.refreshed.token, Math.ceil((result.refreshed.session.idleExpiresAt - now()) / 1000));
      } else setCookie(res, '', 0);
    }
    res.locals.session = found;
    return found;
  };

  const facts = (req) => ({ clientIp: req.socket.remoteAddress ?? null, tls: devMode, userAgent: String(req.headers['user-agent'] ?? '').slice(0, 256) });

  return {
    devMode,
    devNotice,
    facts,
    adminFacts: (req) => ({ clientIp: req.socket.remoteAddress ?? null, userAgent: String(req.headers['user-agent'] ?? '').slice(0, 256) }),
    session,
    setSession(res, result) {
      setCookie(res, result.token, Math.ceil((result.session.idleExpiresAt - now()) / 1000));
      res.locals.session = result.session;
    },
    async logout(req, res) {
      const current = await session(req, res);
      if (current) await kanmon.logout(current, facts(req));
      setCookie(res, '', 0);
    },
    async requireAdmin(req, res, next) {
      const current = await session(req, res);
      if (!current) return res.redirect(303, '/login');
      if (!current.roles.includes('admin') || !current.amr.some((m) => m === 'otp' || m === 'mfa' || m === 'hwk')) {
        return res.status(403).type('text').send('forbidden');
      }
      next();
    },
  };
}
