/**
 * The two frameworks the shared suite (behaviour.ts) runs against: each starts a
 * real server on 127.0.0.1 with the routes behaviour.ts lists.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify, { type FastifyInstance } from 'fastify';
import { kanmonExpress } from '../../src/express/index.js';
import { kanmonFastify } from '../../src/fastify/index.js';
import type { Kanmon } from '../../src/login/types.js';
import type { AdapterUnderTest, RunningServer } from './behaviour.js';

export const expressAdapter: AdapterUnderTest = {
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
    app.post('/auth/password/reset/request', auth.requestPasswordReset());
    app.post('/auth/password/reset/complete', auth.completePasswordReset());
    app.post('/auth/recovery-codes/regenerate', auth.regenerateRecoveryCodes());
    app.post('/auth/reauthenticate', auth.reauthenticate());
    app.get('/auth/sessions', auth.listSessions());
    app.post('/auth/sessions/revoke', auth.revokeSession());
    app.post('/auth/sessions/revoke-others', auth.revokeOtherSessions());
    app.post('/auth/passkeys/register/start', auth.passkeyRegisterStart());
    app.post('/auth/passkeys/register/finish', auth.passkeyRegisterFinish());
    app.post('/auth/passkeys/authenticate/start', auth.passkeyAuthenticateStart());
    app.post('/auth/passkeys/authenticate/finish', auth.passkeyAuthenticateFinish());
    app.post('/auth/passkeys/reauthenticate/start', auth.passkeyReauthenticateStart());
    app.post('/auth/passkeys/reauthenticate/finish', auth.passkeyReauthenticateFinish());
    app.get('/auth/passkeys', auth.listPasskeys());
    app.post('/auth/passkeys/rename', auth.renamePasskey());
    app.post('/auth/passkeys/remove', auth.removePasskey());
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
    app.get('/recent', auth.requireRecentAuth(), (_req, res) => {
      res.json({ ok: true });
    });
    app.get('/recent-60', auth.requireRecentAuth(60), (_req, res) => {
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
};

export const fastifyAdapter: AdapterUnderTest = {
  name: 'fastify',
  async serve(kanmon, options, tls) {
    if (tls) {
      // An HTTPS instance registers the plugin the same way (checked by the compiler here).
      const secure = Fastify({ https: { key: tls.key, cert: tls.cert, ca: tls.ca, requestCert: tls.requestCert, rejectUnauthorized: false } });
      await secure.register(kanmonFastify, { kanmon, ...options });
      return routes(secure, kanmon);
    }
    const plain = Fastify();
    await plain.register(kanmonFastify, { kanmon, ...options });
    return routes(plain, kanmon);
  },
};

async function routes(app: FastifyInstance, kanmon: Kanmon): Promise<RunningServer> {
  app.get('/bare', (_request, reply) => reply.send({ ok: true }));
  app.get('/me', { preHandler: app.kanmon.requireSession() }, (request, reply) => {
    const session = request.kanmon?.session;
    return reply.send({ subject: session?.subject, roles: session?.roles, amr: session?.amr });
  });
  app.get('/admin', { preHandler: app.kanmon.requireRole('admin') }, (_request, reply) => reply.send({ ok: true }));
  app.get('/mfa-only', { preHandler: app.kanmon.requireMfa() }, (_request, reply) => reply.send({ ok: true }));
  app.get('/recent', { preHandler: app.kanmon.requireRecentAuth() }, (_request, reply) => reply.send({ ok: true }));
  app.get('/recent-60', { preHandler: app.kanmon.requireRecentAuth(60) }, (_request, reply) => reply.send({ ok: true }));
  const toLogin = app.kanmon.requireSession({ onDenied: (_request, reply, denial) => reply.redirect(`/login?reason=${denial.code ?? ''}`, 303) });
  app.get('/page', { preHandler: toLogin }, (_request, reply) => reply.send({ ok: true }));
  for (const rule of ['office', 'branch', 'terminal', 'device', 'open']) {
    if (!Object.hasOwn(kanmon.policy.access.routes, rule)) continue;
    app.get(`/${rule}`, { preHandler: app.kanmon.requireAccess(rule) }, (_request, reply) => reply.send({ ok: true }));
  }
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { port: (app.server.address() as AddressInfo).port, close: () => app.close() };
}
