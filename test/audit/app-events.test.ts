/**
 * EXT-6, SEC-26: the application's own data events (access, change, export)
 * enter the same HMAC chain as kanmon's: appended from a route with the
 * session's actor, verified, queried, exported; undefined types and unknown
 * fields are refused with codes; editing one is detected.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import Fastify from 'fastify';
import { Controller, Get, Module, Param, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { z } from 'zod';
import { afterAll, describe, expect, it } from 'vitest';
import { createAuditLog } from '../../src/audit/create-audit-log.js';
import { defineAuditEvents, recordDigest } from '../../src/audit/define-audit-events.js';
import { exportAuditLog } from '../../src/audit/export.js';
import { findEvents } from '../../src/audit/query.js';
import { fileAuditSink } from '../../src/audit/sinks/file/file-sink.js';
import { memoryAuditSink } from '../../src/audit/sinks/memory.js';
import type { AuditSink } from '../../src/audit/sink.js';
import { verifyAuditLog } from '../../src/audit/verify/verify-audit-log.js';
import { KanmonError } from '../../src/errors.js';
import { kanmonExpress } from '../../src/express/index.js';
import { kanmonFastify } from '../../src/fastify/index.js';
import { KanmonModule, RecordData } from '../../src/nestjs/index.js';
import { PASSWORD, TENANT, cookiePair, request, testKanmon } from '../adapters/kit.js';
import { steppingClock, testKeyRing } from './support.js';

const keyRing = testKeyRing();
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const events = defineAuditEvents({
  'app.record.viewed': z.object({ recordId: z.string().max(64), screen: z.string().optional() }),
  'app.report.printed': z.object({ reportId: z.string(), copies: z.number().int().min(1) }),
});

async function refusal(promise: Promise<unknown>): Promise<KanmonError> {
  const err = await promise.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(KanmonError);
  return err as KanmonError;
}

describe('EXT-6, SEC-26: application events in the chain', () => {
  it('a declared app.* event is appended, chained, verified, queried and exported like a built-in one', async () => {
    const sink = memoryAuditSink();
    const log = createAuditLog({ sink, keyRing, stream: 'app', now: steppingClock(), events });
    await log.append({ type: 'auth.login.success', actor: 'u-yamada' });
    const viewed = await log.append({ type: 'app.record.viewed', actor: 'u-yamada', target: 'R-1', data: { recordId: 'R-1', screen: 'juminhyo' } });
    await log.append({ type: 'data.modify', actor: 'u-yamada', data: { recordIds: ['R-1'], beforeDigest: recordDigest({ a: 1 }), afterDigest: recordDigest({ a: 2 }) } });
    expect(viewed.seq).toBe(2);
    const verified = await verifyAuditLog(sink, keyRing);
    expect(verified).toMatchObject({ ok: true, count: 3, firstBad: null });
    const found = await findEvents(sink, { type: 'app.record.viewed' });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ type: 'app.record.viewed', actor: 'u-yamada', target: 'R-1', clauses: ['EXT-6', 'SEC-26'], after: { recordId: 'R-1', screen: 'juminhyo' } });
    const modify = await findEvents(sink, { type: ['data.modify'] });
    expect(modify[0]!.after).toEqual({ recordIds: ['R-1'], beforeDigest: recordDigest({ a: 1 }), afterDigest: recordDigest({ a: 2 }) });
    const exported = await exportAuditLog({ source: sink, keyRing, now: () => 1_775_000_100_000 });
    expect(exported.manifest.count).toBe(3);
    expect(Buffer.from(exported.data).toString('utf8')).toContain('"type":"app.record.viewed"');
    expect((await verifyAuditLog({ jsonl: exported.data, manifest: exported.manifest }, keyRing)).ok).toBe(true);
  });

  it('an undefined type is refused with ERR_AUDIT_FORMAT / undefined_event_type, also on a log declaring none', async () => {
    const log = createAuditLog({ sink: memoryAuditSink(), keyRing, stream: 'app', now: steppingClock(), events });
    const err = await refusal(log.append({ type: 'app.record.deleted', actor: 'u' }));
    expect(err.code).toBe('ERR_AUDIT_FORMAT');
    expect(err.details).toMatchObject({ reason: 'undefined_event_type' });
    const bare = createAuditLog({ sink: memoryAuditSink(), keyRing, stream: 'app', now: steppingClock() });
    expect((await refusal(bare.append({ type: 'app.record.viewed', data: { recordId: 'R-1' } }))).details).toMatchObject({ reason: 'undefined_event_type' });
    // the log is not closed by a refused event
    await expect(log.append({ type: 'app.record.viewed', data: { recordId: 'R-2' } })).resolves.toMatchObject({ seq: 1 });
  });

  it('an unknown field, a wrong field and a secret-looking field are refused with codes, for app and built-in data types', async () => {
    const log = createAuditLog({ sink: memoryAuditSink(), keyRing, stream: 'app', now: steppingClock(), events });
    const unknown = await refusal(log.append({ type: 'app.record.viewed', data: { recordId: 'R-1', residentName: '山田' } }));
    expect(unknown).toMatchObject({ code: 'ERR_AUDIT_FORMAT', details: { reason: 'unknown_field' } });
    const wrong = await refusal(log.append({ type: 'app.report.printed', data: { reportId: 'P', copies: 0 } }));
    expect(wrong).toMatchObject({ code: 'ERR_AUDIT_FORMAT', details: { reason: 'invalid_field' } });
    const builtIn = await refusal(log.append({ type: 'data.access', data: { recordIds: ['R-1'], note: 'x' } }));
    expect(builtIn).toMatchObject({ code: 'ERR_AUDIT_FORMAT', details: { reason: 'unknown_field' } });
    const digest = await refusal(log.append({ type: 'data.modify', data: { recordIds: ['R-1'], afterDigest: 'plain value' } }));
    expect(digest.details).toMatchObject({ reason: 'invalid_field' });
    const secretEvents = defineAuditEvents({ 'app.login.helper': z.object({ password: z.string() }) });
    const secretLog = createAuditLog({ sink: memoryAuditSink(), keyRing, stream: 'app', now: steppingClock(), events: secretEvents });
    expect((await refusal(secretLog.append({ type: 'app.login.helper', data: { password: 'x' } }))).message).toMatch(/secret/);
    expect(() => defineAuditEvents({ ['auth.login.success' as 'app.x']: z.object({}) })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });

  it('editing one application record on disk is detected like any other', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kanmon-app-events-'));
    dirs.push(dir);
    const log = createAuditLog({ sink: fileAuditSink({ dir }), keyRing, stream: 'app', now: steppingClock(), events });
    await log.append({ type: 'app.record.viewed', actor: 'u-yamada', data: { recordId: 'R-1' } });
    await log.append({ type: 'app.record.viewed', actor: 'u-yamada', data: { recordId: 'R-2' } });
    await log.append({ type: 'auth.logout', actor: 'u-yamada' });
    await log.close();
    expect((await verifyAuditLog(dir, keyRing)).ok).toBe(true);
    const file = join(dir, 'app', readdirSync(join(dir, 'app'))[0]!);
    writeFileSync(file, readFileSync(file, 'utf8').replace('"recordId":"R-2"', '"recordId":"R-9"'));
    expect((await verifyAuditLog(dir, keyRing)).firstBad).toMatchObject({ stream: 'app', seq: 2, reason: 'bad_mac' });
  });
});

/** A server with one data route; the records go to `sink`. */
async function serve(kind: 'express' | 'fastify' | 'nestjs-express' | 'nestjs-fastify', sink: AuditSink) {
  const { kanmon } = await testKanmon({ access: { requireTls: false } });
  const log = createAuditLog({ sink, keyRing, stream: 'app', now: steppingClock(), events });
  const describeRoute = (id: string) => ({ type: 'app.record.viewed' as const, target: id, data: { recordId: id } });
  if (kind === 'express') {
    const app = express();
    const auth = kanmonExpress(kanmon, { tenant: TENANT });
    app.post('/auth/login', auth.login());
    app.get('/records/:id', auth.recordData(log, (req) => describeRoute(String(req.params.id))), (req, res) => {
      res.json({ id: req.params.id });
    });
    const server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      port: (server.address() as AddressInfo).port,
      close: () => {
        server.closeAllConnections();
        return new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  }
  if (kind === 'nestjs-express' || kind === 'nestjs-fastify') {
    class RecordsController {
      show(params: { id: string }) {
        return { id: params.id };
      }
    }
    const proto = RecordsController.prototype;
    const show = Object.getOwnPropertyDescriptor(proto, 'show')!;
    RecordData(log, (req: { params: { id: string } }) => describeRoute(req.params.id))(proto, 'show', show);
    Get(':id')(proto, 'show', show);
    Param('id')(proto, 'show', 0);
    Controller('records')(RecordsController);
    class AppModule {}
    Module({ imports: [KanmonModule.forRoot({ kanmon, tenant: TENANT })], controllers: [RecordsController] })(AppModule);
    const nest: INestApplication = await NestFactory.create(AppModule, kind === 'nestjs-express' ? new ExpressAdapter() : new FastifyAdapter(), { logger: false });
    await nest.listen(0, '127.0.0.1');
    const server = nest.getHttpServer() as http.Server;
    return {
      port: (server.address() as AddressInfo).port,
      close: async () => {
        server.closeAllConnections();
        await nest.close();
      },
    };
  }
  const app = Fastify();
  await app.register(kanmonFastify, { kanmon, tenant: TENANT });
  app.get<{ Params: { id: string } }>('/records/:id', { preHandler: app.kanmon.recordData(log, (req) => describeRoute((req.params as { id: string }).id)) }, (req) => ({ id: req.params.id }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { port: (app.server.address() as AddressInfo).port, close: () => app.close() };
}

describe.each(['express', 'fastify', 'nestjs-express', 'nestjs-fastify'] as const)('EXT-6, SEC-26: recordData (RecordData on Nest) on %s', (kind) => {
  it("records the route's data access with the session's actor, tenant and client address; no session is a 401 and no record", async () => {
    const sink = memoryAuditSink();
    const server = await serve(kind, sink);
    try {
      const anonymous = await request(server.port, '/records/R-7');
      expect(anonymous.status).toBe(401);
      expect(await findEvents(sink, { type: 'app.record.viewed' })).toHaveLength(0);
      const login = await request(server.port, '/auth/login', { method: 'POST', body: { username: 'yamada', password: PASSWORD } });
      expect(login.status).toBe(200);
      const cookie = cookiePair(login.cookies[0]!);
      const viewed = await request(server.port, '/records/R-7', { headers: { cookie, 'user-agent': 'test-agent' } });
      expect(viewed.status).toBe(200);
      const records = await findEvents(sink, { type: 'app.record.viewed' });
      expect(records).toHaveLength(1);
      expect(records[0]).toMatchObject({ actor: 'u-yamada', tenant: TENANT, target: 'R-7', source: { ip: '127.0.0.1', userAgent: 'test-agent' }, after: { recordId: 'R-7' } });
      expect((await verifyAuditLog(sink, keyRing)).ok).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('an audit outage answers 503 and the data is not served unrecorded', async () => {
    const failing: AuditSink = { ...memoryAuditSink(), write: () => Promise.reject(new Error('disk full')) };
    const server = await serve(kind, failing);
    try {
      const login = await request(server.port, '/auth/login', { method: 'POST', body: { username: 'yamada', password: PASSWORD } });
      const answer = await request(server.port, '/records/R-7', { headers: { cookie: cookiePair(login.cookies[0]!) } });
      expect(answer.status).toBe(503);
      expect(answer.text).not.toContain('R-7');
      expect(answer.text).not.toContain('disk full');
    } finally {
      await server.close();
    }
  });
});

describe('EXT-6, SEC-26: an event check that appends to another log while a record is being written', () => {
  it('the record keeps its non-ASCII text (UTF-8, in its MAC too) when its check appended an ASCII record to another log meanwhile; both chains verify', async () => {
    const otherSink = memoryAuditSink();
    const other = createAuditLog({ sink: otherSink, keyRing, stream: 'other', now: steppingClock() });
    await other.append({ type: 'auth.login.failure', actor: 'first' }); // its head is read: appends seal synchronously
    const nested: Promise<unknown>[] = [];
    const reentrant = defineAuditEvents({
      'app.record.viewed': z.object({ recordId: z.string() }).refine(() => {
        nested.push(other.append({ type: 'auth.login.failure', actor: 'ascii-only' }));
        return true;
      }),
    });
    const sink = memoryAuditSink();
    const log = createAuditLog({ sink, keyRing, stream: 'app', now: steppingClock(), events: reentrant });
    await log.append({ type: 'app.record.viewed', actor: 'u-yamada', before: { name: '山田 太郎' }, data: { recordId: 'R-1' } });
    await Promise.all(nested);
    expect(nested).toHaveLength(1);
    expect((await verifyAuditLog(sink, keyRing)).ok).toBe(true);
    expect((await verifyAuditLog(otherSink, keyRing)).ok).toBe(true);
    // the record says what was appended (a record taken for ASCII would carry 山田 cut to one byte each)
    const line = sink.streams.get('app')?.lines[0] ?? '';
    expect((JSON.parse(line) as { before: unknown }).before).toEqual({ name: '山田 太郎' });
  });
});
