/** `KanmonModule`: one HTTP core per application, the TLS middleware, the global filter and (by default) the routes' controller. */
import { type DynamicModule, type MiddlewareConsumer, Module, type ModuleMetadata, type NestModule, type Provider } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { KanmonError } from '../errors.js';
import { kanmonController } from './controller.js';
import { KanmonExceptionFilter } from './filter.js';
import { KanmonTlsMiddleware } from './middleware.js';
import { type KanmonModuleOptions, createKanmonRuntime } from './runtime.js';
import { KANMON_MODULE_OPTIONS, KANMON_RUNTIME } from './tokens.js';

/** Where and how the module mounts itself (static: Nest needs a controller's path before any factory runs). */
export interface KanmonMountOptions {
  /**
   * Mount kanmon's JSON routes (see {@link kanmonController}) under this prefix. `false`: none (mount
   * `kanmonController(prefix)` yourself, or write your own controller over the same core).
   * @default '/auth'
   */
  readonly routes?: string | false;
  /**
   * Register {@link KanmonExceptionFilter} as a global filter (`APP_FILTER`), so the errors Nest's body
   * parser raises on kanmon's routes are kanmon's coded bodies too. `false`: add it yourself.
   * @default true
   */
  readonly globalFilter?: boolean;
}

/** `forRootAsync`'s options: Nest's factory provider shape, plus the static mount options. */
export interface KanmonModuleAsyncOptions extends KanmonMountOptions, Pick<ModuleMetadata, 'imports'> {
  /** Build the options (from a config service, a secret store, …). */
  readonly useFactory: (...args: never[]) => KanmonModuleOptions | Promise<KanmonModuleOptions>;
  /** Providers handed to `useFactory`. */
  readonly inject?: NonNullable<Extract<Provider, { useFactory: unknown }>['inject']>;
}

function mountOf(options: KanmonMountOptions) {
  const { routes = '/auth', globalFilter = true } = options;
  if (routes !== false && (typeof routes !== 'string' || !routes.startsWith('/'))) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', "routes must be a path prefix starting with '/' or false");
  }
  const controller = routes === false ? null : kanmonController(routes);
  const providers: Provider[] = [
    { provide: KANMON_RUNTIME, useFactory: (moduleOptions: KanmonModuleOptions) => createKanmonRuntime(moduleOptions, routes), inject: [KANMON_MODULE_OPTIONS] },
    KanmonExceptionFilter,
    ...(globalFilter ? [{ provide: APP_FILTER, useExisting: KanmonExceptionFilter }] : []),
  ];
  return { controllers: controller === null ? [] : [controller], providers };
}

/**
 * kanmon for NestJS 11+ (Express or Fastify platform): one HTTP core for the application (the same one
 * `kanmon/express` and `kanmon/fastify` use: cookies, TLS, client-IP rules, coded bodies), kanmon's JSON
 * routes under `/auth`, IPC-16 on every route, and the guards of the `@Require…()` decorators. Global.
 *
 * @example
 * ```ts
 * import { Module } from '@nestjs/common';
 * import { KanmonModule } from 'kanmon/nestjs';
 * declare const kanmon: import('kanmon/nestjs').HttpKanmon;
 * class AppModule {}
 * Module({ imports: [KanmonModule.forRoot({ kanmon, tenant: 'funabashi' })] })(AppModule);
 * ```
 */
export class KanmonModule implements NestModule {
  /**
   * The module from options known at start-up.
   *
   * @example
   * ```ts
   * import { KanmonModule } from 'kanmon/nestjs';
   * declare const kanmon: import('kanmon/nestjs').HttpKanmon;
   * const imported = KanmonModule.forRoot({ kanmon, tenant: 'funabashi', routes: '/api/auth' });
   * ```
   */
  static forRoot(options: KanmonModuleOptions & KanmonMountOptions): DynamicModule {
    const { routes, globalFilter, ...moduleOptions } = options;
    const mount = mountOf({ routes, globalFilter });
    return {
      module: KanmonModule,
      global: true,
      controllers: mount.controllers,
      providers: [{ provide: KANMON_MODULE_OPTIONS, useValue: moduleOptions }, ...mount.providers],
      exports: [KANMON_RUNTIME, KanmonExceptionFilter],
    };
  }

  /**
   * The module from options a factory makes (a config service, a secret store).
   *
   * @example
   * ```ts
   * import { KanmonModule } from 'kanmon/nestjs';
   * declare const makeKanmon: () => Promise<import('kanmon/nestjs').HttpKanmon>;
   * const imported = KanmonModule.forRootAsync({
   *   useFactory: async () => ({ kanmon: await makeKanmon(), tenant: 'funabashi' }),
   * });
   * ```
   */
  static forRootAsync(options: KanmonModuleAsyncOptions): DynamicModule {
    const { routes, globalFilter, useFactory, inject = [], imports = [] } = options;
    const mount = mountOf({ routes, globalFilter });
    return {
      module: KanmonModule,
      global: true,
      imports,
      controllers: mount.controllers,
      providers: [{ provide: KANMON_MODULE_OPTIONS, useFactory, inject }, ...mount.providers],
      exports: [KANMON_RUNTIME, KanmonExceptionFilter],
    };
  }

  /** The TLS middleware on every route (IPC-16). */
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(KanmonTlsMiddleware).forRoutes('*');
  }
}
Module({})(KanmonModule);
