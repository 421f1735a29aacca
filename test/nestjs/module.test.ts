/**
 * `kanmon/nestjs` beyond the shared adapter suite: Nest's own body parser and error answers never reach
 * a kanmon route, the app's own routes keep Nest's answers, and the module's two ways of being imported.
 * Real Nest applications on loopback, both platforms.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { BadRequestException, Controller, Get, Module, type INestApplication, type NestApplicationOptions } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { KanmonModule, RequireAccess, RequireSession } from '../../src/nestjs/index.js';
import type { Kanmon } from '../../src/login/types.js';
import { PASSWORD, TENANT, request, testKanmon } from '../adapters/kit.js';

const platforms = [
  { name: 'express', adapter: () => new ExpressAdapter() },
  { name: 'fastify', adapter: () => new FastifyAdapter() },
] as const;

const apps: INestApplication[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) {
    (app.getHttpServer() as Server).closeAllConnections();
    await app.close();
  }
});

/** An app controller of its own: one route throwing Nest's BadRequestException, one guarded. */
function appController() {
  class OwnController {
    own() {
      throw new BadRequestException('the app said no');
    }
    guarded() {
      return { ok: true };
    }
  }
  const proto = OwnController.prototype;
  Get('own')(proto, 'own', Object.getOwnPropertyDescriptor(proto, 'own')!);
  const guarded = Object.getOwnPropertyDescriptor(proto, 'guarded')!;
  RequireSession()(proto, 'guarded', guarded);
  Get('guarded')(proto, 'guarded', guarded);
  Controller()(OwnController);
  return OwnController;
}

async function start(platform: (typeof platforms)[number], imports: unknown[], options: NestApplicationOptions = {}): Promise<number> {
  class AppModule {}
  Module({ imports: imports as never[], controllers: [appController()] })(AppModule);
  const app = await NestFactory.create(AppModule, platform.adapter(), { logger: false, ...options });
  apps.push(app);
  await app.listen(0, '127.0.0.1');
  return ((app.getHttpServer() as Server).address() as AddressInfo).port;
}

const open = () => testKanmon({ access: { requireTls: false } });
const login = (port: number, body: unknown, headers: Record<string, string> = {}) => request(port, '/auth/login', { method: 'POST', body, headers });
const coded = (answer: Awaited<ReturnType<typeof request>>) => (answer.json() as { error?: { code?: string } }).error?.code;

