// The servers of bench/http.bench.mjs, in a child process so the load generator
// (autocannon, in the parent) does not share their event loop.
// Four servers on loopback: Fastify bare, Fastify + kanmon, Express bare, Express + kanmon; and, when the parent
// passes KANMON_BENCH_REDIS_URL, two Fastify + kanmon servers over Redis: with the session index (the store's
// entry lists, issue 17) and without (the same store with the entry lists hidden, as a store of the older contract).
// TLS ends at a "trusted proxy" (the bench client on 127.0.0.1 sends X-Forwarded-Proto: https).
import { randomBytes } from 'node:crypto';
import express from 'express';
import Fastify from 'fastify';
import { createAuditLog, createKanmon, createKeyRing, createPasswordHasher, definePolicy, memoryAccounts, memoryAuditSink, memoryStore } from '../dist/index.js';
import { kanmonExpress } from '../dist/express/index.js';
import { kanmonFastify } from '../dist/fastify/index.js';
import { redisStore } from '../dist/redis/index.js';
import { Redis } from 'ioredis';

const tenant = 'funabashi';
const now = () => Date.now();
const policy = definePolicy('funabashi', {
  hashing: { argon2: { memoryKiB: 1024, iterations: 1, parallelism: 1 } }, // not measured here
  mfa: { internalNetworks: ['127.0.0.0/8'] },
  access: { trustedProxies: ['127.0.0.1/32'] },
  session: { algorithm: 'ES256' },
});
const keyRing = createKeyRing({ keys: [{ id: 'k1', secret: randomBytes(32) }], current: 'k1' });
const store = memoryStore({ now });
const kanmonOver = (store) =>
  createKanmon({
    policy,
    store,
    accounts: memoryAccounts(),
    keyRing,
    audit: createAuditLog({ sink: memoryAuditSink(), keyRing, stream: 'bench', now, policy }),
    hasher: createPasswordHasher({ policy, keyRing }),
    now,
  });
const kanmon = kanmonOver(store);
const redisUrl = process.env.KANMON_BENCH_REDIS_URL;
const redisClient = redisUrl ? new Redis(redisUrl) : null;
const indexed = redisClient ? kanmonOver(redisStore({ client: redisClient })) : null;
// The same Redis store without the entry lists: sessions are not indexed (a store of the older contract).
const plainStore = redisClient ? redisStore({ client: redisClient, prefix: 'plain' }) : null;
const plain = plainStore
  ? kanmonOver(Object.fromEntries(Object.entries(plainStore).filter(([name]) => !['addEntry', 'listEntries', 'removeEntry', 'touchEntry'].includes(name))))
  : null;
// Fresh tokens for each measured run (the parent asks): a token older than refreshAfterMs (60 s) would be
// re-signed on every request, since autocannon keeps sending the one it was given.
const tokens = async () => ({
  token: (await kanmon.sessions.issue({ tenant, subject: 'u-1', amr: ['pwd'], roles: ['staff'] })).token,
  ...(indexed && plain
    ? {
        indexedToken: (await indexed.sessions.issue({ tenant, subject: 'u-1', amr: ['pwd'], roles: ['staff'], userAgent: 'autocannon', clientIp: '127.0.0.1' })).token,
        plainToken: (await plain.sessions.issue({ tenant, subject: 'u-1', amr: ['pwd'], roles: ['staff'] })).token,
      }
    : {}),
});

const listen = async (app) => {
  await app.listen({ port: 0, host: '127.0.0.1' });
  return app.server.address().port;
};
const expressListen = (app) =>
  new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve({ server, port: server.address().port }));
  });

const fastifyBare = Fastify();
fastifyBare.get('/bare', (_request, reply) => reply.send({ ok: true }));

const fastifyKanmon = Fastify();
await fastifyKanmon.register(kanmonFastify, { kanmon, tenant });
fastifyKanmon.get('/bare', (_request, reply) => reply.send({ ok: true }));
fastifyKanmon.get('/me', { preHandler: fastifyKanmon.kanmon.requireSession() }, (request, reply) => reply.send({ subject: request.kanmon.session.subject }));

const fastifyOver = async (k) => {
  const app = Fastify();
  await app.register(kanmonFastify, { kanmon: k, tenant });
  app.get('/me', { preHandler: app.kanmon.requireSession() }, (request, reply) => reply.send({ subject: request.kanmon.session.subject }));
  return app;
};
const fastifyRedisIndexed = indexed ? await fastifyOver(indexed) : null;
const fastifyRedisPlain = plain ? await fastifyOver(plain) : null;

const expressBare = express();
expressBare.get('/bare', (_req, res) => res.json({ ok: true }));

const expressKanmon = express();
const auth = kanmonExpress(kanmon, { tenant });
expressKanmon.use(auth.tls());
expressKanmon.get('/bare', (_req, res) => res.json({ ok: true }));
expressKanmon.get('/me', auth.requireSession(), (req, res) => res.json({ subject: req.kanmon.session.subject }));

const servers = {
  fastifyBare: await listen(fastifyBare),
  fastifyKanmon: await listen(fastifyKanmon),
};
const eb = await expressListen(expressBare);
const ek = await expressListen(expressKanmon);
servers.expressBare = eb.port;
servers.expressKanmon = ek.port;
if (fastifyRedisIndexed && fastifyRedisPlain) {
  servers.fastifyRedisIndexed = await listen(fastifyRedisIndexed);
  servers.fastifyRedisPlain = await listen(fastifyRedisPlain);
}

process.send({ servers, ...(await tokens()), cookieName: policy.session.cookieName });
process.on('message', async (message) => {
  // The server process's CPU time, so the parent can price each request in CPU µs:
  // a figure far less disturbed by other load on the machine than req/s.
  if (message === 'cpu') return process.send({ cpu: process.cpuUsage() });
  // Before each measured run (the parent starts this process with --expose-gc): the garbage of the previous case is
  // collected now, not during the next case's run, where its CPU time would be billed to that case.
  if (message === 'gc') {
    globalThis.gc?.();
    return process.send({ collected: typeof globalThis.gc === 'function' });
  }
  if (message === 'tokens') return process.send({ tokens: await tokens() });
  if (message !== 'close') return;
  await Promise.all([fastifyBare.close(), fastifyKanmon.close(), fastifyRedisIndexed?.close(), fastifyRedisPlain?.close()]);
  redisClient?.disconnect();
  eb.server.closeAllConnections();
  ek.server.closeAllConnections();
  eb.server.close();
  ek.server.close();
  process.exit(0);
});
