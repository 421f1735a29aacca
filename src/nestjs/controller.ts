/**
 * kanmon's JSON routes as a Nest controller: each method hands the request to the matching handler of
 * the HTTP core (`src/http/handlers/`) and sends its reply as is (`@Res()`: Nest adds nothing).
 */
import { Controller, Get, Inject, Post, Req, Res } from '@nestjs/common';
import { type BodilessRouteName, type BodyRouteName, type KanmonRuntime, bodilessRoutes, bodyRoutes, rawRequest, responseSent, sendReply } from './runtime.js';
import { KANMON_RUNTIME } from './tokens.js';

/** One method per route; the class is made per prefix by {@link kanmonController}. */
export type KanmonAuthController = { readonly [K in BodyRouteName | BodilessRouteName]: (req: unknown, res: unknown) => Promise<void> };

/**
 * The controller class of kanmon's routes under `prefix` (what `KanmonModule.forRoot({ routes })` mounts):
 * `POST {prefix}/login`, `/mfa`, `/password`, `/totp/enroll`, `/totp/confirm`, `/recovery-codes/regenerate`,
 * `/reauthenticate`, `/passkeys/register/start|finish`, `/passkeys/authenticate/start|finish`,
 * `/passkeys/reauthenticate/start|finish`, `/passkeys/rename`, `/passkeys/remove`, `/logout`,
 * `/password/reset/request`, `/password/reset/complete`, `/sessions/revoke`, `/sessions/revoke-others`,
 * `GET {prefix}/sessions` and `GET {prefix}/passkeys`. Mount it yourself (`routes: false` in the module, then list it in your
 * module's `controllers`) to put it under a module of your own.
 *
 * @example
 * ```ts
 * import { Module } from '@nestjs/common';
 * import { KanmonModule, kanmonController } from 'kanmon/nestjs';
 * declare const kanmon: import('kanmon/nestjs').HttpKanmon;
 * class AuthModule {}
 * Module({ imports: [KanmonModule.forRoot({ kanmon, tenant: 'funabashi', routes: false })], controllers: [kanmonController('/api/auth')] })(AuthModule);
 * ```
 */
export function kanmonController(prefix: string): new (runtime: KanmonRuntime) => KanmonAuthController {
  class KanmonController {
    readonly #runtime: KanmonRuntime;
    constructor(runtime: KanmonRuntime) {
      this.#runtime = runtime;
    }
    async handle(name: BodyRouteName | BodilessRouteName, req: unknown, res: unknown): Promise<void> {
      const runtime = this.#runtime;
      const state = runtime.begin(req, res);
      if (state === null) return;
      const raw = rawRequest(req);
      let reply;
      try {
        reply = Object.hasOwn(bodilessRoutes, name)
          ? await runtime.core.handlers[name as BodilessRouteName](raw, state)
          : await runtime.core.handlers[name as BodyRouteName](raw, state, await runtime.body(req));
      } catch (err) {
        reply = runtime.core.fail(err, state.lang);
      }
      if (!responseSent(res)) sendReply(res, reply);
    }
  }
  const proto = KanmonController.prototype as unknown as Record<string, unknown>;
  const routes: [BodyRouteName | BodilessRouteName, 'GET' | 'POST', string][] = [
    ...Object.entries(bodyRoutes).map(([name, path]) => [name as BodyRouteName, 'POST' as const, path] as [BodyRouteName, 'POST', string]),
    ...Object.entries(bodilessRoutes).map(([name, route]) => [name as BodilessRouteName, route.method, route.path] as [BodilessRouteName, 'GET' | 'POST', string]),
  ];
  for (const [name, method, path] of routes) {
    Object.defineProperty(proto, name, {
      value: function (this: KanmonController, req: unknown, res: unknown) {
        return this.handle(name, req, res);
      },
      writable: true,
      configurable: true,
    });
    const descriptor = Object.getOwnPropertyDescriptor(proto, name)!;
    Req()(proto, name, 0);
    Res()(proto, name, 1);
    (method === 'GET' ? Get(path) : Post(path))(proto, name, descriptor);
  }
  Controller(prefix)(KanmonController);
  Inject(KANMON_RUNTIME)(KanmonController, undefined, 0);
  return KanmonController as unknown as new (runtime: KanmonRuntime) => KanmonAuthController;
}
