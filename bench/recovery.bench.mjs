// Self-service password reset (issue 16): requestPasswordReset for an account that exists against a name
// that does not, interleaved slices, median of each. Their answers are the same bytes; their time must be
// too (within 10%): the same store calls, the same one keyed hash, the same audit record, and the app's
// `deliver` not awaited.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createAuditLog, createKanmon, createKeyRing, createPasswordHasher, definePolicy, memoryAccounts, memoryAuditSink, memoryStore, newAccount } from '../dist/index.js';
import { compare, figure } from './harness.mjs';

const tenant = 'funabashi';
const ACCOUNTS = 4000;

async function world() {
  // Self-service on, the throttles wide open: the bench measures the answered path, not the throttled one.
  const policy = definePolicy('funabashi', {
    mfa: { internalNetworks: ['10.0.0.0/8'] },
    recovery: { selfService: true, throttle: { maxRequestsPerAccount: 1000, maxRequestsPerIp: 1_000_000, windowMs: 60_000 } },
  });
  const keyRing = createKeyRing({ keys: [{ id: 'k1', secret: randomBytes(32) }], current: 'k1' });
  const now = () => Date.UTC(2026, 3, 7, 1, 0, 0) + Math.floor(performance.now());
  const passwordHash = await createPasswordHasher({ policy, keyRing }).hash('Kq7#vRt2!mZp');
  const accounts = memoryAccounts();
  for (let i = 0; i < ACCOUNTS; i++) await accounts.create(newAccount({ id: `u-${i}`, tenant, username: `user-${i}`, passwordHash, passwordChangedAt: now() }));
  const audit = createAuditLog({ sink: memoryAuditSink(), keyRing, stream: 'bench', now });
  let delivered = 0;
  // The application's deliver: enqueue and return (a mail queue insert), as docs/recovery.md asks.
  const deliver = () => {
    delivered++;
  };
  const kanmon = createKanmon({ policy, store: memoryStore({ now }), accounts, keyRing, audit, now, recovery: { deliver } });
  return { kanmon, delivered: () => delivered };
}

export default async function run() {
  const { kanmon, delivered } = await world();
  let n = 0;
  const request = (username) => {
    n++;
    const clientIp = `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
    return kanmon.requestPasswordReset({ tenant, username, clientIp, tls: true, userAgent: 'bench' }).then((r) => {
      if (!r.ok) throw new Error(`bench requestPasswordReset: ${JSON.stringify(r)}`);
    });
  };
  let known = 0;
  let unknown = 0;
  const rows = await compare(
    'requestPasswordReset: an account that exists vs a name that does not (medians within 10%)',
    {
      // async: the harness awaits each call (one request in flight, as one user's browser makes them).
      'known account': async () => request(`user-${known++ % ACCOUNTS}`),
      'unknown name': async () => request(`ghost-${unknown++}`),
    },
    { timeMs: 8000, rounds: 16 },
  );
  const a = rows['known account'].ops;
  const b = rows['unknown name'].ops;
  const gap = Math.abs(a - b) / Math.max(a, b);
  figure('requestPasswordReset: known vs unknown', {
    'known account, median ops/s': Math.round(a),
    'unknown name, median ops/s': Math.round(b),
    'known account, median µs': (1e6 / a).toFixed(1),
    'unknown name, median µs': (1e6 / b).toFixed(1),
    'difference of the medians': `${(gap * 100).toFixed(1)}% (limit 10%)`,
    'tokens delivered (known only)': delivered(),
  });
  if (gap > 0.1) {
    process.stdout.write(`\nrequestPasswordReset: known and unknown differ by ${(gap * 100).toFixed(1)}% (> 10%)\n`);
    process.exitCode = 1;
  }
}
