/** The shared adapter behaviour (IPC-16, IPC-11, SEC-24, …) against `kanmon/express` on Express 5. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { kanmonExpress } from '../../src/express/index.js';
import { adapterBehaviour } from './behaviour.js';
import { PASSWORD, TENANT, request, testKanmon } from './kit.js';
import { expressAdapter } from './servers.js';

adapterBehaviour(expressAdapter);

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
