// One of the processes of the cross-process race (race.test.ts): a real
// service instance with its own client, sharing one Redis or PostgreSQL with
// the others. Imports the built package, as a consumer would.
//
// argv[2]: JSON { store: 'redis' | 'postgres', url, tenant, account, attempts, correctAfter }
// IPC: sends 'ready', waits for 'go', fires `attempts` wrong passwords at once
// (and, when `correctAfter` is a number, the right one once that many answers
// came back), then sends { verifications, reasons, correct } and exits.
import { setTimeout as sleep } from 'node:timers/promises';
import { createLockout, definePolicy } from '../../dist/index.js';

const config = JSON.parse(process.argv[2]);
const RIGHT = 'correct horse battery staple';

let store;
let close;
if (config.store === 'redis') {
  const { Redis } = await import('ioredis');
  const { redisStore } = await import('../../dist/redis/index.js');
  const client = new Redis(config.url);
  client.on('error', () => undefined);
  store = redisStore({ client });
  close = () => client.quit();
} else {
  const { default: pg } = await import('pg');
  const { postgresStore } = await import('../../dist/postgres/index.js');
  const pool = new pg.Pool({ connectionString: config.url, max: 10 });
  pool.on('error', () => undefined);
  store = postgresStore({ pool });
  close = () => pool.end();
}

const lockout = createLockout({
  policy: definePolicy('funabashi', { lockout: { maxFailures: 5, perSource: { maxFailuresPerIp: null } } }),
  store,
  tenant: config.tenant,
  storeTimeoutMs: 30_000,
});

let verifications = 0;
/** The password check the lockout guards: counted, and slow like a real hash. */
async function verify(password) {
  verifications++;
  await sleep(5);
  return password === RIGHT;
}

async function attempt(password) {
  const reservation = await lockout.reserve(config.account);
  if (!reservation.ok) return reservation.reason;
  if (await verify(password)) {
    await lockout.succeed(config.account);
    return 'logged_in';
  }
  return 'wrong_password';
}

process.send('ready');
await new Promise((resolve) => process.once('message', resolve));

const reasons = {};
let answered = 0;
let correctAttempt = null;
await Promise.all(
  Array.from({ length: config.attempts }, async () => {
    const reason = await attempt('wrong password');
    reasons[reason] = (reasons[reason] ?? 0) + 1;
    answered++;
    if (answered === config.correctAfter) correctAttempt = attempt(RIGHT);
  }),
);
const correct = correctAttempt ? await correctAttempt : null;
process.send({ verifications, reasons, correct });
await close();
process.disconnect();
