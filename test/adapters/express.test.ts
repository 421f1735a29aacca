/** The shared adapter behaviour (IPC-16, IPC-11, SEC-24, …) against `kanmon/express` on Express 5. */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { kanmonExpress } from '../../src/express/index.js';
import { describe, expect, it } from 'vitest';
import { adapterBehaviour } from './behaviour.js';
import { PASSWORD, TENANT, request, testKanmon } from './kit.js';

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
    app.get('/page', auth.requireSession({ onDenied: (_req, res, reply) => res.redirect(303, `/login?reason=${reply.code ?? ''}`) }), (_req, res) => {
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

describe('kanmon/express with express.json() mounted before it', () => {
  it('a body express.json() parsed is used, and its parse and size errors become coded bodies through auth.errorHandler()', async () => {
    const { kanmon } = await testKanmon({ access: { requireTls: false } });
    const app = express();
    const auth = kanmonExpress(kanmon, { tenant: TENANT });
    app.use(express.json({ limit: '1kb' }));
    app.post('/auth/login', auth.login());
    app.use(auth.errorHandler());
    const server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const ok = await request(port, '/auth/login', { method: 'POST', body: { username: 'yamada', password: PASSWORD } });
      expect(ok.status).toBe(200);
      const broken = await request(port, '/auth/login', { method: 'POST', body: '{"username":', headers: { 'content-type': 'application/json', 'accept-language': 'en' } });
      expect(broken.status).toBe(400);
      expect(broken.json()).toEqual({ error: { code: 'invalid_request', message: 'The request is malformed.' } });
      const huge = await request(port, '/auth/login', { method: 'POST', body: { username: 'yamada', password: 'x'.repeat(4096) } });
      expect(huge.status).toBe(413);
      expect((huge.json() as { error: { code: string } }).error.code).toBe('payload_too_large');
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
