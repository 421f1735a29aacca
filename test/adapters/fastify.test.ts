/** The shared adapter behaviour (IPC-16, IPC-11, SEC-24, …) against `kanmon/fastify` on Fastify 5. */
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Kanmon } from '../../src/login/types.js';
import { kanmonFastify } from '../../src/fastify/index.js';
import { type RunningServer, adapterBehaviour } from './behaviour.js';

adapterBehaviour({
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
});

async function routes(app: FastifyInstance, kanmon: Kanmon): Promise<RunningServer> {
  app.get('/bare', (_request, reply) => reply.send({ ok: true }));
  app.get('/me', { preHandler: app.kanmon.requireSession() }, (request, reply) => {
    const session = request.kanmon?.session;
    return reply.send({ subject: session?.subject, roles: session?.roles, amr: session?.amr });
  });
  app.get('/admin', { preHandler: app.kanmon.requireRole('admin') }, (_request, reply) => reply.send({ ok: true }));
  app.get('/mfa-only', { preHandler: app.kanmon.requireMfa() }, (_request, reply) => reply.send({ ok: true }));
  const toLogin = app.kanmon.requireSession({ onDenied: (_request, reply, denial) => reply.redirect(`/login?reason=${denial.code ?? ''}`, 303) });
  app.get('/page', { preHandler: toLogin }, (_request, reply) => reply.send({ ok: true }));
  for (const rule of ['office', 'branch', 'terminal', 'device', 'open']) {
    if (!Object.hasOwn(kanmon.policy.access.routes, rule)) continue;
    app.get(`/${rule}`, { preHandler: app.kanmon.requireAccess(rule) }, (_request, reply) => reply.send({ ok: true }));
  }
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { port: (app.server.address() as AddressInfo).port, close: () => app.close() };
}
