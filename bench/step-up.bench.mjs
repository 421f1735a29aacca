// Step-up (issue 17 point 1, SEC-13), side by side in one run:
// - reauthenticate() with the password against login() and hasher.verify() alone, same account, OWASP Argon2id:
//   a reauthentication costs one hash, like a login (the lockout, the old session's logout, a new ES256 session,
//   the audit record are the rest).
// - the freshness rule of requireRecentAuth (checkRecentAuth) against the session verify requireSession runs before
//   it, and an administrative call with its actor's session checked (one epoch read) against the same call's work alone.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createAuditLog, createKanmon, createKeyRing, createPasswordHasher, definePolicy, memoryAccounts, memoryAuditSink, memoryStore, newAccount } from '../dist/index.js';
import { compare } from './harness.mjs';

const password = 'Kq7#vRt2!mZp';
const tenant = 'funabashi';

async function world() {
  const policy = definePolicy('funabashi', { mfa: { internalNetworks: ['10.0.0.0/8'] } });
  const keyRing = createKeyRing({ keys: [{ id: 'k1', secret: randomBytes(32) }], current: 'k1' });
  // Inside business hours, and the clock moves: sessions stay fresh for the whole run.
  const now = () => Date.UTC(2026, 3, 7, 1, 0, 0) + Math.floor(performance.now());
  const hasher = createPasswordHasher({ policy, keyRing });
  const accounts = memoryAccounts();
  const passwordHash = await hasher.hash(password);
  await accounts.create(newAccount({ id: 'u-1', tenant, username: 'sato', passwordHash, passwordChangedAt: now() }));
  await accounts.create(newAccount({ id: 'u-admin', tenant, username: 'kanri', passwordHash, passwordChangedAt: now(), roles: ['operator'] }));
  const audit = createAuditLog({ sink: memoryAuditSink(), keyRing, stream: 'bench', now });
  const kanmon = createKanmon({ policy, store: memoryStore({ now }), accounts, hasher, keyRing, audit, now });
  return { kanmon, hasher, passwordHash };
}

export default async function run() {
  const { kanmon, hasher, passwordHash } = await world();
  let n = 0;
  const ip = () => {
    n++;
    return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
  };
  const first = await kanmon.login({ tenant, username: 'sato', password, clientIp: ip(), tls: true });
  if (first.status !== 'authenticated') throw new Error(`bench login: ${JSON.stringify(first)}`);
  // Each reauthentication spends its session and answers the next one: the chain a user stepping up again would make.
  let session = first.session;
  await compare(
    'reauthenticate() vs login() vs hasher.verify() alone, Argon2id m=19456 KiB t=2 p=1',
    {
      'hasher.verify() alone': async () => {
        if (!(await hasher.verify(passwordHash, password)).valid) throw new Error('bench verify failed');
      },
      'kanmon.login() (whole flow)': async () => {
        const r = await kanmon.login({ tenant, username: 'sato', password, clientIp: ip(), tls: true });
        if (r.status !== 'authenticated') throw new Error(`bench login: ${JSON.stringify(r)}`);
      },
      'kanmon.reauthenticate({ session, password })': async () => {
        const r = await kanmon.reauthenticate({ session, password, clientIp: ip() });
        if (!r.ok) throw new Error(`bench reauthenticate: ${JSON.stringify(r)}`);
        session = r.session;
      },
    },
    { timeMs: 6000, rounds: 6, note: 'Same account, same hash, same run. reauthenticate() = epoch read + lockout reserve/succeed + verify + spend + logout + ES256 session + 1 audit record.' },
  );

  const admin = await kanmon.sessions.issue({ tenant, subject: 'u-admin', amr: ['pwd', 'otp', 'mfa'], roles: ['admin'] });
  const { token } = admin;
  await compare(
    'the step-up checks on a request: requireSession\'s verify, checkRecentAuth (requireRecentAuth), an admin call with and without its actor check',
    {
      'sessions.verify (what requireSession runs)': async () => {
        if (!(await kanmon.sessions.verify(token, { tenant })).ok) throw new Error('bench verify');
      },
      'checkRecentAuth (what requireRecentAuth adds)': () => {
        if (!kanmon.checkRecentAuth({ session: admin.session }).ok) throw new Error('bench recent');
      },
      'lockout.status (adminUnlock\'s own read, no actor check)': async () => {
        await kanmon.lockout.status({ tenant, account: 'sato', accountId: 'u-1' });
      },
      'kanmon.adminUnlock with actorSession (actor check + unlock + audit)': async () => {
        const r = await kanmon.adminUnlock({ tenant, actor: 'u-admin', actorSession: admin.session, accountId: 'u-1' });
        if (!r.ok) throw new Error(`bench adminUnlock: ${JSON.stringify(r)}`);
      },
    },
    { timeMs: 1500, note: 'memory store and sink; checkRecentAuth is a comparison of authTime with the clock, no store read.' },
  );
}
