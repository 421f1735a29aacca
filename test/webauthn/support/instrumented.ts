// A kanmon with passkeys on whose account repository and audit sink are watched and can be broken on demand:
// what a sign-in writes to the app's accounts, and what it leaves behind when a dependency fails halfway.
import { randomBytes } from 'node:crypto';
import {
  type AccountPatch,
  type AccountRecord,
  type AccountRepository,
  type AuditRecord,
  type AuditSink,
  type PolicyOverrides,
  createAuditLog,
  createKanmon,
  createKeyRing,
  memoryAccounts,
  memoryAuditSink,
  memoryStore,
} from '../../../src/index.js';
import { okOf } from '../../support/results.js';
import { BUSINESS_DAY_10_JST, GOOD_PASSWORD, testPolicy } from '../../login/support.js';
import { createPasswordHasher, newAccount } from '../../../src/index.js';
import type { SoftAuthenticator } from './authenticator.js';
import { authenticator, inside, passkeyPolicy } from './world.js';

export interface Faults {
  /** The audit sink rejects the write of this event type (the log then refuses every append, as it does). */
  auditType: string | null;
  /** `AccountRepository.update` rejects with its driver's error. */
  update: boolean;
  /** `AccountRepository.findById` answers this many more calls, then rejects (`null`: never). */
  findByIdLeft: number | null;
}

export interface Instrumented {
  readonly kanmon: ReturnType<typeof createKanmon>;
  readonly tenant: string;
  readonly accountId: string;
  readonly auth: SoftAuthenticator;
  readonly faults: Faults;
  /** Every `AccountRepository.update` since the passkey was registered. */
  readonly updates: AccountPatch[];
  /** Called once, with the account, after the next `findById` answered (a change racing the sign-in). */
  afterNextRead: ((account: AccountRecord) => Promise<void>) | null;
  readonly accounts: ReturnType<typeof memoryAccounts>;
  events(): AuditRecord[];
  /** A fresh passwordless ceremony and `auth`'s assertion to it. */
  assertion(bend?: Parameters<SoftAuthenticator['get']>[1]): Promise<unknown>;
  finish(response: unknown): ReturnType<ReturnType<typeof createKanmon>['finishPasskeyAuthentication']>;
  /** The live sessions of the account. */
  liveSessions(): Promise<number>;
}

const driverError = (what: string) => Object.assign(new Error(`${what}: connect ECONNREFUSED 10.9.8.7:5432`), { code: 'ECONNREFUSED' });

/** sato, signed in once with the password, with `auth`'s passkey registered; the watch starts after that. */
export async function instrumented(overrides: PolicyOverrides = {}, auth: SoftAuthenticator = authenticator()): Promise<Instrumented> {
  const now = () => BUSINESS_DAY_10_JST;
  const policy = testPolicy({ ...passkeyPolicy(), ...overrides });
  const keyRing = createKeyRing({ keys: [{ id: 'k1', secret: randomBytes(32) }], current: 'k1' });
  const tenant = `city-${randomBytes(5).toString('hex')}`;
  const faults: Faults = { auditType: null, update: false, findByIdLeft: null };
  const updates: AccountPatch[] = [];
  const real = memoryAccounts([
    newAccount({ id: 'u-sato', tenant, username: 'sato', passwordHash: await createPasswordHasher({ policy, keyRing }).hash(GOOD_PASSWORD), passwordChangedAt: now(), roles: ['staff'] }),
  ]);
  let watching = false;
  const world = {} as { afterNextRead: Instrumented['afterNextRead'] };
  world.afterNextRead = null;
  const accounts: AccountRepository = {
    find: (t, u) => real.find(t, u),
    async findById(t, id) {
      if (faults.findByIdLeft !== null && faults.findByIdLeft-- <= 0) throw driverError('accounts.findById');
      const found = await real.findById(t, id);
      const hook = world.afterNextRead;
      if (hook !== null && found !== null) {
        world.afterNextRead = null;
        await hook(found);
      }
      return found;
    },
    async update(t, id, patch) {
      if (faults.update) throw driverError('accounts.update');
      if (watching) updates.push(patch);
      await real.update(t, id, patch);
    },
  };
  const sink = memoryAuditSink();
  const faulty: AuditSink = { ...sink, write: (record) => (record.type === faults.auditType ? Promise.reject(driverError('audit write')) : sink.write(record)) };
  const audit = createAuditLog({ sink: faulty, keyRing, stream: 'auth', now });
  const kanmon = createKanmon({ policy, store: memoryStore({ now }), accounts, keyRing, audit, now });

  const login = await kanmon.login({ tenant, username: 'sato', password: GOOD_PASSWORD, ...inside });
  if (login.status !== 'authenticated') throw new Error(JSON.stringify(login));
  const start = okOf(await kanmon.startPasskeyRegistration({ session: login.session }));
  okOf(await kanmon.finishPasskeyRegistration({ session: login.session, response: auth.create(start.options) }));
  await kanmon.sessions.logout(login.session);
  watching = true;

  return Object.assign(world, {
    kanmon,
    tenant,
    accountId: 'u-sato',
    auth,
    faults,
    updates,
    accounts: real,
    events: () => (sink.streams.get('auth')?.lines ?? []).map((line) => JSON.parse(line) as AuditRecord),
    async assertion(bend?: Parameters<SoftAuthenticator['get']>[1]) {
      const started = okOf(await kanmon.startPasskeyAuthentication({ tenant }));
      return auth.get(started.options, bend);
    },
    finish: (response: unknown) => kanmon.finishPasskeyAuthentication({ tenant, response, ...inside }),
    liveSessions: async () => (await kanmon.sessions.list(tenant, 'u-sato')).length,
  });
}