for (const platform of platforms) {
  describe(`kanmon/nestjs on Nest's ${platform.name} platform, Nest's body parser left on`, () => {
    it('a body within Nest\'s parser limit but over kanmon\'s 16 KiB is 413 payload_too_large, coded (not parsed and judged)', async () => {
      const { kanmon } = await open();
      const port = await start(platform, [KanmonModule.forRoot({ kanmon, tenant: TENANT })]);
      const answer = await login(port, { username: 'yamada', password: 'x'.repeat(40_000) }, { 'accept-language': 'en' });
      expect(answer.status).toBe(413);
      expect(answer.json()).toEqual({ error: { code: 'payload_too_large', message: expect.any(String) as string } });
      expect(answer.cookies).toEqual([]);
    });

    it('OWASP CSRF / SEC-24: a form post with the right credentials (which Nest\'s urlencoded parser reads) is 400 invalid_request, no session', async () => {
      const { kanmon } = await open();
      const port = await start(platform, [KanmonModule.forRoot({ kanmon, tenant: TENANT })]);
      const answer = await login(port, `username=yamada&password=${encodeURIComponent(PASSWORD)}`, { 'content-type': 'application/x-www-form-urlencoded' });
      expect(answer.status).toBe(400);
      expect(coded(answer)).toBe('invalid_request');
      expect(answer.cookies).toEqual([]);
      expect((await login(port, { username: 'yamada', password: PASSWORD })).status).toBe(200); // the same credentials as JSON log in
    });

    it('malformed JSON on a kanmon route and on a guarded app route: kanmon\'s coded body, never the parser\'s message', async () => {
      const { kanmon } = await open();
      const port = await start(platform, [KanmonModule.forRoot({ kanmon, tenant: TENANT })]);
      for (const path of ['/auth/login', '/guarded']) {
        const answer = await request(port, path, { method: path === '/guarded' ? 'GET' : 'POST', body: '{"username":', headers: { 'content-type': 'application/json', 'accept-language': 'en' } });
        // Fastify does not parse a GET body: the guard answers it (401 session_required), coded all the same.
        const expected = path === '/guarded' && platform.name === 'fastify' ? { status: 401, code: 'session_required' } : { status: 400, code: 'invalid_request' };
        expect({ status: answer.status, code: coded(answer) }).toEqual(expected);
        expect(Object.keys(answer.json() as object)).toEqual(['error']);
        expect(answer.text).not.toMatch(/JSON|position|Unexpected|statusCode/);
      }
    });

    it('the app\'s own routes keep Nest\'s answers (the global filter takes only kanmon\'s)', async () => {
      const { kanmon } = await open();
      const port = await start(platform, [KanmonModule.forRoot({ kanmon, tenant: TENANT })]);
      const own = await request(port, '/own');
      expect(own.status).toBe(400);
      expect(own.json()).toMatchObject({ message: 'the app said no', statusCode: 400 });
      expect((await request(port, '/nowhere')).status).toBe(404);
    });

    it('rawBody: true: kanmon reads the bytes Nest kept (invalid UTF-8 is 400, a good login 200)', async () => {
      const { kanmon } = await open();
      const port = await start(platform, [KanmonModule.forRoot({ kanmon, tenant: TENANT })], { rawBody: true });
      const bad = await request(port, '/auth/login', { method: 'POST', body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), headers: { 'content-type': 'application/json' } });
      expect(bad.status).toBe(400);
      expect(coded(bad)).toBe('invalid_request');
      expect((await login(port, { username: 'yamada', password: PASSWORD })).status).toBe(200);
    });

    it('forRootAsync: the options come from an injected provider', async () => {
      const { kanmon } = await open();
      const CONFIG = Symbol('config');
      class ConfigModule {}
      Module({ providers: [{ provide: CONFIG, useValue: { kanmon, tenant: TENANT } }], exports: [CONFIG] })(ConfigModule);
      const imported = KanmonModule.forRootAsync({ imports: [ConfigModule], inject: [CONFIG], useFactory: (config: { kanmon: Kanmon; tenant: string }) => config });
      const port = await start(platform, [imported]);
      const answer = await login(port, { username: 'yamada', password: PASSWORD });
      expect(answer.status).toBe(200);
      const me = await request(port, '/guarded', { headers: { cookie: (answer.cookies[0] ?? '').split(';')[0]! } });
      expect(me.status).toBe(200);
    });

    it('@RequireAccess with a rule the policy lacks fails the start with ERR_INVALID_ARGUMENT, not at the first request', async () => {
      const { kanmon } = await open();
      class Typo {}
      const proto = Typo.prototype as unknown as Record<string, () => unknown>;
      proto.x = () => ({});
      const descriptor = Object.getOwnPropertyDescriptor(proto, 'x')!;
      RequireAccess('no-such-rule')(proto, 'x', descriptor);
      Get('x')(proto, 'x', descriptor);
      Controller()(Typo);
      class AppModule {}
      Module({ imports: [KanmonModule.forRoot({ kanmon, tenant: TENANT })], controllers: [Typo] })(AppModule);
      await expect(NestFactory.create(AppModule, platform.adapter(), { logger: false, abortOnError: false })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    });
  });
}

describe('KanmonModule options', () => {
  it('routes must be a path prefix or false (ERR_INVALID_ARGUMENT)', async () => {
    const { kanmon } = await open();
    expect(() => KanmonModule.forRoot({ kanmon, tenant: TENANT, routes: 'auth' })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }) as Error);
  });
});
