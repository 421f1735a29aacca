/** EXT-6, SEC-26 on a real PostgreSQL server: application events are stored, queried by their type and verified from the table. */
import pg from 'pg';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditLog } from '../../src/audit/create-audit-log.js';
import { defineAuditEvents } from '../../src/audit/define-audit-events.js';
import { findEvents } from '../../src/audit/query.js';
import { verifyAuditLog } from '../../src/audit/verify/verify-audit-log.js';
import { postgresAuditSink } from '../../src/postgres/audit-sink.js';
import { type PostgresServer, requireService, startPostgres } from '../support/services.js';
import { testKeyRing } from '../audit/support.js';

const available = requireService('postgres');
const keyRing = testKeyRing();

describe.skipIf(!available)('EXT-6, SEC-26: application events on postgresAuditSink', () => {
  let server: PostgresServer;
  let pool: pg.Pool;
  beforeAll(async () => {
    server = await startPostgres();
    pool = new pg.Pool({ connectionString: server.connectionString, max: 4 });
    pool.on('error', () => undefined);
    await postgresAuditSink({ pool }).migrate();
  });
  afterAll(async () => {
    await pool?.end();
    await server?.stop();
  });

  it('app.* and data.* records are found by their type (the SQL filter keeps them) and the chain verifies', async () => {
    const sink = postgresAuditSink({ pool });
    const events = defineAuditEvents({ 'app.record.viewed': z.object({ recordId: z.string() }) });
    const log = createAuditLog({ sink, keyRing, stream: 'pg-app', now: Date.now, events });
    await log.append({ type: 'auth.login.success', actor: 'u-1' });
    await log.append({ type: 'app.record.viewed', actor: 'u-1', data: { recordId: 'R-1' } });
    await log.append({ type: 'data.access', actor: 'u-1', data: { recordIds: ['R-1', 'R-2'] } });
    const viewed = await findEvents(sink, { type: 'app.record.viewed' });
    expect(viewed.map((r) => [r.actor, r.after])).toEqual([['u-1', { recordId: 'R-1' }]]);
    expect((await findEvents(sink, { type: ['data.access', 'app.record.viewed'] })).map((r) => r.type)).toEqual(['app.record.viewed', 'data.access']);
    expect((await findEvents(sink, { type: 'app.never.written' }))).toEqual([]);
    expect(await verifyAuditLog(sink, keyRing)).toMatchObject({ ok: true, count: 3 });
  });
});
