/** The shared adapter behaviour (IPC-16, IPC-11, SEC-24, …) against `kanmon/express` on Express 5. */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { kanmonExpress } from '../../src/express/index.js';
import { adapterBehaviour } from './behaviour.js';

adapterBehaviour({
  name: 'express',
  async serve(kanmon, options, tls) {
    const app = express();
    const auth = kanmonExpress(kanmon, options);
    app.use(auth.tls());
    app.post('/auth/login', auth.login());
    app.post('/auth/mfa', auth.verifyMfa());
    app.post('/auth/password', auth.changePassword());
    app.post('/auth/totp/enroll', auth.enrollTotp());
    app.post('/auth/totp/confirm', auth.confirmTotp());
    app.post('/auth/logout', auth.logout());
    app.get('/bare', (_req, res) => {
      res.json({ ok: true });
    });
    app.get('/me', auth.requireSession(), (req, res) => {
      const session = req.kanmon?.session;
      res.json({ subject: session?.subject, roles: session?.roles, amr: session?.amr });
    });
    app.get('/admin', auth.requireRole('admin'), (_req, res) => {
      res.json({ ok: true });
    });
    app.get('/mfa-only', auth.requireMfa(), (_req, res) => {
      res.json({ ok: true });
    });
    for (const rule of ['office', 'branch', 'terminal', 'device', 'open']) {
      if (!Object.hasOwn(kanmon.policy.access.routes, rule)) continue;
      app.get(`/${rule}`, auth.requireAccess(rule), (_req, res) => {
        res.json({ ok: true });
      });
    }
    app.use(auth.errorHandler());
    const server = tls ? https.createServer({ key: tls.key, cert: tls.cert, ca: tls.ca, requestCert: tls.requestCert, rejectUnauthorized: false }, app) : http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      port: (server.address() as AddressInfo).port,
      close: () =>
        new Promise<void>((resolve, reject) => {
          server.closeAllConnections();
          server.close((err) => (err ? reject(err) : resolve()));
        }),
    };
  },
});
