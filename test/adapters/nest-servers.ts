/**
 * `kanmon/nestjs` on both Nest platforms for the shared suite (behaviour.ts): a real Nest application
 * (NestFactory, Nest's own body parser left ON, so its errors must not leak) with KanmonModule mounting
 * the routes and a test controller applying the decorators as functions (no decorator syntax, no
 * emitDecoratorMetadata: the way kanmon's own sources use them).
 */
import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ArgumentsHost, Catch, Controller, type ExceptionFilter, Get, Module, type INestApplication, UseFilters } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { CurrentSession, KanmonDenied, KanmonModule, RequireAccess, RequireMfa, RequireRecentAuth, RequireRole, RequireSession } from '../../src/nestjs/index.js';
import type { HttpAdapterOptions } from '../../src/http/create-http-core.js';
import type { Kanmon } from '../../src/login/types.js';
import type { Session } from '../../src/session/types.js';
import type { AdapterUnderTest, RunningServer, ServerTls } from './behaviour.js';

type Route = (...args: never[]) => unknown;

/** An HTML app's own refusal: a 303 to its login page, from an exception filter on the route. */
class ToLoginPage implements ExceptionFilter {
  catch(denied: KanmonDenied, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<ServerResponse | { raw: ServerResponse; code(s: number): { redirect(url: string, code?: number): void } }>();
    const location = `/login?reason=${denied.reply.code ?? ''}`;
    if ('raw' in res) res.code(303).redirect(location, 303);
    else res.writeHead(303, { location }).end();
  }
}
Catch(KanmonDenied)(ToLoginPage);

/** The test routes of behaviour.ts, with the rules the policy names. */
function testController(kanmon: Kanmon) {
  class TestController {}
  const proto = TestController.prototype as unknown as Record<string, Route>;
  const route = (name: string, path: string, handler: Route, ...decorators: MethodDecorator[]) => {
    // A function of its own per route: Nest keeps a route's metadata on the function.
    proto[name] = function (this: unknown, ...args: never[]) {
      return handler(...args);
    };
    const descriptor = Object.getOwnPropertyDescriptor(proto, name)!;
    for (const decorate of decorators) decorate(proto, name, descriptor);
    Get(path)(proto, name, descriptor);
  };
  const ok = () => ({ ok: true });
  route('bare', 'bare', ok);
  route('me', 'me', (session: Session | null) => ({ subject: session?.subject, roles: session?.roles, amr: session?.amr }), RequireSession());
  CurrentSession()(proto, 'me', 0);
  route('admin', 'admin', ok, RequireRole('admin'));
  route('mfaOnly', 'mfa-only', ok, RequireMfa());
  route('recent', 'recent', ok, RequireRecentAuth());
  route('recent60', 'recent-60', ok, RequireRecentAuth(60));
  route('page', 'page', ok, RequireSession(), UseFilters(ToLoginPage));
  for (const rule of ['office', 'branch', 'terminal', 'device', 'open']) {
    if (Object.hasOwn(kanmon.policy.access.routes, rule)) route(`access_${rule}`, rule, ok, RequireAccess(rule));
  }
  Controller()(TestController);
  return TestController;
}

function appModule(kanmon: Kanmon, options: HttpAdapterOptions) {
  class AppModule {}
  Module({ imports: [KanmonModule.forRoot({ kanmon, ...options })], controllers: [testController(kanmon)] })(AppModule);
  return AppModule;
}

async function listen(app: INestApplication): Promise<RunningServer> {
  await app.listen(0, '127.0.0.1');
  const server = app.getHttpServer() as Server;
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      server.closeAllConnections();
      await app.close();
    },
  };
}

const httpsOptions = (tls: ServerTls) => ({ key: tls.key, cert: tls.cert, ca: tls.ca, requestCert: tls.requestCert, rejectUnauthorized: false });

export const nestExpressAdapter: AdapterUnderTest = {
  name: 'nestjs-express',
  async serve(kanmon, options, tls) {
    const app = await NestFactory.create(appModule(kanmon, options), new ExpressAdapter(), { logger: false, ...(tls ? { httpsOptions: httpsOptions(tls) } : {}) });
    return listen(app);
  },
};

export const nestFastifyAdapter: AdapterUnderTest = {
  name: 'nestjs-fastify',
  async serve(kanmon, options, tls) {
    const app = await NestFactory.create(appModule(kanmon, options), new FastifyAdapter(tls ? { https: httpsOptions(tls) } : {}), { logger: false });
    return listen(app);
  },
};
